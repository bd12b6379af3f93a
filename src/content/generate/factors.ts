/** Strand "factors-multiples": factors and multiples, primes, greatest common factor, least common multiple. */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, gcd, intWrongs, isPrime, lcm, primeFactors } from "./math";
import { NAMES } from "./random";

function factorsOf(n: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= n; k++) if (n % k === 0) out.push(k);
  return out;
}

/** "2 × 2 × 3 × 5" */
function product(fs: readonly number[]): string {
  return fs.join(" × ");
}

const COMPOSITE_LOOKALIKES = [21, 27, 33, 39, 49, 51, 57, 63, 69, 77, 81, 87, 91, 93, 111, 117, 119, 121, 133, 143, 161, 169];

export const factorsStrand: StrandDef = {
  strand: "factors-multiples",
  skills: [
    {
      id: "factors.factors-multiples",
      name: "Factors and multiples",
      description: "Recognise factors and multiples of a whole number and count a number's factors.",
      prerequisites: ["div.facts"],
      prefix: "fm-factors",
      draft(rng) {
        const kind = rng.int(0, 2);
        if (kind === 0) {
          const n = rng.pick([12, 16, 18, 20, 24, 28, 30, 32, 36, 40, 42, 45, 48, 54, 56, 60, 63, 64, 72, 75, 80, 84, 90, 96]);
          const fs = factorsOf(n).filter((f) => f > 1 && f < n);
          const f = rng.pick(fs);
          const nonFactors = [n * 2, n + 1, n - 1, ...[5, 7, 8, 9, 11, 13, 14].filter((k) => n % k !== 0)].filter((k) => k !== f);
          return {
            prompt: rng.pick([`Which of these is a factor of ${n}?`, `Which number divides ${n} exactly, with no remainder?`]),
            answer: String(f),
            wrongs: rng.shuffle(nonFactors).map(String),
            steps: [`A factor of ${n} divides it with no remainder.`, `${n} ÷ ${f} = ${n / f}, so ${f} is a factor.`, `A multiple such as ${n * 2} is not a factor: factors are never larger than the number.`],
            hardness: clamp01(n / 96 * 0.6),
          };
        }
        if (kind === 1) {
          const k = rng.int(3, 12);
          const m = k * rng.int(3, 12);
          const wrongs = [m + 1, m - 1, m + Math.ceil(k / 2), Math.floor(k / 2) || 1, k * 10 + 1].filter((x) => x % k !== 0);
          return {
            prompt: rng.pick([`Which of these is a multiple of ${k}?`, `Which number is in the ${k} times table?`]),
            answer: String(m),
            wrongs: wrongs.map(String),
            steps: [`A multiple of ${k} is ${k} times a whole number.`, `${m} = ${k} × ${m / k}, so ${m} is a multiple of ${k}.`],
            hardness: clamp01(k / 12 * 0.4 + m / 144 * 0.3),
          };
        }
        const n = rng.pick([6, 8, 10, 12, 15, 16, 18, 20, 24, 28, 30, 36, 40, 45, 48, 60, 64, 72, 100]);
        const fs = factorsOf(n);
        const pairs: string[] = [];
        for (const f of fs) if (f <= n / f) pairs.push(`${f} × ${n / f}`);
        return {
          prompt: `How many factors does ${n} have?`,
          answer: String(fs.length),
          value: fs.length,
          wrongs: intWrongs(fs.length, [fs.length - 2, fs.length - 1, pairs.length, fs.length + 1]),
          steps: [`List factor pairs: ${pairs.join(", ")}.`, `The factors are ${fs.join(", ")} (don't forget 1 and ${n}).`, `That is ${fs.length} factors.`],
          hardness: clamp01(0.4 + fs.length / 12 * 0.6),
        };
      },
    },
    {
      id: "factors.primes",
      name: "Primes and prime factorisation",
      description: "Tell primes from composites and write a number as a product of primes.",
      prerequisites: ["factors.factors-multiples"],
      prefix: "fm-primes",
      draft(rng) {
        if (rng.chance(0.45)) {
          const primes = [];
          for (let p = 11; p < 200; p++) if (isPrime(p)) primes.push(p);
          const p = rng.pick(primes);
          const lookalikes = rng.shuffle(COMPOSITE_LOOKALIKES.filter((c) => Math.abs(c - p) < 80));
          return {
            prompt: rng.pick([`Which of these numbers is prime?`, `Which number has exactly two factors, 1 and itself?`]) + ` (${[p, ...lookalikes.slice(0, 3)].sort((a, b) => a - b).join(", ")})`,
            answer: String(p),
            wrongs: lookalikes.slice(0, 3).map(String),
            steps: [
              ...lookalikes.slice(0, 3).map((c) => `${c} = ${product(primeFactors(c))}, so it is composite.`),
              `${p} has no factor other than 1 and ${p}: it is prime.`,
            ],
            hardness: clamp01(p / 200 * 0.5 + 0.2),
          };
        }
        const fs: number[] = [];
        const size = rng.int(3, 5);
        for (let i = 0; i < size; i++) fs.push(rng.pick([2, 2, 3, 3, 5, 7, 11]));
        fs.sort((a, b) => a - b);
        const n = fs.reduce((x, y) => x * y, 1);
        const first = fs[0] ?? 2;
        const rest = n / first;
        const uniq = [...new Set(fs)];
        const wrongs = [
          product([first, rest]),
          product(uniq),
          product([...fs.slice(0, -2), (fs[fs.length - 2] ?? 1) * (fs[fs.length - 1] ?? 1)]),
          product([...fs, 2]),
          product([...fs.slice(1), 3]),
        ];
        return {
          prompt: rng.pick([`What is the prime factorisation of ${n}?`, `Write ${n} as a product of prime numbers.`]),
          answer: product(fs),
          wrongs,
          steps: [`Divide by the smallest prime that goes in, again and again.`, ...fs.map((f, i) => `${fs.slice(i).reduce((x, y) => x * y, 1)} ÷ ${f} = ${fs.slice(i + 1).reduce((x, y) => x * y, 1)}`), `${n} = ${product(fs)}.`],
          hardness: clamp01((size - 3) / 2 * 0.6 + (n > 200 ? 0.3 : 0)),
        };
      },
    },
    {
      id: "factors.gcf",
      name: "Greatest common factor",
      description: "Find the greatest common factor of two numbers, including in grouping problems.",
      prerequisites: ["factors.primes"],
      prefix: "fm-gcf",
      draft(rng) {
        const g = rng.int(2, 15);
        let x = rng.int(2, 9);
        let y = rng.int(2, 9);
        while (gcd(x, y) !== 1 || x === y) {
          x = rng.int(2, 9);
          y = rng.int(2, 9);
        }
        const a = g * x;
        const b = g * y;
        const smaller = Math.min(...factorsOf(g).filter((f) => f > 1));
        const asWord = rng.chance(0.35);
        const who = rng.pick(NAMES);
        const hardness = clamp01(Math.max(a, b) / 135 * 0.7 + (isPrime(g) ? 0 : 0.2));
        return {
          prompt: asWord
            ? `${who} has ${a} red beads and ${b} blue beads and wants identical kits with no beads left over. What is the greatest number of kits ${who} can make?`
            : rng.pick([`What is the greatest common factor of ${a} and ${b}?`, `Find the GCF of ${a} and ${b}.`]),
          answer: String(g),
          value: g,
          wrongs: intWrongs(g, [smaller === g ? 1 : smaller, lcm(a, b), Math.abs(a - b) === g ? g * 2 : Math.abs(a - b), Math.min(a, b)]),
          steps: [`Factors of ${a}: ${factorsOf(a).join(", ")}.`, `Factors of ${b}: ${factorsOf(b).join(", ")}.`, `The greatest factor they share is ${g}.`],
          hardness,
          tags: asWord ? word() : [],
        };
      },
    },
    {
      id: "factors.lcm",
      name: "Least common multiple",
      description: "Find the least common multiple of two numbers, including in scheduling problems.",
      prerequisites: ["factors.factors-multiples"],
      prefix: "fm-lcm",
      draft(rng) {
        let a = rng.int(2, 15);
        let b = rng.int(2, 15);
        while (a === b || a % b === 0 && rng.chance(0.7)) {
          a = rng.int(2, 15);
          b = rng.int(2, 15);
        }
        const m = lcm(a, b);
        const asWord = rng.chance(0.35);
        const hardness = clamp01(m / 150 * 0.6 + (gcd(a, b) > 1 ? 0.3 : 0));
        const multiples = (k: number) => Array.from({ length: Math.min(8, m / k) }, (_, i) => k * (i + 1)).join(", ");
        return {
          prompt: asWord
            ? rng.pick([
                `One bus leaves every ${a} minutes and another every ${b} minutes. Both leave at 8:00. After how many minutes do they next leave together?`,
                `Hot dogs come in packs of ${a} and buns in packs of ${b}. What is the smallest number of hot dogs you can buy to have exactly as many buns?`,
              ])
            : rng.pick([`What is the least common multiple of ${a} and ${b}?`, `Find the LCM of ${a} and ${b}.`]),
          answer: String(m),
          value: m,
          wrongs: intWrongs(m, [a * b === m ? m * 2 : a * b, gcd(a, b) === 1 ? a + b : gcd(a, b), Math.max(a, b), m * 2]),
          steps: [`Multiples of ${a}: ${multiples(a)}, …`, `Multiples of ${b}: ${multiples(b)}, …`, `The first one they share is ${m}.`],
          hardness,
          tags: asWord ? word() : [],
        };
      },
    },
  ],
};
