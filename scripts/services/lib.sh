# shellcheck shell=bash
# shellcheck disable=SC2034  # variables used by the scripts that source this file
# Common settings for scripts/services/*.sh (sourced, not executed).
# Everything generated lives under .ci/ in the repository root (git-ignored).

SVC_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SVC_SCRIPTS_DIR/../.." && pwd)
CONF_DIR=$SVC_SCRIPTS_DIR/conf
CI_DIR=$REPO_ROOT/.ci
SVC_DIR=$CI_DIR/svc
BIN_DIR=$CI_DIR/bin
VENV_DIR=$CI_DIR/venv
JARS_DIR=$CI_DIR/jars
TOOLS_DIR=$CI_DIR/tools

# Java 17 for Kafka, Cassandra and Spark (a newer JDK may be the default one).
if [ -z "${SVC_JAVA_HOME:-}" ]; then
  for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/java-17-openjdk; do
    if [ -x "$j/bin/java" ]; then SVC_JAVA_HOME=$j; break; fi
  done
fi
export JAVA_HOME=${SVC_JAVA_HOME:-${JAVA_HOME:-}}
if [ -n "$JAVA_HOME" ]; then export PATH=$JAVA_HOME/bin:$PATH; fi

# Versions. Maven version ranges resolve to the newest release that the registry serves.
KAFKA_VERSION=${KAFKA_VERSION:-[3.9.0,3.9.99]}
SLF4J_VERSION=${SLF4J_VERSION:-1.7.36}
RELOAD4J_VERSION=${RELOAD4J_VERSION:-1.2.25}
CASSANDRA_VERSION=${CASSANDRA_VERSION:-[5.0.0,5.0.99]}
FERRETDB_VERSION=${FERRETDB_VERSION:-v1.24.2}
PYSPARK_SPEC=${PYSPARK_SPEC:-pyspark>=4.0.0,<4.1}
OPENLINEAGE_SPARK_VERSION=${OPENLINEAGE_SPARK_VERSION:-1.52.0}
# used only when OPENLINEAGE_SPARK_VERSION cannot be fetched: newest that has the Spark 4 fixes
OPENLINEAGE_SPARK_FALLBACK=${OPENLINEAGE_SPARK_FALLBACK:-[1.37.0,)}
MAVEN_DEPENDENCY_PLUGIN=${MAVEN_DEPENDENCY_PLUGIN:-org.apache.maven.plugins:maven-dependency-plugin:3.8.1}

# Ports (loopback only)
FERRETDB_PORT=${FERRETDB_PORT:-27017}
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_SASL_PORT=${KAFKA_SASL_PORT:-9094}          # SASL_PLAINTEXT: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
KAFKA_SASL_SSL_PORT=${KAFKA_SASL_SSL_PORT:-9095}  # SASL_SSL: the same mechanisms over TLS
KAFKA_SSL_PORT=${KAFKA_SSL_PORT:-9096}            # SSL with a required client certificate
KAFKA_SASL_USERNAME=${KAFKA_SASL_USERNAME:-gouvernail}
CASSANDRA_CQL_PORT=${CASSANDRA_CQL_PORT:-9042}
CASSANDRA_STORAGE_PORT=${CASSANDRA_STORAGE_PORT:-7000}

# Memory
KAFKA_HEAP=${KAFKA_HEAP:-512m}
CASSANDRA_HEAP=${CASSANDRA_HEAP:-1g}

# Readiness time limits (seconds)
FERRETDB_START_TIMEOUT=${FERRETDB_START_TIMEOUT:-30}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
CASSANDRA_START_TIMEOUT=${CASSANDRA_START_TIMEOUT:-240}

log()  { printf '[services %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die()  { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

require_java17() {
  [ -n "$JAVA_HOME" ] && [ -x "$JAVA_HOME/bin/java" ] || die "JDK 17 not found (set SVC_JAVA_HOME)"
  local v
  v=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "$v" = "17" ] || die "JAVA_HOME=$JAVA_HOME is Java $v; Kafka/Cassandra/Spark here need Java 17 (set SVC_JAVA_HOME)"
}

# port_open PORT -> 0 if something listens on 127.0.0.1:PORT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_alive NAME -> 0 if .ci/svc/NAME/pid names a live process started from our tree
pid_alive() {
  local f=$SVC_DIR/$1/pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # guard against a recycled PID: the command line must mention our .ci directory
  local cmdline
  cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *"$CI_DIR"* ]]
}

rss_mb() { # rss_mb PID
  awk '/^VmRSS:/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"
}

# stop_service NAME [GRACE_SECONDS] : SIGTERM the PID in .ci/svc/NAME/pid, wait, then SIGKILL.
stop_service() {
  local name=$1 grace=${2:-30} f=$SVC_DIR/$1/pid pid i
  [ -f "$f" ] || { log "$name: not running (no pid file)"; return 0; }
  pid=$(cat "$f" 2>/dev/null || true)
  if ! pid_alive "$name"; then
    log "$name: not running (stale pid file, pid ${pid:-?})"; rm -f "$f"; return 0
  fi
  log "$name: stopping pid $pid (SIGTERM, up to ${grace}s)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: still alive after ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  if kill -0 "$pid" 2>/dev/null; then log "$name: pid $pid did not exit"; return 1; fi
  rm -f "$f"
  log "$name: stopped"
}
