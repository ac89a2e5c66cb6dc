import { notFound, redirect } from 'next/navigation';
import { RunByNameDocument } from '@/gql/graphql';
import { serverQuery } from '@/lib/data/server';

/**
 * /e/<experiment name>/<run name>: redirects to the run's id page. Run names are unique only by convention
 * (default names are unique per experiment): when several runs share the name, the newest is meant.
 * Unknown experiment or run: HTTP 404.
 */
export default async function RunByNamePage({ params }: { params: Promise<{ experiment: string; run: string }> }) {
  const p = await params;
  const experimentName = decodeURIComponent(p.experiment);
  const runName = decodeURIComponent(p.run);
  // JSON string escapes are the filter language's string escapes.
  const found = await serverQuery(RunByNameDocument, { experimentName, where: `name = ${JSON.stringify(runName)}` });
  if (!found) throw new Error(`Could not look up run "${runName}": the API did not answer.`);
  const run = found.runs.nodes[0];
  if (!run) notFound();
  redirect(`/runs/${run.id}`);
}
