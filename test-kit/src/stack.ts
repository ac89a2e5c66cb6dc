/**
 * The whole stack for browser tests: a real API server on a fresh PostgreSQL database, the dashboard
 * (production build, rebuilt only when web sources changed) and headless Chromium.
 */
import fs from 'node:fs';
import { type RunningServer, startServer } from '@runboard/server';
import { type RunningWeb, startWeb } from '@runboard/web/start';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { serverOptions } from './options.ts';
import { type Gql, gqlClient } from './seed.ts';

export const RESULTS = 'test-results';

export interface Stack {
  apiUrl: string;
  webUrl: string;
  gql: Gql;
  browser: Browser;
  database: TestDatabase;
  /** A page that records its uncaught errors and console errors (see pageErrors, hydrationErrors). */
  newPage(): Promise<Page>;
  /** Stops the API server (every WebSocket drops). */
  stopApi(): Promise<void>;
  /** Starts it again on the same port. */
  startApi(): Promise<void>;
  /** A second API instance on another port over the same database (for writes while the first is down). */
  extraApi(): Promise<RunningServer & { gql: Gql }>;
  close(): Promise<void>;
}

function apiOptions(database: TestDatabase, port: number) {
  return serverOptions(database.url, `test-${database.name}`, { port, heartbeatTimeoutSeconds: 600 });
}

export async function startStack(): Promise<Stack> {
  fs.mkdirSync(RESULTS, { recursive: true });
  const database = await createTestDatabase();
  let api: RunningServer | null = await startServer(apiOptions(database, 0));
  const port = api.port;
  const extras: RunningServer[] = [];
  let web: RunningWeb;
  try {
    web = await startWeb({ port: 0, apiUrl: api.url });
  } catch (e) {
    await api.stop();
    await database.drop();
    throw e;
  }
  const browser = await launchChromium();
  const pages: Page[] = [];
  return {
    apiUrl: api.url,
    webUrl: web.url,
    gql: gqlClient(api.url),
    browser,
    database,
    async newPage() {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
      recordErrors(page);
      pages.push(page);
      return page;
    },
    async stopApi() {
      await api?.stop();
      api = null;
    },
    async startApi() {
      api = await startServer(apiOptions(database, port));
    },
    async extraApi() {
      const s = await startServer(apiOptions(database, 0));
      extras.push(s);
      return { ...s, gql: gqlClient(s.url) };
    },
    async close() {
      for (const p of pages) await p.close().catch(() => {});
      await browser.close().catch(() => {});
      await web.stop().catch(() => {});
      for (const s of extras) await s.stop().catch(() => {});
      await api?.stop().catch(() => {});
      await database.drop().catch(() => {});
    },
  };
}

const errorsOf = new WeakMap<Page, string[]>();

/** Keeps the page's uncaught errors and console errors (React reports hydration mismatches as either). */
function recordErrors(page: Page) {
  const errors: string[] = [];
  errorsOf.set(page, errors);
  page.on('pageerror', (e) => {
    console.error('[pageerror]', e.message);
    errors.push(`${page.url()}: ${e.message}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
  });
}

/** Uncaught errors and console errors a page from `stack.newPage()` has logged so far. */
export function pageErrors(page: Page): string[] {
  return [...(errorsOf.get(page) ?? [])];
}

// Minified React: #418 text differs, #423 the root re-rendered on the client, #425 text content mismatch.
const HYDRATION = /hydrat|react\.dev\/errors\/(418|423|425)\b|Minified React error #(418|423|425)\b/i;

/**
 * The hydration errors among pageErrors: the server rendered one thing and the browser another (a date in the
 * server's locale, Date.now() read twice, a value from `window`), so React threw away the server's HTML.
 */
export function hydrationErrors(page: Page): string[] {
  return pageErrors(page).filter((e) => HYDRATION.test(e));
}

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${RESULTS}/${name}.png`, fullPage: true });
}
