import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/**
 * Reads a request body up to `limit` bytes within `timeoutMs`; larger bodies are drained and reported instead of
 * buffered, and a body still arriving at the deadline (a client trickling bytes to hold the connection) is
 * reported as 'timeout': the caller answers and closes the connection.
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  timeoutMs = Number.POSITIVE_INFINITY,
): Promise<Buffer | 'too-large' | 'timeout'> {
  // Refused on the declared length alone: nothing of a body announced as too large is read.
  if (Number(req.headers['content-length']) > limit) return 'too-large';
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const read = (async () => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        req.resume();
        return 'too-large' as const;
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  })();
  try {
    const result = await Promise.race([read, deadline]);
    if (result === 'timeout') read.catch(() => {});
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Answers a request whose body will not be read (too large, or not arriving in time) and closes its connection
 * once the answer is out, rather than reading the rest.
 */
export function sendAndClose(res: ServerResponse, status: number, body: unknown): void {
  res.setHeader('connection', 'close');
  sendJson(res, status, body);
  res.on('finish', () => res.req.destroy());
}
