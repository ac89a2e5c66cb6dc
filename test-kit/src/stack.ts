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
      page.on('pageerror', (e) => console.error('[pageerror]', e.message));
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

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${RESULTS}/${name}.png`, fullPage: true });
}
