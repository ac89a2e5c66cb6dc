// Unpacks a downloaded zip (cats_and_dogs_filtered.zip) into a folder. Every entry's path is checked
// to stay inside the target (zip-slip: "../x" or absolute names are refused), and the result appears
// atomically: extraction goes to <dest>.tmp-<pid> which is renamed to <dest> only when complete.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** The resolved target of a zip entry, or an error when the name would escape `root`. */
export function safeEntryPath(root: string, entryName: string): string {
  const normalised = entryName.replace(/\\/g, '/');
  const target = resolve(root, normalised);
  const rel = relative(resolve(root), target);
  if (isAbsolute(normalised) || rel.startsWith('..') || isAbsolute(rel))
    throw new Error(
      `zip entry ${JSON.stringify(entryName)} points outside the extraction folder; refusing the archive`,
    );
  return target;
}

export async function unzipTo(zipPath: string, dest: string): Promise<{ files: number }> {
  const tmp = `${dest}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  // strictFileNames rejects backslashes; yauzl already refuses absolute and ".." names, checked here again.
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, strictFileNames: false });
  let files = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const target = safeEntryPath(tmp, entry.fileName);
      if (entry.fileName.endsWith('/')) {
        await mkdir(target, { recursive: true });
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
      files++;
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`cannot unpack ${zipPath}: ${(e as Error).message}`);
  } finally {
    zip.close();
  }
  await rm(dest, { recursive: true, force: true });
  await mkdir(dirname(dest), { recursive: true });
  await rename(tmp, dest);
  return { files };
}
