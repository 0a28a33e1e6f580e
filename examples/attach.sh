#!/usr/bin/env bash
# kubectl run -i / -it and kubectl attach: a container's own stdin, stdout and stderr, as the pod spec's stdin,
# stdinOnce and tty ask. Any member serves it and hands it to the member whose node runs the pod.
# Start Drover first (bin/drover up), then, from the repository root:
#   examples/attach.sh
#   KUBECONFIG=/path/to/kubeconfig examples/attach.sh    for another data directory
# Interactively, with a terminal (type exit to leave; the pod is deleted after):
#   kubectl run -it --rm shell --image=busybox --restart=Never -- sh
set -euo pipefail
export KUBECONFIG=${KUBECONFIG:-data/kubeconfig}
k() { kubectl "$@"; }

echo "== kubectl run -i --rm: the container reads what kubectl reads (stdin, stdinOnce), the pod is deleted after"
echo "hello from the terminal" | k run greeter -i --rm --restart=Never --image=busybox -- \
  sh -c 'read line; echo "the container read: $line"'

echo "== kubectl attach -i to a pod that already runs: its output from now on, stdout and stderr apart"
k apply -f - <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: listener}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    stdin: true
    stdinOnce: true
    command: ["sh", "-c", 'read x; echo "out: $x"; echo "err: $x" >&2']
YAML
k wait --for=jsonpath='{.status.phase}'=Running pod/listener --timeout=60s
echo "attached input" | k attach listener -i
k wait --for=jsonpath='{.status.phase}'=Succeeded pod/listener --timeout=60s
k delete pod listener --wait=false
