// Test helpers that leave things running (lab namespaces, browsers, broker
// clusters) tear down what is still live when the test process exits, or is told
// to stop (SIGINT/SIGTERM) before a test's own clean-up ran.

/**
 * The hook for one kind of thing: `arm()` (idempotent, called when the first one
 * starts) makes `cleanUp` run at exit and, with `signals`, on SIGINT/SIGTERM,
 * which then exit 130/143 as a shell would.
 */
export function exitHook(cleanUp: () => void, signals = true): () => void {
  let armed = false;
  return () => {
    if (armed) return;
    armed = true;
    process.on("exit", cleanUp);
    if (!signals) return;
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      process.once(sig, () => {
        cleanUp();
        process.exit(128 + (sig === "SIGINT" ? 2 : 15));
      });
    }
  };
}
