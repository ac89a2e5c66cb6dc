import { notFound } from 'next/navigation';
import { SweepView } from '@/components/sweep/sweep-view';
import { SweepExistsDocument } from '@/gql/graphql';
import { serverQuery } from '@/lib/data/server';

/** A missing sweep answers HTTP 404 (the API being unreachable is left to the client to report). */
export default async function SweepPage({ params }: { params: Promise<{ id: string }> }) {
  const id = decodeURIComponent((await params).id);
  const found = await serverQuery(SweepExistsDocument, { id });
  if (found && !found.sweep) notFound();
  return <SweepView key={id} id={id} />;
}
