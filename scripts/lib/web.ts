/**
 * Builds the learner web app (web/ → web/dist) through Vite's Node API: `npm start`, `npm run
 * serve` and the browser tests serve what it writes (wrangler.toml [assets]).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "vite";

export const WEB_CONFIG = "web/vite.config.ts";
export const WEB_DIST = "web/dist";

export interface WebBuild {
  ms: number;
  /** Every JavaScript file of the build, gzipped (level 9), in bytes. */
  jsGzipBytes: number;
}

export async function buildWebApp(): Promise<WebBuild> {
  const t0 = performance.now();
  await build({ configFile: WEB_CONFIG, logLevel: "warn" });
  return { ms: Math.round(performance.now() - t0), jsGzipBytes: jsGzipBytes() };
}

export function jsGzipBytes(dir = join(WEB_DIST, "assets")): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) total += jsGzipBytes(path);
    else if (name.endsWith(".js")) total += gzipSync(readFileSync(path), { level: 9 }).length;
  }
  return total;
}
