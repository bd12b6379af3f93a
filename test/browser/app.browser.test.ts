/// <reference lib="dom" />
/**
 * The learner web app in a real browser against the real `npm start` stack: sign in as a demo
 * learner, practise ten items answering from the demo bank's key and see mastery move, review,
 * a short mock test to its report (no feedback before it), progress; an offline blip and a
 * double click that lose and duplicate nothing. axe-core checks every page (zero serious or
 * critical violations); screenshots go to reports/app/, measurements to reports/app/metrics.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemoBank } from "../../src/content/generate/index";
import { startStack } from "./stack";
import type { Stack } from "./stack";

const PORT = 8931;
const OUT = "reports/app";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The demo bank is deterministic (seed 1, as npm start seeds it): its answer key, by item id. */
const key = new Map(
  generateDemoBank(1).items.map((item) => {
    const a = item.answer;
    return [item.id, a.type === "choice" ? a.index : a.type === "numeric" ? a.value : (a.accepted[0] ?? "")] as const;
  }),
);

let stack: Stack;
let browser: Browser;
const started = performance.now();
const metrics: Record<string, unknown> = {};
const axeResults: Array<{ page: string; violations: Array<{ id: string; impact: string | null; nodes: number }> }> = [];

async function axe(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const run = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: unknown[] }> }> } }).axe.run;
    const result = await run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  axeResults.push({ page: name, violations });
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious, `${name}: ${JSON.stringify(serious)}`).toEqual([]);
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });

/** Answers the item on screen from the key, with the keyboard (1–4 / typed answer, then Enter). */
async function answerShownItem(page: Page, right = true): Promise<string> {
  const form = page.locator("form.item[data-item-id]");
  await form.waitFor();
  const itemId = (await form.getAttribute("data-item-id")) ?? "";
  const answer = key.get(itemId);
  expect(answer, `no key for ${itemId}`).not.toBeUndefined();
  // The item takes the keyboard focus when it is ready for keys.
  await expect.poll(() => form.evaluate((f) => f.contains(document.activeElement))).toBe(true);
  if (typeof answer === "number" && (await form.locator("input[type=radio]").count()) > 0) {
    const count = await form.locator("input[type=radio]").count();
    const index = right ? answer : (answer + 1) % count;
    await page.keyboard.press(String(index + 1));
    await page.keyboard.press("Enter");
  } else {
    await form.locator("input[type=text]").fill(right ? String(answer) : "999999");
    await page.keyboard.press("Enter");
  }
  return itemId;
}

async function signIn(page: Page): Promise<string> {
  await page.goto(`${stack.url}/`);
  await page.getByRole("button", { name: "Continue as a demo learner" }).click();
  await page.getByRole("heading", { name: "Practice", level: 1 }).waitFor();
  return page.evaluate(() => (JSON.parse(sessionStorage.getItem("learner-session") ?? "{}") as { learnerId: string }).learnerId);
}

async function progressOf(page: Page): Promise<{ attempts: number; accuracy: number | null }> {
  return page.evaluate(async () => {
    const s = JSON.parse(sessionStorage.getItem("learner-session") ?? "{}") as { learnerId: string; token: string };
    const res = await fetch(`/v1/learners/${s.learnerId}/progress`, { headers: { authorization: `Bearer ${s.token}` } });
    return (await res.json()) as { attempts: number; accuracy: number | null };
  });
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  stack = await startStack(PORT);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  metrics.browserTestSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
  metrics.axe = axeResults;
  writeFileSync(`${OUT}/metrics.json`, `${JSON.stringify(metrics, null, 2)}\n`);
});

describe("the learner web app", () => {
  it("serves hashed assets for a year and index.html revalidated, under 100 KiB of gzipped JavaScript", async () => {
    const index = await fetch(`${stack.url}/`);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? "");
    expect(scripts.length).toBeGreaterThan(0);
    let gzipped = 0;
    for (const src of scripts) {
      const res = await fetch(`${stack.url}${src}`, { headers: { "accept-encoding": "identity" } });
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      gzipped += (await import("node:zlib")).gzipSync(Buffer.from(await res.arrayBuffer()), { level: 9 }).length;
    }
    metrics.jsGzipBytes = gzipped;
    expect(gzipped).toBeLessThan(100 * 1024);
    // An app route is the single-page fallback; the API stays the API.
    expect((await fetch(`${stack.url}/progress`)).headers.get("content-type")).toContain("text/html");
    expect((await fetch(`${stack.url}/v1/learners/x/progress`)).headers.get("content-type")).toContain("application/problem+json");
  });

  it("takes a learner from sign-in through practice, review, a mock test and progress", async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    const page = await context.newPage();
    const attempts: Array<{ withheld: boolean; correct?: boolean; mastery?: Array<{ before: number; after: number }> }> = [];
    page.on("response", (res) => {
      if (res.url().endsWith("/attempts") && res.request().method() === "POST" && res.ok()) void res.json().then((j: (typeof attempts)[number]) => attempts.push(j));
    });

    await page.goto(`${stack.url}/`);
    await page.getByRole("button", { name: "Continue as a demo learner" }).waitFor();
    await axe(page, "sign-in");
    await shot(page, "sign-in");
    await signIn(page);

    // A fresh load of the practice page, for its paint and interactivity numbers.
    await page.goto(`${stack.url}/practice`);
    await page.locator("form.item[data-item-id]").waitFor();
    const perf = await page.evaluate(
      () =>
        new Promise<{ lcpMs: number; interactiveMs: number; domContentLoadedMs: number; nextRequestMs: number }>((resolve) => {
          new PerformanceObserver((list) => {
            const entries = list.getEntries();
            const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
            resolve({
              lcpMs: Math.round(entries[entries.length - 1]?.startTime ?? -1),
              interactiveMs: Math.round(performance.getEntriesByName("practice-interactive")[0]?.startTime ?? -1),
              domContentLoadedMs: Math.round(nav?.domContentLoadedEventEnd ?? -1),
              // The first item's API call (a learner object's first scoring): most of the wait.
              nextRequestMs: Math.round(performance.getEntriesByType("resource").find((e) => e.name.endsWith("/next"))?.duration ?? -1),
            });
          }).observe({ type: "largest-contentful-paint", buffered: true });
        }),
    );
    metrics.practicePage = perf;
    expect(perf.lcpMs).toBeGreaterThan(0);
    expect(perf.interactiveMs).toBeGreaterThan(0);
    await axe(page, "practice: item");
    await page.getByText("Why this item").click();
    await page.getByRole("table", { name: "Scoring terms" }).waitFor();
    // The model's prediction mixed with the knowledge model's, and the model's weight for this learner.
    await page.getByText(/weighed by how well each has predicted your answers so far/).waitFor();
    await shot(page, "practice-item");
    await page.locator("form.item input").first().focus(); // back from "Why this item" to the answer

    // After the first item, each answer brings the next one: a practice step is one request.
    let nextCalls = 0;
    const countNext = (req: { url(): string; method(): string }) => {
      if (req.url().endsWith("/next") && req.method() === "POST") nextCalls++;
    };
    page.on("request", countNext);
    for (let i = 0; i < 10; i++) {
      await answerShownItem(page, true).catch(async (err: unknown) => {
        await shot(page, `failed-${i}`);
        throw new Error(`item ${i}: ${String(err)}\n${await page.locator("body").innerText()}`);
      });
      await page.getByRole("heading", { name: "✓ Correct" }).waitFor();
      await expect.poll(() => attempts.length).toBe(i + 1);
      if (i === 0) {
        await page.getByRole("heading", { name: "Worked explanation" }).waitFor();
        await axe(page, "practice: feedback");
        await shot(page, "practice-feedback");
      }
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Next item");
      await page.keyboard.press("Enter"); // "Next item" has the focus
    }
    page.off("request", countNext);
    expect(nextCalls).toBe(0);
    expect(attempts.every((a) => a.withheld === false && a.correct === true)).toBe(true);
    const moved = attempts.flatMap((a) => a.mastery ?? []).filter((m) => m.after > m.before);
    expect(moved.length).toBeGreaterThan(0); // mastery moves with right answers
    await expect.poll(async () => page.getByText(/10 of 10 right this session/).count()).toBe(1);

    // Review: an item due, or the honest "nothing due" with the next review's time.
    await page.getByRole("link", { name: "Review" }).click();
    await page.getByRole("heading", { name: "Review", level: 1 }).waitFor();
    await page.locator("form.item[data-item-id], .empty").first().waitFor();
    if ((await page.locator(".empty").count()) > 0) await expect(page.locator(".empty").textContent()).resolves.toMatch(/Next review|No reviews/);
    await axe(page, "review");
    await shot(page, "review");

    // A short mock test: no feedback of any kind until the report.
    await page.getByRole("link", { name: "Mock test" }).click();
    await page.getByRole("button", { name: "Start the test" }).waitFor();
    await axe(page, "mock test: setup");
    await page.getByLabel("Short: 5 items").check();
    await page.getByRole("button", { name: "Start the test" }).click();
    const before = attempts.length;
    for (let i = 0; i < 5; i++) {
      await page.locator("form.item[data-item-id]").waitFor();
      await expect(page.getByRole("timer").textContent()).resolves.toMatch(/\d+:\d\d/);
      await expect(page.getByText(`Item ${i + 1} of up to 5`).count()).resolves.toBe(1);
      if (i === 0) {
        await axe(page, "mock test: item");
        await shot(page, "mock-test-item");
      }
      await answerShownItem(page, i % 2 === 0);
      await expect.poll(() => attempts.length).toBe(before + i + 1);
      expect(await page.locator(".feedback").count()).toBe(0);
    }
    await page.getByRole("heading", { name: /Your score: \d+/ }).waitFor();
    expect(attempts.slice(before, before + 4).every((a) => a.withheld)).toBe(true); // nothing revealed mid-test
    await expect(page.locator(".interval").textContent()).resolves.toMatch(/95 % interval: \d+–\d+/);
    await expect(page.getByText(/Stopped because:/).count()).resolves.toBe(1);
    await expect(page.getByText(/items were uncalibrated/).count()).resolves.toBe(1);
    await axe(page, "mock test: report");
    await shot(page, "mock-test-report");

    await page.getByRole("link", { name: "Progress" }).click();
    await page.getByRole("region", { name: "Prerequisite graph (scrolls sideways)" }).waitFor();
    await expect(page.locator(".stats").textContent()).resolves.toContain("Answers15");
    await axe(page, "progress");
    await shot(page, "progress");

    // A 360 px phone: nothing wider than the screen but the graph's own scroller.
    await page.setViewportSize({ width: 360, height: 740 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, "progress-360");
    await page.getByRole("link", { name: "Practice" }).click();
    await page.locator("form.item[data-item-id]").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await axe(page, "practice at 360 px");
    await shot(page, "practice-360");
    await context.close();
  });

  it("loses and duplicates nothing through an offline blip, a lost response and a double click", async () => {
    const context = await browser.newContext({ viewport: { width: 800, height: 800 } });
    const page = await context.newPage();
    await signIn(page);
    const sent: string[] = [];
    page.on("request", (req) => {
      if (req.url().endsWith("/attempts") && req.method() === "POST") sent.push((JSON.parse(req.postData() ?? "{}") as { clientAttemptId: string }).clientAttemptId);
    });

    // 1. The request never reaches the server (offline for one request).
    let blips = 0;
    await page.route("**/attempts", async (route) => {
      if (blips++ === 0) return route.abort("internetdisconnected");
      return route.continue();
    });
    await answerShownItem(page, true);
    await page.getByRole("heading", { name: "✓ Correct" }).waitFor();
    await page.unroute("**/attempts");
    expect(sent.length).toBe(2);
    expect(new Set(sent).size).toBe(1); // the re-send carried the same attempt id
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Next item");
    await page.keyboard.press("Enter");

    // 2. The server records the answer but the response is lost on the way back.
    let lost = 0;
    await page.route("**/attempts", async (route) => {
      if (lost++ === 0) {
        await route.fetch(); // reaches the server, which records the attempt
        return route.abort("connectionreset");
      }
      return route.continue();
    });
    await answerShownItem(page, false);
    await page.getByRole("heading", { name: "✗ Not quite" }).waitFor();
    await page.unroute("**/attempts");
    expect(sent.length).toBe(4);
    expect(sent[2]).toBe(sent[3]);
    await page.getByRole("button", { name: "Next item" }).click();

    // 3. A double click on "Check answer" answers once.
    const form = page.locator("form.item[data-item-id]");
    await form.waitFor();
    const itemId = (await form.getAttribute("data-item-id")) ?? "";
    const answer = key.get(itemId);
    if (typeof answer === "number" && (await form.locator("input[type=radio]").count()) > 0) await form.locator("input[type=radio]").nth(answer).check();
    else await form.locator("input[type=text]").fill(String(answer));
    await form.getByRole("button", { name: "Check answer" }).dblclick();
    await page.getByRole("heading", { name: "✓ Correct" }).waitFor();
    expect(sent.length).toBe(5);

    // Three answers, each recorded once: nothing lost, nothing doubled.
    const progress = await progressOf(page);
    expect(progress.attempts).toBe(3);
    expect(progress.accuracy).toBeCloseTo(2 / 3, 10);
    await context.close();
  });

  it("shows the API's problem+json as a readable message, never a blank page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page);
    await page.route("**/progress?**", (route) =>
      route.fulfill({
        status: 503,
        contentType: "application/problem+json",
        body: JSON.stringify({ type: "/problems/unavailable", title: "Service unavailable", status: 503, detail: "learner state is busy; retry", instance: "/v1/learners/x/progress", requestId: "req-test-1" }),
      }),
    );
    await page.getByRole("link", { name: "Progress" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain("Service unavailable: learner state is busy; retry (request req-test-1)");
    await page.unroute("**/progress?**");
    await alert.getByRole("button", { name: "Try again" }).click();
    await page.locator(".stats").waitFor();
    await context.close();
  });
});
