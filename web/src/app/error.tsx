'use client';

/** Last line of defence: a render error shows a message and a way out instead of a blank page. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <strong>Something went wrong while showing this page.</strong>
      <p>{error.message}</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
