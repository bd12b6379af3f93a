import { DurableObject } from "cloudflare:workers";

/** One per learner (idFromName(learnerId)); SQLite-backed. Filled in by the learner engine. */
export class LearnerDO extends DurableObject<Env> {}
