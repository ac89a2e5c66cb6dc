import { SweepView } from '@/components/sweep/sweep-view';

export default async function SweepPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SweepView key={id} id={decodeURIComponent(id)} />;
}
