import { describe, expect, it } from "vitest";
import { ASSISTMENTS_LEARNING_CURVE, DEFAULT_CALIBRATION_SIM, runCalibrationSim } from "../../src/eval/calibration-sim";

describe("calibration by simulation (the report's pool, fewer examinees)", () => {
  const r = runCalibrationSim({ ...DEFAULT_CALIBRATION_SIM, checkpoints: [30, 300], mockExaminees: 300, mockAt: 300 });

  it("learns difficulties far better than the authored ones, and reports its own precision honestly", () => {
    const [early, late] = r.checkpoints;
    expect(early?.bRmse).toBeLessThan(early?.authoredBRmse ?? 0);
    expect(late?.bRmse).toBeLessThan(early?.bRmse ?? 0);
    expect(late?.bRmse).toBeLessThan(0.35);
    // The reported SE is the actual error's size (no hidden bias).
    expect(Math.abs((late?.bRmse ?? 0) - (late?.meanSeB ?? 0))).toBeLessThan(0.08);
    expect(late?.calibratedShare).toBeGreaterThan(0.3);
  });

  it("makes mock tests on the calibrated pool more accurate than on the authored one", () => {
    const [truth, calibrated, authored] = r.mock;
    expect(calibrated?.scoreRmse).toBeLessThan(authored?.scoreRmse ?? 0);
    expect(calibrated?.scoreRmse).toBeLessThan((truth?.scoreRmse ?? 0) * 1.2);
    expect(calibrated?.coverage).toBeGreaterThan(0.88);
  });

  it("shows what the learners' estimated anchors cost (diagnosis with true anchors)", () => {
    const late = r.checkpoints[1];
    expect(late?.bRmseTrueAnchors).toBeLessThan(late?.bRmse ?? 0);
  });

  it("is deterministic for a seed", () => {
    const again = runCalibrationSim({ ...DEFAULT_CALIBRATION_SIM, items: 60, skills: 2, checkpoints: [30], mockExaminees: 5, mockAt: 30 });
    const once = runCalibrationSim({ ...DEFAULT_CALIBRATION_SIM, items: 60, skills: 2, checkpoints: [30], mockExaminees: 5, mockAt: 30 });
    expect(again.checkpoints).toEqual(once.checkpoints);
  });

  it("stays on scale with learners who learn faster than the knowledge model follows (the job's scale anchoring), and walks off it without", () => {
    const o = { ...DEFAULT_CALIBRATION_SIM, items: 120, skills: 2, checkpoints: [50, 150, 300], mockExaminees: 100, mockAt: 300, learning: ASSISTMENTS_LEARNING_CURVE };
    const anchored = runCalibrationSim(o);
    const loose = runCalibrationSim({ ...o, calibration: { ...o.calibration, scaleShiftPriorSd: 0 } });
    const b = (r: typeof anchored) => r.checkpoints.map((c) => c.bRmse);
    // Without anchoring the error grows with every publication; with it, it falls as answers accumulate.
    expect(b(loose)[2]).toBeGreaterThan(b(loose)[0] ?? 0);
    expect(b(loose)[2]).toBeGreaterThan(0.6);
    expect(b(anchored)[2]).toBeLessThan(b(anchored)[0] ?? 0);
    expect(b(anchored)[2]).toBeLessThan(0.35);
  });

  it("puts the best possible calibration on the same answers beside the job, without changing the simulation's draws", () => {
    const o = { ...DEFAULT_CALIBRATION_SIM, items: 60, skills: 2, checkpoints: [100, 150], mockExaminees: 5, mockAt: 150 };
    const plain = runCalibrationSim(o);
    const withBound = runCalibrationSim({ ...o, bound: { at: [100], sweeps: 600, burnIn: 150 } });
    // The answers after the bound's checkpoint are drawn as they would be without it.
    expect(withBound.checkpoints.map((c) => c.bRmse)).toEqual(plain.checkpoints.map((c) => c.bRmse));
    expect(withBound.checkpoints[1]?.bound).toBeNull();
    const bound = withBound.checkpoints[0]?.bound;
    // The posterior means beat the job's estimates (they see all the raw answers and the true priors) …
    expect(bound?.full.rmse).toBeLessThan(withBound.checkpoints[0]?.bRmse ?? 0);
    // … and knowing the learners' abilities leaves less to estimate.
    expect(bound?.knownAbilities.expectedRmse).toBeLessThan(bound?.full.expectedRmse ?? 0);
    expect(() => runCalibrationSim({ ...o, learning: ASSISTMENTS_LEARNING_CURVE, bound: { at: [100], sweeps: 10, burnIn: 0 } })).toThrow(/fixed ability/);
  });
});
