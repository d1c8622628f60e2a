#!/usr/bin/env bash
# Benchmark of the log parser: the whole `replay-log` process (JVM start, reading, parsing, printing the state)
# on a 256 MiB synthetic virt-v2v 1.4x verbose log. Not a test: it prints timings, MB/s and the JVM set-ups.
#
#   bench/replay-log.sh [ROUNDS]        (from anywhere; builds target/ if needed)
#
# The log is made once by ../shared/bench/gen_v2v_log.py and cached in bench/out/ (git-ignored), as is the
# AppCDS archive (class-data sharing: classes pre-parsed at build time, which roughly halves JVM start-up here).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
size_mb=256
out=bench/out
log=$out/v2v-${size_mb}.log
mkdir -p "$out"

if [ ! -f target/v2v-wrapper.jar ] || [ ! -d target/lib ] || \
   [ -n "$(find src/main -newer target/v2v-wrapper.jar -type f -print -quit)" ]; then
  mvn -B -q -DskipTests package >&2
fi
if [ ! -f "$log" ]; then
  python3 ../shared/bench/gen_v2v_log.py "$log" "$size_mb" 2
fi
bytes=$(stat -c %s "$log")
cat "$log" > /dev/null   # warm the page cache

# AppCDS needs jars only on the class path (no directories), hence the packaged jar rather than target/classes.
cp_jar="target/v2v-wrapper.jar:target/lib/*"
cp_dir="target/classes:target/lib/*"
main=org.v2vwrapper.v2vlog.ReplayLogCommand
jsa=$out/replay-log.jsa
if [ ! -f "$jsa" ] || [ target/v2v-wrapper.jar -nt "$jsa" ]; then
  rm -f "$jsa"
  java -XX:ArchiveClassesAtExit="$jsa" -cp "$cp_jar" "$main" --v2v-log "$log" > /dev/null 2>&1
fi

expected=$(java -cp "$cp_dir" "$main" --v2v-log "$log" 2>/dev/null | tail -n 1)
case "$expected" in
  *'"progress":100.0'*'"progress":100.0'*'"disk_count":2'*) ;;
  *) echo "unexpected replay-log output: $expected" >&2; exit 1 ;;
esac

run() { # name, then the java command line
  local name=$1; shift
  local best=999999 all=()
  for _ in $(seq "$rounds"); do
    local t0 t1 ms
    t0=$(date +%s%N)
    "$@" > /dev/null 2>&1
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    all+=("$ms")
    [ "$ms" -lt "$best" ] && best=$ms
  done
  local median
  median=$(printf '%s\n' "${all[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-44s best %5d ms = %5d MB/s   median %5d ms = %5d MB/s   (%s)\n' "$name" "$best" \
    $(( bytes * 1000 / best / 1000000 )) "$median" $(( bytes * 1000 / median / 1000000 )) "${all[*]}"
}

echo "replay-log on $log ($((bytes / 1048576)) MiB), $rounds rounds, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
run "classes dir, default JVM"               java -cp "$cp_dir" "$main" --v2v-log "$log"
run "jar + AppCDS"                           java -XX:SharedArchiveFile="$jsa" -cp "$cp_jar" "$main" --v2v-log "$log"
run "jar + AppCDS + SerialGC"                java -XX:SharedArchiveFile="$jsa" -XX:+UseSerialGC -cp "$cp_jar" "$main" --v2v-log "$log"
run "jar + AppCDS + SerialGC + C1 only"      java -XX:SharedArchiveFile="$jsa" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$cp_jar" "$main" --v2v-log "$log"
run "JVM start only (-version)"              java -XX:SharedArchiveFile="$jsa" -XX:+UseSerialGC -cp "$cp_jar" -version
