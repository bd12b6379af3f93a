/** The learner-engine core: pure functions the learner Durable Object calls. */
export * from "./types";
export * from "./graph";
export * from "./knowledge";
export * from "./review";
export * from "./scoring";
export * from "./progress";
export * from "./grading";
export * from "./random";
