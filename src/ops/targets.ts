/**
 * The capacity plan's targets, in one place: the dashboard draws them, the alert rules and
 * the benchmark compare against them, and test/ops checks that the k6 thresholds
 * (loadtests/lib/scenarios.js, plain JavaScript for k6) say the same.
 */

export type EndpointName = "next" | "attempt" | "progress" | "content" | "search";

export interface EndpointTarget {
  name: EndpointName;
  label: string;
  /** p95 latency target, ms. */
  p95Ms: number;
  /** Which route keys ("METHOD /pattern") belong to this endpoint. */
  matches: RegExp;
}

export const ENDPOINT_TARGETS: readonly EndpointTarget[] = [
  { name: "next", label: "next item", p95Ms: 300, matches: /^POST \/v1\/learners\/:id\/(?:mock-tests\/:[A-Za-z]+\/)?next$/ },
  { name: "attempt", label: "attempt", p95Ms: 500, matches: /^POST \/v1\/learners\/:id\/(?:mock-tests\/:[A-Za-z]+\/)?attempts$/ },
  { name: "progress", label: "progress", p95Ms: 200, matches: /^GET \/v1\/learners\/:id\/progress$/ },
  { name: "content", label: "content", p95Ms: 100, matches: /^GET \/v1\/(?:items\/:id|skills)$/ },
  { name: "search", label: "search", p95Ms: 1000, matches: /^GET \/v1\/search$/ },
];

/** Share of requests answered with a server error (5xx) the plan tolerates. */
export const ERROR_RATE_TARGET = 0.001;
/** Share of cache lookups answered by the cache. */
export const CACHE_HIT_TARGET = 0.85;
/** Share of requests answered without a server error, over 5 minutes. */
export const AVAILABILITY_TARGET = 0.99;
/** Overall p95 latency (any endpoint) the plan calls healthy, ms. */
export const OVERALL_P95_TARGET_MS = 300;

export function endpointOf(routeKey: string): EndpointTarget | undefined {
  return ENDPOINT_TARGETS.find((t) => t.matches.test(routeKey));
}
