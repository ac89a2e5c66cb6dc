/**
 * Completion for the filter box: the word being typed at the end of the filter, completed to a field
 * (`name`, `status`...), a config path (`config.augmentation.flip`), a metric key (`metrics.val_acc`,
 * `max(metrics.val_acc)`) or, after `status =`, a status. Each suggestion is the whole filter text with
 * that word completed, which is what a <datalist> offers.
 */

/** Plain run fields a filter may name (the server's filter/ast.ts COLUMN_NAMES). */
export const FILTER_FIELDS = [
  'name',
  'status',
  'tags',
  'notes',
  'createdAt',
  'updatedAt',
  'startedAt',
  'finishedAt',
  'id',
  'experimentId',
];
const STATUSES = ['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'CRASHED', 'CANCELED'];

/** Quotes a path segment for the filter language when it is not a plain word. */
export function fieldSegment(name: string): string {
  return /^[\p{L}_][\p{L}\p{N}_\-/]*$/u.test(name) ? name : `\`${name.replace(/`/g, '\\`')}\``;
}

const configField = (path: string) => `config.${path.split('.').map(fieldSegment).join('.')}`;
const metricField = (key: string) => `metrics.${fieldSegment(key)}`;

/** Suggestions for `text` (at most `limit`), given the experiment's config paths and metric keys. */
export function filterCompletions(
  text: string,
  configKeys: readonly string[],
  metricKeys: readonly string[],
  limit = 50,
): string[] {
  const status = /\bstatus\s*(?:=|!=)\s*([A-Za-z]*)$/.exec(text);
  if (status) return complete(text, status[1]!, STATUSES, limit);
  // The word being typed: everything after the last space, comma or opening parenthesis that is not min( / max(.
  const word = /(?:^|[\s,(])((?:min|max)\([^\s()]*|[^\s,()]*)$/.exec(text)?.[1] ?? '';
  const agg = /^(min|max)\(/.exec(word)?.[1];
  const candidates = agg
    ? metricKeys.map((k) => `${agg}(${metricField(k)})`)
    : [...FILTER_FIELDS, ...configKeys.map(configField), ...metricKeys.map(metricField), 'min(', 'max('];
  return complete(text, word, candidates, limit);
}

function complete(text: string, word: string, candidates: readonly string[], limit: number): string[] {
  const head = text.slice(0, text.length - word.length);
  const lower = word.toLowerCase();
  const out: string[] = [];
  for (const c of candidates) {
    if (c.length > word.length && c.toLowerCase().startsWith(lower)) out.push(head + c);
    if (out.length >= limit) break;
  }
  return out;
}
