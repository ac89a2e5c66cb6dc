'use client';

import { useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { readViewState, type ViewState, viewStateSearch } from '@/lib/view-state';

/**
 * The experiment page's settings, read from and written to the URL. Every change is a history entry
 * (pushState, which Next's router follows), so Back undoes it and reload or a shared link restores it.
 */
export function useViewState(): [ViewState, (patch: Partial<ViewState>, opts?: { replace?: boolean }) => void] {
  const params = useSearchParams();
  const state = useMemo(() => readViewState(params), [params]);
  const update = useCallback(
    (patch: Partial<ViewState>, opts?: { replace?: boolean }) => {
      const next = viewStateSearch({ ...state, ...patch });
      const url = `${window.location.pathname}${next}`;
      if (url === `${window.location.pathname}${window.location.search}`) return;
      if (opts?.replace) window.history.replaceState(null, '', url);
      else window.history.pushState(null, '', url);
    },
    [state],
  );
  return [state, update];
}
