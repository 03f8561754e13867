#!/usr/bin/env bash
# Serves the PRODUCTION build of the console for the e2e tests, on a throwaway embedded database.
#
#   1. a fresh PGlite data directory (mktemp), removed again when this script stops;
#   2. demo profiles seeded into it (E2E_SEED_COUNT profiles, E2E_SEED for repeatable data), and
#      their names, e-mails and phones exported for the tests (e2e/export-seeded.ts);
#   3. one staff account per role (e2e/create-staff.ts, credentials in e2e/staff.ts);
#   4. `next start` on E2E_PORT (from the build in NEXT_DIST_DIR, default .next).
#
# It never builds: run `pnpm build` in apps/console first (playwright.config.ts says so too).
set -euo pipefail

cd "$(dirname "$0")/.."

port="${E2E_PORT:-3100}"
count="${E2E_SEED_COUNT:-300}"
seed="${E2E_SEED:-7}"

dist="${NEXT_DIST_DIR:-.next}"
if [[ ! -f "$dist/BUILD_ID" ]]; then
  echo "e2e/serve.sh: no production build in apps/console/$dist — run 'pnpm build' first." >&2
  exit 1
fi

PGLITE_DIR="$(mktemp -d -t cdp-console-e2e-XXXXXX)"
export PGLITE_DIR
# The tests always use their own embedded database, never a configured server.
unset DATABASE_URL
export NEXT_TELEMETRY_DISABLED=1

server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$PGLITE_DIR"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

echo "e2e/serve.sh: seeding $count profiles (seed $seed) into $PGLITE_DIR"
pnpm --filter @cdp/db db:seed --count "$count" --seed "$seed" --if-empty

# What the tests need to know about the seeded people (the console shows their PII masked).
# tsx comes from @cdp/db, whose seed script uses it too.
pnpm --filter @cdp/db exec tsx "$PWD/e2e/export-seeded.ts"
pnpm --filter @cdp/db exec tsx "$PWD/e2e/create-staff.ts"

echo "e2e/serve.sh: starting the console on port $port"
node node_modules/next/dist/bin/next start -p "$port" -H 127.0.0.1 &
server_pid=$!
wait "$server_pid"
