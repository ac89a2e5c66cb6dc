/**
 * Array parameters in PostgreSQL's binary format. node-postgres sends a Buffer parameter as binary, and a
 * `$n::float8[]` parameter then goes through array_recv instead of array_in. For the big unnest inserts of
 * logMetrics this matters: pg's own text serialisation of four 10k-element arrays costs ~40 ms of server
 * CPU and PostgreSQL's array_in/float8in another ~20 ms; the binary form costs a few ms in total.
 *
 * Layout (see array_recv): ndim int32, has-null flag int32, element type oid int32, then per dimension
 * length int32 and lower bound int32, then per element its byte length int32 (-1 for NULL) and its bytes.
 */

const OID = { int2: 21, int4: 23, int8: 20, float8: 701, text: 25, uuid: 2950 } as const;
type ElementType = keyof typeof OID;
const WIDTH: Record<Exclude<ElementType, 'text' | 'uuid'>, number> = { int2: 2, int4: 4, int8: 8, float8: 8 };
const TWO_32 = 4294967296;

function header(buf: Buffer, n: number, hasNull: boolean, type: ElementType): number {
  buf.writeInt32BE(1, 0);
  buf.writeInt32BE(hasNull ? 1 : 0, 4);
  buf.writeInt32BE(OID[type], 8);
  buf.writeInt32BE(n, 12);
  buf.writeInt32BE(1, 16);
  return 20;
}

const RANGE = { int4: 2 ** 31, int2: 2 ** 15 } as const;

/**
 * A fixed-width numeric array (null/undefined elements become NULL). Integers must be safe integers, int4 and
 * int2 within their range. Written through a DataView in an indexed loop: a forward group builds ~20 of these per
 * batch (130 rollup rows at 10 metrics), and Buffer's checked write methods with an array iterator were ~4% of
 * the server's on-CPU time under bench:load (perf, 150 trainers).
 */
function numeric(type: Exclude<ElementType, 'text' | 'uuid'>, values: readonly (number | null | undefined)[]): Buffer {
  const width = WIDTH[type];
  const n = values.length;
  let nulls = 0;
  for (let i = 0; i < n; i++) if (values[i] == null) nulls++;
  const buf = Buffer.allocUnsafe(20 + n * 4 + (n - nulls) * width);
  let o = header(buf, n, nulls > 0, type);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v == null) {
      view.setInt32(o, -1);
      o += 4;
      continue;
    }
    view.setInt32(o, width);
    o += 4;
    if (type === 'float8') view.setFloat64(o, v);
    else if (type === 'int8') {
      if (!Number.isSafeInteger(v)) throw new RangeError(`int8 array element ${v} is not a safe integer`);
      const hi = Math.floor(v / TWO_32);
      view.setInt32(o, hi);
      view.setUint32(o + 4, v - hi * TWO_32);
    } else {
      // Buffer's writes refused these; a DataView would wrap them silently.
      const bound = RANGE[type];
      if (!(v >= -bound && v < bound)) throw new RangeError(`${type} array element ${v} is out of range`);
      if (type === 'int4') view.setInt32(o, v);
      else view.setInt16(o, v);
    }
    o += width;
  }
  return buf;
}

export const float8Array = (values: readonly (number | null | undefined)[]) => numeric('float8', values);
export const int8Array = (values: readonly (number | null | undefined)[]) => numeric('int8', values);
export const int4Array = (values: readonly (number | null | undefined)[]) => numeric('int4', values);
export const int2Array = (values: readonly (number | null | undefined)[]) => numeric('int2', values);

/** A text[] without NULLs; repeated strings (metric keys) are encoded once. */
export function textArray(values: readonly string[]): Buffer {
  const encoded = new Map<string, Buffer>();
  let size = 20;
  for (const v of values) {
    let b = encoded.get(v);
    if (!b) encoded.set(v, (b = Buffer.from(v, 'utf8')));
    size += 4 + b.length;
  }
  const buf = Buffer.allocUnsafe(size);
  let o = header(buf, values.length, false, 'text');
  for (const v of values) {
    const b = encoded.get(v)!;
    buf.writeInt32BE(b.length, o);
    o += 4;
    o += b.copy(buf, o);
  }
  return buf;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A uuid[] without NULLs, each element its 16 bytes. A forward group sends a run id per point, key summary and
 * rollup row (~150 per batch at 10 metrics): as text, node-postgres escaped and quoted every one and PostgreSQL
 * parsed every one (uuid_in); repeated ids are converted once here.
 */
export function uuidArray(values: readonly string[]): Buffer {
  const buf = Buffer.allocUnsafe(20 + values.length * 20);
  let o = header(buf, values.length, false, 'uuid');
  let last = '';
  let bytes: Buffer | null = null;
  for (const v of values) {
    if (v !== last || !bytes) {
      if (!UUID.test(v)) throw new RangeError(`uuid array element ${JSON.stringify(v)} is not a uuid`);
      bytes = Buffer.from(v.replaceAll('-', ''), 'hex');
      last = v;
    }
    buf.writeInt32BE(16, o);
    o += 4;
    o += bytes.copy(buf, o);
  }
  return buf;
}

/**
 * A float8[] from a Float64Array, bit for bit: each element's 8 bytes are copied (reversed into network
 * order) rather than read as a number, so NaN payloads survive (a chunk exploded back into rows).
 */
export function float8ArrayExact(values: Float64Array): Buffer {
  const buf = Buffer.allocUnsafe(20 + values.length * 12);
  let o = header(buf, values.length, false, 'float8');
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.length * 8);
  const little = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;
  for (let i = 0; i < values.length; i++) {
    buf.writeInt32BE(8, o);
    o += 4;
    for (let b = 0; b < 8; b++) buf[o + b] = bytes[i * 8 + (little ? 7 - b : b)]!;
    o += 8;
  }
  return buf;
}
