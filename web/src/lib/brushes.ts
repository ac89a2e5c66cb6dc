'use client';

import { useCallback } from 'react';
import { useUrlSynced } from './use-url-synced';
import { type Brushes, formatBrushes, parseBrushes } from './view-state';

export type { Brushes };

const read = (p: Pick<URLSearchParams, 'get'>) => parseBrushes(p.get('brush'));
const same = (a: Brushes, b: Brushes) => formatBrushes(a) === formatBrushes(b);

/**
 * The sweep page's brushes, kept in the URL: each finished brush is a history entry (pushState), so Back
 * undoes it, Forward redoes it, and a reload or a shared link shows the same selection.
 */
export function useBrushesInUrl(): [Brushes, (next: Brushes) => void] {
  const [brushes, setBrushes] = useUrlSynced(read, same);
  const set = useCallback(
    (next: Brushes) => {
      setBrushes(next);
      const url = new URL(window.location.href);
      if (Object.keys(next).length) url.searchParams.set('brush', formatBrushes(next));
      else url.searchParams.delete('brush');
      window.history.pushState(null, '', url);
    },
    [setBrushes],
  );
  return [brushes, set];
}
