/**
 * Learner bearer tokens: HS256 JWTs whose subject is the learner id. Used by the worker to
 * authenticate learner routes and by `npm run token` / tests to mint them.
 *
 * Claims: sub (learner id), iss "learning-api", aud "learner", iat, exp. A token only ever
 * opens its own learner's routes: the route's :id must equal sub.
 */
import { sign, verify } from "hono/jwt";

export const TOKEN_ISSUER = "learning-api";
export const TOKEN_AUDIENCE = "learner";

export async function mintLearnerToken(learnerId: string, secret: string, opts: { ttlSeconds?: number; now?: number } = {}): Promise<string> {
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  return sign({ sub: learnerId, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + (opts.ttlSeconds ?? 7 * 86_400) }, secret, "HS256");
}

/** `expiresAt`: the `exp` claim in ms since the epoch (every token we mint has one). */
export type TokenCheck = { ok: true; learnerId: string; expiresAt: number } | { ok: false; reason: string };

/** Verifies signature, algorithm, issuer, audience and expiry; never throws. */
export async function verifyLearnerToken(token: string, secret: string): Promise<TokenCheck> {
  try {
    const payload = await verify(token, secret, { alg: "HS256", iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: true });
    if (typeof payload.sub !== "string" || payload.sub.length === 0) return { ok: false, reason: "token has no subject" };
    if (typeof payload.exp !== "number") return { ok: false, reason: "token has no expiry" };
    return { ok: true, learnerId: payload.sub, expiresAt: payload.exp * 1000 };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : "invalid token" };
  }
}
