'use client';

import { useSyncExternalStore } from 'react';

const subscribe = () => () => {};

/**
 * True on the server and while the browser hydrates the server's HTML, false in any later client render (a
 * component mounted after hydration). A render that must match the server's reads its environment-dependent
 * choices (clocks, `window`) only when this is false; React uses the server snapshot during hydration.
 */
export function useHydrating(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => false,
    () => true,
  );
}
