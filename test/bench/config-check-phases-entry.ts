// Compiled by config-check-phases.ts (same flags as the shipped binary) and run
// cold: `vigil config check`'s keepalived.conf read, phase by phase, printing the
// process's CPU time (user + system, every thread: JIT and GC threads too) at each
// phase boundary as one JSON line. The first figure is the runtime's start and the
// loading of the config modules (they are imported before this module runs).
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const atStart = cpu();
import { withShortRunJit } from "../../src/cli/jit-policy.ts";
import { fsSource } from "../../src/config-io/source-fs.ts";
import { checkConfig } from "../../src/config/check.ts";
import { Diagnostics } from "../../src/config/diagnostics.ts";
import { Ctx, Locations } from "../../src/config/kc-context.ts";
import { readTopLevel } from "../../src/config/keepalived-reader.ts";
import { DEFAULT_LIMITS, readConfigLines } from "../../src/config/source.ts";
import { buildTree } from "../../src/config/syntax-tree.ts";
import { validateConfig } from "../../src/config/validate.ts";
import type { Config } from "../../src/config/model.ts";

const file = process.argv[2]!;
const marks: Array<[string, number]> = [["start + modules", atStart]];
withShortRunJit(() => {
  const diags = new Diagnostics();
  const lines = readConfigLines(file, fsSource, diags, DEFAULT_LIMITS, {});
  marks.push(["lines + tokens", cpu()]);
  const tree = buildTree(lines, diags);
  marks.push(["block tree", cpu()]);
  const raw = readTopLevel(new Ctx(diags, new Locations(false), false), tree);
  marks.push(["keyword readers", cpu()]);
  const { config, issues } = checkConfig(raw);
  marks.push(["spec check", cpu()]);
  const findings = validateConfig(config as Config);
  marks.push(["semantic rules", cpu()]);
  if (diags.list.length || issues.length || findings.length || !config) {
    console.error(`config-check-phases: the bench config has findings: ${diags.list.length + issues.length + findings.length}`);
    process.exit(1);
  }
});
const out: Record<string, number> = {};
marks.forEach(([name, t], i) => (out[name] = i ? t - marks[i - 1]![1] : t));
console.log(JSON.stringify(out));
