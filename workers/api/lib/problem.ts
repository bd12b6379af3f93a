/**
 * One error vocabulary for the whole API: a code, its HTTP status, one error class, and an
 * RFC 9457 problem+json body that always carries the request id.
 *
 * @example
 * throw new ApiError("not_found", `item ${id} does not exist`);
 * // → 404 application/problem+json
 * // { "type": "/problems/not_found", "title": "Not found", "status": 404,
 * //   "detail": "item x does not exist", "instance": "/v1/items/x", "requestId": "…" }
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, title: "Invalid request" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  unprocessable: { status: 422, title: "Unprocessable content" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal error" },
  unavailable: { status: 503, title: "Service unavailable" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface InvalidParam {
  name: string;
  reason: string;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly invalidParams: InvalidParam[] | undefined;
  /** Sent as Retry-After (429, 503). */
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ErrorCode, detail: string, options?: { invalidParams?: InvalidParam[]; retryAfterSeconds?: number; cause?: unknown }) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.invalidParams = options?.invalidParams;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  invalidParams?: InvalidParam[];
}

export function problemBody(error: ApiError, instance: string, requestId: string): ProblemBody {
  const { status, title } = ERROR_CODES[error.code];
  const body: ProblemBody = { type: `/problems/${error.code}`, title, status, detail: error.message, instance, requestId };
  if (error.invalidParams && error.invalidParams.length > 0) body.invalidParams = error.invalidParams;
  return body;
}

export function problemResponse(error: ApiError, instance: string, requestId: string, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/problem+json");
  h.set("x-request-id", requestId);
  h.set("cache-control", "no-store");
  return new Response(JSON.stringify(problemBody(error, instance, requestId)), { status: error.status, headers: h });
}

/** zod issues → RFC 9457 "invalid-params" entries (path joined with '.'). */
export function invalidParamsFromIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): InvalidParam[] {
  return issues.map((i) => ({ name: i.path.map(String).join(".") || "(root)", reason: i.message }));
}
