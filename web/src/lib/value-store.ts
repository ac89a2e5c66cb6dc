/**
 * One value that components read with useSyncExternalStore. A change re-renders only the components that read it,
 * where a context value would re-render (and, during hydration, client-render) everything below its provider.
 */
export class ValueStore<T> {
  private readonly listeners = new Set<() => void>();

  constructor(
    private value: T,
    private readonly same: (a: T, b: T) => boolean = Object.is,
  ) {}

  get = (): T => this.value;

  set(next: T): void {
    if (this.same(next, this.value)) return;
    this.value = next;
    for (const l of this.listeners) l();
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  };
}
