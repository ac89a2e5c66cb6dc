import { notFound } from 'next/navigation';
import { ExperimentView } from '@/components/experiment/experiment-view';
import { ExperimentExistsDocument } from '@/gql/graphql';
import { serverQuery } from '@/lib/server-api';

/**
 * /experiments/<id>?where=&sort=&cols=&group=&archived=&chart=&band=&view= (see lib/view-state.ts).
 * A missing experiment answers HTTP 404; when the API cannot be asked, the page renders and the client
 * reports the problem itself.
 */
export default async function ExperimentPage({ params }: { params: Promise<{ id: string }> }) {
  const id = decodeURIComponent((await params).id);
  const found = await serverQuery(ExperimentExistsDocument, { id });
  if (found && !found.experiment) notFound();
  return <ExperimentView key={id} id={id} />;
}
