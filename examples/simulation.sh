#!/usr/bin/env bash
# Simulation scenarios at a size that runs in a few minutes on a laptop. Each starts its own in-process Drover
# (control plane only) and thousands of virtual nodes, prints its figures and checks, and writes JSON and a
# self-contained HTML page with charts to ./sim-reports. Run from the repository root; bin/drover builds on first use.
# The full sizes (the defaults) are: density 100,000 pods on 5,000 nodes, churn 10,000 pods on 1,000 nodes.
set -euo pipefail
out=${SIM_REPORTS:-sim-reports}
mkdir -p "$out"
export JAVA_OPTS=${JAVA_OPTS:--Xmx4g}

echo "== density: 10,000 pods onto 1,000 virtual nodes, journal H2 file (the default)"
bin/drover bench density --nodes 1000 --pods 10000 --json "$out/density.json" --html "$out/density.html"

echo "== the same on the in-memory journal, to see what durability costs"
bin/drover bench density --nodes 1000 --pods 10000 --journal memory --html "$out/density-memory.html"

echo "== churn: a rolling update of a 2,000-pod Deployment"
bin/drover bench churn --nodes 200 --replicas 2000 --html "$out/churn.html"

echo "== node failure storm: 10% of 200 nodes crash under 2,000 pods"
bin/drover bench node-failure --nodes 200 --replicas 2000 --html "$out/node-failure.html"

echo "== contention: 4 schedulers placing 1,200 pods where 1,000 fit"
bin/drover bench contention --nodes 333 --schedulers 4 --html "$out/contention.html"

echo "== a report's JSON back into a page"
bin/drover bench report "$out/density.json" "$out/density-again.html"
ls -l "$out"
