#!/usr/bin/env bash
# The project's test command: typecheck, lint (format, import direction) and every test suite
# through turbo, then one closing line `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
rm -rf packages/*/.vitest apps/*/.vitest tooling/*/.vitest
bunx turbo run build typecheck lint test //#lint:deps //#lint:format --continue --concurrency=2 --output-logs=new-only "$@"
status=$?
TURBO_STATUS=$status bun tooling/scripts/summarize-tests.ts
summary=$?
if [ $status -ne 0 ]; then exit $status; fi
exit $summary
