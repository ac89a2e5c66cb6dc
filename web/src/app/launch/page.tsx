import { LaunchForm } from '@/components/launch-form';

export default function LaunchPage() {
  return <LaunchForm />;
}
