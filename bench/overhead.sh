#!/bin/sh
# Wall time and CPU of scripts/v2v-wrapper converting the test guest versus the same virt-v2v command run
# directly, alternating RUNS of each (default 3). See bench/overhead.py and docs/performance-overhead.md.
#   mvn -B -DskipTests package && bench/overhead.sh [RUNS]
exec python3 "$(dirname "$0")/overhead.py" "$@"
