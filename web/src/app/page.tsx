import { ExperimentsList } from '@/components/experiments-list';

export default function HomePage() {
  return <ExperimentsList />;
}
