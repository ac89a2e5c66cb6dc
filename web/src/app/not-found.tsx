import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="notice notice-warning" role="alert">
      <strong>Page not found.</strong>
      <p>
        <Link href="/">Back to experiments</Link>
      </p>
    </div>
  );
}
