'use client';

import { useCallback, useEffect, useRef } from 'react';
import { type CompareState, compareSearch, readCompareState } from '@/lib/compare-state';
import { useUrlSynced } from '@/lib/use-url-synced';

type Update = (patch: Partial<CompareState>) => void;

const urlState = () => readCompareState(new URLSearchParams(window.location.search));
const same = (a: CompareState, b: CompareState) => compareSearch('', a) === compareSearch('', b);

/**
 * The compare page's settings, kept in the URL (pushState, which Next's router follows), so Back undoes a
 * change and reload or a shared link restores it. Dragging the smoothing slider writes many values in a
 * row: they replace one history entry, so a single Back returns to before the drag.
 *
 * A change is also applied to local state at once (useUrlSynced): with 100 runs the router's re-render lands a few
 * frames later, and a slider bound only to the URL would stutter.
 */
export function useCompareState(): [CompareState, Update] {
  const [state, setState] = useUrlSynced(readCompareState, same);

  const lastWrite = useRef<string | null>(null);
  // After Back/Forward the entry shown is not the one the last drag wrote: the next drag starts a new one.
  useEffect(() => {
    const reset = () => void (lastWrite.current = null);
    window.addEventListener('popstate', reset);
    return () => window.removeEventListener('popstate', reset);
  }, []);

  const update = useCallback<Update>(
    (patch) => {
      setState((cur) => ({ ...cur, ...patch }));
      const { pathname, search } = window.location;
      const next = compareSearch(search, { ...urlState(), ...patch });
      if (next === search) return;
      const what = Object.keys(patch).sort().join(',');
      const url = `${pathname}${next}`;
      if (what === 'smoothing' && lastWrite.current === what) window.history.replaceState(null, '', url);
      else window.history.pushState(null, '', url);
      lastWrite.current = what;
    },
    [setState],
  );
  return [state, update];
}
