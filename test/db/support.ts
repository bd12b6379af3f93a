/**
 * Database backends for the storage tier: in-memory PGlite always, the machine's Postgres
 * when TEST_DATABASE_URL is set (a scratch database per run). Both are reached the way the
 * worker reaches Neon: the Neon driver through the WebSocket relay.
 */
import { afterAll, beforeAll } from "vitest";
import type { Database } from "../../src/db/client";
import { importContent } from "../../src/db/content";
import type { Item, Skill } from "../../src/content/schema";
import { migrateDatabase, openNodeDatabase } from "../../scripts/lib/db";
import { createScratchDatabase } from "../../scripts/lib/scratch";
import { startPglite } from "../../scripts/local/pglite-server";
import { startWsProxy } from "../../scripts/local/ws-proxy";

export interface Backend {
  name: string;
  enabled: boolean;
  open(): Promise<{ db: Database; close(): Promise<void> }>;
}

export const backends: Backend[] = [
  {
    name: "pglite",
    enabled: true,
    async open() {
      const pglite = await startPglite({ maxConnections: 8 });
      const proxy = await startWsProxy({ port: 0, closeAfterTerminateMs: 0 });
      const db = openNodeDatabase(pglite.databaseUrl, `127.0.0.1:${proxy.port}`);
      await migrateDatabase(db);
      return {
        db,
        async close() {
          await db.end();
          await proxy.close();
          await pglite.close();
        },
      };
    },
  },
  {
    name: "postgres",
    enabled: Boolean(process.env.TEST_DATABASE_URL),
    async open() {
      const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL ?? "", "db");
      const proxy = await startWsProxy({ port: 0, closeAfterTerminateMs: 0 });
      const db = openNodeDatabase(scratch.url, `127.0.0.1:${proxy.port}`);
      await migrateDatabase(db);
      return {
        db,
        async close() {
          await db.end();
          await proxy.close();
          await scratch.drop();
        },
      };
    },
  },
];

/**
 * Opens `backend` before the enclosing suite's tests, with the fixture content imported, and
 * closes it after them; the returned function gives the open database.
 *
 * @example
 *   for (const backend of backends) describe.skipIf(!backend.enabled)(backend.name, () => { const db = openWithFixtures(backend); … });
 */
export function openWithFixtures(backend: Backend): () => Database {
  let db: Database | undefined;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ db, close } = await backend.open());
    await importContent(db.write, { skills: fixtureSkills, items: fixtureItems });
  });
  afterAll(async () => {
    await close?.();
  });
  return () => {
    if (!db) throw new Error(`${backend.name} is not open`);
    return db;
  };
}

export const fixtureSkills: Skill[] = [
  { id: "arith.add", name: "Addition", description: "Adding whole numbers", strand: "arithmetic", position: 0, prerequisites: [] },
  { id: "fractions.equivalent", name: "Equivalent fractions", description: "", strand: "fractions", position: 1, prerequisites: ["arith.add"] },
  { id: "fractions.add-like", name: "Adding like fractions", description: "", strand: "fractions", position: 2, prerequisites: ["fractions.equivalent", "arith.add"] },
];

export const fixtureItems: Item[] = [
  {
    id: "add-1",
    skillIds: ["arith.add"],
    prompt: "What is 7 + 5?",
    choices: ["12", "13", "11", "75"],
    answer: { type: "choice", index: 0 },
    explanation: "7 + 5 = 12.",
    difficulty: -1.5,
    discrimination: 1,
    guessing: 0.25,
    calibrated: false,
    tags: [],
  },
  {
    id: "frac-eq-1",
    skillIds: ["fractions.equivalent"],
    prompt: "Which fraction is equivalent to 1/2?",
    choices: ["2/4", "1/3", "2/3", "3/4"],
    answer: { type: "choice", index: 0 },
    explanation: "Multiply numerator and denominator by 2: 1/2 = 2/4.",
    difficulty: -0.5,
    discrimination: 1.2,
    guessing: 0.25,
    calibrated: false,
    tags: [],
  },
  {
    id: "frac-add-1",
    skillIds: ["fractions.add-like", "fractions.equivalent"],
    prompt: "Add the fractions 1/5 + 2/5 and simplify the fraction if you can.",
    answer: { type: "text", accepted: ["3/5"] },
    explanation: "Same denominator: add the numerators, 1 + 2 = 3, so 3/5.",
    difficulty: 0.2,
    discrimination: 1,
    guessing: 0,
    calibrated: false,
    tags: ["word-problem"],
  },
  {
    id: "frac-add-2",
    skillIds: ["fractions.add-like"],
    prompt: "Maya ate 2/8 of a pizza and Leo ate 3/8. What fraction of the pizza did they eat together?",
    choices: ["5/8", "5/16", "6/8", "1/8"],
    answer: { type: "choice", index: 0 },
    explanation: "2/8 + 3/8 = 5/8.",
    difficulty: 0.4,
    discrimination: 1,
    guessing: 0.25,
    calibrated: false,
    tags: ["word-problem"],
  },
  {
    id: "ratio-1",
    skillIds: ["arith.add"],
    prompt: "A recipe uses a ratio of 2 cups of flour to 1 cup of sugar. How many cups of flour for 3 cups of sugar?",
    answer: { type: "numeric", value: 6, tolerance: 0 },
    explanation: "2:1 scaled by 3 is 6:3, so 6 cups.",
    difficulty: 0.8,
    discrimination: 1,
    guessing: 0,
    calibrated: false,
    tags: ["word-problem"],
  },
];
