// A node:test reporter `npm test` adds beside `spec`: after the run it prints the test files that took longest
// (each file's own wall time, its process start included), so a CI run that creeps towards its 20-minute budget
// says where the time went instead of leaving it to guesswork. Plain JS: node loads reporters before tsx's hooks.
import path from 'node:path';

const SHOWN = 15;

/** @param {AsyncIterable<{ type: string, data: { name?: string, file?: string, details?: { duration_ms?: number } } }>} source */
export default async function* slowestFiles(source) {
  /** @type {Map<string, number>} */
  const seconds = new Map();
  for await (const event of source) {
    const { name, file, details } = event.data;
    // A file's own completion event is named by its path; its tests carry the file too but a test's name.
    if (event.type === 'test:complete' && file && name === file && details?.duration_ms !== undefined)
      seconds.set(path.relative(process.cwd(), file), details.duration_ms / 1000);
  }
  const total = [...seconds.values()].reduce((a, b) => a + b, 0);
  const slowest = [...seconds].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  yield `\nslowest test files (of ${seconds.size}, ${total.toFixed(0)} s in all):\n`;
  for (const [file, s] of slowest) yield `${s.toFixed(1).padStart(7)} s  ${file}\n`;
}
