/**
 * `npm run e2e:ui`: starts `npm start` in local mode (temp data dir, free ports), opens the Agents Playground in
 * Debian's Chromium through playwright-core, walks the initiate wizard in its UI, and saves screenshots to
 * docs/screenshots/. Not part of `npm test`; needs scripts/install-browser.sh first.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Locator, type Page } from 'playwright-core';
import { freePort } from '../test/support/nodes.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shots = join(root, 'docs', 'screenshots');

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
        SLACK_SIGNING_SECRET: '',
        SLACK_APP_TOKEN: '',
        MICROSOFT_APP_ID: '',
        MICROSOFT_APP_PASSWORD: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (c) => (output += String(c)));
  child.stderr!.on('data', (c) => (output += String(c)));
  const browser = await (async () => {
    const until = Date.now() + 60_000;
    while (!output.includes('local mode is ready')) {
      if (child.exitCode !== null || Date.now() > until) throw new Error(`local mode did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1400, height: 900 },
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
  })();
  try {
    mkdirSync(shots, { recursive: true });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await walkInitiateWizard(page, `http://127.0.0.1:${playgroundPort}`, `http://localhost:${port}/i/globex`);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(shots, `${name}.png`) });
  process.stdout.write(`saved docs/screenshots/${name}.png\n`);
}

async function walkInitiateWizard(page: Page, playgroundUrl: string, globexUrl: string): Promise<void> {
  await page.goto(playgroundUrl);
  await page.waitForLoadState('networkidle');
  await shot(page, '01-playground');
  await page.locator('button', { hasText: 'Personal Chat' }).first().click();
  await compose(page, 'connect');
  const card = page.locator('.ac-adaptiveCard').last();
  await card.waitFor();
  await shot(page, '02-connect');
  await card.locator('input[type=text], input:not([type])').first().fill(globexUrl);
  await next(page, card, '03-destination');
  await card.locator('input[type=radio][value=script]').check();
  await next(page, card, '04-mode');
  await card.getByLabel('Remote instance short name').fill('Globex');
  await card.getByLabel('Connection name').fill('Acme to Globex');
  await shot(page, '05-names');
  await next(page, card, '06-project');
  await card.getByRole('combobox').first().click();
  await page.getByRole('option').first().click();
  await shot(page, '07-project-chosen');
  await next(page, card, '08-invitation-code', 'Initiate');
  if (!/DB1\./.test(await card.innerText())) throw new Error('no invitation code on the card');
  await card.getByRole('combobox').first().click();
  await page.getByRole('option').first().click();
  await next(page, card, '09-done', 'Done');
  if (!(await card.innerText()).includes('Done.')) throw new Error('the wizard did not finish');
  await page.locator('button', { hasText: 'General' }).first().click();
  await page.getByText('invites you to connect').first().waitFor();
  await shot(page, '10-invitation-in-channel');
}

/** Clicks the card's Next (the wizard replaces the card in place, Action.Execute) and saves a screenshot. */
async function next(page: Page, card: Locator, name: string, button = 'Next'): Promise<void> {
  const before = await card.innerText();
  await card.getByRole('button', { name: button, exact: true }).click();
  const until = Date.now() + 15_000;
  while ((await card.innerText()) === before) {
    if (Date.now() > until) throw new Error(`the card did not change after Next (${name})`);
    await page.waitForTimeout(100);
  }
  await shot(page, name);
}

async function _dump(card: Locator): Promise<void> {
  if (!process.env.E2E_DUMP) return;
  process.stdout.write(
    await card.evaluate((el) =>
      [...el.querySelectorAll('input,textarea,select,button,[role=button],[role=radio],[role=combobox],[role=option]')]
        .map(
          (e) =>
            `${e.tagName} ${e.getAttribute('type') ?? ''} role=${e.getAttribute('role') ?? ''} ${e.getAttribute('aria-label') ?? ''} ${e.getAttribute('value') ?? ''} ${(e.textContent ?? '').slice(0, 40)}`,
        )
        .join('\n'),
    ),
  );
  process.stdout.write(`\n${await card.innerText()}\n`);
}

/** Types a message in the compose box and sends it. */
async function compose(page: Page, text: string): Promise<void> {
  const box = page.getByPlaceholder('Type a message...').or(page.locator('[contenteditable=true]')).first();
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

await main();
