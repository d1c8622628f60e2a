#!/usr/bin/env bash
# Changed-area copy benchmark (not a test; figures for docs/performance.md): a 4 GiB raw image with 1,000
# scattered changed areas totalling 256 MiB, served by nbdkit `file`, copied into a fresh sparse 4 GiB file by
#   ours     `v2v-wrapper nbd-copy --extents AREAS --flush`: the NBD engine ChangedAreaCopier runs, with its vCenter
#            settings (2 MiB requests, 16 in flight, 4 connections)
#   nbdcopy  the whole disk (it cannot be given areas; the image holds only the 256 MiB of the areas, so it reads
#            the same bytes and skips the rest by block status)
#   python   the reference's loop (bench/precopy-python-loop.py, libnbd's Python bindings)
# Rounds interleave the tools; every copy of round 1 is checked with cmp.
# Usage: bench/precopy-changed-areas.sh [ROUNDS]   (needs nbdkit, nbdcopy, python3-libnbd; builds the jar if needed)
set -euo pipefail
rounds=${1:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${PRECOPY_BENCH_DIR:-$(mktemp -d /var/tmp/precopy-bench.XXXXXX)}
[ -f "$repo/target/v2v-wrapper.jar" ] || (cd "$repo" && mvn -B -q -DskipTests package)
src=$work/source.img
areas=$work/areas.txt
if [ ! -f "$src" ]; then
    /usr/bin/python3 - "$src" "$areas" <<'PY'
import os, random, sys
src, areas = sys.argv[1:3]
GIB, MIB = 1 << 30, 1 << 20
random.seed(11)
n, size = 1000, 256 * 1024                     # 1,000 areas x 256 KiB = 256 MiB
slots = random.sample(range(4 * GIB // (4 * MIB)), n)   # one area per distinct 4 MiB slot: scattered, no overlap
with open(src, 'wb') as f:
    f.truncate(4 * GIB)
with open(src, 'r+b') as f, open(areas, 'w') as a:
    for s in sorted(slots):
        off = s * 4 * MIB + random.randrange(0, 4 * MIB - size, 4096)
        f.seek(off); f.write(os.urandom(size))
        a.write(f"{off} {size}\n")
PY
fi
cat "$src" > /dev/null
sock=$work/nbdkit.sock
rm -f "$sock" "$work/nbdkit.pid"
nbdkit --exit-with-parent --readonly --foreground -U "$sock" -P "$work/nbdkit.pid" file "$src" &
nbdkit_pid=$!
trap 'kill $nbdkit_pid 2>/dev/null; rm -rf "$work"' EXIT
for ((i = 0; i < 300; i++)); do [ -s "$work/nbdkit.pid" ] && break; sleep 0.1; done
uri="nbd+unix:///?socket=$sock"
run_ours()    { "$repo/scripts/v2v-wrapper" nbd-copy --extents "$areas" --request-size 2097152 --requests 16 \
                    --connections 4 --flush "$uri" "$1" 2> "$work/ours.err"; }
run_nbdcopy() { nbdcopy "$uri" "$1"; sync "$1"; }
run_python()  { /usr/bin/python3 "$repo/bench/precopy-python-loop.py" "$uri" "$areas" "$1" "$work/py-state.json"; }
echo "round     ours  (in-JVM)  nbdcopy   python   (seconds, wall clock incl. process start; ours and nbdcopy fsync;"
echo "                                    in-JVM: the copy alone, as the pre-copy step runs it inside the wrapper)"
declare -A all
for ((r = 1; r <= rounds; r++)); do
    line=$(printf "%5d" "$r")
    for t in ours nbdcopy python; do
        d=$work/dest-$t.img; rm -f "$d"; truncate -s 4G "$d"; sync
        s=$(date +%s.%N); "run_$t" "$d"; e=$(date +%s.%N)
        x=$(awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f", e - s}')
        all[$t]="${all[$t]:-} $x"; line="$line  $(printf "%7.2f" "$x")"
        if [ "$t" = ours ]; then
            j=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' "$work/ours.err" | tail -1)
            all[jvm]="${all[jvm]:-} $j"; line="$line  $(printf "%7.2f" "$j")"
        fi
        if [ "$r" = 1 ]; then cmp "$src" "$d" || { echo "$t made a wrong copy" >&2; exit 1; }; fi
    done
    echo "$line"
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
line="  med"; for t in ours jvm nbdcopy python; do line="$line  $(printf "%7.2f" "$(echo "${all[$t]}" | median)")"; done
echo "$line"
