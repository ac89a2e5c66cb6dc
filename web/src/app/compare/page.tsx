import { CompareView } from '@/components/compare/compare-view';
import { prefetchCompare } from '@/lib/compare-prefetch';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * /compare?runs=id1,id2,... (any number of runs; also accepts repeated ?runs= parameters).
 * The data fetch starts here, on the server, and is streamed to the client component, so it overlaps
 * the browser loading and hydrating the page instead of starting after it.
 */
export default async function ComparePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const raw = Array.isArray(sp.runs) ? sp.runs.join(',') : (sp.runs ?? '');
  const ids = [
    ...new Set(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const prefetch = ids.length && ids.every((id) => UUID_RE.test(id)) ? prefetchCompare(ids) : undefined;
  return <CompareView key={ids.join(',')} runIds={ids} prefetch={prefetch} />;
}
