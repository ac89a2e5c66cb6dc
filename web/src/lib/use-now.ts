'use client';

import { useEffect, useState } from 'react';

/** The current time, re-read every `ms`, so relative times ("12s ago") keep moving while a page is open. */
export function useNow(ms = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
