/**
 * Verified learner tokens, remembered per isolate: a learner sends the same bearer token on
 * every request, and checking its HMAC (key import, signature, JSON) costs more CPU than the
 * rest of a warm learner request's routing. A cached verdict stands in for the check when
 *
 * - the token string is byte-for-byte the one verified (no parsing before the look-up), and
 * - it was verified with the SAME secret: entries live in a cache per secret, so a rotated or
 *   different JWT_SECRET (another worker, a test) never hits a verdict made under another; and
 * - the token has not expired: an entry is dropped at the token's `exp`, and in any case after
 *   `maxAgeMs`, so a verdict is never older than that.
 *
 * Only successes are cached (failures stay the slow path, and garbage cannot flood the cache).
 * Bounded by `maxEntries` per secret, least recently used first; `maxSecrets` secrets.
 * Time comes from `now`, injectable for tests.
 */
import type { TokenCheck } from "./learner-token";

export interface TokenCacheOptions {
  maxEntries: number;
  maxAgeMs: number;
  maxSecrets?: number;
  now?: () => number;
  /** The real check (verifyLearnerToken). */
  verify: (token: string, secret: string) => Promise<TokenCheck>;
}

interface Verdict {
  learnerId: string;
  expiresAt: number;
  /** min(exp, verified + maxAge). */
  until: number;
}

export class VerifiedTokenCache {
  private readonly bySecret = new Map<string, Map<string, Verdict>>();
  private readonly now: () => number;
  /** Verifications answered from the cache / by the real check (for tests and metrics). */
  hits = 0;
  misses = 0;

  constructor(private readonly opts: TokenCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  async verify(token: string, secret: string): Promise<TokenCheck> {
    const entries = this.bySecret.get(secret);
    const verdict = entries?.get(token);
    const now = this.now();
    if (entries && verdict) {
      if (now < verdict.until) {
        entries.delete(token);
        entries.set(token, verdict); // most recently used last
        this.hits += 1;
        return { ok: true, learnerId: verdict.learnerId, expiresAt: verdict.expiresAt };
      }
      entries.delete(token);
    }
    this.misses += 1;
    const check = await this.opts.verify(token, secret);
    if (check.ok) this.remember(token, secret, check, now);
    return check;
  }

  private remember(token: string, secret: string, check: { learnerId: string; expiresAt: number }, now: number): void {
    const until = Math.min(check.expiresAt, now + this.opts.maxAgeMs);
    if (until <= now) return;
    let entries = this.bySecret.get(secret);
    if (!entries) {
      // A new secret: forget the oldest one beyond the limit (rotation leaves one behind).
      if (this.bySecret.size >= (this.opts.maxSecrets ?? 4)) {
        const oldest = this.bySecret.keys().next();
        if (!oldest.done) this.bySecret.delete(oldest.value);
      }
      entries = new Map();
      this.bySecret.set(secret, entries);
    }
    entries.set(token, { learnerId: check.learnerId, expiresAt: check.expiresAt, until });
    if (entries.size > this.opts.maxEntries) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
  }
}
