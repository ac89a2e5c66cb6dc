import type pg from 'pg';
import { inTransaction } from '../../db/database.ts';
import { assertId, badInput, notFound } from '../../graphql/errors.ts';
import { AsyncQueue } from '../../pubsub/async-queue.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import { type LogsNotice, notifyPg, topics } from '../../pubsub/topics.ts';
import { checkPageSize, sanitiseText } from '../validate.ts';

export interface LogLine {
  line: number;
  stream: 'STDOUT' | 'STDERR';
  text: string;
  time: Date;
}

const MAX_LINE = 16_384;
const MAX_LINES_PER_REQUEST = 10_000;

/** Trainer stdout/stderr, numbered per run; appended by agents, read by paging or live tail. */
export class LogService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
  ) {}

  async append(
    runIdRaw: string,
    lines: { stream: 'STDOUT' | 'STDERR'; text: string; time?: Date | null }[],
  ): Promise<number> {
    const runId = assertId('Run', runIdRaw);
    if (lines.length > MAX_LINES_PER_REQUEST) throw badInput('lines', `at most ${MAX_LINES_PER_REQUEST} per request`);
    if (lines.length === 0) return 0;
    return inTransaction(this.pool, async (c) => {
      // The counter on the run row numbers lines gap-free and serialises concurrent appends.
      const { rows } = await c.query<{ last: number }>(
        `UPDATE runs SET log_lines = log_lines + $2 WHERE id = $1 RETURNING log_lines AS last`,
        [runId, lines.length],
      );
      if (!rows[0]) throw notFound('Run', runIdRaw);
      const first = rows[0].last - lines.length + 1;
      const now = new Date();
      await c.query(
        `INSERT INTO run_logs (run_id, line, stream, text, time)
         SELECT $1, $2 + i - 1, s::"LogStream", t, w FROM unnest($3::text[], $4::text[], $5::timestamptz[]) WITH ORDINALITY AS u(s, t, w, i)`,
        [
          runId,
          first,
          lines.map((l) => l.stream),
          // Trainer output is kept whatever it holds: NUL and lone surrogates become U+FFFD, never a refused batch.
          lines.map((l) => sanitiseText(l.text.slice(0, MAX_LINE))),
          lines.map((l) => l.time ?? now),
        ],
      );
      await notifyPg(c, { type: 'logs', runId, line: rows[0].last });
      return rows[0].last;
    });
  }

  async page(runId: string, after: number | null | undefined, first: number | null | undefined) {
    const limit = checkPageSize(first, 1000, 10_000);
    const { rows } = await this.pool.query<LogLine>(
      `SELECT line, stream::text AS stream, text, time FROM run_logs WHERE run_id = $1 AND line > $2 ORDER BY line LIMIT $3`,
      [runId, after ?? 0, limit + 1],
    );
    return { lines: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /** Live tail: replays lines after `afterLine`, then streams new ones in order, without gaps. */
  tail(runIdRaw: string, afterLine: number): AsyncIterableIterator<{ runId: string; lines: LogLine[] }> {
    const runId = assertId('Run', runIdRaw);
    let last = afterLine;
    let chain: Promise<void> = Promise.resolve();
    const unsubscribers: (() => void)[] = [];
    const queue = new AsyncQueue<{ runId: string; lines: LogLine[] }>(() => unsubscribers.forEach((u) => u()));
    const catchUp = () => {
      chain = chain
        .then(async () => {
          for (;;) {
            const { lines, hasMore } = await this.page(runId, last, 5000);
            if (lines.length) {
              last = lines.at(-1)!.line;
              queue.push({ runId, lines });
            }
            if (!hasMore) break;
          }
        })
        .catch((err) => queue.fail(err));
    };
    unsubscribers.push(this.listener.subscribe(topics.logs(runId), (n: LogsNotice) => n.line > last && catchUp()));
    unsubscribers.push(this.listener.onResync(catchUp));
    catchUp();
    return queue;
  }
}
