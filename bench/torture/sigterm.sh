#!/bin/sh
# Issue 17 torture, SIGTERM part: for every itinerary (cold to local, oVirt and OpenStack; warm pre-copy to local;
# OpenStack→OpenStack; nbd_export_only) and every step of it, one run that gets SIGTERM as soon as the wrapper log
# says the step started; then the exit code, the state's end and the leftovers are checked (torture/StepSigterm).
# Usage: bench/torture/sigterm.sh [DESTINATIONS, e.g. local,warm] (default: all six)
# Needs the launcher jar: mvn -B -o -q -DskipTests package (once). The matrix: docs/reliability.md.
set -eu
cd "$(dirname "$0")/../.."
destinations=${1:-local,ovirt,openstack,warm,osp2osp,nbd_export_only}
mvn -B -o -q test-compile
mvn -B -o failsafe:integration-test failsafe:verify -Dit.test=SigtermAtStepsIT -Dsigterm.all=true \
    -Dsigterm.destinations="$destinations" | grep -E 'Tests run:|FAIL' || true
grep -h 'sigterm (seed' target/failsafe-reports/org.v2vwrapper.torture.SigtermAtStepsIT-output.txt 2>/dev/null || true
