#!/usr/bin/env bash
# Warm downtime vs cold one-phase, for docs/performance.md (not a test): the phony Windows test guest migrated warm
# from the test tree's fake vSphere to local_output_dir (cutover file touched -> finished) against a one-phase
# conversion of the same guest (transport_method disk, start -> finished), with the real virt-v2v 2.2 tools
# (virt-v2v, virt-v2v-in-place, virt-v2v-inspector) under TCG, ROUNDS rounds interleaved. ~6 min per round.
# Both sides get a second disk of MIB MiB of random data (made once beside the test guest, not sparse) read at RATE
# (nbdkit's rate filter, bits/s as nbdkit writes them, e.g. 400M; 0 = unlimited): warm through the fake nbdkit,
# cold through nbdfuse (needs /dev/fuse, nbdfuse and fusermount3; without them both sides read at full speed).
# Usage: bench/warm-vs-cold.sh [ROUNDS [MIB [RATE]]]   (default 2 1024 400M; needs the README's packages and mvn)
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
mib=${2:-1024}
rate=${3:-400M}
[[ $mib =~ ^[0-9]+$ ]] || die "MIB must be a number of MiB: $mib"
data=$guest/random${mib}m.img
if ((mib > 0)) && [[ $(stat -c %s "$data" 2>/dev/null || echo 0) != $((mib << 20)) ]]; then
  head -c "${mib}M" /dev/urandom > "$data.tmp$$" && mv "$data.tmp$$" "$data"
fi
work=$(mktemp -d /var/tmp/warm-vs-cold.XXXXXX)
mnt=$work/ratemnt
pid=
nbdfuse_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true   # its shutdown hook stops the running wrapper, which cleans up
    wait "$pid" 2>/dev/null || true
  fi
  if [[ -n $nbdfuse_pid ]]; then
    fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$nbdfuse_pid" 2>/dev/null || break; sleep 0.1; done
    kill "$nbdfuse_pid" 2>/dev/null || true
    wait "$nbdfuse_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The cold side's data disk: the same image read at RATE through nbdkit's rate filter, as a local file (nbdfuse).
cold_data=$data
if ((mib > 0)) && [[ $rate != 0 ]]; then
  if [[ -e /dev/fuse ]] && command -v nbdfuse >/dev/null && command -v fusermount3 >/dev/null; then
    mkdir -p "$mnt"
    nbdfuse -P "$work/nbdfuse.pid" "$mnt/data.img" [ nbdkit --filter=rate file "$data" rate="$rate" ] \
      </dev/null >"$work/nbdfuse.log" 2>&1 &
    nbdfuse_pid=$!
    for _ in $(seq 100); do
      [[ -f $work/nbdfuse.pid && $(stat -c %s "$mnt/data.img" 2>/dev/null || echo 0) == $((mib << 20)) ]] && break
      kill -0 "$nbdfuse_pid" 2>/dev/null || break
      sleep 0.1
    done
    [[ $(stat -c %s "$mnt/data.img" 2>/dev/null || echo 0) == $((mib << 20)) ]] \
      || die "could not mount the rate-limited disk: $(tr '\n' ' ' < "$work/nbdfuse.log")"
    cold_data=$mnt/data.img
  else
    echo "${0##*/}: no /dev/fuse, nbdfuse or fusermount3: both sides read the data disk unlimited" >&2
    rate=0
  fi
fi
((mib > 0)) || data= cold_data=
java -cp "target/classes:target/test-classes:$(cat "$cp_file")" -Dlogback.configurationFile=/dev/null \
    org.v2vwrapper.demo.WarmVsColdBench "${1:-2}" "$work" "$data" "$cold_data" "$rate" &
pid=$!
wait "$pid"
