import { describe } from "vitest";
import { defineProxySuite } from "./proxy-suite";

const databaseUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!databaseUrl)("ws-proxy → Postgres (TEST_DATABASE_URL)", () => {
  defineProxySuite("Postgres", async () => ({
    databaseUrl: databaseUrl ?? "",
    poolMax: 4,
    close: async () => undefined,
  }));
});
