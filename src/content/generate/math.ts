/**
 * Exact arithmetic and formatting for generated items. Answers are computed with integers
 * (fractions as numerator/denominator, decimals scaled by a power of ten) so no floating
 * point residue ever reaches a prompt or an answer key.
 */

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

export function lcm(a: number, b: number): number {
  return Math.abs(a * b) / gcd(a, b);
}

export interface Frac {
  readonly n: number;
  readonly d: number;
}

/** Lowest terms with a positive denominator. */
export function frac(n: number, d: number): Frac {
  if (d === 0) throw new Error("zero denominator");
  const g = gcd(n, d) || 1;
  const s = d < 0 ? -1 : 1;
  return { n: (s * n) / g, d: (s * d) / g };
}

export function sameValue(a: Frac, b: Frac): boolean {
  return a.n * b.d === b.n * a.d;
}

/** "3/4", "-5/2", or "3" when whole; always in lowest terms. */
export function fracStr(n: number, d: number): string {
  const f = frac(n, d);
  return f.d === 1 ? String(f.n) : `${f.n}/${f.d}`;
}

/** "2 1/3", "-1 1/2", "3/4", or "4"; lowest terms. */
export function mixedStr(n: number, d: number): string {
  const f = frac(n, d);
  const whole = Math.trunc(f.n / f.d);
  const rest = Math.abs(f.n % f.d);
  if (rest === 0) return String(whole);
  if (whole === 0) return `${f.n}/${f.d}`;
  return `${whole} ${rest}/${f.d}`;
}

/**
 * Formats fraction distractors in lowest terms, dropping any that equal the answer's value:
 * a "wrong" choice that is secretly right would punish the learner for a correct idea.
 */
export function fracWrongs(answer: Frac, wrongs: ReadonlyArray<readonly [number, number]>, style: "frac" | "mixed" = "frac"): string[] {
  const out: string[] = [];
  const { n: an, d: ad } = frac(answer.n, answer.d);
  // Near misses last, used only when the misconceptions above collapse onto each other.
  const fallbacks: Array<readonly [number, number]> = [[an + 1, ad], [an, ad + 1], [an + ad, ad], [an * 2 + 1, ad * 2], [an + 2, ad]];
  for (const [n, d] of [...wrongs, ...fallbacks]) {
    if (d === 0 || !Number.isInteger(n) || !Number.isInteger(d)) continue;
    const f = frac(n, d);
    if (sameValue(f, answer)) continue;
    if (answer.n > 0 && f.n <= 0) continue; // a negative or zero "amount left" is no slip a learner makes
    const text = style === "mixed" ? mixedStr(f.n, f.d) : fracStr(f.n, f.d);
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/** A decimal without float residue or trailing zeros: dec(0.1 + 0.2) === "0.3". */
export function dec(x: number, maxPlaces = 6): string {
  const fixed = x.toFixed(maxPlaces);
  const trimmed = fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
  return trimmed === "-0" ? "0" : trimmed;
}

/** Decimal places a value needs (at most 6). */
export function places(x: number): number {
  const s = dec(x);
  const i = s.indexOf(".");
  return i < 0 ? 0 : s.length - i - 1;
}

/** Thousands separators: 1234567 → "1,234,567". */
export function commas(n: number): string {
  const sign = n < 0 ? "-" : "";
  const [whole = "0", fraction] = dec(Math.abs(n)).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? sign + grouped : `${sign}${grouped}.${fraction}`;
}

/** Money with two places: 4.5 → "$4.50", 1234 → "$1,234.00". */
export function money(x: number): string {
  const [whole = "0", cents = "00"] = Math.abs(x).toFixed(2).split(".");
  return `${x < 0 ? "-" : ""}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}`;
}

/** An integer as it appears inside an expression: negatives in parentheses. */
export function paren(n: number): string {
  return n < 0 ? `(${n})` : String(n);
}

/**
 * A linear expression from (coefficient, variable) terms, constant last when its variable
 * is "": [[3,"x"],[-1,"y"],[-5,""]] → "3x - y - 5". Zero terms are dropped.
 */
export function linear(terms: ReadonlyArray<readonly [number, string]>): string {
  let out = "";
  for (const [c, v] of terms) {
    if (c === 0) continue;
    const abs = Math.abs(c);
    const body = v === "" ? String(abs) : abs === 1 ? v : `${abs}${v}`;
    if (out === "") out = c < 0 ? `-${body}` : body;
    else out += c < 0 ? ` - ${body}` : ` + ${body}`;
  }
  return out === "" ? "0" : out;
}

/** Accepted spellings of an expression answer: as written, and without spaces. */
export function spellings(...forms: string[]): string[] {
  const out: string[] = [];
  for (const f of forms) for (const s of [f, f.replace(/\s+/g, "")]) if (!out.includes(s)) out.push(s);
  return out;
}

export function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let p = 2; p * p <= n; p++) if (n % p === 0) return false;
  return true;
}

export function primeFactors(n: number): number[] {
  const out: number[] = [];
  let m = n;
  for (let p = 2; p * p <= m; p++) {
    while (m % p === 0) {
      out.push(p);
      m /= p;
    }
  }
  if (m > 1) out.push(m);
  return out;
}

export function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** Integer distractors as strings, with the usual near misses appended as fallbacks. */
export function intWrongs(answer: number, wrongs: readonly number[], format: (n: number) => string = String): string[] {
  const fallbacks = [answer + 1, answer - 1, answer + 10, answer - 10, answer + 2, answer - 2, -answer, answer * 2];
  // A negative near miss is no plausible slip when the answer is a count.
  return [...wrongs, ...fallbacks].filter((w) => Number.isInteger(w) && w !== answer && (answer < 0 || w >= 0)).map(format);
}
