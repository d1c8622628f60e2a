#!/bin/sh
# Issue 17 torture, SIGKILL part: KILLS kills at random moments of each itinerary (cold to local, the fake oVirt
# engine and the fake OpenStack; warm pre-copy to local against the fake vSphere; OpenStack→OpenStack on the fake
# clouds and the test sshd), a reader parsing the state file throughout, then the leftover count after the next run.
# Usage: bench/torture/kill.sh [KILLS_PER_DESTINATION] [MAX_DELAY_MS] [SEED] [DESTINATIONS, e.g. local,ovirt]
# DESTINATIONS: local,ovirt,openstack,warm,osp2osp (the default: all). A warm run reaches its pre-copy ~8 s after
# start on a busy 2-core host and an OpenStack→OpenStack run its copy ~6 s: give them a MAX_DELAY_MS of 15000.
# Needs the launcher jar: mvn -B -o -q -DskipTests package (once). Figures: docs/reliability.md.
set -eu
cd "$(dirname "$0")/../.."
kills=${1:-500}
delay=${2:-4000}
seed=${3:-$(date +%s)}
destinations=${4:-local,ovirt,openstack,warm,osp2osp}
mvn -B -o -q test-compile
mvn -B -o failsafe:integration-test failsafe:verify -Dit.test=TortureIT \
    -Dtorture.kills="$kills" -Dtorture.maxDelayMs="$delay" -Dtorture.seed="$seed" -Dtorture.destinations="$destinations" \
    | grep -E 'torture \(seed|Tests run:|FAIL' || true
grep -h 'torture (seed' target/failsafe-reports/org.v2vwrapper.torture.TortureIT-output.txt 2>/dev/null || true
