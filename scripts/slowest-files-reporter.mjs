// A node:test reporter `npm test` adds beside `spec`: it appends each test file's wall time (its process start
// included) to the file SLOWEST_FILES_OUT names, as each file completes, and prints nothing itself.
// scripts/test.ts prints the slowest of them after the run, so a CI run that creeps towards its 20-minute budget
// says where the time went. Written as files complete, not at the end, because --test-force-exit ends the process
// before a reporter's stream is drained. Plain JS: node loads reporters before tsx's hooks apply.
import { appendFileSync } from 'node:fs';
import path from 'node:path';

/** @param {AsyncIterable<{ type: string, data: { name?: string, file?: string, details?: { duration_ms?: number } } }>} source */
export default async function* slowestFiles(source) {
  const out = process.env.SLOWEST_FILES_OUT;
  for await (const event of source) {
    const { name, file, details } = event.data;
    // A file's own completion event is named by its path; its tests carry the file too but a test's name.
    if (out && event.type === 'test:complete' && file && name === file && details?.duration_ms !== undefined)
      appendFileSync(out, `${(details.duration_ms / 1000).toFixed(1)}\t${path.relative(process.cwd(), file)}\n`);
  }
  yield '';
}

/**
 * The `shown` slowest files of what the reporter wrote, as lines to print.
 * @param {string} text the reporter's file: "<seconds>\t<path>" per line
 */
export function slowestFilesReport(text, shown = 15) {
  const rows = text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [s, file] = line.split('\t');
      return { s: Number(s), file };
    });
  const total = rows.reduce((a, r) => a + r.s, 0);
  const slowest = rows.sort((a, b) => b.s - a.s).slice(0, shown);
  const lines = slowest.map((r) => `${r.s.toFixed(1).padStart(7)} s  ${r.file}`);
  return [`slowest test files (of ${rows.length}, ${total.toFixed(0)} s in all):`, ...lines].join('\n');
}
