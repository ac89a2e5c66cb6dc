'use client';

import { useCallback } from 'react';
import { useUrlSynced } from '@/lib/use-url-synced';
import { readViewState, type ViewState, viewStateSearch } from '@/lib/view-state';

const sameView = (a: ViewState, b: ViewState) => viewStateSearch(a) === viewStateSearch(b);

/**
 * The experiment page's settings, read from and written to the URL. Every change is a history entry
 * (pushState, which Next's router follows), so Back undoes it and reload or a shared link restores it.
 */
export function useViewState(): [ViewState, (patch: Partial<ViewState>, opts?: { replace?: boolean }) => void] {
  const [state, setState] = useUrlSynced(readViewState, sameView);
  const update = useCallback(
    (patch: Partial<ViewState>, opts?: { replace?: boolean }) => {
      const next = { ...readViewState(new URLSearchParams(window.location.search)), ...patch };
      setState(next);
      const url = `${window.location.pathname}${viewStateSearch(next)}`;
      if (url === `${window.location.pathname}${window.location.search}`) return;
      if (opts?.replace) window.history.replaceState(null, '', url);
      else window.history.pushState(null, '', url);
    },
    [setState],
  );
  return [state, update];
}
