#!/usr/bin/env bash
# The admin endpoint of a member (drover.admin.host/port, 127.0.0.1:8558 by default) and the API's health checks.
#   examples/admin.sh                 against bin/drover up's defaults
#   ADMIN=http://127.0.0.1:9558 API=https://127.0.0.1:7443 CA=/path/to/data/pki/ca.crt examples/admin.sh
set -euo pipefail
ADMIN=${ADMIN:-http://127.0.0.1:8558}
API=${API:-https://127.0.0.1:6443}
CA=${CA:-data/pki/ca.crt}   # the cluster CA the API's certificate is checked against; /readyz needs no credentials

show() { # pretty-prints JSON when python3 is there
  if command -v python3 >/dev/null 2>&1; then python3 -m json.tool; else cat; echo; fi
}

echo "== members: status, roles, data center, reachability (and who observes an unreachable member), leader, oldest"
curl -fsS "$ADMIN/cluster/members" | show
echo "== shard regions of every sharded entity type, per member, with shards and entity counts"
curl -fsS "$ADMIN/cluster/shards" | show
echo "== journal database: SELECT 1 and its latency (HTTP 503 when it fails or times out)"
curl -sS -w '  HTTP %{http_code}\n' "$ADMIN/journal/health"
echo "== versions of Drover, the Kubernetes API, Pekko, Pekko HTTP and Java"
curl -fsS "$ADMIN/version" | show
echo "== Prometheus metrics (text format 0.0.4), the Drover series without histogram buckets"
curl -fsS "$ADMIN/metrics" | grep '^drover_' | grep -v '_bucket{' || true
echo "== the API's readiness: 503 when this member is not Up in the cluster or the journal fails"
curl -sS --cacert "$CA" -w '\n  HTTP %{http_code}\n' "$API/readyz?verbose"

# A Prometheus scrape job for it:
#   scrape_configs:
#   - job_name: drover
#     static_configs: [{targets: ["127.0.0.1:8558"]}]
