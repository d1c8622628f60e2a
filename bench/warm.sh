#!/usr/bin/env bash
# Warm pre-copy figures for docs/performance.md (not a test): trigger reaction (cutover -> "Pre-copy #N (last)")
# over RUNS launcher runs, and two-disk pre-copy wall time concurrent vs one after another, against the fake
# vSphere (src/test) with the real nbdkit file plugin behind src/test/resources/fake-nbdkit/nbdkit-vddk-as-file.
# Usage: bench/warm.sh [RUNS [MIB_PER_DISK [ROUNDS]]]   (default 20 256 2; needs nbdkit; builds the launcher jar)
#   RUNS 0: the two-disk figure only. The order of the two variants alternates by round; medians at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/v2v-wrapper.jar ] || mvn -B -q ${MVN_OFFLINE:-} -DskipTests package
cp_file=target/warm-bench.classpath
mvn -B -q ${MVN_OFFLINE:-} compile test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
java -cp "target/classes:target/test-classes:$(cat "$cp_file")" -Dlogback.configurationFile=/dev/null \
    org.v2vwrapper.e2e.WarmBench "${1:-20}" "${2:-256}" "${3:-2}"
