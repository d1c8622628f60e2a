#!/usr/bin/env bash
# Peak RSS (VmHWM) of the wrapper during a warm two-phase run whose pre-copy #1 copies two disks at once, for
# docs/performance.md (not a test): org.v2vwrapper.e2e.WarmMemoryBench through the launcher, against the fake vSphere
# (src/test) with the real nbdkit file plugin behind src/test/resources/fake-nbdkit/nbdkit-vddk-as-file.
# Usage: bench/monitor-warm.sh [MIB_PER_DISK [ROUNDS [NAME|LAUNCHER|JAVA_OPTS ...]]]   (default 512 3; needs nbdkit)
#   Variants run interleaved round by round; LAUNCHER empty = this checkout's scripts/v2v-wrapper.
#   JCMD_DIR=DIR: NMT summary (add -XX:NativeMemoryTracking=summary to the variant), class histogram, threads and
#   smaps of each run, JCMD_AFTER_MS (default 1500) after a disk's
#   progress first reached 10 %.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/v2v-wrapper.jar ] || mvn -B -q ${MVN_OFFLINE:-} -DskipTests package
cp_file=target/warm-bench.classpath
mvn -B -q ${MVN_OFFLINE:-} compile test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
mib=${1:-512}; rounds=${2:-3}; shift 2 || shift $#
java -XX:+UseSerialGC -cp "target/classes:target/test-classes:$(cat "$cp_file")" -Dlogback.configurationFile=/dev/null \
    ${JCMD_DIR:+-Djcmd.dir="$JCMD_DIR"} -Djcmd.after.ms="${JCMD_AFTER_MS:-1500}" \
    org.v2vwrapper.e2e.WarmMemoryBench "$mib" "$rounds" "$@"
