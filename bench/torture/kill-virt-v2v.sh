#!/bin/sh
# Issue 17 item 4: how soon the state file says finished after virt-v2v's pid is SIGKILLed, for OpenStack and
# local output (the target: within 2 s). RUNS runs each; prints the median and the maximum.
# Usage: bench/torture/kill-virt-v2v.sh [RUNS] (default 20). Needs the launcher jar (mvn -B -o -q -DskipTests package).
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-20}
mvn -B -o -q test-compile
mvn -B -o failsafe:integration-test failsafe:verify -Dit.test=KillVirtV2vIT -Dkillv2v.runs="$runs" \
    | grep -E 'Tests run:|FAIL' || true
grep -h 'kill virt-v2v' target/failsafe-reports/org.v2vwrapper.torture.KillVirtV2vIT-output.txt 2>/dev/null || true
