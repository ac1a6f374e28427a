'use client';
import { type FormEvent, useState } from 'react';
import { api } from '../api';

/** Accounts without friction: a display name is the whole sign-up. */
export function SignInForm({ onSignedIn }: { onSignedIn: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn(name);
      onSignedIn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card" onSubmit={submit} aria-label="Sign in">
      <label htmlFor="display-name">Your name, as others will see it</label>
      <div className="row">
        <input
          id="display-name"
          name="displayName"
          value={name}
          maxLength={80}
          required
          autoComplete="nickname"
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" disabled={busy || name.trim() === ''}>
          Continue
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
