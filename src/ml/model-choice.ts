/**
 * Which bundled correctness model scores a learner's candidates (workers/learner/learner-do.ts):
 * a module of its own, free of the model files, so Node tests can run it.
 */
/** CORRECTNESS_MODEL / LINKED_CORRECTNESS_MODEL value that turns a model off. */
export const MODEL_OFF = "off";

/** What `chooseModel` reads of the configuration (workers/api/lib/env.ts). */
export interface ModelChoice {
  readonly CORRECTNESS_MODEL: string;
  readonly LINKED_CORRECTNESS_MODEL: string;
  readonly LINKED_MODEL_MIN_ANSWERS: number;
}

/**
 * The bundled model that scores: the links model (LINKED_CORRECTNESS_MODEL) once the published
 * item links rest on at least LINKED_MODEL_MIN_ANSWERS answers, else CORRECTNESS_MODEL.
 * CORRECTNESS_MODEL=off (the knowledge model alone) is never overridden; LINKED_CORRECTNESS_MODEL=off
 * turns the switch off (set it with a rollback of CORRECTNESS_MODEL).
 */
export function chooseModel(config: ModelChoice, links: { readonly answers: number } | null | undefined): string {
  if (config.CORRECTNESS_MODEL === MODEL_OFF || config.LINKED_CORRECTNESS_MODEL === MODEL_OFF) return config.CORRECTNESS_MODEL;
  return links && links.answers >= config.LINKED_MODEL_MIN_ANSWERS ? config.LINKED_CORRECTNESS_MODEL : config.CORRECTNESS_MODEL;
}

