import { ExperimentView } from '@/components/experiment/experiment-view';

/** /experiments/<id>?where=<filter>&sort=<field>:<ASC|DESC> */
export default async function ExperimentPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return (
    <ExperimentView
      key={id}
      id={decodeURIComponent(id)}
      initialWhere={one(sp.where) ?? ''}
      initialSort={one(sp.sort)}
    />
  );
}
