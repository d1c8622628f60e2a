#!/bin/sh
# Issue 17 item 7: COUNT fuzzed requests (the in-process fuzzer's generator) through the real launcher, a JVM each.
# Usage: bench/torture/fuzz-launcher.sh [COUNT] [SEED] (default 100, 23). Needs the launcher jar.
# The in-process form: mvn -B -o -q surefire:test -Dtest=FuzzRequestsTest -Dfuzz.count=10000
set -eu
cd "$(dirname "$0")/../.."
count=${1:-100}
seed=${2:-23}
mvn -B -o -q test-compile
mvn -B -o failsafe:integration-test failsafe:verify -Dit.test=FuzzLauncherIT -Dfuzz.launcher.count="$count" \
    -Dfuzz.launcher.seed="$seed" | grep -E 'Tests run:|FAIL|#[0-9]+ \(' || true
grep -h 'fuzz through the launcher' target/failsafe-reports/org.v2vwrapper.torture.FuzzLauncherIT-output.txt 2>/dev/null || true
