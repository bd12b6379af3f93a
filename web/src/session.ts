/**
 * The signed-in learner: kept in sessionStorage (this tab only, gone when it closes) and in
 * memory. Never in a URL, a cookie or a log line.
 *
 * A host that signs learners in itself (production: its identity provider issues the token)
 * opens the app on the same origin after storing `{ learnerId, token, expiresAt }` under
 * SESSION_KEY, or the learner pastes the token on the sign-in page.
 */
export interface Session {
  learnerId: string;
  token: string;
  /** ms since the epoch */
  expiresAt: number;
}

export const SESSION_KEY = "learner-session";

let current: Session | null = null;

export function loadSession(now = Date.now()): Session | null {
  if (current) return current.expiresAt > now ? current : null;
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    const parsed = raw ? (JSON.parse(raw) as Partial<Session>) : null;
    if (parsed && typeof parsed.learnerId === "string" && typeof parsed.token === "string" && typeof parsed.expiresAt === "number" && parsed.expiresAt > now) {
      current = { learnerId: parsed.learnerId, token: parsed.token, expiresAt: parsed.expiresAt };
    }
  } catch {
    /* storage unavailable or corrupt: signed out */
  }
  return current;
}

export function saveSession(session: Session): void {
  current = session;
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  } catch {
    /* private mode: memory only */
  }
}

export function clearSession(): void {
  current = null;
  try {
    sessionStorage.removeItem(SESSION_KEY);
    sessionStorage.removeItem(MOCK_KEY);
  } catch {
    /* nothing stored */
  }
}

/** The running mock test of this tab, so a reload resumes it. */
export const MOCK_KEY = "learner-mock-test";

/**
 * A token pasted by the learner (issued by the host's identity provider): its learner id is
 * the `sub` claim. The signature is the worker's to check; this only reads the claims.
 */
export function sessionFromToken(token: string): Session | null {
  const part = token.trim().split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(json) as { sub?: unknown; exp?: unknown };
    if (typeof claims.sub !== "string" || typeof claims.exp !== "number") return null;
    return { learnerId: claims.sub, token: token.trim(), expiresAt: claims.exp * 1000 };
  } catch {
    return null;
  }
}
