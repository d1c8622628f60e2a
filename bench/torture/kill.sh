#!/bin/sh
# Issue 17 torture, SIGKILL part: KILLS kills at random moments of the cold itinerary per destination (local,
# fake oVirt engine, fake OpenStack), a reader parsing the state file throughout, then the leftover count after the next run.
# Usage: bench/torture/kill.sh [KILLS_PER_DESTINATION] [MAX_DELAY_MS] [SEED] [DESTINATIONS, e.g. local,ovirt]
# Needs the launcher jar: mvn -B -o -q -DskipTests package (once). Figures: docs/reliability.md.
set -eu
cd "$(dirname "$0")/../.."
kills=${1:-500}
delay=${2:-4000}
seed=${3:-$(date +%s)}
destinations=${4:-local,ovirt,openstack}
mvn -B -o -q test-compile
mvn -B -o failsafe:integration-test failsafe:verify -Dit.test=TortureIT \
    -Dtorture.kills="$kills" -Dtorture.maxDelayMs="$delay" -Dtorture.seed="$seed" -Dtorture.destinations="$destinations" \
    | grep -E 'torture \(seed|Tests run:|FAIL' || true
grep -h 'torture (seed' target/failsafe-reports/org.v2vwrapper.torture.TortureIT-output.txt 2>/dev/null || true
