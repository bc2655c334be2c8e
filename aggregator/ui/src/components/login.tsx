/** Asked for when the API answers 401: the credentials are kept for this tab only (session storage). */
import { useState } from 'preact/hooks';

export function Login({ message, onSubmit }: { message: string | null; onSubmit: (user: string, password: string) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  return (
    <div class="modal-backdrop">
      <form class="modal" data-testid="login" onSubmit={(e) => { e.preventDefault(); onSubmit(user, password); }}>
        <h2>Sign in to search logs</h2>
        <p class="muted">The aggregator requires authentication. Use an account with the read role.</p>
        {message && <p class="error-text" role="alert">{message}</p>}
        <label class="stacked">Username<input autocomplete="username" value={user} onInput={(e) => setUser((e.currentTarget as HTMLInputElement).value)} required /></label>
        <label class="stacked">Password<input type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} required /></label>
        <button type="submit" class="button primary">Sign in</button>
      </form>
    </div>
  );
}
