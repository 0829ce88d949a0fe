#!/usr/bin/env bash
# Install the real servers used by the integration tests, without Docker, from package registries only.
#
#   scripts/services/install.sh [kafka|cassandra|ferretdb|spark|all]...   (default: all)
#
# Idempotent: a component whose install stamp matches its versions/templates is skipped (FORCE=1 redoes it).
# Caches: ~/.m2, the Go module/build caches, the pip cache, and the generated dirs under .ci/.
# Every download happens first (Maven, Go modules, PyPI); the CPU-heavy Go build comes last, so a
# registry gap fails fast with the name of the artifact that could not be fetched.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL=(kafka cassandra ferretdb spark)
want=()
for a in "${@:-all}"; do
  case "$a" in
    all) want=("${ALL[@]}") ;;
    kafka|cassandra|ferretdb|spark) want+=("$a") ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) die "unknown component '$a' (expected: kafka cassandra ferretdb spark all)" ;;
  esac
done
wants() { local x; for x in "${want[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }

mkdir -p "$SVC_DIR" "$BIN_DIR" "$JARS_DIR"
declare -A TIMES=()
timed() { # timed LABEL cmd...   (records wall seconds of one step)
  local label=$1 t0=$SECONDS; shift
  "$@"
  TIMES[$label]=$((SECONDS - t0))
  log "$label: done in ${TIMES[$label]}s"
}

# ---- stamps ------------------------------------------------------------------------------------
stamp_key() { # stamp_key NAME parts... -> hash of the parts and of the templates of NAME
  local name=$1; shift
  { printf '%s\n' "$@"; cat "$CONF_DIR/$name/pom.xml" 2>/dev/null || true; } | sha256sum | cut -c1-16
}
stamp_ok()   { [ "${FORCE:-0}" != 1 ] && [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# ---- Maven ---------------------------------------------------------------------------------------
render_pom() { # render_pom TEMPLATE OUT
  sed -e "s#@KAFKA_VERSION@#$KAFKA_VERSION#g" \
      -e "s#@SLF4J_VERSION@#$SLF4J_VERSION#g" \
      -e "s#@RELOAD4J_VERSION@#$RELOAD4J_VERSION#g" \
      -e "s#@CASSANDRA_VERSION@#$CASSANDRA_VERSION#g" \
      -e "s#@OPENLINEAGE_SPARK_VERSION@#$OL_VERSION#g" "$1" > "$2"
}

# mvn_copy NAME POMDIR OUTDIR [extra mvn args] : resolve + copy runtime jars; on failure name the artifacts.
# MVN_QUIET=1: on failure print nothing (the caller has a fallback).
mvn_copy() {
  local name=$1 dir=$2 out=$3; shift 3
  local logf=$dir/mvn.log
  command -v mvn >/dev/null || die "$name: mvn not found (apt-get install maven)"
  rm -rf "$out.tmp"
  if ! mvn -B -U -ntp -Dstyle.color=never -f "$dir/pom.xml" "$MAVEN_DEPENDENCY_PLUGIN:copy-dependencies" \
        -DincludeScope=runtime -DoutputDirectory="$out.tmp" "$@" > "$logf" 2>&1; then
    rm -rf "$out.tmp"
    [ "${MVN_QUIET:-0}" = 1 ] && return 1
    log "$name: Maven failed (full log: $logf):"
    local why
    why=$(sed 's/\x1b\[[0-9;]*m//g' "$logf" | grep -E 'Could not (resolve|find|transfer)|could not be resolved|No versions available|Failed to (collect|read artifact)|Non-resolvable|not found in' \
      | sed -e 's/^\[ERROR\] *//' -e 's/ -> \[Help 1\]$//' | head -10)
    [ -n "$why" ] || why=$(sed 's/\x1b\[[0-9;]*m//g' "$logf" | tail -15)
    printf '    %s\n' "$why" >&2
    return 1
  fi
  rm -rf "$out"; mv "$out.tmp" "$out"
}

jar_version() { # jar_version DIR PREFIX -> version parsed from DIR/PREFIX-<version>.jar
  local f; f=$(ls "$1"/"$2"-[0-9]*.jar 2>/dev/null | head -1)
  [ -n "$f" ] || return 1
  f=${f##*/}; f=${f#"$2"-}; echo "${f%.jar}"
}

install_kafka() {
  local d=$SVC_DIR/kafka key; key=$(stamp_key kafka "$KAFKA_VERSION" "$SLF4J_VERSION" "$RELOAD4J_VERSION")
  if stamp_ok "$d/installed" "$key" && [ -d "$d/lib" ]; then log "kafka: cached ($(cat "$d/VERSION"))"; return; fi
  require_java17
  mkdir -p "$d"
  OL_VERSION=unused render_pom "$CONF_DIR/kafka/pom.xml" "$d/pom.xml"
  log "kafka: resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION + reload4j via Maven"
  mvn_copy kafka "$d" "$d/lib" || die "kafka: could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (or a dependency named above)"
  local v; v=$(jar_version "$d/lib" kafka_2.13) || die "kafka: kafka_2.13 jar missing from $d/lib"
  for p in kafka-clients kafka-server-common kafka-metadata kafka-raft kafka-storage scala-library reload4j slf4j-reload4j; do
    ls "$d/lib/$p"-[0-9]*.jar >/dev/null 2>&1 || die "kafka: expected jar $p-*.jar not in $d/lib"
  done
  echo "$v" > "$d/VERSION"; echo "$key" > "$d/installed"
  log "kafka: $v ($(ls "$d/lib" | wc -l) jars, $(du -sh "$d/lib" | cut -f1))"
}

install_cassandra() {
  local d=$SVC_DIR/cassandra key; key=$(stamp_key cassandra "$CASSANDRA_VERSION")
  if stamp_ok "$d/installed" "$key" && [ -d "$d/lib" ]; then log "cassandra: cached ($(cat "$d/VERSION"))"; return; fi
  require_java17
  mkdir -p "$d"
  OL_VERSION=unused render_pom "$CONF_DIR/cassandra/pom.xml" "$d/pom.xml"
  log "cassandra: resolving org.apache.cassandra:cassandra-all:$CASSANDRA_VERSION via Maven"
  mvn_copy cassandra "$d" "$d/lib" || die "cassandra: could not fetch org.apache.cassandra:cassandra-all:$CASSANDRA_VERSION (or a dependency named above)"
  local v; v=$(jar_version "$d/lib" cassandra-all) || die "cassandra: cassandra-all jar missing from $d/lib"
  for p in jamm jna logback-classic chronicle-queue netty-all; do
    ls "$d/lib/$p"-[0-9]*.jar >/dev/null 2>&1 || ls "$d/lib/$p"-*.jar >/dev/null 2>&1 \
      || die "cassandra: expected jar $p-*.jar not in $d/lib"
  done
  echo "$v" > "$d/VERSION"; echo "$key" > "$d/installed"
  log "cassandra: $v ($(ls "$d/lib" | wc -l) jars, $(du -sh "$d/lib" | cut -f1))"
}

install_spark_jars() {
  local key; key=$(stamp_key spark jar "$OPENLINEAGE_SPARK_VERSION" "$OPENLINEAGE_SPARK_FALLBACK")
  if stamp_ok "$JARS_DIR/installed" "$key" && ls "$JARS_DIR"/lib/openlineage-spark_2.13-*.jar >/dev/null 2>&1; then
    log "openlineage-spark: cached ($(cat "$JARS_DIR/VERSION"))"; return
  fi
  mkdir -p "$JARS_DIR"
  OL_VERSION=$OPENLINEAGE_SPARK_VERSION
  render_pom "$CONF_DIR/spark/pom.xml" "$JARS_DIR/pom.xml"
  log "openlineage-spark: resolving io.openlineage:openlineage-spark_2.13:$OL_VERSION via Maven"
  if ! MVN_QUIET=1 mvn_copy openlineage-spark "$JARS_DIR" "$JARS_DIR/lib" -DexcludeTransitive=true; then
    OL_VERSION=$OPENLINEAGE_SPARK_FALLBACK
    log "openlineage-spark: $OPENLINEAGE_SPARK_VERSION not available, trying newest in $OL_VERSION"
    render_pom "$CONF_DIR/spark/pom.xml" "$JARS_DIR/pom.xml"
    mvn_copy openlineage-spark "$JARS_DIR" "$JARS_DIR/lib" -DexcludeTransitive=true \
      || die "openlineage-spark: could not fetch io.openlineage:openlineage-spark_2.13 ($OPENLINEAGE_SPARK_VERSION nor $OL_VERSION)"
  fi
  local v; v=$(jar_version "$JARS_DIR/lib" openlineage-spark_2.13) || die "openlineage-spark: jar missing from $JARS_DIR/lib"
  echo "$v" > "$JARS_DIR/VERSION"; echo "$key" > "$JARS_DIR/installed"
  log "openlineage-spark: $v"
}

# ---- Go (FerretDB) --------------------------------------------------------------------------------
# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at start:
# FerretDB embeds build/version/version.txt, which release tooling generates and the module zip lacks.
# So: fetch the exact module version from the Go module proxy, copy its source to .ci/tools, write
# version.txt, and `go install ./cmd/ferretdb` from there (same go.mod/go.sum, so the same dependencies).
FERRET_MOD=github.com/FerretDB/FerretDB
FERRET_SRC=$TOOLS_DIR/ferretdb-src
# The whole --version output is captured first: `ferretdb --version | grep -q` under pipefail fails at
# random when grep exits early and ferretdb dies of SIGPIPE writing the rest.
ferretdb_reports_version() {
  local out
  out=$("$BIN_DIR/ferretdb" --version 2>&1) || return 1
  [[ "$out" == *"version: $FERRETDB_VERSION"* ]]
}

go_env() { env CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-trimpath -buildvcs=false -mod=readonly" GOBIN="$BIN_DIR" "$@"; }
ferretdb_cached() {
  [ "${FORCE:-0}" != 1 ] && [ -x "$BIN_DIR/ferretdb" ] \
    && ferretdb_reports_version
}
fetch_ferretdb() { # download the module and every dependency needed to build the command (no compile)
  if ferretdb_cached; then log "ferretdb: cached ($FERRETDB_VERSION)"; return; fi
  command -v go >/dev/null || die "ferretdb: go not found"
  log "ferretdb: fetching $FERRET_MOD@$FERRETDB_VERSION and its dependencies (Go module proxy)"
  local logf=$SVC_DIR/ferretdb-go.log dir; mkdir -p "$SVC_DIR" "$TOOLS_DIR"
  dir=$(go_env go mod download -json "$FERRET_MOD@$FERRETDB_VERSION" 2> "$logf" | sed -n 's/^\t"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -n "$dir" ] && [ -f "$dir/go.mod" ] \
    || { cat "$logf" >&2; die "ferretdb: could not fetch module $FERRET_MOD@$FERRETDB_VERSION"; }
  rm -rf "$FERRET_SRC"; cp -r "$dir" "$FERRET_SRC"; chmod -R u+w "$FERRET_SRC"
  printf '%s\n' "$FERRETDB_VERSION" > "$FERRET_SRC/build/version/version.txt"
  printf 'ci-source-build\n' > "$FERRET_SRC/build/version/package.txt"
  # -n: resolve and download every module the build needs, print the commands, compile nothing
  if ! (cd "$FERRET_SRC" && go_env go install -n ./cmd/ferretdb) > "$logf" 2>&1; then
    grep -E '^go: |not found|unknown revision|invalid version|410 Gone|404|missing go.sum' "$logf" | sed 's/^/    /' | head -20 >&2 || true
    die "ferretdb: could not fetch the dependencies of $FERRET_MOD@$FERRETDB_VERSION (modules named above); log: $logf"
  fi
}
build_ferretdb() {
  if ferretdb_cached; then return; fi
  log "ferretdb: building $FERRETDB_VERSION into $BIN_DIR (CGO_ENABLED=0)"
  local logf=$SVC_DIR/ferretdb-go.log
  (cd "$FERRET_SRC" && go_env go install ./cmd/ferretdb) > "$logf" 2>&1 \
    || { tail -30 "$logf" >&2; die "ferretdb: go install failed; log: $logf"; }
  ferretdb_reports_version \
    || { "$BIN_DIR/ferretdb" --version 2>&1 | head -5 >&2; die "ferretdb: built binary does not report $FERRETDB_VERSION"; }
  log "ferretdb: $("$BIN_DIR/ferretdb" --version 2>&1 | head -1)"
}

# ---- Python venv (pyspark + pytest) --------------------------------------------------------------
install_venv() {
  local py=${PYTHON:-python3} key
  key=$(stamp_key spark venv "$PYSPARK_SPEC" "$("$py" --version 2>&1)")
  if stamp_ok "$VENV_DIR/installed" "$key" && [ -x "$VENV_DIR/bin/python" ]; then
    log "venv: cached (pyspark $(cat "$VENV_DIR/PYSPARK_VERSION"))"; return
  fi
  [ -x "$VENV_DIR/bin/python" ] || "$py" -m venv "$VENV_DIR" || die "venv: '$py -m venv' failed (apt-get install python3-venv?)"
  local logf=$VENV_DIR/pip.log
  log "venv: pip install '$PYSPARK_SPEC' pytest (PyPI; pyspark is a ~400 MB sdist)"
  if ! "$VENV_DIR/bin/pip" install --disable-pip-version-check "$PYSPARK_SPEC" pytest > "$logf" 2>&1; then
    grep -E 'ERROR|No matching distribution|Could not find' "$logf" | sed 's/^/    /' | head -20 >&2 || true
    die "venv: could not install '$PYSPARK_SPEC' / pytest from PyPI; log: $logf"
  fi
  # optional: the OpenLineage Python client (pure Python); not needed by the smoke test
  if "$VENV_DIR/bin/pip" install --disable-pip-version-check openlineage-python >> "$logf" 2>&1; then
    log "venv: openlineage-python installed"
  else
    log "venv: WARNING openlineage-python could not be installed (optional, ignored)"
  fi
  local v; v=$("$VENV_DIR/bin/python" -c 'import pyspark; print(pyspark.__version__)') || die "venv: pyspark does not import"
  echo "$v" > "$VENV_DIR/PYSPARK_VERSION"; echo "$key" > "$VENV_DIR/installed"
  log "venv: pyspark $v"
}

# ---- run: all fetches first, builds last ----------------------------------------------------------
T0=$SECONDS
wants kafka     && timed kafka     install_kafka
wants cassandra && timed cassandra install_cassandra
wants spark     && timed ol-jar    install_spark_jars
wants ferretdb  && timed ferretdb-fetch fetch_ferretdb
wants spark     && timed venv      install_venv
wants ferretdb  && timed ferretdb-build build_ferretdb

{
  echo "# resolved versions (written by scripts/services/install.sh)"
  [ -f "$SVC_DIR/kafka/VERSION" ]     && echo "kafka=$(cat "$SVC_DIR/kafka/VERSION")"
  [ -f "$SVC_DIR/cassandra/VERSION" ] && echo "cassandra=$(cat "$SVC_DIR/cassandra/VERSION")"
  [ -x "$BIN_DIR/ferretdb" ]          && echo "ferretdb=$FERRETDB_VERSION"
  [ -f "$VENV_DIR/PYSPARK_VERSION" ]  && echo "pyspark=$(cat "$VENV_DIR/PYSPARK_VERSION")"
  [ -f "$JARS_DIR/VERSION" ]          && echo "openlineage-spark=$(cat "$JARS_DIR/VERSION")"
} > "$CI_DIR/versions.env" || true
for k in "${!TIMES[@]}"; do printf '  %-16s %4ss\n' "$k" "${TIMES[$k]}"; done | sort >&2
log "install: done in $((SECONDS - T0))s; versions in .ci/versions.env:"
grep -v '^#' "$CI_DIR/versions.env" | sed 's/^/    /' >&2
