#!/usr/bin/env bash
# The sim container runtime: containers are virtual, no process runs, images are neither pulled nor needed. For
# trying manifests, controllers and the scheduler at a scale one machine could not run for real. Start Drover with
# it first, in another terminal (the drover.sim settings, e.g. crashes, go as -D options):
#   bin/drover up --runtime sim -Ddrover.sim.crash-probability=0.1 -Ddrover.sim.crash-after-min=20s
#   examples/sim-runtime.sh                                   then this, from the repository root
#   KUBECONFIG=/path/to/kubeconfig examples/sim-runtime.sh    for another data directory
set -euo pipefail
export KUBECONFIG=${KUBECONFIG:-data/kubeconfig}
k() { kubectl "$@"; }

k get nodes -o wide                               # CONTAINER-RUNTIME sim://drover
echo "== 30 replicas of an image and a command that exist nowhere: each container starts after drover.sim's delay"
k create deployment sim-web --image=example.com/web:1.0 --replicas=30 -- /srv/web --port 8080
k rollout status deployment/sim-web --timeout=120s
k get pods -l app=sim-web -o wide | sed -n 1,4p   # no pod network: every pod has the node's address
k logs deployment/sim-web                          # sim: started /srv/web --port 8080

echo "== a Job: sleep 2 ends after 2 s with exit code 0 (true, false and sh -c \"exit K\" end at once)"
k create job sim-nap --image=busybox -- sleep 2
k wait --for=condition=complete job/sim-nap --timeout=60s
k logs job/sim-nap

echo "== kubectl exec is refused: there is no process to run it in"
k exec deployment/sim-web -- ls / || true

echo "== synthetic usage for kubectl top and the HPA: 8Mi and half a millicore (shown as 1m) per running container"
until k top pods -l app=sim-web >/dev/null 2>&1; do sleep 5; done   # the agent samples every 10 s
k top pods -l app=sim-web | sed -n 1,4p

k delete job sim-nap
k delete deployment sim-web
