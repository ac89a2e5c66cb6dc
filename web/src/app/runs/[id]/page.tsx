import { notFound } from 'next/navigation';
import { RunView } from '@/components/run/run-view';
import { RunExistsDocument } from '@/gql/graphql';
import { serverQuery } from '@/lib/data/server';

/** A missing run answers HTTP 404 (the API being unreachable is left to the client to report). */
export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const id = decodeURIComponent((await params).id);
  const found = await serverQuery(RunExistsDocument, { id });
  if (found && !found.run) notFound();
  return <RunView key={id} id={id} />;
}
