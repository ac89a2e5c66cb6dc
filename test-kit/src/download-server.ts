// A loopback HTTP server for download tests: serves files from memory, honours Range requests, and
// can be told to cut the connection mid-body (once) or to serve other bytes than the real file.
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';

export interface Served {
  body: Buffer;
  /** Close the socket after this many bytes of the first full (non-Range) response. */
  cutAfter?: number;
  /** Send this many bytes, then nothing more with the connection left open (a stalled mirror). */
  stallAfter?: number;
}

export interface DownloadServer {
  url: (path: string) => string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close: () => Promise<void>;
}

export async function startDownloadServer(files: Record<string, Served>): Promise<DownloadServer> {
  const requests: DownloadServer['requests'] = [];
  const cut = new Set<string>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, headers: req.headers });
    const f = files[path];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      if (start >= f.body.length) {
        res.writeHead(416).end();
        return;
      }
      res.writeHead(206, {
        'content-length': f.body.length - start,
        'content-range': `bytes ${start}-${f.body.length - 1}/${f.body.length}`,
      });
      res.end(f.body.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': f.body.length, 'accept-ranges': 'bytes' });
    if (f.stallAfter !== undefined) {
      res.write(f.body.subarray(0, f.stallAfter));
      return;
    }
    if (f.cutAfter !== undefined && !cut.has(path)) {
      cut.add(path);
      res.write(f.body.subarray(0, f.cutAfter), () => setTimeout(() => req.socket.destroy(), 50));
      return;
    }
    res.end(f.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Writes cats_and_dogs_filtered's layout (cats_and_dogs_filtered/{train,validation}/{cats,dogs}/
 * cat.N.jpg, as in the real archive, plus vectorize.py) with small generated JPEGs and zips it
 * with Python's zipfile (an independent zip writer). Returns the zip's path.
 */
export async function makeCatsAndDogsZip(dir: string, perClass: { train: number; validation: number }, size = 40) {
  const top = join(dir, 'src', 'cats_and_dogs_filtered');
  let n = 0;
  for (const [split, count] of Object.entries(perClass)) {
    for (const [cls, stem, rgb] of [
      ['cats', 'cat', [200, 60, 40]],
      ['dogs', 'dog', [40, 80, 210]],
    ] as const) {
      const d = join(top, split, cls);
      await mkdir(d, { recursive: true });
      for (let i = 0; i < count; i++, n++) {
        const px = Buffer.alloc(size * size * 3);
        for (let p = 0; p < size * size; p++)
          for (let c = 0; c < 3; c++) px[p * 3 + c] = Math.max(0, Math.min(255, rgb[c]! + ((p * 7 + i * 13 + c) % 50)));
        const index = split === 'train' ? i : 2000 + i;
        await sharp(px, { raw: { width: size, height: size, channels: 3 } })
          .jpeg()
          .toFile(join(d, `${stem}.${index}.jpg`));
      }
    }
  }
  const zip = join(dir, 'cats_and_dogs_filtered.zip');
  const py = `import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in sorted(os.walk(src)):
        rel = os.path.relpath(root, src)
        if rel != '.': z.write(root, rel + '/')
        for f in sorted(files): z.write(os.path.join(root, f), os.path.join(rel, f))
`;
  await mkdir(join(top), { recursive: true });
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(top, 'vectorize.py'), '# placeholder, as in the real archive\n');
  const r = spawnSync('python3', ['-c', py, join(dir, 'src'), zip], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`);
  return { zip, images: n };
}

/** A zip whose entry escapes the extraction folder ("../evil.txt"), for the zip-slip guard. */
export function makeZipSlip(path: string): void {
  const py = `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('ok/a.txt', 'a')
    z.writestr('../evil.txt', 'x')
`;
  const r = spawnSync('python3', ['-c', py, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`);
}
