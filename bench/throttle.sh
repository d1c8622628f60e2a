#!/usr/bin/env bash
# Benchmark of throttling (not a test: it only prints figures): the CPU share that a fake virt-v2v's two busy
# children get in the run's cgroup under several limits, and the NBD engine's copy rate (100 MiB from nbdkit's
# pattern plugin) under several bandwidth limits.
#
# Usage: bench/throttle.sh [SECONDS_PER_CPU_STEP]     (needs nbdkit and a writable cgroup, i.e. root;
#                                                      compiles the project and its tests if needed)
# Env:   CPU_LIMITS   percents to try, in order (default: "30 100 10 unlimited")
#        COPY_RATES   MiB/s to try, in order (default: "10 20 50 unlimited")
set -euo pipefail

seconds=${1:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
command -v nbdkit >/dev/null || { echo "throttle.sh: nbdkit is missing" >&2; exit 1; }
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
mvn -B -q ${MVN_OFFLINE:-} compile test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
# shellcheck disable=SC2086
java -cp "target/classes:target/test-classes:$(cat "$cp_file")" -Dlogback.configurationFile=/dev/null \
    org.v2vwrapper.throttle.ThrottleBench "$seconds" ${CPU_LIMITS:-30 100 10 unlimited} -- \
    ${COPY_RATES:-10 20 50 unlimited}
