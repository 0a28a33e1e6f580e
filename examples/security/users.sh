#!/usr/bin/env bash
# Users and what they may do: a client-certificate user and a token user, RBAC bindings, kubectl auth.
# Against a running `bin/drover up` (data in ./data); for a token user start it with
#   bin/drover up -Ddrover.api.authentication.token-file=$PWD/examples/security/tokens.csv
set -euo pipefail
DATA=${DATA:-data}
admin() { kubectl --kubeconfig "$DATA/kubeconfig" "$@"; }

echo "== who the admin kubeconfig is (a client certificate of the cluster CA, group system:masters)"
admin auth whoami

echo "== a new user jane in group dev: a kubeconfig with her own client certificate"
bin/drover kubeconfig --user jane --group dev --data-dir "$DATA" > jane.kubeconfig
jane() { kubectl --kubeconfig jane.kubeconfig "$@"; }
jane auth whoami
echo "   before any binding she may not list pods:"
jane auth can-i list pods -n team-b || true
jane get pods -n team-b || true

echo "== the view ClusterRole for jane in team-b"
admin create namespace team-b --dry-run=client -o yaml | admin apply -f -
admin create rolebinding jane-view --clusterrole=view --user=jane -n team-b --dry-run=client -o yaml | admin apply -f -
sleep 1
jane auth can-i list pods -n team-b
jane auth can-i delete pods -n team-b || true   # view does not delete
jane auth can-i --list -n team-b | head -12

echo "== the token user from examples/security/tokens.csv (when Drover was started with that token file)"
curl -sS --cacert "$DATA/pki/ca.crt" -H "Authorization: Bearer ops-token-change-me" \
  -H 'Content-Type: application/json' -X POST -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
  https://127.0.0.1:6443/apis/authentication.k8s.io/v1/selfsubjectreviews; echo

echo "== without credentials only health and version answer"
curl -sS --cacert "$DATA/pki/ca.crt" https://127.0.0.1:6443/readyz; echo
curl -sS --cacert "$DATA/pki/ca.crt" https://127.0.0.1:6443/api/v1/namespaces; echo
echo "== the audit log's last lines"
tail -3 "$DATA/audit/audit.log"
