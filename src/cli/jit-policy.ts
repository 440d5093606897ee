// JavaScriptCore's tier-up thresholds for a command that reads a config once
// and exits. Such a run is over in tens of milliseconds: the optimizing JIT
// (DFG) compiles the reader's hot functions on another core and finishes about
// when the run does, so its work is paid and hardly used. Scaling the thresholds
// (Bun.unsafe.setJITPolicy, this thread only) keeps the reader in the interpreter
// and the baseline JIT. Measured on `vigil config check` of a 10 000-line
// keepalived.conf (test/bench/cold-start.bench.ts): see README "cold start".
export const SHORT_RUN_JIT_POLICY = 50;

/** Runs `f` with the JIT policy of a short run, then puts the normal one back (in-process callers: tests). */
export function withShortRunJit<T>(f: () => T): T {
  const unsafe = (Bun as { unsafe?: { setJITPolicy?: (scale: number) => void } }).unsafe;
  if (typeof unsafe?.setJITPolicy !== "function") return f();
  unsafe.setJITPolicy(SHORT_RUN_JIT_POLICY);
  try {
    return f();
  } finally {
    unsafe.setJITPolicy(1);
  }
}
