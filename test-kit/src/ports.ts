import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it): never a fixed one, 8 engineers share this machine. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
