/**
 * Deployment safety, read from wrangler.toml itself: every environment deploys a worker of its
 * own (a bare `wrangler deploy` must never replace production), `deploy:check` dry-runs
 * production, and the example vars file names every secret an environment requires.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";

interface RawEnv {
  name?: string;
  secrets?: { required?: string[] };
}

const { rawConfig } = experimental_readRawConfig({ config: "wrangler.toml" }) as unknown as { rawConfig: RawEnv & { env?: Record<string, RawEnv> } };
const envs = rawConfig.env ?? {};

describe("wrangler.toml", () => {
  it("gives every environment its own worker name, and production's to production alone", () => {
    const names = [rawConfig.name, ...Object.values(envs).map((e) => e.name)];
    expect(names.every((n) => typeof n === "string" && n.length > 0)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(envs)).toEqual(expect.arrayContaining(["local", "staging", "production"]));
    expect(rawConfig.name).not.toBe(envs.production?.name);
  });

  it("dry-runs production in deploy:check and in npm test", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["deploy:check"]).toMatch(/wrangler deploy --dry-run .*--env production/);
    expect(readFileSync("scripts/test.sh", "utf8")).toMatch(/wrangler deploy --dry-run --env production/);
  });

  it("has an example vars file naming every required secret", () => {
    expect(existsSync(".dev.vars.example")).toBe(true);
    const example = readFileSync(".dev.vars.example", "utf8");
    const required = new Set([rawConfig, ...Object.values(envs)].flatMap((e) => e.secrets?.required ?? []));
    for (const name of required) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, "m"));
  });
});
