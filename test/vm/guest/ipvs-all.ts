// One bun process for both guest programs of test/vm/ipvs.test.ts: under TCG a
// second process start and JIT warm-up cost seconds. argv[2]: the sample config.
await import("./ipvs-scenarios.ts");
await import("./user-sample.ts");
export {};
