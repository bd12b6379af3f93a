/**
 * The browser tests' stack: the real `npm start` (web build, PGlite, relay, demo content,
 * wrangler dev) on its own port and a fresh data folder, stopped with its whole process group.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Stack {
  url: string;
  stop(): Promise<void>;
}

export async function startStack(port: number): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), "web-app-browser-"));
  // The embedded defaults, whatever the calling shell points at.
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env;
  const child: ChildProcess = spawn("npm", ["start"], {
    env: { ...env, PORT: String(port), DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stopping it stops wrangler and workerd too
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Open the app:\s+(\S+)/.exec(output);
      if (match?.[1]) resolve(match[1].replace(/\/$/, ""));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    async stop() {
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          /* gone */
        }
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
