/**
 * The only way the app reaches the API: openapi-fetch typed by ./schema.d.ts, which
 * `npm run api-client` generates from the worker's /openapi.json (and `npm test` checks).
 * Every failure becomes an ApiProblem with a readable message: the API's problem+json title
 * and detail (with its request id), or a plain sentence for a network failure.
 */
import createClient from "openapi-fetch";
import type { Middleware } from "openapi-fetch";
import { loadSession } from "../session";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Item = Schemas["Item"];
export type AttemptResult = Schemas["AttemptResult"];
export type GradedAttempt = Schemas["GradedAttempt"];
export type Progress = Schemas["Progress"];
export type MockTest = Schemas["MockTest"];
export type MockTestNext = Schemas["MockTestNext"];
export type MockTestReport = Schemas["MockTestReport"];
export type Skill = Schemas["Skill"];
type Problem = Schemas["Problem"];

export class ApiProblem extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** true when the request never got an answer (offline, connection reset): safe to retry. */
    readonly network: boolean,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = "ApiProblem";
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const session = loadSession();
    if (session) request.headers.set("authorization", `Bearer ${session.token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "title" in value && "status" in value;
}

/** Unwraps an openapi-fetch call: its data, or an ApiProblem. */
export async function call<T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request();
  } catch (err) {
    const reason = err instanceof Error && err.name === "AbortError" ? "the request was cancelled" : "the server could not be reached";
    throw new ApiProblem(`No connection: ${reason}. Check your network and try again.`, 0, true);
  }
  const { data, error, response } = result;
  if (error === undefined && data !== undefined) return data;
  if (isProblem(error)) {
    throw new ApiProblem(`${error.title}: ${error.detail}`, error.status, false, error.requestId);
  }
  throw new ApiProblem(`The server answered ${response.status} ${response.statusText || "without a readable message"}.`, response.status, false);
}

/** Learner id of the signed-in session (pages render only when signed in). */
export function learnerPath(): { path: { id: string } } {
  return { path: { id: loadSession()?.learnerId ?? "" } };
}

let skills: Promise<Skill[]> | null = null;

/** The skill graph, loaded once per page load (names, strands, prerequisites). */
export function loadSkills(): Promise<Skill[]> {
  skills ??= call(() => api.GET("/v1/skills")).then((d) => d.skills).catch((err: unknown) => {
    skills = null;
    throw err;
  });
  return skills;
}
