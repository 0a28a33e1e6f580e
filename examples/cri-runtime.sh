#!/usr/bin/env bash
# The cri container runtime: pods run real OCI images through containerd (CRI v1), each in its own sandbox with its
# own network namespace and IP. To try it on one machine (root; Debian packages containerd runc docker-registry
# skopeo umoci busybox-static containernetworking-plugins), start Drover with a private containerd and registry in
# another terminal; it prints the test image it pushed there:
#   bin/drover up --local-containerd          ... images: 127.0.0.1:PORT/drover/busybox:1
#   IMAGE=127.0.0.1:PORT/drover/busybox:1 examples/cri-runtime.sh      then this, from the repository root
# On a worker prepared by deploy/node-setup.sh: bin/drover up --runtime cri, and IMAGE from your own registry.
# Unused images are garbage-collected as kubelet does when the image file system is 85% full (down to 80%); to see
# it at work, start with -Ddrover.agent.image-gc-high-threshold-percent=0 -Ddrover.agent.image-gc-low-threshold-percent=0
# -Ddrover.agent.image-minimum-gc-age=0s -Ddrover.agent.image-gc-period=5s and watch the image leave after
# `kubectl delete deployment cri-web` (ctr -a data/containerd/containerd.sock -n k8s.io images ls).
set -euo pipefail
export KUBECONFIG=${KUBECONFIG:-data/kubeconfig}
: "${IMAGE:?set IMAGE to a busybox image the runtime can pull (bin/drover up --local-containerd prints one)}"
registry=${IMAGE%%/*}
k() { kubectl "$@"; }

k get nodes -o wide                                   # CONTAINER-RUNTIME containerd://1.6...
echo "== two busybox httpd replicas from $IMAGE: each pod has its own IP, both listen on port 8080"
k create deployment cri-web --image="$IMAGE" --replicas=2 -- httpd -f -p 8080 -h /www
k rollout status deployment/cri-web --timeout=120s
k get pods -l app=cri-web -o wide
ip=$(k get pods -l app=cri-web -o jsonpath='{.items[0].status.podIP}')
curl -s "http://$ip:8080/index.html"                  # hello from drover
k describe pods -l app=cri-web | grep -E "Container ID|Image ID|Pulled|Pulling" | head -4

echo "== kubectl exec through containerd's streaming server"
k exec deployment/cri-web -- hostname
k exec deployment/cri-web -- sh -c 'id; cat /etc/resolv.conf | head -2'
echo "hello through stdin" | k exec -i deployment/cri-web -- cat      # cat ends with kubectl's stdin
pod=$(k get pods -l app=cri-web -o jsonpath='{.items[0].metadata.name}')
k cp README.md "$pod:/tmp/README.md"                 # kubectl cp: tar over exec, both ways
k cp "$pod:/tmp/README.md" /tmp/cri-README.copy && cmp README.md /tmp/cri-README.copy && echo "copied both ways"

echo "== an image that does not exist: ErrImagePull, then ImagePullBackOff with the registry's message"
k run cri-missing --image="$registry/drover/no-such-image:1" --restart=Never
until k get pod cri-missing -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}' | grep -q ImagePull; do
  sleep 1
done
k get pod cri-missing -o jsonpath='{.status.containerStatuses[0].state.waiting}'; echo

echo "== a 16Mi memory limit enforced by the container's cgroup: OOMKilled"
k run cri-hog --image="$IMAGE" --restart=Never \
  --overrides='{"spec":{"containers":[{"name":"cri-hog","image":"'"$IMAGE"'","command":["dd","if=/dev/zero","of=/dev/null","bs=64M","count=1"],"resources":{"limits":{"memory":"16Mi"}}}]}}'
until [ "$(k get pod cri-hog -o jsonpath='{.status.phase}')" = Failed ]; do sleep 1; done
k get pod cri-hog -o jsonpath='{.status.containerStatuses[0].state.terminated.reason}'; echo

echo "== kubectl run -i: the container reads kubectl's stdin (CRI Attach); the pod is deleted after"
echo "typed into kubectl" | k run cri-asker -i --rm --restart=Never --image="$IMAGE" -- sh -c 'read x; echo "read: $x"'

echo "== a securityContext as PodSecurity's restricted level asks, applied by the runtime"
k apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: cri-locked}
spec:
  restartPolicy: Never
  securityContext: {runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: main
    image: "$IMAGE"
    command: [sh, -c, "id -u; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status"]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
YAML
until [ "$(k get pod cri-locked -o jsonpath='{.status.phase}')" = Succeeded ]; do sleep 1; done
k logs cri-locked                                    # 1000, CapEff 0, NoNewPrivs 1, Seccomp 2

k delete pod cri-missing cri-hog cri-locked --now
k delete deployment cri-web
