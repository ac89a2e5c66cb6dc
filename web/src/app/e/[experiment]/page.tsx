import { notFound, redirect } from 'next/navigation';
import { ExperimentByNameDocument } from '@/gql/graphql';
import { serverQuery } from '@/lib/data/server';

/**
 * /e/<experiment name>: a readable, shareable address that redirects to the experiment's id page (names
 * can be changed; ids cannot). An unknown name answers HTTP 404; an API that cannot be asked is an error.
 */
export default async function ExperimentByNamePage({ params }: { params: Promise<{ experiment: string }> }) {
  const name = decodeURIComponent((await params).experiment);
  const found = await serverQuery(ExperimentByNameDocument, { name });
  if (!found) throw new Error(`Could not look up experiment "${name}": the API did not answer.`);
  if (!found.experiment) notFound();
  redirect(`/experiments/${found.experiment.id}`);
}
