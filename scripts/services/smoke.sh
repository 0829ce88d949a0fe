#!/usr/bin/env bash
# Smoke check, with the servers up (scripts/services/up.sh):
#   1. each server answers on its own protocol (FerretDB ping, Kafka metadata, CQL query);
#   2. a PySpark local session (local[2], 1g driver, 127.0.0.1, no UI) with the OpenLineage Spark
#      listener and the file transport writes parquet; the NDJSON event file must contain a COMPLETE
#      RunEvent that names the parquet output.
# SMOKE_SERVERS=0 skips step 1. Spark work files go to .ci/svc/spark/ (wiped at each run).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ "${SMOKE_SERVERS:-1}" = 1 ]; then
  python3 "$SVC_SCRIPTS_DIR/probe.py" mongo "127.0.0.1:$FERRETDB_PORT" || die "FerretDB is not up"
  python3 "$SVC_SCRIPTS_DIR/probe.py" kafka "127.0.0.1:$KAFKA_PORT" || die "Kafka is not up"
  python3 "$SVC_SCRIPTS_DIR/probe.py" cql "127.0.0.1:$CASSANDRA_CQL_PORT" || die "Cassandra is not up"
fi

require_java17
[ -x "$VENV_DIR/bin/python" ] || die "$VENV_DIR missing; run scripts/services/install.sh spark"
JAR=$(ls "$JARS_DIR"/lib/openlineage-spark_2.13-*.jar 2>/dev/null | head -1)
[ -n "$JAR" ] || die "openlineage-spark jar missing in $JARS_DIR/lib; run scripts/services/install.sh spark"

W=$SVC_DIR/spark
rm -rf "$W"; mkdir -p "$W/local" "$W/logs"
EVENTS=$W/openlineage-events.ndjson
export SPARK_LOCAL_IP=127.0.0.1
export PYSPARK_PYTHON=$VENV_DIR/bin/python PYSPARK_DRIVER_PYTHON=$VENV_DIR/bin/python
unset SPARK_HOME PYSPARK_SUBMIT_ARGS

log "spark: running the PySpark + OpenLineage job ($(basename "$JAR"))"
t0=$SECONDS
if ! timeout "${SPARK_SMOKE_TIMEOUT:-300}" "$VENV_DIR/bin/python" "$SVC_SCRIPTS_DIR/smoke_spark.py" "$JAR" "$W" "$EVENTS" \
     > "$W/logs/spark.log" 2>&1; then
  tail -n 60 "$W/logs/spark.log" >&2
  die "spark: the smoke job failed (log: $W/logs/spark.log)"
fi
grep '^spark ' "$W/logs/spark.log" >&2 || true
log "spark: job finished in $((SECONDS - t0))s"

[ -s "$EVENTS" ] || die "spark: no OpenLineage events written to $EVENTS"
python3 - "$EVENTS" "$W/out/by_bucket" <<'PY'
import json, sys
path, out = sys.argv[1], sys.argv[2]
events, bad = [], 0
for line in open(path):
    line = line.strip()
    if not line:
        continue
    try:
        events.append(json.loads(line))
    except ValueError:
        bad += 1
kinds = {}
for e in events:
    kinds[e.get("eventType")] = kinds.get(e.get("eventType"), 0) + 1
complete = [e for e in events if e.get("eventType") == "COMPLETE" and e.get("run", {}).get("runId") and e.get("job", {}).get("name")]
with_out = [e for e in complete if any(o.get("name", "").rstrip("/").endswith(out.rstrip("/").lstrip("/")) for o in e.get("outputs", []))]
print(f"openlineage: {len(events)} events {kinds}, {bad} unparsable lines, producer={events[0].get('producer') if events else None}")
if not complete:
    sys.exit("openlineage: no COMPLETE RunEvent in " + path)
if not with_out:
    sys.exit(f"openlineage: no COMPLETE RunEvent names the output {out}")
e = with_out[-1]
print(f"openlineage: COMPLETE run {e['run']['runId']} job {e['job']['namespace']}/{e['job']['name']} "
      f"inputs={[i['name'] for i in e.get('inputs', [])]} outputs={[o['name'] for o in e.get('outputs', [])]}")
PY
log "smoke: OK"
