#!/usr/bin/env bash
# Start the real servers for the integration tests on loopback, one after another, each with a fresh
# (wiped) data directory, and wait until each one answers a real request on its own protocol.
#
#   scripts/services/up.sh [ferretdb|kafka|cassandra]...    (default: ferretdb kafka cassandra)
#
#   FerretDB   127.0.0.1:27017  (SQLite handler)           mongodb://127.0.0.1:27017/test?directConnection=true
#   Kafka      127.0.0.1:9092, controller 9093 (KRaft); 9094 SASL (PLAIN, SCRAM-SHA-256/512), 9095 SASL
#              over TLS, 9096 TLS with a client certificate. The throwaway CA, certificates and password
#              are made at each start under .ci/svc/kafka/run/ (security.env names them)
#   Cassandra  127.0.0.1:9042 (CQL), 7000 (storage), JMX off; datacenter "datacenter1"
#
# PIDs go to .ci/svc/<name>/pid, logs to .ci/svc/<name>/logs/. A server that is already running from
# this tree is stopped and started again fresh. Exits non-zero and prints the end of the server log
# when a server does not become ready within its time limit (*_START_TIMEOUT, see lib.sh).
# Run scripts/services/install.sh first; stop with scripts/services/down.sh (call it from a trap: a
# failure part-way leaves the servers already started running).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROBE=(python3 "$SVC_SCRIPTS_DIR/probe.py")
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(ferretdb kafka cassandra)
for n in "${names[@]}"; do
  case "$n" in ferretdb|kafka|cassandra) ;; *) die "unknown service '$n' (expected: ferretdb kafka cassandra)" ;; esac
done

SUMMARY=()

# prepare NAME PORTS... : stop a previous instance of ours, check the ports are free, wipe data and logs
prepare() {
  local name=$1 p; shift
  local d=$SVC_DIR/$name
  if pid_alive "$name"; then
    log "$name: already running (pid $(cat "$d/pid")); restarting with fresh data"
    stop_service "$name" 45
  fi
  rm -f "$d/pid"
  for p in "$@"; do
    if port_open "$p"; then
      ss -ltnp 2>/dev/null | grep -E ":$p\b" >&2 || true
      die "$name: port 127.0.0.1:$p is already in use by another process"
    fi
  done
  rm -rf "$d/data" "$d/logs" "$d/run"
  mkdir -p "$d/data" "$d/logs" "$d/run"
}

# launch NAME LOGFILE cmd... : start detached (own session, survives the calling shell), record the PID
launch() {
  local name=$1 logf=$2; shift 2
  setsid nohup "$@" > "$logf" 2>&1 < /dev/null &
  echo $! > "$SVC_DIR/$name/pid"
}

# wait_ready NAME LOGFILE TIMEOUT PROBE... : poll the probe until it succeeds; fail loudly otherwise
wait_ready() {
  local name=$1 logf=$2 timeout=$3; shift 3
  local pid t0=$SECONDS out
  pid=$(cat "$SVC_DIR/$name/pid")
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$name: process $pid exited during startup; last lines of $logf:"
      tail -n 60 "$logf" >&2
      rm -f "$SVC_DIR/$name/pid"
      die "$name did not start"
    fi
    if out=$("$@" 2>"$SVC_DIR/$name/run/probe.err"); then break; fi
    if (( SECONDS - t0 >= timeout )); then
      log "$name: not ready after ${timeout}s (last probe: $(cat "$SVC_DIR/$name/run/probe.err")); last lines of $logf:"
      tail -n 60 "$logf" >&2
      stop_service "$name" 10 || true
      die "$name did not become ready within ${timeout}s"
    fi
    sleep 1
  done
  local secs=$((SECONDS - t0 + ${EXTRA_SECS:-0}))
  log "$name: ready in ${secs}s, pid $pid, RSS $(rss_mb "$pid") MB — $out"
  SUMMARY+=("$(printf '%-10s pid %-8s ready %4ss  RSS %5s MB' "$name" "$pid" "$secs" "$(rss_mb "$pid")")")
}

start_ferretdb() {
  local d=$SVC_DIR/ferretdb bin=$BIN_DIR/ferretdb
  [ -x "$bin" ] || die "ferretdb: $bin missing; run scripts/services/install.sh ferretdb"
  prepare ferretdb "$FERRETDB_PORT"
  mkdir -p "$d/data/db" "$d/data/state"
  log "ferretdb: starting on 127.0.0.1:$FERRETDB_PORT (sqlite: $d/data/db)"
  launch ferretdb "$d/logs/ferretdb.log" "$bin" \
    --handler=sqlite \
    --sqlite-url="file:$d/data/db/" \
    --listen-addr="127.0.0.1:$FERRETDB_PORT" \
    --state-dir="$d/data/state" \
    --debug-addr=- \
    --telemetry=disable \
    --log-level=warn
  EXTRA_SECS=0 wait_ready ferretdb "$d/logs/ferretdb.log" "$FERRETDB_START_TIMEOUT" "${PROBE[@]}" mongo "127.0.0.1:$FERRETDB_PORT"
}

kafka_cluster_id() { # 16 random bytes, base64url without padding (Kafka's Uuid text form), not starting with '-'
  python3 -c 'import base64,uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"): print(s); break'
}

# kafka_tls DIR : a throwaway CA, a broker certificate for 127.0.0.1 and localhost, and a client
# certificate (CN=$KAFKA_SASL_USERNAME); P-256 keys in unencrypted PKCS#8 PEM, valid 30 days.
# broker.pem is the broker's key and chain (Kafka's PEM key store).
kafka_tls() {
  local dir=$1 name cn
  command -v openssl >/dev/null || die "kafka: openssl not found (apt-get install openssl)"
  mkdir -p "$dir"
  (
    set -e
    cd "$dir"
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
      -subj "/CN=gouvernail test CA" -keyout ca.key -out ca.pem
    for name in broker client; do
      if [ "$name" = broker ]; then
        cn=127.0.0.1
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$name.ext"
      else
        cn=$KAFKA_SASL_USERNAME
        printf 'extendedKeyUsage=clientAuth\n' > "$name.ext"
      fi
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
        -keyout "$name.key" -out "$name.csr"
      openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
        -days 30 -extfile "$name.ext" -out "$name.pem"
      rm -f "$name.csr" "$name.ext"
    done
    cat broker.key broker.pem ca.pem > broker-keystore.pem
    chmod 644 ca.pem
  ) > "$SVC_DIR/kafka/logs/tls.log" 2>&1 \
    || { cat "$SVC_DIR/kafka/logs/tls.log" >&2; die "kafka: could not make the test certificates"; }
}

# scram_credentials USER PASSWORD : the --add-scram arguments for SCRAM-SHA-256 and -512, salted here
# (Python's PBKDF2 is native: the storage tool salting them itself takes a second or two more)
scram_credentials() {
  python3 - "$1" "$2" <<'PY'
import base64, hashlib, os, sys
user, password = sys.argv[1], sys.argv[2]
for mechanism, digest in (("SCRAM-SHA-256", "sha256"), ("SCRAM-SHA-512", "sha512")):
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac(digest, password.encode(), salt, 4096)
    b64 = lambda b: base64.b64encode(b).decode()
    print("--add-scram")
    print(f'{mechanism}=[name={user},iterations=4096,salt="{b64(salt)}",saltedpassword="{b64(salted)}"]')
PY
}

start_kafka() {
  local d=$SVC_DIR/kafka
  [ -d "$d/lib" ] || die "kafka: $d/lib missing; run scripts/services/install.sh kafka"
  require_java17
  [[ "$KAFKA_SASL_USERNAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "KAFKA_SASL_USERNAME must use letters, digits, '.', '_', '-'"
  prepare kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_SASL_PORT" "$KAFKA_SASL_SSL_PORT" "$KAFKA_SSL_PORT"
  local props=$d/run/server.properties tls=$d/run/tls security=$d/run/security.env t0=$SECONDS password scram
  password=$(openssl rand -hex 16)
  kafka_tls "$tls" &  # while the storage is formatted
  local tls_pid=$!
  (
    umask 077
    sed -e "s#@DATA_DIR@#$d/data#g" -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
        -e "s#@SASL_PORT@#$KAFKA_SASL_PORT#g" -e "s#@SASL_SSL_PORT@#$KAFKA_SASL_SSL_PORT#g" \
        -e "s#@SSL_PORT@#$KAFKA_SSL_PORT#g" -e "s#@TLS_DIR@#$tls#g" \
        -e "s#@SASL_USERNAME@#$KAFKA_SASL_USERNAME#g" -e "s#@SASL_PASSWORD@#$password#g" \
      "$CONF_DIR/kafka/server.properties" > "$props"
    # What clients of the secured listeners need; the integration tests read it.
    cat > "$security" <<EOF
# Written by scripts/services/up.sh at each start: the broker's secured listeners and a throwaway identity.
KAFKA_SASL_PLAINTEXT_BROKERS=127.0.0.1:$KAFKA_SASL_PORT
KAFKA_SASL_SSL_BROKERS=127.0.0.1:$KAFKA_SASL_SSL_PORT
KAFKA_SSL_BROKERS=127.0.0.1:$KAFKA_SSL_PORT
KAFKA_SASL_USERNAME=$KAFKA_SASL_USERNAME
KAFKA_SASL_PASSWORD=$password
KAFKA_TLS_CA_FILE=$tls/ca.pem
KAFKA_TLS_CERT_FILE=$tls/client.pem
KAFKA_TLS_KEY_FILE=$tls/client.key
EOF
  )
  local logcfg=-Dlog4j.configuration=file:$CONF_DIR/kafka/log4j.properties
  # format the fresh KRaft storage (what bin/kafka-storage.sh format does), with the SCRAM credentials
  log "kafka: formatting storage"
  mapfile -t scram < <(scram_credentials "$KAFKA_SASL_USERNAME" "$password")
  [ ${#scram[@]} = 4 ] || die "kafka: could not salt the SCRAM credentials"
  java -Xmx256m $logcfg -cp "$d/lib/*" kafka.tools.StorageTool format -t "$(kafka_cluster_id)" -c "$props" \
      "${scram[@]}" > "$d/logs/format.log" 2>&1 \
    || { cat "$d/logs/format.log" >&2; die "kafka: storage format failed"; }
  wait "$tls_pid" || die "kafka: no certificates for the TLS listeners"
  log "kafka: starting on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT, SASL $KAFKA_SASL_PORT, SASL over TLS $KAFKA_SASL_SSL_PORT, TLS with client certificate $KAFKA_SSL_PORT)"
  launch kafka "$d/logs/kafka.log" java \
    -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
    -Dkafka.logs.dir="$d/logs" "$logcfg" \
    -cp "$d/lib/*" kafka.Kafka "$props"
  EXTRA_SECS=$((SECONDS - t0)) wait_ready kafka "$d/logs/kafka.log" "$KAFKA_START_TIMEOUT" \
    "${PROBE[@]}" kafka "127.0.0.1:$KAFKA_PORT" "$security"
}

start_cassandra() {
  local d=$SVC_DIR/cassandra
  [ -d "$d/lib" ] || die "cassandra: $d/lib missing; run scripts/services/install.sh cassandra"
  require_java17
  prepare cassandra "$CASSANDRA_CQL_PORT" "$CASSANDRA_STORAGE_PORT"
  local yaml=$d/run/cassandra.yaml jamm flags
  sed -e "s#@DATA_DIR@#$d/data#g" -e "s#@CQL_PORT@#$CASSANDRA_CQL_PORT#g" -e "s#@STORAGE_PORT@#$CASSANDRA_STORAGE_PORT#g" \
    "$CONF_DIR/cassandra/cassandra.yaml" > "$yaml"
  jamm=$(ls "$d"/lib/jamm-*.jar | head -1)
  mapfile -t flags < <(grep -vE '^\s*(#|$)' "$CONF_DIR/cassandra/jvm17.flags" | tr -s ' ' '\n')
  mkdir -p "$d/data/jna" "$d/data/tmp" "$d/data/triggers"
  log "cassandra: starting on 127.0.0.1:$CASSANDRA_CQL_PORT (heap $CASSANDRA_HEAP)"
  launch cassandra "$d/logs/cassandra.log" java \
    -Xms"$CASSANDRA_HEAP" -Xmx"$CASSANDRA_HEAP" -Xss256k \
    -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:G1HeapRegionSize=16m \
    -XX:+PerfDisableSharedMem -XX:+ExitOnOutOfMemoryError \
    -ea -da:net.openhft... \
    -Djava.net.preferIPv4Stack=true -Djava.awt.headless=true \
    -javaagent:"$jamm" \
    "${flags[@]}" \
    -Dcassandra-foreground=yes \
    -Dcassandra.config="file://$yaml" \
    -Dcassandra.storagedir="$d/data" \
    -Dcassandra.logdir="$d/logs" \
    -Dlogback.configurationFile="$CONF_DIR/cassandra/logback.xml" \
    -Dcassandra.skip_wait_for_gossip_to_settle=0 \
    -Dcassandra.unsafesystem=true \
    -Djna.tmpdir="$d/data/jna" -Djava.io.tmpdir="$d/data/tmp" -Dcassandra.triggers_dir="$d/data/triggers" \
    -cp "$d/lib/*" org.apache.cassandra.service.CassandraDaemon
  EXTRA_SECS=0 wait_ready cassandra "$d/logs/cassandra.log" "$CASSANDRA_START_TIMEOUT" "${PROBE[@]}" cql "127.0.0.1:$CASSANDRA_CQL_PORT"
}

for n in "${names[@]}"; do "start_$n"; done
log "all up:"
printf '    %s\n' "${SUMMARY[@]}" >&2
