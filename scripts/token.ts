/**
 * `npm run token -- <learnerId> [--ttl-days 7]`: mints a learner bearer token for the local
 * stack (signed with the key in .data/local-secrets.json, or JWT_SECRET when set).
 *
 *   TOKEN=$(npm run -s token -- demo-learner)
 *   curl -H "authorization: Bearer $TOKEN" http://127.0.0.1:8787/v1/learners/demo-learner/progress
 */
import { parseArgs } from "node:util";
import { mintLearnerToken } from "../src/auth/learner-token";
import { localSecrets } from "./lib/secrets";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { "ttl-days": { type: "string", default: "7" } } });
const learnerId = positionals[0];
if (!learnerId || !/^[A-Za-z0-9_-]{1,64}$/.test(learnerId)) {
  console.error("usage: npm run token -- <learnerId>   (1–64 letters, digits, '_' or '-')");
  process.exit(2);
}
const secret = process.env.JWT_SECRET ?? localSecrets().JWT_SECRET;
const token = await mintLearnerToken(learnerId, secret, { ttlSeconds: Number(values["ttl-days"]) * 86_400 });
console.log(token);
