import { isUuid } from '@runboard/contract/ids';
import { CompareView } from '@/components/compare/compare-view';
import { prefetchCompare } from '@/lib/compare-prefetch';
import { existingRunIds } from '@/lib/existing-runs';

/**
 * /compare?runs=id1,id2,... (any number of runs; also accepts repeated ?runs= parameters).
 * The data fetch starts here, on the server, and is streamed to the client component, so it overlaps
 * the browser loading and hydrating the page instead of starting after it. Ids of runs that do not
 * exist (deleted, mistyped) are named above the comparison of the others.
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
  const wellFormed = ids.filter((id) => isUuid(id));
  // The existence check runs alongside the prefetch: when every run exists, it costs no extra wait.
  const [existing, firstPrefetch] = [
    wellFormed.length ? existingRunIds(wellFormed) : Promise.resolve(new Set<string>()),
    wellFormed.length && wellFormed.length === ids.length ? prefetchCompare(ids) : undefined,
  ];
  const found = await existing;
  const missing = found ? ids.filter((id) => !found.has(id.toLowerCase())) : [];
  const shown = ids.filter((id) => !missing.includes(id));
  const prefetch = missing.length ? (shown.length ? prefetchCompare(shown) : undefined) : firstPrefetch;
  const invalid = missing.filter((id) => !isUuid(id));
  const absent = missing.filter((id) => isUuid(id));
  return (
    <>
      {missing.length > 0 && (
        <div className="notice notice-warning" role="status" data-testid="compare-missing">
          <strong>{missingTitle(absent.length, invalid.length, shown.length)}</strong>
          {absent.length > 0 && (
            <p className="small" data-testid="compare-absent">
              Each of these does not exist:{' '}
              {absent.map((id) => (
                <code key={id}>{id} </code>
              ))}
            </p>
          )}
          {invalid.length > 0 && (
            <p className="small">
              Not valid run ids:{' '}
              {invalid.map((id) => (
                <code key={id}>{id} </code>
              ))}
            </p>
          )}
        </div>
      )}
      {shown.length > 0 || !missing.length ? (
        <CompareView key={shown.join(',')} runIds={shown} prefetch={prefetch} />
      ) : null}
    </>
  );
}

function missingTitle(absent: number, invalid: number, shown: number): string {
  const parts: string[] = [];
  if (absent)
    parts.push(absent === 1 ? 'one run in the link does not exist' : `${absent} runs in the link do not exist`);
  if (invalid) parts.push(invalid === 1 ? 'one id is not valid' : `${invalid} ids are not valid`);
  const text = parts.join(' and ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}${shown ? `; comparing the other ${shown}.` : '.'}`;
}
