import Link from 'next/link';

/** Served with HTTP 404 when the page's server component calls notFound(). */
export default function NotFound() {
  return (
    <div className="notice notice-warning" role="alert" data-testid="not-found">
      <strong>No such run.</strong>
      <p>
        It may have been deleted, or the link is mistyped. <Link href="/">Back to experiments</Link>
      </p>
    </div>
  );
}
