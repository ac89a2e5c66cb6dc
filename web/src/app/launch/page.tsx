import { LaunchPage } from '@/components/launch/launch-page';

/** /launch[?tab=sweep][&experiment=name] */
export default async function Launch({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
  return <LaunchPage initialTab={one(sp.tab) === 'sweep' ? 'sweep' : 'run'} initialExperiment={one(sp.experiment)} />;
}
