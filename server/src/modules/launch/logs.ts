import type pg from 'pg';
import { assertId, badInput, notFound } from '../../core/errors.ts';
import { checkPageSize, sanitiseText } from '../../core/validate.ts';
import { inTransaction } from '../../db/database.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import { type Push, resumableStream } from '../../pubsub/stream.ts';
import { notifyPg, topics } from '../../pubsub/topics.ts';
import { insertLogLines, type LogLine, logLinesAfter, reserveLogLines } from './store.ts';

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
      const last = await reserveLogLines(c, runId, lines.length);
      if (last === null) throw notFound('Run', runIdRaw);
      const now = new Date();
      await insertLogLines(
        c,
        runId,
        last - lines.length + 1,
        // Trainer output is kept whatever it holds: NUL and lone surrogates become U+FFFD, never a refused batch.
        lines.map((l) => ({ stream: l.stream, text: sanitiseText(l.text.slice(0, MAX_LINE)), time: l.time ?? now })),
      );
      await notifyPg(c, { type: 'logs', runId, line: last });
      return last;
    });
  }

  async page(runId: string, after: number | null | undefined, first: number | null | undefined) {
    const limit = checkPageSize(first, 1000, 10_000);
    const rows = await logLinesAfter(this.pool, runId, after ?? 0, limit + 1);
    return { lines: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /**
   * Live tail: replays lines after `afterLine`, then streams new ones in order, without gaps. On
   * resumableStream, so a read that fails while PostgreSQL is away pauses the tail and it resumes from the last
   * line delivered (it used to end the subscription).
   */
  tail(runIdRaw: string, afterLine: number): AsyncIterableIterator<{ runId: string; lines: LogLine[] }> {
    const runId = assertId('Run', runIdRaw);
    let last = afterLine;
    const catchUp = async (push: Push<{ runId: string; lines: LogLine[] }>) => {
      for (;;) {
        const { lines, hasMore } = await this.page(runId, last, 5000);
        if (lines.length) {
          last = lines.at(-1)!.line;
          push({ runId, lines });
        }
        if (!hasMore) break;
      }
    };
    return resumableStream(this.listener, {
      topics: [topics.logs(runId)],
      start: catchUp,
      notice: async (n, push) => {
        if (n.line > last) await catchUp(push);
      },
      replay: catchUp,
    });
  }
}
