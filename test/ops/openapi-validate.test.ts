/**
 * The contract checker the fuzz run uses on every response (test/worker/openapi-validate.ts):
 * it must reject what the document does not describe, or the fuzz run's "every response
 * matches /openapi.json" would hold whatever the API answers.
 */
import { describe, expect, it } from "vitest";
import { checkResponse, validateSchema } from "../worker/openapi-validate";
import type { OpenApiDoc } from "../worker/openapi-validate";

const doc: OpenApiDoc = {
  components: {
    schemas: {
      Item: { type: "object", properties: { id: { type: "string" }, level: { type: "integer", minimum: 0 } }, required: ["id"], additionalProperties: false },
      Problem: { type: "object", properties: { status: { type: "integer" }, detail: { type: "string" } }, required: ["status", "detail"] },
    },
  },
  paths: {
    "/v1/items/{id}": {
      get: {
        responses: {
          "200": { content: { "application/json": { schema: { type: "object", properties: { item: { anyOf: [{ $ref: "#/components/schemas/Item" }, { type: "null" }] }, mode: { enum: ["practice", "review"] } }, required: ["item"] } } } },
          "404": { content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
          "304": {},
        },
      },
    },
  },
};

describe("checking responses against the OpenAPI document", () => {
  it("accepts what the document describes", () => {
    expect(checkResponse(doc, "GET", "/v1/items/{id}", 200, "application/json; charset=utf-8", { item: { id: "a", level: 2 }, mode: "practice" })).toEqual([]);
    expect(checkResponse(doc, "GET", "/v1/items/{id}", 200, "application/json", { item: null })).toEqual([]);
    expect(checkResponse(doc, "GET", "/v1/items/{id}", 404, "application/problem+json", { status: 404, detail: "no" })).toEqual([]);
    expect(checkResponse(doc, "GET", "/v1/items/{id}", 304, null, undefined)).toEqual([]);
  });

  it("rejects an undocumented status, content type or body", () => {
    expect(checkResponse(doc, "GET", "/v1/items/{id}", 413, "application/problem+json", { status: 413, detail: "big" })[0]).toMatch(/413: status not documented/);
    expect(checkResponse(doc, "GET", "/v1/items/{id}", 404, "application/json", { status: 404, detail: "no" })[0]).toMatch(/content type application\/json not documented/);
    expect(checkResponse(doc, "GET", "/v1/items/{id}", 404, "application/problem+json", { status: 404 })).toEqual(["GET /v1/items/{id} → 404: $.detail: required, missing"]);
    expect(checkResponse(doc, "POST", "/v1/items/{id}", 200, "application/json", {})[0]).toMatch(/not in the document/);
  });

  it("follows $ref, anyOf, enum, types, bounds and additionalProperties", () => {
    const schema = doc.paths["/v1/items/{id}"]?.get?.responses?.["200"]?.content?.["application/json"]?.schema ?? {};
    expect(validateSchema(doc, schema, { item: { id: 1 } })).toEqual(["$.item: 0 of the anyOf alternatives match object"]);
    expect(validateSchema(doc, { $ref: "#/components/schemas/Item" }, { id: "a", level: -1, extra: true })).toEqual(["$.level: -1 < minimum 0", "$.extra: not allowed"]);
    expect(validateSchema(doc, { $ref: "#/components/schemas/Item" }, { id: "a", level: 1.5 })).toEqual(["$.level: expected integer, got number"]);
    expect(validateSchema(doc, schema, { item: null, mode: "exam" })).toEqual(['$.mode: "exam" is not one of ["practice","review"]']);
    expect(validateSchema(doc, { type: ["string", "null"] }, null)).toEqual([]);
    expect(validateSchema(doc, { type: "array", items: { type: "number" } }, [1, "2"])).toEqual(["$[1]: expected number, got string"]);
    expect(validateSchema(doc, { $ref: "#/components/schemas/Missing" }, 1)[0]).toMatch(/unresolvable/);
  });
});
