// Prints `N passed, N failed[, N skipped]` from a JUnit XML report (bun test's
// own summary goes to stderr in a form CI does not read).
//
//   bun test/summary.ts [build/junit.xml]              the summary line
//   bun test/summary.ts --failures [build/junit.xml]   each failed test's name and the
//                                                      first lines of its message
//
// .ci/run keeps only the tail of make test's output, where bun lists failed tests
// by name only; their messages scrolled out long before. --failures brings them back.

export interface TestCase {
  file: string;
  /** the describe chain bun writes as classname ("" at top level) */
  suite: string;
  name: string;
  status: "passed" | "failed" | "skipped";
  /** failure or error text, XML entities decoded ("" unless failed) */
  message: string;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references. */
export function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, e: string) => {
    if (e[0] !== "#") return ENTITIES[e] ?? whole;
    const code = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function attr(attrs: string, name: string): string {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(attrs);
  return m ? xmlText(m[1]) : "";
}

/** Every <testcase> of a bun JUnit report, in report order. */
export function parseJUnit(xml: string): TestCase[] {
  const out: TestCase[] = [];
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = m[1];
    const body = m[3] ?? "";
    const base = { file: attr(attrs, "file"), suite: attr(attrs, "classname"), name: attr(attrs, "name") };
    // <failure message="...">text</failure> or <error .../>: the text has the stack, the attribute is the fallback
    const f = /<(failure|error)\b([^>]*?)(\/>|>([\s\S]*?)<\/\1>)/.exec(body);
    if (f) out.push({ ...base, status: "failed", message: xmlText(f[4] ?? "") || attr(f[2], "message") });
    else if (/<skipped\b/.test(body)) out.push({ ...base, status: "skipped", message: "" });
    else out.push({ ...base, status: "passed", message: "" });
  }
  return out;
}

export function summaryLine(cases: TestCase[]): string {
  const failed = cases.filter((c) => c.status === "failed").length;
  const skipped = cases.filter((c) => c.status === "skipped").length;
  const passed = cases.length - failed - skipped;
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
}

/** Each failed test: `FAIL file > suite > name`, then its message's first `maxLines` lines, indented. */
export function formatFailures(cases: TestCase[], maxLines = 30): string[] {
  const out: string[] = [];
  for (const c of cases) {
    if (c.status !== "failed") continue;
    out.push(`FAIL ${[c.file, c.suite, c.name].filter(Boolean).join(" > ")}`);
    const lines = c.message.replace(/\s+$/, "").split("\n");
    for (const l of lines.slice(0, maxLines)) out.push(`    ${l}`);
    if (lines.length > maxLines) out.push(`    … ${lines.length - maxLines} more line(s)`);
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const failures = argv.includes("--failures");
  const file = argv.find((a) => !a.startsWith("--")) ?? "build/junit.xml";
  let xml: string;
  try {
    xml = await Bun.file(file).text();
  } catch {
    // no report: make test died before bun wrote one
    if (!failures) console.log("0 passed, 1 failed");
    return 1;
  }
  const cases = parseJUnit(xml);
  if (failures) {
    for (const l of formatFailures(cases)) console.log(l);
  } else {
    console.log(summaryLine(cases));
  }
  return 0;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
