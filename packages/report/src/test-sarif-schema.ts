// Test helper: the SARIF 2.1.0 definitions of every part knot emits, written out
// by hand from sarif-schema-2.1.0.json (no network is available to fetch it):
// required properties, types, enumerations, minimum values, and no properties the
// schema does not define. `validateSarif` lists what a log gets wrong, as
// "path: problem". Test-only (excluded from the build).

export type Schema =
  | "string" | "boolean" | "any"
  | { integer: { min?: number } }
  | { enum: readonly unknown[] }
  | { array: Schema; minItems?: number }
  /** An object with only these properties; `required` must be present. */
  | { object: Record<string, Schema>; required?: readonly string[]; anyOf?: readonly string[] }
  /** An object with any keys, each value of this shape. */
  | { map: Schema };

const message: Schema = { object: { text: "string", markdown: "string", id: "string", arguments: { array: "string" }, properties: { map: "any" } }, anyOf: ["text", "id"] };
const multiformat: Schema = { object: { text: "string", markdown: "string", properties: { map: "any" } }, required: ["text"] };
const level: Schema = { enum: ["none", "note", "warning", "error"] };
const region: Schema = { object: { startLine: { integer: { min: 1 } }, startColumn: { integer: { min: 1 } }, endLine: { integer: { min: 1 } }, endColumn: { integer: { min: 1 } } } };
const artifactLocation: Schema = { object: { uri: "string", uriBaseId: "string", index: { integer: { min: -1 } }, description: message } };
const location: Schema = {
  object: {
    id: { integer: { min: -1 } },
    physicalLocation: { object: { artifactLocation, region, contextRegion: region }, anyOf: ["artifactLocation", "address"] },
    message,
    properties: { map: "any" },
  },
};
const threadFlowLocation: Schema = {
  object: { location, executionOrder: { integer: { min: -1 } }, state: { map: multiformat }, nestingLevel: { integer: { min: 0 } }, kinds: { array: "string" }, properties: { map: "any" } },
};
const codeFlow: Schema = {
  object: { message, threadFlows: { array: { object: { id: "string", message, locations: { array: threadFlowLocation, minItems: 1 } }, required: ["locations"] }, minItems: 1 } },
  required: ["threadFlows"],
};
const result: Schema = {
  object: {
    ruleId: "string", ruleIndex: { integer: { min: -1 } }, level, message,
    locations: { array: location }, relatedLocations: { array: location }, codeFlows: { array: codeFlow },
    partialFingerprints: { map: "string" }, properties: { map: "any" },
  },
  required: ["message"],
};
const reportingDescriptor: Schema = {
  object: {
    id: "string", name: "string", shortDescription: multiformat, fullDescription: multiformat, helpUri: "string", help: multiformat,
    defaultConfiguration: { object: { enabled: "boolean", level, rank: "any", properties: { map: "any" } } },
    properties: { map: "any" },
  },
  required: ["id"],
};
const notification: Schema = { object: { level, message, locations: { array: location }, properties: { map: "any" } }, required: ["message"] };
export const SARIF_SUBSET: Schema = {
  object: {
    $schema: "string",
    version: { enum: ["2.1.0"] },
    runs: {
      array: {
        object: {
          tool: {
            object: {
              driver: {
                object: { name: "string", version: "string", semanticVersion: "string", informationUri: "string", rules: { array: reportingDescriptor }, properties: { map: "any" } },
                required: ["name"],
              },
            },
            required: ["driver"],
          },
          invocations: { array: { object: { executionSuccessful: "boolean", toolExecutionNotifications: { array: notification } }, required: ["executionSuccessful"] } },
          columnKind: { enum: ["utf16CodeUnits", "unicodeCodePoints"] },
          results: { array: result },
          properties: { map: "any" },
        },
        required: ["tool"],
      },
    },
  },
  required: ["version", "runs"],
};

/** Violations of the schema, as "path: problem". */
export function validate(value: unknown, schema: Schema, path = "$"): string[] {
  if (schema === "any") return [];
  if (schema === "string") return typeof value === "string" ? [] : [`${path}: expected a string`];
  if (schema === "boolean") return typeof value === "boolean" ? [] : [`${path}: expected a boolean`];
  if ("integer" in schema) {
    return Number.isInteger(value) && (schema.integer.min === undefined || (value as number) >= schema.integer.min) ? [] : [`${path}: expected an integer >= ${schema.integer.min}, got ${JSON.stringify(value)}`];
  }
  if ("enum" in schema) return schema.enum.includes(value) ? [] : [`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`];
  if ("array" in schema) {
    if (!Array.isArray(value)) return [`${path}: expected an array`];
    const short = schema.minItems !== undefined && value.length < schema.minItems ? [`${path}: fewer than ${schema.minItems} items`] : [];
    return [...short, ...value.flatMap((v, i) => validate(v, schema.array, `${path}[${i}]`))];
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${path}: expected an object`];
  const o = value as Record<string, unknown>;
  if ("map" in schema) return Object.entries(o).flatMap(([k, v]) => validate(v, schema.map, `${path}.${k}`));
  const out: string[] = [];
  for (const k of schema.required ?? []) if (!(k in o)) out.push(`${path}: missing required '${k}'`);
  if (schema.anyOf && !schema.anyOf.some((k) => k in o)) out.push(`${path}: needs one of ${schema.anyOf.join(", ")}`);
  for (const [k, v] of Object.entries(o)) {
    const s = schema.object[k];
    if (!s) out.push(`${path}: property '${k}' is not in the schema`);
    else out.push(...validate(v, s, `${path}.${k}`));
  }
  return out;
}

/** Problems of a SARIF log against the subset above; empty when it conforms. */
export function validateSarif(log: unknown): string[] {
  return validate(log, SARIF_SUBSET);
}
