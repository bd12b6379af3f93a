/**
 * A minimal worker for scripts/bench-ml.ts: only the correctness model, no database or
 * Durable Object, so its cold start is the model's. GET /?candidates=&reps=&stage=[&model=<bundled version>].
 */
import { runMlBench } from "../../src/ml/bench";
import type { BenchStage } from "../../src/ml/bench";
import { getCorrectnessPredictor } from "../../src/ml/predictor";

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const candidates = Number(url.searchParams.get("candidates") ?? "500");
    const reps = Number(url.searchParams.get("reps") ?? "0");
    const stage: BenchStage = url.searchParams.get("stage") === "features" ? "features" : "model";
    if (url.pathname === "/healthz") return new Response("ok");
    const model = url.searchParams.get("model");
    const predictor = await getCorrectnessPredictor(model ? { CORRECTNESS_MODEL: model } : {});
    const checksum = await runMlBench(predictor, candidates, reps, stage);
    return Response.json({ ok: predictor.ok, version: predictor.version, reason: predictor.ok ? null : predictor.reason, checksum });
  },
};
