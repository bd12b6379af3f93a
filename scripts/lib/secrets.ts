/**
 * Local-only secrets (learner token signing key, operator token), made once per data folder
 * so tokens minted with `npm run token` stay valid across restarts. Never used in deployments:
 * there they are `wrangler secret`s.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_DATA_DIR } from "./stack";

export interface LocalSecrets {
  JWT_SECRET: string;
  OPS_TOKEN: string;
}

export function localSecrets(dataDir = DEFAULT_DATA_DIR): LocalSecrets {
  const file = join(dataDir, "local-secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as LocalSecrets;
  const secrets = { JWT_SECRET: randomBytes(32).toString("base64url"), OPS_TOKEN: randomBytes(24).toString("base64url") };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
