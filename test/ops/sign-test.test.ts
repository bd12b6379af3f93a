import { describe, expect, it } from "vitest";
import { signTestP } from "../../src/ops/sign-test";

describe("signTestP", () => {
  it("gives the exact two-sided binomial tail", () => {
    expect(signTestP(8, 10)).toBeCloseTo(112 / 1024, 12); // 2 × (1 + 10 + 45) / 2^10
    expect(signTestP(10, 10)).toBeCloseTo(2 / 1024, 12);
    expect(signTestP(0, 8)).toBeCloseTo(2 / 256, 12);
    expect(signTestP(1, 6)).toBeCloseTo(14 / 64, 12); // 2 × (1 + 6) / 2^6
  });

  it("is symmetric and 1 for an even split", () => {
    expect(signTestP(3, 10)).toBe(signTestP(7, 10));
    expect(signTestP(5, 10)).toBe(1);
    expect(signTestP(4, 9)).toBe(1);
  });

  it("refuses impossible splits", () => {
    expect(() => signTestP(11, 10)).toThrow(RangeError);
    expect(() => signTestP(-1, 10)).toThrow(RangeError);
    expect(() => signTestP(1, 0)).toThrow(RangeError);
  });
});
