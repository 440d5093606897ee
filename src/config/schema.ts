// JSON Schema (draft 2020-12) of the JSON config, generated from spec.ts.
// The published copy is schema/vigil-config.schema.json; a test keeps it in
// step. Regenerate with: bun src/config-io/write-schema.ts > schema/vigil-config.schema.json
import { configSpec, type ObjectSpec, type Spec } from "./spec.ts";

type Json = Record<string, unknown>;

export function generateSchema(): Json {
  const defs: Record<string, Json> = {};
  const names = new Map<ObjectSpec, string>();

  const ref = (o: ObjectSpec): Json => {
    let name = names.get(o);
    if (!name) {
      name = o.name;
      for (let k = 2; Object.hasOwn(defs, name); k++) name = `${o.name}${k}`;
      names.set(o, name);
      defs[name] = {}; // reserve before recursing
      defs[name] = object(o);
    }
    return { $ref: `#/$defs/${name}` };
  };

  const object = (o: ObjectSpec): Json => {
    const properties: Record<string, Json> = {};
    const required: string[] = [];
    for (const [key, f] of Object.entries(o.fields)) {
      const s = conv(f.spec);
      const p: Json = f.spec.kind === "object" ? { allOf: [s] } : { ...s };
      if (f.doc) p.description = f.doc;
      if (f.default !== undefined) p.default = f.default;
      properties[key] = p;
      if (!f.optional && f.default === undefined) required.push(key);
    }
    const out: Json = { type: "object", additionalProperties: false, properties };
    if (required.length) out.required = required;
    return out;
  };

  const conv = (s: Spec): Json => {
    switch (s.kind) {
      case "int":
        return { type: "integer", minimum: s.min, maximum: s.max };
      case "ms":
        return { type: "integer", minimum: s.min, maximum: s.max, ...(s.multipleOf ? { multipleOf: s.multipleOf } : {}), description: "milliseconds" };
      case "string":
        return { type: "string", minLength: s.minLength, maxLength: s.maxLength, ...(s.pattern ? { pattern: s.pattern } : {}) };
      case "bool":
        return { type: "boolean" };
      case "enum":
        return s.values.length === 1 ? { const: s.values[0] } : { enum: [...s.values] };
      case "oneOf":
        return { oneOf: s.of.map(conv) };
      case "array":
        return { type: "array", items: conv(s.items), maxItems: s.maxItems };
      case "object":
        return ref(s);
      case "tagged":
        return { oneOf: Object.values(s.variants).map(ref) };
    }
  };

  const root = object(configSpec);
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://vigil.invalid/schema/vigil-config.schema.json",
    title: "vigil configuration",
    description: "The vigil config model as JSON (durations in integer milliseconds). Generated from src/config/spec.ts.",
    ...root,
    $defs: defs,
  };
}

export function schemaText(): string {
  return `${JSON.stringify(generateSchema(), null, 2)}\n`;
}

