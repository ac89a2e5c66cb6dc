/**
 * Runs `task` every `intervalMs`, never two at once (a slow database must not pile up sweeps), logging
 * failures instead of crashing the server. The timer does not keep the process alive. Returns a stop function.
 */
export function every(
  intervalMs: number,
  name: string,
  task: () => Promise<void>,
  log: (m: string) => void,
): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await task();
    } catch (err) {
      log(`${name} failed: ${(err as Error).message}`);
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
