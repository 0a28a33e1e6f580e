#!/usr/bin/env bash
# kubectl port-forward: a local port to a pod's port, through the API (kubectl 1.30+ asks for a WebSocket that carries
# SPDY; any member serves it and hands it to the member whose node runs the pod, which connects to the pod's IP).
# Start Drover first (bin/drover up), then, from the repository root:
#   examples/port-forward.sh
#   KUBECONFIG=/path/to/kubeconfig examples/port-forward.sh    for another data directory
# The pods run python3's http.server: with the process runtime, python3 must be on the node's PATH.
set -euo pipefail
export KUBECONFIG=${KUBECONFIG:-data/kubeconfig}
k() { kubectl "$@"; }

echo "== a Deployment whose pods serve their hostname over HTTP on port 8080, and a Service in front"
k apply -f - <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: pf-web}
spec:
  replicas: 1
  selector: {matchLabels: {app: pf-web}}
  template:
    metadata: {labels: {app: pf-web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: python
        command: ["sh", "-c", "hostname > /www/index.html; exec python3 -m http.server 8080 --bind $POD_IP --directory /www"]
        env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
        volumeMounts: [{name: www, mountPath: /www}]
      volumes: [{name: www, emptyDir: {}}]
---
apiVersion: v1
kind: Service
metadata: {name: pf-web}
spec:
  selector: {app: pf-web}
  ports: [{port: 80, targetPort: http}]
EOF
k rollout status deployment/pf-web --timeout=120s
pod=$(k get pods -l app=pf-web -o jsonpath='{.items[0].metadata.name}')

pids=() logs=()
stop() { # the background kubectls, and their children (a kubectl that dispatches to a versioned one)
  for pid in "${pids[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop; rm -f "${logs[@]}"' EXIT
forward() { # runs kubectl port-forward ARGS in the background; sets port (the local one it picked) and log
  log=$(mktemp)
  logs+=("$log")
  k port-forward "$@" > "$log" 2>&1 &
  pids+=($!)
  until grep -q 'Forwarding from 127.0.0.1' "$log"; do kill -0 $! 2>/dev/null || { cat "$log"; exit 1; }; sleep 0.2; done
  port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log" | head -1)
}

echo "== pod/$pod: a free local port (:8080) to the pod's 8080"
forward "pod/$pod" :8080
curl -fsS "http://127.0.0.1:$port/"          # the pod's hostname
echo "== svc/pf-web (and deploy/pf-web): kubectl picks a running pod itself; the Service's port 80 is its targetPort"
forward svc/pf-web :80
curl -fsS "http://127.0.0.1:$port/"

echo "== a port nothing listens on: the connection closes, kubectl prints the node's error and ends (as with a kubelet)"
forward "pod/$pod" :9999
curl -sS "http://127.0.0.1:$port/" || true   # Empty reply from server
sleep 1
cat "$log"                                    # ... error forwarding port 9999 to pod ...: connect: connection refused

stop
k delete service/pf-web deployment/pf-web
