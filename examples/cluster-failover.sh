#!/usr/bin/env bash
# Three members on PostgreSQL; kill -9 one of them and watch its work move to the others.
# Run from the repository root (as root, pods get their own network namespaces). Stops everything at the end.
set -euo pipefail
export DROVER_CLUSTER_DIR=${DROVER_CLUSTER_DIR:-$PWD/local-cluster}
trap 'deploy/local-cluster.sh down' EXIT
deploy/local-cluster.sh up 3
k() { kubectl --kubeconfig "$DROVER_CLUSTER_DIR/kubeconfig" --context member-2 "$@"; }
k create deployment web --image=busybox --replicas=6 -- sleep 3600
k rollout status deployment/web --timeout=120s
k get pods -o wide
echo "kill -9 of member-1 (PID $(cat "$DROVER_CLUSTER_DIR/member-1/pid"))"
kill -9 "$(cat "$DROVER_CLUSTER_DIR/member-1/pid")"
k get deployment web                       # the API answers on the survivors at once
# member-1 is downed after the Split Brain Resolver's stable-after (20 s), its Node turns NotReady after the
# node grace period (40 s) and its pods are replaced after their toleration (300 s by default).
until k get node member-1 | grep -q NotReady; do sleep 2; done
k get nodes
deploy/local-cluster.sh up 3               # start member-1 again: it rejoins
k get nodes
