#!/usr/bin/env bash
# Benchmark of the log parser: the whole `replay-log` process (JVM start, reading, parsing, printing the state)
# on a 256 MiB synthetic virt-v2v 1.4x verbose log. Not a test: it prints timings, MB/s and the set-ups.
#
#   bench/replay-log.sh [ROUNDS]        (from anywhere; builds target/ if needed)
#   BEFORE_JAR=/path/to/old/target/v2v-wrapper.jar bench/replay-log.sh 9    (adds an older build, run as its
#                                        launcher ran it then: C1 only, -jar; its target/lib must sit beside it)
#
# The headline is the launcher, `scripts/v2v-wrapper replay-log --v2v-log FILE`, as a user runs it. The rounds are
# interleaved (round 1 of every set-up, then round 2, …) so that the load of other jobs on this shared machine hits
# all set-ups alike; compare ratios within one run. `cat FILE > /dev/null` is timed in the same rounds.
#
# The log is made once by ../shared/bench/gen_v2v_log.py and cached in bench/out/ (git-ignored). The AppCDS archive
# (class-data sharing: the application's classes pre-parsed) is made here, beside the jar, where the launcher
# looks for it: target/v2v-wrapper.jsa, written by a run of the launcher itself with -XX:ArchiveClassesAtExit (so
# its class path is the launcher's), into a temporary file renamed when complete.
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

jsa=target/v2v-wrapper.jsa
if [ ! -f "$jsa" ] || [ target/v2v-wrapper.jar -nt "$jsa" ]; then
  rm -f "$jsa" "$jsa.tmp"
  JAVA_OPTS="-XX:ArchiveClassesAtExit=$jsa.tmp" scripts/v2v-wrapper replay-log --v2v-log "$log" > /dev/null
  mv "$jsa.tmp" "$jsa"
fi

expected=$(scripts/v2v-wrapper replay-log --v2v-log "$log")
case "$expected" in
  *'"progress":100.0'*'"progress":100.0'*'"disk_count":2'*) ;;
  *) echo "unexpected replay-log output: $expected" >&2; exit 1 ;;
esac

names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
add "launcher (AppCDS archive present)"        "scripts/v2v-wrapper replay-log --v2v-log $log"
add "launcher, no archive"                     "NOJSA scripts/v2v-wrapper replay-log --v2v-log $log"
add "launcher, 1 scan thread"                  "JAVA_OPTS=-Dv2v-wrapper.replay-threads=1 scripts/v2v-wrapper replay-log --v2v-log $log"
if [ -n "${BEFORE_JAR:-}" ]; then
  add "before: old launcher line, BEFORE_JAR"  "java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xms8m -Xmx64m -Xmn4m -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=16m -XX:CICompilerCount=1 -Xshare:auto -jar $BEFORE_JAR replay-log --v2v-log $log"
fi
add "JVM start only (launcher's flags, -version)" "java -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto -XX:SharedArchiveFile=$jsa -Xlog:cds*=off -cp target/v2v-wrapper.jar -version"
add "cat FILE > /dev/null"                     "cat $log"

declare -A times
time_one() { # index → ms
  local cmd=${cmds[$1]} t0 t1
  if [[ $cmd == NOJSA* ]]; then
    mv "$jsa" "$jsa.aside"
    t0=$(date +%s%N); ${cmd#NOJSA } > /dev/null 2>&1; t1=$(date +%s%N)
    mv "$jsa.aside" "$jsa"
  elif [[ $cmd == JAVA_OPTS=* ]]; then
    local opts=${cmd%% *}
    t0=$(date +%s%N); JAVA_OPTS=${opts#JAVA_OPTS=} ${cmd#* } > /dev/null 2>&1; t1=$(date +%s%N)
  else
    t0=$(date +%s%N); $cmd > /dev/null 2>&1; t1=$(date +%s%N)
  fi
  echo $(( (t1 - t0) / 1000000 ))
}

echo "replay-log on $log ($((bytes / 1048576)) MiB), $rounds interleaved rounds, $(nproc) CPUs, $(java -version 2>&1 | head -n 1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$rounds"); do
  for i in "${!names[@]}"; do
    times[$i]="${times[$i]:-} $(time_one "$i")"
  done
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

stat_of() { # "best median" of a list of ms
  printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[1], a[int((NR+1)/2)]}'
}
read -r _ cat_median <<< "$(stat_of "${times[$((${#names[@]} - 1))]}")"
for i in "${!names[@]}"; do
  read -r best median <<< "$(stat_of "${times[$i]}")"
  printf '%-46s best %5d ms = %5d MB/s   median %5d ms = %5d MB/s   %5.1f× cat   (%s)\n' "${names[$i]}" \
    "$best" $(( bytes * 1000 / (best > 0 ? best : 1) / 1000000 )) "$median" \
    $(( bytes * 1000 / (median > 0 ? median : 1) / 1000000 )) \
    "$(awk -v m="$median" -v c="$cat_median" 'BEGIN {printf "%.1f", m / (c > 0 ? c : 1)}')" "${times[$i]# }"
done
