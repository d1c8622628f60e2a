#!/usr/bin/env bash
# Warm downtime vs cold one-phase, for docs/performance.md (not a test): the phony Windows test guest migrated warm
# from the test tree's fake vSphere to local_output_dir (cutover file touched -> finished) against a one-phase
# conversion of the same guest (transport_method disk, start -> finished), with the real virt-v2v 2.2 tools
# (virt-v2v, virt-v2v-in-place, virt-v2v-inspector) under TCG, ROUNDS rounds interleaved. ~6 min per round.
# Usage: bench/warm-vs-cold.sh [ROUNDS]   (default 2; needs the README's packages and mvn; builds the launcher jar)
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "${0##*/}: $*" >&2; exit 1; }
for t in virt-v2v virt-v2v-in-place virt-v2v-inspector; do
  [[ -x /usr/bin/$t ]] || die "/usr/bin/$t is missing: needs virt-v2v 2.x (apt-get install -y virt-v2v)"
done
for t in nbdkit guestfish mvn java; do command -v "$t" >/dev/null || die "$t is missing (see README.md)"; done
guest=$(scripts/build-test-guest | tail -n1)
[[ -f $guest/windows.img ]] || die "the test guest was not built (scripts/build-test-guest)"
[ -f target/v2v-wrapper.jar ] || mvn -B -q ${MVN_OFFLINE:-} -DskipTests package
cp_file=target/warm-vs-cold.classpath
mvn -B -q ${MVN_OFFLINE:-} compile test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}
work=$(mktemp -d /var/tmp/warm-vs-cold.XXXXXX)
pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true   # its shutdown hook stops the running wrapper, which cleans up
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
java -cp "target/classes:target/test-classes:$(cat "$cp_file")" -Dlogback.configurationFile=/dev/null \
    org.v2vwrapper.demo.WarmVsColdBench "${1:-2}" "$work" &
pid=$!
wait "$pid"
