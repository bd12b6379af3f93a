/**
 * Signing in. Locally: "Continue as a demo learner" asks the worker's local-only route for a
 * fresh learner's token. Anywhere: a token issued by the host's identity provider can be
 * pasted (README, "Signing in"). The token is kept in this tab only.
 */
import { useState } from "preact/hooks";
import { ApiProblem, api, call } from "../api/client";
import { saveSession, sessionFromToken } from "../session";
import type { Session } from "../session";
import { ErrorBox } from "../ui";

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [token, setToken] = useState("");

  const demo = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const session = await call(() => api.POST("/v1/demo/session"));
      saveSession(session);
      onSignedIn(session);
    } catch (err) {
      setError(err instanceof ApiProblem && err.status === 404 ? new Error("Demo sign-in is only available on a local stack (npm start). Use the token from your school instead.") : err);
      setBusy(false);
    }
  };

  const withToken = (e: Event) => {
    e.preventDefault();
    const session = sessionFromToken(token);
    if (!session) return setError(new Error("That does not look like a sign-in token (a JWT with a learner id and an expiry)."));
    if (session.expiresAt <= Date.now()) return setError(new Error("That token has expired: ask for a new one."));
    saveSession(session);
    onSignedIn(session);
  };

  return (
    <main id="main" class="signin">
      <h1>Adaptive learning</h1>
      <p>Practise maths with items chosen for you, review before you forget, and take adaptive mock tests.</p>
      <button type="button" class="primary" onClick={demo} disabled={busy} aria-busy={busy}>
        {busy ? "Signing in…" : "Continue as a demo learner"}
      </button>
      {error ? <ErrorBox error={error} /> : null}
      <details>
        <summary>Sign in with a token from your school</summary>
        <form onSubmit={withToken}>
          <label for="token">Sign-in token</label>
          <textarea id="token" rows={3} value={token} onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} autocomplete="off" spellcheck={false} />
          <button type="submit">Sign in</button>
        </form>
      </details>
    </main>
  );
}
