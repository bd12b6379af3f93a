/**
 * Checks a real response against /openapi.json (OpenAPI 3.1): the status is documented for the
 * operation, the content type is one it documents, and the JSON body validates against that
 * schema. A small JSON Schema validator for the keywords the document uses ($ref, type — one or
 * several —, enum, const, properties, required, additionalProperties, items, anyOf, oneOf,
 * allOf, minimum, maximum, minLength, maxLength); workerd allows no code generation, so a
 * compiling validator cannot run in the test tier.
 */

export interface OpenApiDoc {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components?: { schemas?: Record<string, Schema> };
}

type Schema = Record<string, unknown>;

/** Problems with `value` against `schema` (empty when it validates), each with a JSON path. */
export function validateSchema(doc: OpenApiDoc, schema: Schema, value: unknown, at = "$", depth = 0): string[] {
  if (depth > 64) return [`${at}: schema nesting too deep`];
  if (typeof schema.$ref === "string") {
    const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name ? doc.components?.schemas?.[name] : undefined;
    if (!target) return [`${at}: unresolvable $ref ${schema.$ref}`];
    return validateSchema(doc, target, value, at, depth + 1);
  }
  const out: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [`${at}: expected ${types.join(" | ")}, got ${describe(value)}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => Object.is(e, value))) out.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if ("const" in schema && !Object.is(schema.const, value)) out.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) out.push(`${at}: ${value} < minimum ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) out.push(`${at}: ${value} > maximum ${schema.maximum}`);
  }
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength) out.push(`${at}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength) out.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (isObject(value)) {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in value)) out.push(`${at}.${key}: required, missing`);
    for (const [key, v] of Object.entries(value)) {
      const p = props[key];
      if (p) out.push(...validateSchema(doc, p, v, `${at}.${key}`, depth + 1));
      else if (schema.additionalProperties === false) out.push(`${at}.${key}: not allowed`);
      else if (isObject(schema.additionalProperties)) out.push(...validateSchema(doc, schema.additionalProperties, v, `${at}.${key}`, depth + 1));
    }
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    const items = schema.items;
    value.forEach((v, i) => out.push(...validateSchema(doc, items, v, `${at}[${i}]`, depth + 1)));
  }
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as Schema[]) out.push(...validateSchema(doc, s, value, at, depth + 1));
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (!Array.isArray(options)) continue;
    const passing = (options as Schema[]).filter((s) => validateSchema(doc, s, value, at, depth + 1).length === 0).length;
    if (passing === 0 || (key === "oneOf" && passing > 1)) out.push(`${at}: ${passing} of the ${key} alternatives match ${describe(value)}`);
  }
  return out;
}

/**
 * What is wrong with one response of `method path` (the document's path template), or [] when
 * the document describes it: documented status (or `default`), content type and body.
 */
export function checkResponse(doc: OpenApiDoc, method: string, path: string, status: number, contentType: string | null, body: unknown): string[] {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) return [`${method} ${path}: not in the document`];
  const documented = op.responses?.[String(status)] ?? op.responses?.default;
  if (!documented) return [`${method} ${path} → ${status}: status not documented (documented: ${Object.keys(op.responses ?? {}).join(", ")})`];
  if (!documented.content) return body === undefined ? [] : [`${method} ${path} → ${status}: documented without a body, got one`];
  const type = (contentType ?? "").split(";")[0]?.trim() ?? "";
  const media = documented.content[type];
  if (!media) return [`${method} ${path} → ${status}: content type ${type || "(none)"} not documented (documented: ${Object.keys(documented.content).join(", ")})`];
  if (!media.schema) return [];
  return validateSchema(doc, media.schema, body).map((p) => `${method} ${path} → ${status}: ${p}`);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return isObject(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}
