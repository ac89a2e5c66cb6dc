'use client';

import { useSearchParams } from 'next/navigation';
import { type Dispatch, type SetStateAction, useEffect, useState } from 'react';

type Params = Pick<URLSearchParams, 'get'>;

/**
 * State kept in the URL, with a local copy a change is applied to at once. The router re-renders from the URL in a
 * transition, which on a busy page lands a few frames after a pushState: a control bound only to the URL springs
 * back until then (a checkbox clicked on the experiment page read as unchanged right after the click). When the URL
 * changes (Back, Forward, a link, or the page's own write catching up), it wins; it is read from window.location,
 * which is already at the latest write while the router may still be a step behind.
 * `read` must be stable (a module-level function).
 */
export function useUrlSynced<S>(
  read: (p: Params) => S,
  same: (a: S, b: S) => boolean,
): [S, Dispatch<SetStateAction<S>>] {
  const params = useSearchParams();
  const [state, setState] = useState(() => read(params));
  // biome-ignore lint/correctness/useExhaustiveDependencies: params is the trigger; the value read is newer
  useEffect(() => {
    const latest = read(new URLSearchParams(window.location.search));
    setState((cur) => (same(cur, latest) ? cur : latest));
  }, [params]);
  return [state, setState];
}
