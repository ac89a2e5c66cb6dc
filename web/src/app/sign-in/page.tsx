'use client';

import { useState } from 'react';
import { signIn } from '@/lib/data/session';

/**
 * Takes an API key once and hands it to the dashboard's server, which keeps it and sets an httpOnly session
 * cookie: the key is never stored in the browser.
 */
export default function SignInPage() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const refused = await signIn(key);
      if (refused) {
        setError(refused);
        return;
      }
      setKey('');
      const next = new URLSearchParams(location.search).get('next');
      // Only a path on this site: never an open redirect.
      location.assign(next?.startsWith('/') && !next.startsWith('//') ? next : '/');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="sign-in">
      <h1>Sign in</h1>
      <p>This Runboard server requires an API key. Ask an admin for one (npm run keys -- create ...).</p>
      <form onSubmit={submit}>
        <label>
          API key{' '}
          <input
            type="password"
            name="key"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
          />
        </label>{' '}
        <button type="submit" disabled={busy || !key}>
          Sign in
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
