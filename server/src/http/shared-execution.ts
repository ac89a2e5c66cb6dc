import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  getOperationAST,
  print,
} from 'graphql';
import { telemetry } from '../core/telemetry.ts';

/**
 * Subscription fields whose answer to an event depends only on the event and the selection, never on who
 * subscribed: no field below them reads the caller's scope or the variables. A metric batch followed by
 * 100 dashboards is then executed once for each distinct document, not 100 times (graphql-ws still frames
 * each message). Fields that can reach rows (runChanged's `run`) are executed per subscriber, with its scope.
 */
const SHARED_FIELDS = new Set(['metricsLogged']);

/** Per event object (the same object for every subscriber, see metric/live.ts): document -> result. */
const results = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();

/** The document's key when it is shareable: one root field from SHARED_FIELDS, no directives. */
function sharedKey(args: ExecutionArgs): string | null {
  const op = getOperationAST(args.document, args.operationName);
  const only = op?.selectionSet.selections.length === 1 ? op.selectionSet.selections[0] : null;
  if (!only || only.kind !== 'Field' || !SHARED_FIELDS.has(only.name.value)) return null;
  const text = print(args.document);
  return text.includes('@') ? null : `${args.operationName ?? ''}\n${text}`; // @include(if: $var) reads variables
}

/** graphql's subscribe, with the event -> result step shared between subscribers where sharedKey allows. */
export async function subscribeShared(args: ExecutionArgs) {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
  const source = stream as AsyncIterableIterator<unknown>;
  const key = sharedKey(args);
  const run = (payload: unknown) => {
    telemetry.subscriptionExecutions++;
    return execute({ ...args, rootValue: payload });
  };
  const map = (payload: unknown) => {
    if (key === null || typeof payload !== 'object' || payload === null) return run(payload);
    let byDoc = results.get(payload);
    if (!byDoc) results.set(payload, (byDoc = new Map()));
    let hit = byDoc.get(key);
    if (!hit) byDoc.set(key, (hit = run(payload)));
    return hit;
  };
  // A plain iterator rather than an async generator: return() must reach the source at once, even while a
  // next() waits for an event (a generator would queue it behind that next(), and the subscriber would leak).
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const r = await source.next();
      return r.done ? { value: undefined, done: true } : { value: await map(r.value), done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(e: unknown) {
      await source.return?.();
      throw e;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return mapped;
}
