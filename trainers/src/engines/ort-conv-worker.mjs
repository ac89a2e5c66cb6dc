// Worker side of the synchronous ORT conv kernels (ort-conv-kernels.ts). The main thread is
// blocked in Atomics.wait while a request is in flight, so this thread does all the async work:
// it receives a request by postMessage, runs the (cached) ORT session on inputs read straight out
// of the shared data buffer, copies the result back into it and wakes the main thread.
//
// Control word ctl[0]: 0 = busy, 1 = done, 2 = failed (the error text goes out on `errors`, a
// MessagePort the main thread drains synchronously with receiveMessageOnPort). ctl[1] becomes 1 once
// onnxruntime is loaded (or failed to load): the main thread must not exit before (see OrtConvClient).
//
// Plain JavaScript on purpose: Node 20 does not apply tsx's loader hooks inside worker threads
// (a .ts worker fails with ERR_UNKNOWN_FILE_EXTENSION), so this file must load natively.
// The request shape is OrtConvRequest in ort-conv-kernels.ts.

import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ ctl: SharedArrayBuffer, errors: import('node:worker_threads').MessagePort, threads: number }} */
const { ctl: ctlBuf, errors, threads } = workerData;
const ctl = new Int32Array(ctlBuf);

function finish(state, err) {
  if (state === 2) errors.postMessage(err instanceof Error ? (err.stack ?? err.message) : String(err));
  Atomics.store(ctl, 0, state);
  Atomics.notify(ctl, 0);
}

let ort = null;
let loadError = null;
try {
  const mod = await import('onnxruntime-node');
  ort = mod.default ?? mod;
} catch (e) {
  // Every request then fails fast (state 2) and the main thread falls back to wasm.
  loadError = e;
}
Atomics.store(ctl, 1, 1);
Atomics.notify(ctl, 1);

/** @type {Map<string, Promise<any>>} */
const sessions = new Map();
/** @type {Map<string, Float32Array[]>} */
const scratch = new Map();
/** @type {Map<number, Float32Array>} */
const filters = new Map();
/** @type {Float32Array | null} */
let data = null;
const size = (dims) => dims.reduce((a, b) => a * b, 1);

async function handle(req) {
  if (loadError) throw loadError;
  if (req.data) data = new Float32Array(req.data);
  if (!data) throw new Error('no data buffer');
  let session = sessions.get(req.key);
  if (!session) {
    if (!req.model) throw new Error(`no model for ${req.key}`);
    session = ort.InferenceSession.create(req.model, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      // No busy-waiting between runs: spinning pool threads took the cores from the main
      // thread's wasm ops (block 5 at 150x150: ~45 img/s without spinning vs ~39 with).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    sessions.set(req.key, session);
    session.catch(() => sessions.delete(req.key));
  }
  const s = await session;
  // onnxruntime-node rejects SharedArrayBuffer-backed tensors ("Invalid argument"), so inputs are
  // copied into worker-local arrays: per-key scratch (shapes are fixed per key), or a filter-cache
  // entry when the main thread marked the input as cacheable (see FILTER_CACHE there).
  if (req.resetCache) filters.clear();
  for (const id of req.evict) filters.delete(id);
  let local = scratch.get(req.key);
  if (!local) scratch.set(req.key, (local = []));
  const feeds = {};
  req.inputs.forEach((i, k) => {
    const n = size(i.dims);
    let arr;
    if (i.cached) {
      arr = filters.get(i.cacheId);
      if (!arr || arr.length !== n) throw new Error(`filter cache miss for ${i.cacheId}`);
    } else if (i.cacheId !== undefined) {
      filters.set(i.cacheId, (arr = data.slice(i.offset, i.offset + n)));
    } else {
      arr = local[k] ??= new Float32Array(n);
      arr.set(data.subarray(i.offset, i.offset + n));
    }
    feeds[i.name] = new ort.Tensor('float32', arr, i.dims);
  });
  const out = (await s.run(feeds))[req.output.name];
  if (out.data.length !== size(req.output.dims) || out.dims.join() !== req.output.dims.join()) {
    throw new Error(`${req.key}: output dims ${out.dims.join('x')}, expected ${req.output.dims.join('x')}`);
  }
  data.set(out.data, req.output.offset);
  out.dispose?.();
}

// Requests are strictly sequential (the main thread waits for each), so no queueing is needed.
parentPort.on('message', (req) => {
  handle(req).then(
    () => finish(1),
    (e) => finish(2, e),
  );
});
