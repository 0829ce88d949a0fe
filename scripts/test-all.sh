#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a warm one: installs what the tests need (npm packages,
# then — when there are integration tests or Spark jobs — Kafka, Cassandra, FerretDB and PySpark),
# builds, lints, runs every tier and ends with one line "N passed, N failed[, N skipped]".
#
#   bash scripts/test-all.sh            (what `npm test` and .ci/run run)
#   TIERS="unit e2e" bash scripts/test-all.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
REPORTS=$ROOT/.ci/reports
mkdir -p "$REPORTS"
rm -f "$REPORTS"/*.json "$REPORTS"/*.xml "$REPORTS"/*.exit
TIERS=${TIERS:-unit e2e integration spark}
SERVICES_STARTED=0
step() { printf '\n=== %s [%(%H:%M:%S)T]\n' "$*" -1; }
fatal() { printf 'test-all: %s\n' "$*" >&2; echo "0 passed, 1 failed"; exit 1; }

stop_services() {
  if [ "$SERVICES_STARTED" = 1 ]; then
    step "stopping services"
    bash scripts/services/down.sh || true
  fi
}
trap stop_services EXIT

step "npm packages"
stamp=node_modules/.gouvernail-lock
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  npm ci --no-audit --no-fund || fatal "npm ci failed"
  echo "$lock_hash" > "$stamp"
else
  echo "node_modules up to date with package-lock.json"
fi

step "build, typecheck, lint"
npm run --silent build || fatal "build failed"
npm run --silent typecheck || fatal "type errors"
npx eslint . || fatal "lint errors"
npx prettier --check . > "$REPORTS/prettier.txt" 2>&1 || { cat "$REPORTS/prettier.txt"; fatal "formatting differs (npm run format)"; }

has_tests() { [ -n "$(find "$1" -name "$2" 2>/dev/null | head -1)" ]; }
want() { [[ " $TIERS " == *" $1 "* ]]; }

for tier in unit e2e; do
  if want "$tier" && has_tests "test/$tier" '*.test.ts'; then
    step "$tier tests"
    npx vitest run --project "$tier" --reporter=default --reporter=json --outputFile.json="$REPORTS/$tier.json" || echo $? > "$REPORTS/$tier.exit"
  fi
done

need_services=()
if want integration && has_tests test/integration '*.test.ts'; then need_services+=(ferretdb kafka cassandra); fi
need_spark=0
if want spark && has_tests spark-jobs 'test_*.py'; then need_spark=1; fi

if [ ${#need_services[@]} -gt 0 ] || [ "$need_spark" = 1 ]; then
  step "installing real servers and PySpark (cached after the first run)"
  components=("${need_services[@]}")
  [ "$need_spark" = 1 ] && components+=(spark)
  for c in "${components[@]}"; do bash scripts/services/install.sh "$c" || fatal "could not install $c (see above)"; done
fi

if [ ${#need_services[@]} -gt 0 ]; then
  step "starting ${need_services[*]}"
  SERVICES_STARTED=1
  bash scripts/services/up.sh "${need_services[@]}" || fatal "a server did not start (see above)"
  step "integration tests against the real servers"
  GOUVERNAIL_REAL_SERVERS=1 npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$REPORTS/integration.json" || echo $? > "$REPORTS/integration.exit"
  stop_services
  SERVICES_STARTED=0
fi

if [ "$need_spark" = 1 ]; then
  step "spark-jobs pytest"
  (cd spark-jobs && JAVA_HOME="${SVC_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}" SPARK_LOCAL_IP=127.0.0.1 \
    PYSPARK_PYTHON="$ROOT/.ci/venv/bin/python" PYSPARK_DRIVER_PYTHON="$ROOT/.ci/venv/bin/python" \
    "$ROOT/.ci/venv/bin/python" -m pytest -q --junitxml="$REPORTS/spark.xml") || echo $? > "$REPORTS/spark.exit"
fi

step "summary"
node scripts/summarize-tests.mjs "$REPORTS"
