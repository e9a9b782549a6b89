#!/usr/bin/env bash
# The benchmark (docs/benchmark.md; issue 9): wrk drives the server under test from a process of
# its own. Builds the WARs in the reactor (no install), then runs the bench Maven profile of
# it-tests. Any -Dbench.<name>=<value> argument is passed on, e.g.
#   it-tests/bench.sh -Dbench.targets=embedded -Dbench.seconds=10
#   it-tests/bench.sh -Dbench.loopbackWar=/tmp/old/loopback.war -Dbench.sampleWar=/tmp/old/sample-app.war
# Output: a table on stdout, it-tests/target/bench/benchmark.json and benchmark.svg.
# Exit status: 0 all answers right, 1 some row flagged, 2 the benchmark could not run.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  echo "bench.sh: wrk not found; installing it (apt-get install -y wrk)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq wrk
fi

exec mvn -B -q -pl it-tests -am -Pbench -DskipTests verify "$@"
