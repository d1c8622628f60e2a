#!/usr/bin/env bash
# Benchmark of `nbd-copy` against nbdcopy and `qemu-img convert -n` (not a test: it only prints figures).
#
# Source: nbdkit's file plugin over a 4 GiB sparse raw image holding 1 GiB of random data (1 MiB written
# every 4 MiB), page cache warm. Each tool copies it to a fresh 4 GiB sparse file; several rounds, tools
# interleaved within a round so that machine noise hits them alike. Each copy is checked with cmp once.
#
# Usage: bench/nbd-copy.sh [ROUNDS]        (needs nbdkit, nbdcopy, qemu-img; builds the project if needed)
# Env:   NBD_BENCH_DIR  work directory (default: a new one under /var/tmp; needs ~3 GiB free)
#        NBD_COPY_OPTS  extra nbd-copy options, e.g. "--connections 2 --request-size 2097152"
#        JAVA_OPTS      extra JVM options
set -euo pipefail

rounds=${1:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${NBD_BENCH_DIR:-$(mktemp -d /var/tmp/nbd-bench.XXXXXX)}
mkdir -p "$work"
for tool in nbdkit nbdcopy qemu-img java; do
    command -v "$tool" >/dev/null || { echo "nbd-copy.sh: $tool is missing" >&2; exit 1; }
done
if [ ! -d "$repo/target/lib" ] || [ ! -d "$repo/target/classes/org/v2vwrapper/nbd" ]; then
    (cd "$repo" && mvn -B -q -DskipTests package)
fi

source_image=$work/source.img
if [ ! -f "$source_image" ] || [ "$(stat -c %s "$source_image")" != 4294967296 ]; then
    echo "creating $source_image (4 GiB, 1 GiB of data)" >&2
    rm -f "$source_image"
    truncate -s 4G "$source_image"
    head -c 1M /dev/urandom > "$work/chunk"
    for ((i = 0; i < 1024; i++)); do
        dd if="$work/chunk" of="$source_image" bs=1M count=1 seek=$((i * 4)) conv=notrunc status=none
    done
    rm -f "$work/chunk"
fi
cat "$source_image" > /dev/null   # warm the page cache

socket=$work/nbdkit.sock
rm -f "$socket" "$work/nbdkit.pid"
nbdkit --exit-with-parent --readonly --foreground -U "$socket" -P "$work/nbdkit.pid" file "$source_image" &
nbdkit_pid=$!
trap 'kill $nbdkit_pid 2>/dev/null; rm -f "$work"/dest-*.img' EXIT
for ((i = 0; i < 300; i++)); do [ -s "$work/nbdkit.pid" ] && break; sleep 0.1; done
[ -s "$work/nbdkit.pid" ] || { echo "nbd-copy.sh: nbdkit did not start" >&2; exit 1; }
uri="nbd+unix:///?socket=$socket"

# shellcheck disable=SC2086
run_nbdcopy()  { nbdcopy "$uri" "$1"; }
run_qemu_img() { qemu-img convert -n -f raw -O raw "$uri" "$1"; }
# nbd-copy's last stderr line tells how long the copy took inside the JVM (without JVM start-up and exit).
run_nbd_copy() {
    # Through the launcher, as an admin runs it (its JVM flags and class-data sharing archive); JAVA_OPTS adds flags.
    JAVA_OPTS="${JAVA_OPTS:-}" "$repo/scripts/v2v-wrapper" nbd-copy ${NBD_COPY_OPTS:-} "$uri" "$1" \
        2> "$work/nbd-copy.err" || { cat "$work/nbd-copy.err" >&2; return 1; }
}

# The way the launcher ran nbd-copy before it had its own main class (picocli, logback, the conversion's archive):
# the same JVM flags, `-jar`, for the before/after figure in the same rounds.
run_nbd_copy_jar() {
    java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xms8m -Xmx64m -Xmn4m -XX:MaxMetaspaceSize=64m \
        -XX:ReservedCodeCacheSize=16m -XX:CICompilerCount=1 -Xshare:auto \
        -XX:SharedArchiveFile="$repo/target/v2v-wrapper-main.jsa" -Xlog:cds*=off ${JAVA_OPTS:-} \
        -jar "$repo/target/v2v-wrapper.jar" nbd-copy ${NBD_COPY_OPTS:-} "$uri" "$1" 2> "$work/nbd-copy-jar.err" \
        || { cat "$work/nbd-copy-jar.err" >&2; return 1; }
}

# The nbd-copy class-data sharing archive (target/v2v-wrapper-nbd-copy.jsa, mapped by the launcher when present):
# made by one training copy through the launcher if missing or older than the jar, written under another name and
# renamed when complete (a truncated archive can crash the JVM, docs/log-parsing.md).
jsa=$repo/target/v2v-wrapper-nbd-copy.jsa
if [ ! -f "$jsa" ] || [ "$jsa" -ot "$repo/target/v2v-wrapper.jar" ]; then
    base=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')/lib/server/classes.jsa
    rm -f "$jsa" "$jsa.tmp"
    truncate -s 4G "$work/dest-train.img"
    JAVA_OPTS="-XX:SharedArchiveFile=$base -XX:ArchiveClassesAtExit=$jsa.tmp" \
        "$repo/scripts/v2v-wrapper" nbd-copy --no-progress "$uri" "$work/dest-train.img" && mv "$jsa.tmp" "$jsa"
    rm -f "$work/dest-train.img"
fi

tools=(nbdcopy qemu_img nbd_copy nbd_copy_jar)
declare -A times
echo "round  nbdcopy  qemu-img  nbd-copy  (in-JVM)  before   (seconds, wall clock; in-JVM: nbd-copy's own copy time; before: -jar through picocli, as the launcher ran it before)"
for ((round = 1; round <= rounds; round++)); do
    line=$(printf "%5d" "$round")
    for tool in "${tools[@]}"; do
        dest=$work/dest-$tool.img
        rm -f "$dest"
        truncate -s 4G "$dest"     # qemu-img -n needs it; all tools get the same fresh sparse file
        sync                        # earlier copies' dirty pages are not this copy's cost
        start=$(date +%s.%N)
        "run_$tool" "$dest"
        end=$(date +%s.%N)
        seconds=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f", e - s}')
        times[$tool]="${times[$tool]:-} $seconds"
        line="$line  $(printf "%7.2f" "$seconds")"
        if [ "$tool" = nbd_copy ]; then
            in_jvm=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' "$work/nbd-copy.err" | tail -1)
            times[in_jvm]="${times[in_jvm]:-} $in_jvm"
            line="$line  $(printf "%7.2f" "$in_jvm")"
        fi
        if [ "$round" = 1 ]; then
            cmp "$source_image" "$dest" || { echo "nbd-copy.sh: $tool made a wrong copy" >&2; exit 1; }
        fi
    done
    echo "$line"
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
line="  med"
for tool in nbdcopy qemu_img nbd_copy in_jvm nbd_copy_jar; do
    line="$line  $(printf "%7.2f" "$(echo "${times[$tool]}" | median)")"
done
echo "$line"
awk -v a="$(echo "${times[nbd_copy]}" | median)" -v b="$(echo "${times[nbdcopy]}" | median)" \
    -v c="$(echo "${times[nbd_copy_jar]}" | median)" \
    'BEGIN {printf "nbd-copy / nbdcopy: %.3f (medians); before (-jar, picocli) / nbdcopy: %.3f\n", a / b, c / b}'
echo "allocated in the destinations: $(du -sh "$work"/dest-nbd_copy.img | cut -f1) (nbd-copy)," \
     "$(du -sh "$work"/dest-nbdcopy.img | cut -f1) (nbdcopy), source $(du -sh "$source_image" | cut -f1)"
