#!/usr/bin/env bash
# Stop the servers started by up.sh, each by the PID in .ci/svc/<name>/pid
# (SIGTERM, wait, then SIGKILL). Never matches processes by name.
#
#   scripts/services/down.sh [cassandra|kafka|ferretdb]...   (default: all, in reverse start order)
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(cassandra kafka ferretdb)
rc=0
for n in "${names[@]}"; do
  case "$n" in
    cassandra) stop_service cassandra 45 || rc=1 ;;
    kafka)     stop_service kafka 30 || rc=1 ;;
    ferretdb)  stop_service ferretdb 10 || rc=1 ;;
    *) log "unknown service '$n'"; rc=1 ;;
  esac
done
exit $rc
