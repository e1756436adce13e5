import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/nodes.ts';
import { registerTestInstance } from '../support/story.ts';

/**
 * `GET /i/{slug}` is the one public page of an instance: what a partner's node reads before it connects. Anyone can
 * ask it anything, so a miss must say no more than a path nothing is served at (issue 18, finding 12).
 */
describe('GET /i/{slug}: public instance info, and a plain 404 for anything else', () => {
  let node: TestNode;
  let acmeId: string;

  beforeAll(async () => {
    node = await startTestNode('info');
    acmeId = (await registerTestInstance(node.deps, 'acme', 'freshdesk')).id;
    await registerTestInstance(node.deps, 'initech-secret-project', 'freshservice');
  });
  afterAll(() => node?.stop());

  const get = async (path: string) => {
    const res = await fetch(`${node.url}${path}`);
    return { status: res.status, text: await res.text() };
  };

  it('serves an instance by its slug', async () => {
    const acme = await get('/i/acme');
    expect(acme.status).toBe(200);
    expect(JSON.parse(acme.text)).toMatchObject({ name: 'Acme', platform: 'freshdesk', url: node.instanceUrl('acme') });
  });

  it('an unknown slug is a plain 404: no list of the instances this node serves', async () => {
    const unknown = await get('/i/nope');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toEqual({
      error: { code: 'not_found', message: 'There is no instance "nope" on this node.' },
    });
    expect(unknown.text).not.toContain('acme');
    expect(unknown.text).not.toContain('initech-secret-project');
  });

  it("an instance's id does not resolve: the public URL names a slug only", async () => {
    expect(acmeId).toMatch(/^[0-9a-f-]{36}$/);
    const byId = await get(`/i/${acmeId}`);
    expect(byId.status).toBe(404);
    expect(JSON.parse(byId.text)).toEqual({
      error: { code: 'not_found', message: `There is no instance "${acmeId}" on this node.` },
    });
  });
});
