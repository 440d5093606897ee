// Prints `N passed, N failed[, N skipped]` from a JUnit XML report (bun test's
// own summary goes to stderr in a form CI does not read).
export {}; // a module, so top-level await is allowed
const file = process.argv[2] ?? "build/junit.xml";
let xml = "";
try {
  xml = await Bun.file(file).text();
} catch {
  console.log("0 passed, 1 failed");
  process.exit(1);
}
let tests = 0, failures = 0, errors = 0, skipped = 0;
for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
  tests++;
  const body = m[2] ?? "";
  if (/<failure\b/.test(body)) failures++;
  else if (/<error\b/.test(body)) errors++;
  else if (/<skipped\b/.test(body)) skipped++;
}
const failed = failures + errors;
const passed = tests - failed - skipped;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
