// Main-thread side of the ORT worker (ort-conv-worker.mjs) behind the conv kernels in
// ort-conv-kernels.ts: builds/caches the per-shape ONNX graphs, copies inputs into a
// SharedArrayBuffer, posts the request and blocks in Atomics.wait for the result. Blocking is
// the point: tfjs kernels must return synchronously, while ORT's API is async.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { buildConvGraph, type ConvGeom, type ConvOp, graphKey, type OrtGraph } from './ort-conv-graphs.ts';

/** A request that takes longer than this is taken as a hung worker: ORT is disabled. */
const TIMEOUT_MS = 120_000;
/** The longest an exit waits for the worker to finish loading onnxruntime (it takes ~0.1-0.5 s). */
const LOAD_WAIT_MS = 10_000;
/** Filters the worker keeps (block 5 = 3 convs; 4 x 9.4 MB at 3x3x512x512). */
export const FILTER_CACHE = 4;

/** One request to ort-conv-worker.mjs; offsets/lengths are in floats within the shared data buffer. */
interface OrtConvRequest {
  key: string;
  /** ModelProto bytes; sent only the first time a key is used. */
  model?: Uint8Array;
  /** Replaces the worker's data buffer after the main thread had to grow it. */
  data?: SharedArrayBuffer;
  /** cached: take the worker's copy of cacheId; otherwise read at offset (and keep it if cacheId is set). */
  inputs: Array<{ name: string; dims: number[]; offset: number; cacheId?: number; cached?: boolean }>;
  output: { name: string; dims: number[]; offset: number };
  evict: number[];
  resetCache?: boolean;
}

/** The worker, the shared buffers and the per-key graph cache. */
export class OrtConvClient {
  private worker: Worker;
  /** [0]: the request state (see the worker); [1]: 1 once the worker has loaded onnxruntime. */
  private ctl = new Int32Array(new SharedArrayBuffer(8));
  private errors: MessagePort;
  private data = new Float32Array(new SharedArrayBuffer(4 << 20));
  private dataSent = false;
  private sentModels = new Set<string>();
  private failedKeys = new Set<string>();
  private graphs = new Map<string, OrtGraph>();
  /** Mirror of the worker's filter cache (ids, oldest first); the main thread decides evictions. */
  private cached: number[] = [];
  private resetCache = false;
  broken: string | null = null;
  lastError: string | null = null;
  calls = 0;

  constructor(threads: number) {
    const file = new URL('./ort-conv-worker.mjs', import.meta.url);
    // A missing worker file (e.g. a bundle without its copy) is an error only once a Worker runs; checked
    // here so the kernels are never registered without it.
    if (!existsSync(file)) throw new Error(`ORT kernel worker not found: ${fileURLToPath(file)}`);
    const { port1, port2 } = new MessageChannel();
    this.errors = port1;
    this.worker = new Worker(file, {
      workerData: { ctl: this.ctl.buffer, errors: port2, threads },
      transferList: [port2],
      // Plain .mjs needs no loader; inheriting e.g. `-e <script>` from the parent would re-run it.
      execArgv: [],
    });
    this.worker.unref(); // never keeps the process alive
    port1.unref();
    this.worker.on('error', (e) => {
      this.broken = `worker error: ${e.message}`;
      this.markLoaded();
    });
    this.worker.on('exit', (code) => {
      this.broken ??= `worker exited (${code})`;
      this.markLoaded();
    });
    // A worker stopped while it loads onnxruntime's native binding aborts the whole process ("terminate called
    // after throwing an instance of 'Napi::Error'"): a trainer or test exiting ~0.3 s after start-up did, once
    // in a few hundred runs. So an exit first waits for the load to finish; Node then stops the worker safely.
    process.on('exit', this.waitLoaded);
  }

  /** Whether the worker has finished loading onnxruntime (or failed to). */
  get loaded(): boolean {
    return Atomics.load(this.ctl, 1) === 1;
  }

  private markLoaded() {
    Atomics.store(this.ctl, 1, 1);
    Atomics.notify(this.ctl, 1);
  }

  /** Blocks (process exit) until the worker has loaded onnxruntime, at most LOAD_WAIT_MS. */
  private readonly waitLoaded = () => void Atomics.wait(this.ctl, 1, 0, LOAD_WAIT_MS);

  /**
   * Run `op`; returns a view of the result in the shared buffer (valid until the next call), or
   * null. `ids[i]`, when set, identifies input i's immutable data (its tfjs dataId): the worker
   * keeps the last FILTER_CACHE such inputs, so a filter sent for the forward conv is not copied
   * again for the input gradient of the same step.
   */
  run(op: ConvOp, g: ConvGeom, inputs: Float32Array[], ids: Array<number | undefined>): Float32Array | null {
    if (this.broken) return null;
    const key = graphKey(op, g);
    if (this.failedKeys.has(key)) return null;
    let graph = this.graphs.get(key);
    if (!graph) {
      try {
        graph = buildConvGraph(op, g);
      } catch (e) {
        this.failedKeys.add(key);
        this.lastError = (e as Error).message;
        return null;
      }
      this.graphs.set(key, graph);
    }
    const outLen = graph.output.dims.reduce((a, b) => a * b, 1);
    const need = inputs.reduce((a, x) => a + x.length, 0) + outLen;
    if (need > this.data.length) {
      this.data = new Float32Array(new SharedArrayBuffer(Math.ceil(need * 1.25) * 4));
      this.dataSent = false;
    }
    const req: OrtConvRequest = {
      key,
      inputs: [],
      output: { name: graph.output.name, dims: graph.output.dims, offset: 0 },
      evict: [],
    };
    if (this.resetCache) req.resetCache = true;
    let off = 0;
    graph.inputs.forEach((gi, i) => {
      const src = inputs[i]!;
      const id = ids[i];
      if (id !== undefined && this.cached.includes(id)) {
        req.inputs.push({ name: gi.name, dims: gi.dims, offset: -1, cacheId: id, cached: true });
        return;
      }
      if (id !== undefined) {
        this.cached.push(id);
        if (this.cached.length > FILTER_CACHE) req.evict.push(this.cached.shift()!);
      }
      this.data.set(src, off);
      req.inputs.push({ name: gi.name, dims: gi.dims, offset: off, cacheId: id });
      off += src.length;
    });
    req.output.offset = off;
    if (!this.sentModels.has(key)) req.model = graph.model;
    if (!this.dataSent) req.data = this.data.buffer as SharedArrayBuffer;
    Atomics.store(this.ctl, 0, 0);
    this.worker.postMessage(req);
    if (Atomics.wait(this.ctl, 0, 0, TIMEOUT_MS) === 'timed-out') {
      this.broken = 'worker timed out';
      void this.worker.terminate();
      return null;
    }
    this.sentModels.add(key);
    graph.model = new Uint8Array(0); // the worker has its session now
    this.dataSent = true;
    this.resetCache = false;
    if (Atomics.load(this.ctl, 0) !== 1) {
      // The worker's filter cache may no longer mirror ours: start both afresh.
      this.cached = [];
      this.resetCache = true;
      this.failedKeys.add(key); // e.g. ORT rejected this graph: wasm keeps this shape
      this.lastError = String(receiveMessageOnPort(this.errors)?.message ?? 'unknown worker error');
      return null;
    }
    this.calls++;
    return this.data.subarray(off, off + outLen);
  }

  async terminate(): Promise<number> {
    this.broken = 'terminated';
    for (const until = Date.now() + LOAD_WAIT_MS; !this.loaded && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 10));
    process.off('exit', this.waitLoaded);
    return this.worker.terminate();
  }
}
