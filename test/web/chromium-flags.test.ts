/**
 * The browser every browser test and benchmark launches (helpers/chromium.ts): it keeps Playwright's own
 * switches and runs no address-bar popup renderer beside the page, which cost the compare view ~0.8 s a load.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { BROWSER_UI_FEATURES, CHROMIUM, launchChromium } from '@runboard/test-kit/chromium';
import { waitFor } from '@runboard/test-kit/wait';
import { type Browser, chromium } from 'playwright-core';

/** Command lines of the browsers this process launched (Playwright starts them as our children). */
function childBrowserCommandLines(): string[][] {
  const lines: string[][] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (ppid === process.pid && args.includes('--remote-debugging-pipe')) lines.push(args);
    } catch {
      // The process ended while we looked.
    }
  }
  return lines;
}

async function browserUiTargets(browser: Browser): Promise<string[]> {
  const session = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = await session.send('Target.getTargets');
    return targetInfos.filter((t) => t.type === 'browser_ui').map((t) => t.url);
  } finally {
    await session.detach();
  }
}

test('the launched Chromium keeps every feature Playwright disables, in its one --disable-features switch', async (t) => {
  const browser = await launchChromium();
  t.after(() => browser.close());
  const launched = childBrowserCommandLines();
  assert.equal(launched.length, 1, 'one browser launched by this test');
  const lists = launched[0]!.filter((a) => a.startsWith('--disable-features=')).map((a) => a.split('=')[1]!.split(','));
  assert.ok(lists.length >= 2, `expected Playwright's switch and ours, got ${lists.length}`);
  // Chromium applies only the last one: it must carry Playwright's names as well as ours.
  const applied = new Set(lists.at(-1));
  const dropped = lists
    .slice(0, -1)
    .flat()
    .filter((name) => !applied.has(name));
  assert.deepEqual(dropped, [], 'features Playwright disables that our switch would re-enable');
  for (const name of BROWSER_UI_FEATURES) assert.ok(applied.has(name), `${name} not disabled`);
});

test('a page in the launched Chromium has no address-bar popup renderer beside it', async (t) => {
  const ours = await launchChromium();
  t.after(() => ours.close());
  const plain = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
  t.after(() => plain.close());
  const page = await ours.newPage();
  await page.goto('data:text/html,<p>page</p>');
  const control = await plain.newPage();
  await control.goto('data:text/html,<p>page</p>');
  // The plain browser shows what the check looks for; ours had at least as long to start the same renderer.
  await waitFor(async () => (await browserUiTargets(plain)).length > 0, {
    what: 'the plain browser to start its address-bar popup',
  });
  assert.deepEqual(await browserUiTargets(ours), []);
});
