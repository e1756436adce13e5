/**
 * `npm run e2e:ui`: the README's "Try it locally" guide, step by step, as a person does it. It starts `npm start` in
 * local mode (temp data dir, free ports), opens the Microsoft 365 Agents Playground in Debian's Chromium through
 * playwright-core and clicks and types what the guide says: the channel setup, the initiate wizard in the personal
 * chat, the CLI in a "second terminal" (only the data dir in its environment), the rules editor, the approval card,
 * a ticket that reaches Xurrent, and the status notices. A screenshot per step goes to docs/screenshots/. Needs
 * `npm run install-browser` first. Exits non-zero, with the step that failed, when any step does not go through.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Locator, type Page } from 'playwright-core';
import { freePort } from '../test/support/nodes.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shots = join(root, 'docs', 'screenshots');
const STEP_TIMEOUT_MS = 20_000;
const xurrentToken = 'local-globex-xurrent-token';

interface Walk {
  page: Page;
  playgroundUrl: string;
  servicePort: number;
  xurrentPort: number;
  dataDir: string;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'deskbridge-e2e-ui-'));
  const profile = mkdtempSync(join(tmpdir(), 'deskbridge-chromium-'));
  const [port, freshdesk, xurrent, playgroundPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const child = spawn(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'src', 'main.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        LOCAL_MODE: 'auto',
        PORT: String(port),
        HOST: '127.0.0.1',
        DESKBRIDGE_DATA_DIR: dataDir,
        LOCAL_FRESHDESK_PORT: String(freshdesk),
        LOCAL_XURRENT_PORT: String(xurrent),
        LOCAL_PLAYGROUND_PORT: String(playgroundPort),
        // The guide's status notices arrive within seconds rather than at the next minute.
        POLLER_HEALTH_CRON: '*/2 * * * * *',
        POLLER_SEND_INTERVAL_MS: '200',
        SLACK_SIGNING_SECRET: '',
        SLACK_APP_TOKEN: '',
        MICROSOFT_APP_ID: '',
        MICROSOFT_APP_PASSWORD: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (c) => {
    output += String(c);
  });
  child.stderr!.on('data', (c) => {
    output += String(c);
  });
  const until = Date.now() + 60_000;
  while (!output.includes('local mode is ready')) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`local mode did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: browserPath(),
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    mkdirSync(shots, { recursive: true });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await walkTheGuide({
      page,
      playgroundUrl: `http://127.0.0.1:${playgroundPort}`,
      servicePort: port,
      xurrentPort: xurrent,
      dataDir,
    });
    process.stdout.write('e2e:ui: the whole guide went through\n');
  } catch (error) {
    process.stderr.write(
      `e2e:ui: ${error instanceof Error ? error.message : String(error)}\n--- service ---\n${output}\n`,
    );
    process.exitCode = 1;
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The browser scripts/install-browser.sh installs or finds: E2E_BROWSER, Debian's Chromium, or Google Chrome. */
function browserPath(): string {
  const candidates = [
    process.env.E2E_BROWSER,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) throw new Error('no browser found: run `npm run install-browser` (or set E2E_BROWSER)');
  return found;
}

async function walkTheGuide(walk: Walk): Promise<void> {
  const { page } = walk;
  await page.goto(walk.playgroundUrl);
  await page.waitForLoadState('networkidle');
  await shot(page, '01-playground');

  // 1. In General: status notices, the approvals channel, me as an approver, self-approval.
  await openChannel(page, 'General');
  await expectReply(await postInChannel(page, 'subscribe all'), /subscribed to status changes/);
  await expectReply(await postInChannel(page, 'approvers channel'), /Approval cards go to/);
  await expectReply(await postInChannel(page, 'approvers add me'), /is now an approver/);
  await expectReply(await postInChannel(page, 'approvers self-approval on'), /[Ss]elf-approval is on/);
  await shot(page, '02-general-setup');

  // 2. In the personal chat: the initiate wizard, posted to General; the code stays on the finished card.
  const code = await walkInitiateWizard(page, `http://localhost:${walk.servicePort}/i/globex`);

  // 3. A second terminal: accept as globex, and list the connections (both sides active, acme's id).
  const accepted = await cli(walk, ['connections', 'accept', '--instance', 'globex', '--code', code]);
  if (!/accepted|active/i.test(accepted)) throw new Error(`connections accept said: ${accepted}`);
  const listed = JSON.parse(await cli(walk, ['connections', 'list', '--json'])) as {
    id: string;
    instanceSlug: string;
    status: string;
  }[];
  const acme = listed.find((c) => c.instanceSlug === 'acme');
  if (!acme || listed.some((c) => c.status !== 'active'))
    throw new Error(`connections list: ${JSON.stringify(listed)}`);

  // 4. In General: the rules editor, a change to the outgoing script, Request publish, then Approve on the card.
  await openChannel(page, 'General');
  const thread = await postInChannel(page, `rules ${acme.id}`);
  const editor = thread.locator('.ac-adaptiveCard').last();
  await editor.waitFor();
  const outgoing = editor.locator('textarea').first();
  await outgoing.click();
  await outgoing.press('End');
  await outgoing.press('Control+End');
  await page.keyboard.type('\n// reviewed in the Playground');
  await shot(page, '12-rules-editor');
  await clickAndWaitForChange(editor, 'Request publish');
  await expectText(editor, /waiting for approval/);
  const approvalCard = page
    .locator('[role=group].fui-Card')
    .filter({ hasText: 'Rules publish' })
    .first()
    .locator('.ac-adaptiveCard')
    .first();
  await approvalCard.waitFor();
  await approvalCard.scrollIntoViewIfNeeded();
  await shot(page, '13-approval-card');
  await clickAndWaitForChange(approvalCard, 'Approve');
  await expectText(approvalCard, /Approved/);
  await shot(page, '14-approved');

  // 5. A second terminal: what syncs, and a ticket in the simulated Freshdesk that reaches Xurrent.
  await cli(walk, ['triggers', 'add', acme.id, '--query', 'priority:>0']);
  const created = await cli(walk, ['local', 'ticket', 'Printer on fire']);
  if (!/Created Freshdesk ticket #\d+/.test(created)) throw new Error(`local ticket said: ${created}`);
  await eventually('the ticket in Xurrent', async () => {
    const response = await fetch(`http://127.0.0.1:${walk.xurrentPort}/v1/requests`, {
      headers: { authorization: `Bearer ${xurrentToken}`, 'x-xurrent-account': 'globex' },
    });
    const requests = (await response.json()) as { subject: string }[];
    return requests.some((r) => r.subject === 'Printer on fire');
  });

  // 6. General shows the status notices: the connection became active, then was paused from the CLI.
  await cli(walk, ['connections', 'deactivate', acme.id]);
  const notices = page.locator('[role=group].fui-Card');
  await notices.filter({ hasText: 'pending → active' }).first().waitFor();
  const paused = notices.filter({ hasText: 'active → deactivated' }).first();
  await paused.waitFor();
  await paused.scrollIntoViewIfNeeded();
  await shot(page, '15-status-notices');
}

/** The wizard of step 2; returns the invitation code read from the finished card. */
async function walkInitiateWizard(page: Page, globexUrl: string): Promise<string> {
  await page.locator('button', { hasText: 'Personal Chat' }).first().click();
  await compose(page, 'connect');
  const card = page.locator('.ac-adaptiveCard').last();
  await card.waitFor();
  await shot(page, '03-connect');
  await card.locator('input[type=text], input:not([type])').first().fill(globexUrl);
  await next(page, card, '04-destination');
  await card.locator('input[type=radio][value=script]').check();
  await next(page, card, '05-mode');
  await card.getByLabel('Remote instance short name').fill('Globex');
  await card.getByLabel('Connection name').fill('Acme to Globex');
  await shot(page, '06-names');
  await next(page, card, '07-project');
  await card.getByRole('combobox').first().click();
  await page.getByRole('option').first().click();
  await shot(page, '08-project-chosen');
  await next(page, card, '09-invitation-code', 'Initiate');
  if (!/DB1\./.test(await card.innerText())) throw new Error('no invitation code on the card');
  await card.getByRole('combobox').first().click();
  await page
    .getByRole('option', { name: /General/ })
    .first()
    .click();
  await next(page, card, '10-done', 'Done');
  // The guide says: post the invitation first, then copy the code, so the finished card keeps it.
  const code = /DB1\.[A-Za-z0-9_.-]+/.exec(await card.innerText())?.[0];
  if (!code) throw new Error(`the finished card has no code: ${await card.innerText()}`);
  await openChannel(page, 'General');
  await page.getByText('invites you to connect').first().waitFor();
  await shot(page, '11-invitation-in-channel');
  return code;
}

async function openChannel(page: Page, name: string): Promise<void> {
  await page.locator('button', { hasText: name }).first().click();
  await page.waitForTimeout(300);
}

/**
 * A new post in the open channel that mentions the bot, as a person types it: "@Te", pick Test Bot from the
 * mention menu, then the command. Returns the post's thread (the newest card holding the text).
 */
async function postInChannel(page: Page, text: string): Promise<Locator> {
  const box = page.locator('[contenteditable=true]').first();
  await box.click();
  await page.keyboard.type('@Te');
  await page.getByRole('menuitem', { name: 'Test Bot' }).click();
  await page.keyboard.type(` ${text}`);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  const thread = page.locator('[role=group].fui-Card').filter({ hasText: text }).first();
  await thread.waitFor();
  return thread;
}

/** Waits for the bot's answer in a thread. */
async function expectReply(thread: Locator, pattern: RegExp): Promise<void> {
  await expectText(thread, pattern);
}

async function expectText(where: Locator, pattern: RegExp): Promise<void> {
  await eventually(
    `text ${pattern}`,
    async () => pattern.test(await where.innerText()),
    async () => where.innerText(),
  );
}

async function eventually(
  what: string,
  check: () => Promise<boolean>,
  describe: () => Promise<string> = async () => '',
): Promise<void> {
  const until = Date.now() + STEP_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}. ${(await describe()).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Clicks a button of a card that is replaced in place (Action.Execute) and waits until it changed. */
async function clickAndWaitForChange(card: Locator, button: string): Promise<void> {
  const before = await card.innerText();
  await card.getByRole('button', { name: button, exact: true }).click();
  await eventually(`the card to change after ${button}`, async () => (await card.innerText()) !== before);
}

/** Clicks the card's Next (the wizard replaces the card in place, Action.Execute) and saves a screenshot. */
async function next(page: Page, card: Locator, name: string, button = 'Next'): Promise<void> {
  await clickAndWaitForChange(card, button);
  await shot(page, name);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(shots, `${name}.png`) });
  process.stdout.write(`saved docs/screenshots/${name}.png\n`);
}

/** Types a message in the chat's compose box and sends it. */
async function compose(page: Page, text: string): Promise<void> {
  const box = page.getByPlaceholder('Type a message...').or(page.locator('[contenteditable=true]')).first();
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/**
 * A command in a second terminal, as the guide gives it: the installed bin with nothing of the service's
 * environment but the data dir (the CLI finds the running service through it). Returns stdout; fails on exit != 0.
 */
function cli(walk: Walk, args: string[]): Promise<string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', DESKBRIDGE_DATA_DIR: walk.dataDir };
  return new Promise((resolve, reject) => {
    execFile(
      join(root, 'bin', 'deskbridge.mjs'),
      args,
      { cwd: root, env, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`deskbridge ${args.join(' ')} failed: ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

await main();
