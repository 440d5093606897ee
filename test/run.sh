#!/usr/bin/env bash
# Runs every test file with bun test and writes JUnit XML to build/junit.xml;
# .ci/run turns that XML into the `N passed, N failed` line CI reads.
set -u
cd "$(dirname "$0")/.."
mkdir -p build
BUN=node_modules/.bin/bun
# Lab and VM suites need root and the tools make setup installs; they run in the
# same invocation so one report covers everything.
"$BUN" test --timeout 120000 --reporter=junit --reporter-outfile=build/junit.xml "$@" test/
status=$?
"$BUN" test/summary.ts build/junit.xml
exit $status
