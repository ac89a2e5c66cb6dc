'use client';

import { useCallback, useRef, useState } from 'react';

/**
 * Width of an element, measured when it mounts (before paint: ref callbacks run in the commit's layout
 * phase) and kept current with a ResizeObserver. A callback ref, so an element that appears later (a
 * chart that was "no points yet" at first) is measured too. ResponsiveContainer-style measuring in a later
 * frame showed an empty frame first, a visible delay with many charts.
 */
export function useWidth<T extends HTMLElement>() {
  const [width, setWidth] = useState<number | null>(null);
  const observer = useRef<ResizeObserver | null>(null);
  const ref = useCallback((el: T | null) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth((w) => (w === el.clientWidth ? w : el.clientWidth)));
    ro.observe(el);
    observer.current = ro;
  }, []);
  return [ref, width] as const;
}
