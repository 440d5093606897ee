// One way to report a thrown value (src/error-text.ts) and errors that say what
// they are: every Error subclass in src/ sets `name`, so a log line or a
// rethrown error names its class instead of a bare "Error".
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { errorText } from "../../src/error-text.ts";
import { tsFiles } from "../helpers/source-files.ts";

const SRC = `${import.meta.dir}/../../src`;

describe("errors", () => {
  test("errorText gives an Error's message and any other thrown value as text", () => {
    expect(errorText(new RangeError("out of range"))).toBe("out of range");
    expect(errorText("plain string")).toBe("plain string");
    expect(errorText(42)).toBe("42");
    expect(errorText(undefined)).toBe("undefined");
    expect(errorText(Symbol("s"))).toBe("Symbol(s)");
  });

  test("every Error subclass in src/ sets its name to its class name", () => {
    const offenders: string[] = [];
    let classes = 0;
    for (const f of tsFiles(SRC)) {
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/class (\w+) extends \w*Error\b[^{]*\{/g)) {
        classes++;
        // the class body up to the next top-level closing brace
        const body = text.slice(m.index! + m[0].length, text.indexOf("\n}", m.index!));
        if (!body.includes(`name = "${m[1]}"`)) offenders.push(`${f.slice(SRC.length + 1)}: ${m[1]}`);
      }
    }
    expect(classes).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  test("no copy of the errorText expression (nor a cast `(e as Error).message`) outside src/error-text.ts", () => {
    const copies: string[] = [];
    for (const f of tsFiles(SRC)) {
      if (f.endsWith("/error-text.ts")) continue;
      readFileSync(f, "utf8").split("\n").forEach((line, i) => {
        if (/\b(\w+) instanceof Error \? \1\.message : |\(\w+ as Error\)\.message/.test(line)) copies.push(`${f.slice(SRC.length + 1)}:${i + 1}`);
      });
    }
    expect(copies).toEqual([]);
  });
});
