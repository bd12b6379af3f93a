/**
 * The API worker: every route and binding on one screen. Handlers live in routes/, the
 * learner's state in the LearnerDO (workers/learner), the pure engine in src/core.
 */
import { scheduledCalibration } from "../calibration/job";
import { createApp } from "./lib/app";
import { withSharedResponses } from "./lib/openapi-shared";
import { registerCalibrationRoutes } from "./routes/calibration";
import { registerContentRoutes } from "./routes/content";
import { registerDemoRoutes } from "./routes/demo";
import { registerHealthRoutes } from "./routes/health";
import { registerLearnerRoutes } from "./routes/learners";
import { registerMetricsRoutes } from "./routes/metrics";
import { registerMlBenchRoutes } from "./routes/ml-bench";
import { registerMockTestRoutes } from "./routes/mock-tests";
import { registerOpsRoutes } from "./routes/ops";
import { registerOutboxRoutes } from "./routes/outbox";
import { registerSearchRoutes } from "./routes/search";

const app = createApp();
registerHealthRoutes(app);
registerContentRoutes(app);
registerSearchRoutes(app);
registerLearnerRoutes(app);
registerMockTestRoutes(app);
registerDemoRoutes(app); // local only: the web app's demo sign-in
// Before the ops routes: /v1/ops/alerts carries its own operator check.
registerMetricsRoutes(app);
registerOpsRoutes(app);
registerOutboxRoutes(app); // after the ops routes: their operator check covers it
registerMlBenchRoutes(app); // after the ops routes: their operator check covers it
registerCalibrationRoutes(app); // after the ops routes: their operator check covers it

// The contract, with the answers the shared middleware adds to every operation (lib/openapi-shared.ts); built once per isolate.
let contract: unknown;
app.get("/openapi.json", (c) => {
  contract ??= withSharedResponses(
    app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: { title: "Adaptive learning API", version: "1.0.0", description: "Edge-first adaptive learning platform." },
    }),
  );
  return c.json(contract as Record<string, unknown>);
});

export { LearnerDO } from "../learner/learner-do";
export { MetricsDO } from "../metrics/metrics-do";
export { OutboxWriterDO } from "../writer/writer-do";
export default {
  fetch: app.fetch,
  /** Cron Triggers (wrangler.toml `[triggers]`): the item calibration job. */
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext) {
    await scheduledCalibration(env, controller.scheduledTime, undefined, ctx);
  },
} satisfies ExportedHandler<Env>;
