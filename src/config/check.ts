// Checks an untyped value (decoded JSON or CBOR, or the keepalived reader's
// output) against the spec: types, ranges, enums, unknown fields. Returns a
// fresh, fully defaulted copy, so the result never aliases the input and
// every config has exactly one representation.
import type { FieldPath } from "./diagnostics.ts";
import type { Config } from "./model.ts";
import { cborKeyOrder } from "./cbor-key-order.ts";
import { configSpec, type Field, type ObjectSpec, type Spec } from "./spec.ts";

export interface Issue {
  path: FieldPath;
  message: string;
}

const regexCache = new Map<string, RegExp>();
function regex(p: string): RegExp {
  let r = regexCache.get(p);
  if (!r) regexCache.set(p, (r = new RegExp(p, "u")));
  return r;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Uint8Array) return "a byte string";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === "number" || typeof v === "bigint") return `${typeof v} ${String(v)}`;
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Map);
}

// `path` is one mutable stack shared by the whole walk (push/pop), copied only
// when an issue is recorded: a config has tens of thousands of fields.
export function checkValue(v: unknown, spec: Spec, path: FieldPath, issues: Issue[]): unknown {
  switch (spec.kind) {
    case "int":
    case "ms": {
      if (typeof v !== "number" || !Number.isInteger(v)) {
        issues.push({ path: [...path], message: `expected an integer${spec.kind === "ms" ? " (milliseconds)" : ""}, got ${describe(v)}` });
        return undefined;
      }
      if (v < spec.min || v > spec.max) {
        issues.push({ path: [...path], message: `${v} is out of range ${spec.min}..${spec.max}${spec.kind === "ms" ? " ms" : ""}` });
      } else if (spec.kind === "ms" && spec.multipleOf && v % spec.multipleOf !== 0) {
        issues.push({ path: [...path], message: `${v} ms must be a multiple of ${spec.multipleOf} ms` });
      }
      return v;
    }
    case "string": {
      if (typeof v !== "string") {
        issues.push({ path: [...path], message: `expected a string, got ${describe(v)}` });
        return undefined;
      }
      if (v.length < spec.minLength || v.length > spec.maxLength) {
        issues.push({ path: [...path], message: `length ${v.length} is out of range ${spec.minLength}..${spec.maxLength}` });
      } else if (spec.pattern && !regex(spec.pattern).test(v)) {
        const why =
          spec.format === "name"
            ? "must be one word without quotes, braces or comment characters"
            : spec.format === "ip"
              ? "is not an IP address"
              : spec.format === "text"
                ? "must not contain double quotes or line breaks"
                : `must match ${spec.pattern}`;
        issues.push({ path: [...path], message: `${describe(v)} ${why}` });
      }
      return v;
    }
    case "bool":
      if (typeof v !== "boolean") issues.push({ path: [...path], message: `expected true or false, got ${describe(v)}` });
      return v;
    case "enum":
      if (!spec.values.includes(v as string | number)) {
        issues.push({ path: [...path], message: `expected one of ${spec.values.map((x) => JSON.stringify(x)).join(", ")}, got ${describe(v)}` });
      }
      return v;
    case "oneOf": {
      const firstIssues: Issue[][] = [];
      for (const alt of spec.of) {
        const sub: Issue[] = [];
        const out = checkValue(v, alt, path, sub);
        if (sub.length === 0) return out;
        firstIssues.push(sub);
      }
      // Report the alternative whose type matched, if any: its message is the useful one.
      const typed = firstIssues.find((s) => !s[0]!.message.startsWith("expected"));
      issues.push(...(typed ?? [{ path: [...path], message: `expected ${spec.of.map(kindName).join(" or ")}, got ${describe(v)}` }]));
      return v;
    }
    case "array": {
      if (!Array.isArray(v)) {
        issues.push({ path: [...path], message: `expected an array, got ${describe(v)}` });
        return undefined;
      }
      if (v.length > spec.maxItems) {
        issues.push({ path: [...path], message: `${v.length} items, at most ${spec.maxItems} allowed` });
        return undefined;
      }
      const out = new Array(v.length);
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        out[i] = checkValue(v[i], spec.items, path, issues);
        path.pop();
      }
      return out;
    }
    case "object":
      return checkObject(v, spec, path, issues);
    case "tagged": {
      if (!isPlainObject(v)) {
        issues.push({ path: [...path], message: `expected an object, got ${describe(v)}` });
        return undefined;
      }
      const tag = v[spec.tag];
      const variant = typeof tag === "string" && Object.hasOwn(spec.variants, tag) ? spec.variants[tag] : undefined;
      if (!variant) {
        issues.push({
          path: [...path, spec.tag],
          message: `expected one of ${Object.keys(spec.variants).join(", ")}, got ${describe(tag)}`,
        });
        return undefined;
      }
      return checkObject(v, variant, path, issues);
    }
  }
}

function kindName(s: Spec): string {
  return s.kind === "enum" ? s.values.map((x) => JSON.stringify(x)).join(" or ") : s.kind === "ms" ? "milliseconds" : s.kind;
}

// Output objects get their fields in RFC 8949 §4.2.1 order (shorter names
// first, then bytewise), so the CBOR encoder finds them already sorted and
// encodes the config without copying it. (json.ts writes the spec's order.)
interface FieldOrder {
  /** spec order: fields are checked (and issues reported) in this order */
  keys: string[];
  /** spec.fields[keys[i]], by index: a computed-key read is a slow step of the interpreter */
  fields: Field[];
  /** field name -> index into `keys`, in an object without a prototype: Object.hasOwn(spec.fields, key) without a call */
  known: Record<string, number>;
  /** what an absent field becomes, by index (ABSENT_*), and its default */
  absent: number[];
  defaults: unknown[];
  /** output order, as indexes into `keys` */
  out: number[];
}
const keyCache = new WeakMap<ObjectSpec, FieldOrder>();
const ABSENT_SCALAR = 0;
const ABSENT_EMPTY_LIST = 1;
const ABSENT_COPY = 2;
const ABSENT_REQUIRED = 3;
const ABSENT_OPTIONAL = 4;
function fieldOrder(spec: ObjectSpec): FieldOrder {
  let k = keyCache.get(spec);
  if (!k) {
    const keys = Object.keys(spec.fields);
    // RFC 8949 §4.2.1 order is by UTF-8 bytes; for ASCII names (every spec's) that is
    // shorter first, then by code unit, without encoding each name (cold start)
    const ascii = /^[\x00-\x7f]*$/.test(keys.join(""));
    const sorted = [...keys].sort(ascii ? (a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0) : cborKeyOrder);
    const known = Object.create(null) as Record<string, number>;
    keys.forEach((x, i) => (known[x] = i));
    const fields = keys.map((x) => spec.fields[x]!);
    const absent = fields.map(({ default: d, optional, spec: fs }) =>
      // A scalar default is valid as it stands (test/unit/config/spec-defaults.test.ts):
      // no check, and no copy. An empty list is valid for any list spec.
      d !== undefined && (d === null || typeof d !== "object") ? ABSENT_SCALAR
        : Array.isArray(d) && d.length === 0 && fs.kind === "array" ? ABSENT_EMPTY_LIST
        : d !== undefined ? ABSENT_COPY : optional ? ABSENT_OPTIONAL : ABSENT_REQUIRED,
    );
    const defaults = fields.map((f) => f.default);
    keyCache.set(spec, (k = { keys, fields, known, absent, defaults, out: sorted.map((x) => keys.indexOf(x)) }));
  }
  return k;
}

/** Defaults are scalars, [] or {}: cheap copies so no config shares them. */
function copyDefault(d: unknown): unknown {
  if (Array.isArray(d)) return d.length ? structuredClone(d) : [];
  if (d && typeof d === "object") return Object.keys(d).length ? structuredClone(d) : {};
  return d;
}

// Scratch lists of checkObject, one per nesting depth, cleared before each use.
// Nothing below throws on bad input; should a bug throw, depth only stays raised.
const scratch: unknown[][] = [];
let depth = 0;

function checkObject(v: unknown, spec: ObjectSpec, path: FieldPath, issues: Issue[]): unknown {
  if (!isPlainObject(v)) {
    issues.push({ path: [...path], message: `expected an object (${spec.name}), got ${describe(v)}` });
    return undefined;
  }
  const out: Record<string, unknown> = {};
  const { keys, fields, known, absent, defaults, out: order } = fieldOrder(spec);
  // the values in spec order, in a scratch list of this nesting depth (cleared
  // first): a new list per object was ≈ 0.6 MB of a 10 000-line config's garbage,
  // which is what brought its one garbage collection (config-check-phases.ts)
  const vals = (scratch[depth] ??= []);
  vals.fill(undefined);
  depth++;
  // The written fields, read once in the object's own order (a field read by a
  // computed key is a slow step of the interpreter, and most fields are not written);
  // unknown ones are reported first, as they always were.
  for (const key in v) {
    const i = known[key];
    if (i === undefined) issues.push({ path: [...path, key], message: `unknown field in ${spec.name}` });
    else vals[i] = v[key];
  }
  for (let i = 0; i < keys.length; i++) {
    const x = vals[i];
    if (x === undefined) {
      switch (absent[i]) {
        case ABSENT_SCALAR:
          vals[i] = defaults[i];
          break;
        case ABSENT_EMPTY_LIST:
          vals[i] = [];
          break;
        case ABSENT_COPY:
          path.push(keys[i]!);
          vals[i] = checkValue(copyDefault(defaults[i]), fields[i]!.spec, path, issues);
          path.pop();
          break;
        case ABSENT_REQUIRED:
          issues.push({ path: [...path, keys[i]!], message: `missing required field in ${spec.name}` });
      }
    } else {
      path.push(keys[i]!);
      vals[i] = checkValue(x, fields[i]!.spec, path, issues);
      path.pop();
    }
  }
  for (const i of order) if (vals[i] !== undefined) out[keys[i]!] = vals[i];
  depth--;
  return out;
}

export function checkConfig(v: unknown): { config?: Config; issues: Issue[]; partial?: Config } {
  const issues: Issue[] = [];
  const out = checkValue(v, configSpec, [], issues) as Config | undefined;
  if (!issues.length && out) return { config: out, issues };
  // Not usable, but the semantic rules should still see every other field, so a
  // config with a bad VRID on line 4 and a bad address on line 8 gets both
  // reported: bad values are replaced by placeholders of the right type, and
  // finish.ts drops what the rules say about the replaced fields.
  return { issues, partial: placeholders(out, configSpec) as Config };
}

/** `v` with every missing or mistyped required value replaced by a well-typed stand-in. */
export function placeholders(v: unknown, spec: Spec): unknown {
  switch (spec.kind) {
    case "int":
    case "ms":
      return typeof v === "number" && Number.isFinite(v) ? v : spec.min;
    case "string":
      return typeof v === "string" ? v : "";
    case "bool":
      return typeof v === "boolean" ? v : false;
    case "enum":
      return spec.values.includes(v as string | number) ? v : spec.values[0];
    case "oneOf":
      for (const alt of spec.of) if (fits(v, alt)) return v;
      return placeholders(undefined, spec.of[0]!);
    case "array":
      return Array.isArray(v) ? v.map((x) => placeholders(x, spec.items)) : [];
    case "object":
      return objectPlaceholders(v, spec);
    case "tagged": {
      const tag = isPlainObject(v) ? v[spec.tag] : undefined;
      const name = typeof tag === "string" && Object.hasOwn(spec.variants, tag) ? tag : Object.keys(spec.variants)[0]!;
      return { ...(objectPlaceholders(isPlainObject(v) ? v : {}, spec.variants[name]!) as object), [spec.tag]: name };
    }
  }
}

function fits(v: unknown, spec: Spec): boolean {
  const sub: Issue[] = [];
  checkValue(v, spec, [], sub);
  return sub.length === 0;
}

function objectPlaceholders(v: unknown, spec: ObjectSpec): unknown {
  const src = isPlainObject(v) ? v : {};
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec.fields)) {
    const x = src[key];
    if (x !== undefined) out[key] = placeholders(x, field.spec);
    else if (field.default !== undefined) out[key] = copyDefault(field.default);
    else if (!field.optional) out[key] = placeholders(undefined, field.spec);
  }
  return out;
}
