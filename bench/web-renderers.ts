/**
 * `npm run bench:web` (second part, BENCH_RENDERERS= skips it): the dashboard's chart module against
 * recharts 3 on the same data in headless Chromium, without a server in the way. web/bench/renderers-page.tsx
 * is bundled with esbuild (production React) and served from a loopback HTTP server; each shape is loaded
 * BENCH_LOADS times per renderer (plus a warm-up) and the median printed:
 *   draw  = navigation start -> every chart shows every run (SVG paths / canvas drawn / recharts curves)
 *   hover = mouse move over the first chart -> its tooltip shows
 * Shapes: compare (4 charts x 100 runs x 100 points per line, what /compare draws of 1,000 epochs after the
 * server's downsampling) and workspace (4 panels x 1,000 runs x 60 points per line).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, '../bench-results/renderers');
const LOADS = Number(process.env.BENCH_LOADS ?? 5);
const TIMEOUT_MS = 120_000;

export interface Shape {
  name: string;
  charts: number;
  runs: number;
  points: number;
  renderers: string[];
}

export const SHAPES: Shape[] = [
  { name: 'compare', charts: 4, runs: 100, points: 100, renderers: ['svg', 'canvas', 'recharts'] },
  { name: 'workspace', charts: 4, runs: 1000, points: 60, renderers: ['canvas', 'svg', 'recharts'] },
];

async function bundle(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: [path.resolve(HERE, '../web/bench/renderers-page.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    outdir: OUT,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  fs.writeFileSync(
    path.join(OUT, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="renderers-page.css">
<style>body{font:13px system-ui;margin:16px}.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
.chart{margin:0;border:1px solid #e5e7eb;border-radius:8px;padding:8px}</style></head>
<body><div id="root"></div><script type="module" src="renderers-page.js"></script></body></html>`,
  );
}

function serve(): Promise<{ url: string; close(): void }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = http.createServer((req, res) => {
    const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname) || 'index.html';
    const file = path.join(OUT, name);
    if (!fs.existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }),
    ),
  );
}

/** True once every chart shows `runs` lines, however the renderer draws them. */
function drawn({ charts, runs }: { charts: number; runs: number }): boolean {
  for (let c = 0; c < charts; c++) {
    const el = document.querySelector(`[data-testid="chart-${c}"]`);
    if (!el) return false;
    if (el.hasAttribute('data-drawn')) {
      if (Number(el.getAttribute('data-drawn')) < runs) return false;
      continue;
    }
    const paths = el.querySelectorAll('.run-line path.line-curve, path.recharts-line-curve');
    if (paths.length < runs || !Array.from(paths).every((p) => (p.getAttribute('d') ?? '').length > 0)) return false;
  }
  return true;
}

async function hoverMs(page: Page): Promise<number> {
  const plot = page.locator('[data-testid="chart-0-plot"]');
  const box = await plot.boundingBox();
  if (!box) return Number.NaN;
  const t0 = await page.evaluate(() => performance.now());
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(
    () => {
      const ours = document.querySelector('[data-testid="chart-0"] [data-testid="chart-tooltip"]');
      const theirs = document.querySelector('[data-testid="chart-0"] .recharts-tooltip-wrapper');
      return !!ours || (!!theirs && getComputedStyle(theirs).visibility === 'visible' && !!theirs.textContent);
    },
    undefined,
    { timeout: TIMEOUT_MS, polling: 'raf' },
  );
  const t1 = await page.evaluate(() => performance.now());
  await page.mouse.move(0, 0);
  return t1 - t0;
}

export interface RendererResult {
  shape: string;
  renderer: string;
  charts: number;
  runs: number;
  points: number;
  drawMs: number[];
  medianDrawMs: number;
  hoverMs: number[];
  medianHoverMs: number;
  timedOut: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2) : Number.NaN;
};

export async function benchRenderers(browser: Browser): Promise<RendererResult[]> {
  await bundle();
  const site = await serve();
  const out: RendererResult[] = [];
  try {
    for (const shape of SHAPES)
      for (const renderer of shape.renderers) {
        const draws: number[] = [];
        const hovers: number[] = [];
        let timedOut = false;
        for (let i = 0; i <= LOADS && !timedOut; i++) {
          const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
          try {
            await page.goto(
              `${site.url}/index.html?renderer=${renderer}&charts=${shape.charts}&runs=${shape.runs}&points=${shape.points}`,
              { waitUntil: 'commit' },
            );
            await page.waitForFunction(drawn, shape, { timeout: TIMEOUT_MS, polling: 'raf' });
            const ms = await page.evaluate(() => performance.now());
            const hover = await hoverMs(page);
            if (i > 0) {
              draws.push(ms);
              hovers.push(hover);
            }
            console.log(
              `  ${shape.name} ${renderer} ${i === 0 ? 'warm-up' : `load ${i}`}: drawn ${ms.toFixed(0)} ms, hover ${hover.toFixed(0)} ms`,
            );
          } catch (e) {
            timedOut = true;
            console.log(
              `  ${shape.name} ${renderer}: not drawn within ${TIMEOUT_MS / 1000} s (${(e as Error).message.split('\n')[0]})`,
            );
          } finally {
            await page.close();
          }
        }
        out.push({
          shape: shape.name,
          renderer,
          charts: shape.charts,
          runs: shape.runs,
          points: shape.points,
          drawMs: draws.map(Math.round),
          medianDrawMs: Math.round(median(draws)),
          hoverMs: hovers.map(Math.round),
          medianHoverMs: Math.round(median(hovers)),
          timedOut,
        });
      }
  } finally {
    site.close();
  }
  console.log('renderer comparison (same data, no server; median over loads, navigation start -> drawn):');
  for (const r of out)
    console.log(
      `  ${r.shape.padEnd(9)} ${`${r.charts} x ${r.runs} runs x ${r.points} pts`.padEnd(24)} ${r.renderer.padEnd(8)} draw ${r.timedOut ? `> ${TIMEOUT_MS} ms (timed out)` : `${r.medianDrawMs} ms`}, hover ${r.medianHoverMs} ms`,
    );
  return out;
}
