#!/usr/bin/env bash
# A Drover cluster of N member JVMs on this machine (loopback), sharing one PostgreSQL journal.
#
#   deploy/local-cluster.sh up N     start PostgreSQL (unless DROVER_JOURNAL_URL names one, or ours runs) and the
#                                    members 1..N that are not running; wait until each answers /readyz;
#                                    print the kubeconfig (one context per member, each works for everything)
#   deploy/local-cluster.sh status   each member: PID, alive, ready; the cluster's members as one of them sees them
#   deploy/local-cluster.sh down     stop the members (SIGTERM: they leave the cluster and hand their shards over;
#                                    SIGKILL after 60 s), their pods' processes, and PostgreSQL if this script started it
#
# Everything lives under DROVER_CLUSTER_DIR (default ./local-cluster): member-I/ (data dir, member.conf, member.log,
# pid), postgres/, pki/ (the cluster CA), kubeconfig. Member I listens on API port DROVER_API_PORT_BASE+I-1 (default 6443), cluster
# (Artery) port DROVER_REMOTE_PORT_BASE+I-1 (25520) and admin port DROVER_ADMIN_PORT_BASE+I-1 (8558).
# PostgreSQL: DROVER_PG_PORT (15432), or an existing server: DROVER_JOURNAL_URL, DROVER_JOURNAL_USER, _PASSWORD.
# DROVER_CLUSTER_TLS: on (default) or off, member-to-member TLS (drover.cluster.tls).
# DROVER_MEMBER_JAVA_OPTS: JVM options per member (default -Xmx512m; -Dkey=value overrides any setting).
# DROVER_CLASSPATH: the members' classpath (default: the built jars; built when missing).
# Only processes this script started are stopped: by the PIDs it recorded, and pods by their member's data dir.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=0.1.0-SNAPSHOT
dir=$(mkdir -p "${DROVER_CLUSTER_DIR:-$PWD/local-cluster}" && cd "${DROVER_CLUSTER_DIR:-$PWD/local-cluster}" && pwd)
api_base=${DROVER_API_PORT_BASE:-6443}
remote_base=${DROVER_REMOTE_PORT_BASE:-25520}
admin_base=${DROVER_ADMIN_PORT_BASE:-8558}
pg_port=${DROVER_PG_PORT:-15432}
java_opts=${DROVER_MEMBER_JAVA_OPTS:--Xmx512m}

say() { echo "local-cluster: $*" >&2; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

classpath() {
  if [ -n "${DROVER_CLASSPATH:-}" ]; then echo "$DROVER_CLASSPATH"; return; fi
  local jar="$root/modules/server/target/drover-server-$version.jar"
  if [ ! -f "$jar" ] || [ ! -d "$root/modules/server/target/lib" ]; then
    say "no build found: building Drover (mvn -DskipTests install)"
    (cd "$root" && mvn -q -B -DskipTests install)
  fi
  echo "$jar:$root/modules/server/target/lib/*"
}

# Prints the JDBC URL of the journal, starting our PostgreSQL when needed.
journal_url() {
  if [ -n "${DROVER_JOURNAL_URL:-}" ]; then echo "$DROVER_JOURNAL_URL"; return; fi
  local pg="$dir/postgres"
  if [ ! -f "$pg/data/postmaster.pid" ] || ! kill -0 "$(head -1 "$pg/data/postmaster.pid")" 2>/dev/null; then
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$bin" ]; then
      say "no PostgreSQL server: install it (apt-get install postgresql) or set DROVER_JOURNAL_URL"; exit 1
    fi
    mkdir -p "$pg"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$pg"
    if [ ! -f "$pg/data/PG_VERSION" ]; then
      as_postgres "$bin/initdb" -D "$pg/data" -U drover --auth=trust -E UTF8 --no-instructions >"$pg/initdb.log"
    fi
    as_postgres "$bin/pg_ctl" -D "$pg/data" -l "$pg/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg" start >/dev/null
    touch "$pg/started-by-local-cluster"
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U drover -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'drover'" | grep -q 1 ||
      as_postgres "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U drover -d postgres -qc "CREATE DATABASE drover"
    say "PostgreSQL on 127.0.0.1:$pg_port (PID $(head -1 "$pg/data/postmaster.pid"))"
  fi
  echo "jdbc:postgresql://127.0.0.1:$pg_port/drover"
}

write_member_conf() { # member-number count journal-url
  local i=$1 n=$2 url=$3 seeds="" s
  for s in $(seq 1 "$n"); do seeds+="\"pekko://drover@127.0.0.1:$((remote_base + s - 1))\", "; done
  cat >"$dir/member-$i/member.conf" <<EOF
# Written by deploy/local-cluster.sh for member $i of $n.
include file("$root/config/cluster.conf")
pekko.remote.artery.canonical.port = $((remote_base + i - 1))
pekko.cluster.seed-nodes = [${seeds%, }]
drover.agent.node-name = "member-$i"
drover.admin.port = $((admin_base + i - 1))
drover.journal.url = "$url"
drover.journal.user = "${DROVER_JOURNAL_USER:-drover}"
drover.journal.password = "${DROVER_JOURNAL_PASSWORD:-}"
# One journal, one key for the Secrets in it (written by the first member to start).
drover.secrets.encryption-key-file = "$dir/secrets-encryption.keys"
# One cluster CA and ServiceAccount signing key (written by the first member to start).
drover.pki.dir = "$dir/pki"
# Members talk over mutual TLS with certificates of that CA (DROVER_CLUSTER_TLS=off: plain TCP).
drover.cluster.tls = ${DROVER_CLUSTER_TLS:-on}
# Stopping a member stops its pods too (a local cluster is thrown away as a whole).
drover.agent.stop-containers-on-shutdown = true
EOF
}

# The cluster's kubeconfig: one context per member, with the CA and the admin credentials a member wrote into its
# own kubeconfig (every member's admin certificate comes from the shared CA, so any one serves for all).
write_kubeconfig() { # count
  local n=$1 i from="" scheme=http ca="" user=" {}"
  for i in $(seq 1 "$n"); do [ -f "$dir/member-$i/kubeconfig" ] && from="$dir/member-$i/kubeconfig" && break; done
  if [ -n "$from" ] && grep -q 'certificate-authority-data' "$from"; then
    scheme=https
    ca=$(grep 'certificate-authority-data:' "$from" | head -1 | sed 's/^ *//')
    user=$'\n'"$(grep -E 'client-(certificate|key)-data:' "$from" | sed 's/^ */    /')"
  fi
  {
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "clusters:"
    for i in $(seq 1 "$n"); do
      printf -- "- name: member-%s\n  cluster:\n    server: %s://127.0.0.1:%s\n" "$i" "$scheme" "$((api_base + i - 1))"
      [ -n "$ca" ] && printf -- "    %s\n" "$ca"
    done
    echo "contexts:"
    for i in $(seq 1 "$n"); do
      printf -- "- name: member-%s\n  context:\n    cluster: member-%s\n    user: drover-admin\n    namespace: default\n" "$i" "$i"
    done
    echo "current-context: member-1"
    echo "users:"
    echo "- name: drover-admin"
    echo "  user:$user"
  } >"$dir/kubeconfig.tmp"
  chmod 600 "$dir/kubeconfig.tmp"
  mv "$dir/kubeconfig.tmp" "$dir/kubeconfig"
}

# /readyz answers without credentials; over HTTPS once the members made the CA (not under insecure-http).
ready() {
  if [ -f "$dir/pki/ca.crt" ]; then
    curl -fsS -m 2 --cacert "$dir/pki/ca.crt" "https://127.0.0.1:$1/readyz" >/dev/null 2>&1 ||
      curl -fsS -m 2 "http://127.0.0.1:$1/readyz" >/dev/null 2>&1
  else
    curl -fsS -m 2 "http://127.0.0.1:$1/readyz" >/dev/null 2>&1
  fi
}

up() {
  local n=${1:?usage: local-cluster.sh up N}
  local url cp i port started=()
  url=$(journal_url)
  cp=$(classpath)
  echo "$n" >"$dir/members"
  for i in $(seq 1 "$n"); do
    mkdir -p "$dir/member-$i"
    if alive "$dir/member-$i/pid"; then continue; fi
    write_member_conf "$i" "$n" "$url"
    port=$((api_base + i - 1))
    # shellcheck disable=SC2086 # java_opts holds several options
    nohup java $java_opts -cp "$cp" io.drover.server.Main up --data-dir "$dir/member-$i" --port "$port" \
      --config "$dir/member-$i/member.conf" </dev/null >>"$dir/member-$i/member.log" 2>&1 &
    echo $! >"$dir/member-$i/pid"
    started+=("$i")
    say "member-$i starting (PID $!, API 127.0.0.1:$port, log $dir/member-$i/member.log)"
  done
  local deadline=$((SECONDS + ${DROVER_START_TIMEOUT:-180}))
  for i in "${started[@]}"; do
    port=$((api_base + i - 1))
    until ready "$port"; do
      if ! alive "$dir/member-$i/pid"; then say "member-$i exited; see $dir/member-$i/member.log"; exit 1; fi
      if [ $SECONDS -ge $deadline ]; then say "member-$i not ready in time; see $dir/member-$i/member.log"; exit 1; fi
      sleep 1
    done
    say "member-$i ready"
  done
  write_kubeconfig "$n"
  echo "$dir/kubeconfig"
  say "use: kubectl --kubeconfig $dir/kubeconfig get nodes   (--context member-I for another member)"
}

status() {
  local n i port
  n=$(cat "$dir/members" 2>/dev/null || echo 0)
  for i in $(seq 1 "$n"); do
    port=$((api_base + i - 1))
    if alive "$dir/member-$i/pid"; then
      if ready "$port"; then echo "member-$i PID $(cat "$dir/member-$i/pid") running, ready, API 127.0.0.1:$port"
      else echo "member-$i PID $(cat "$dir/member-$i/pid") running, not ready, API 127.0.0.1:$port"; fi
    else
      echo "member-$i stopped"
    fi
  done
  for i in $(seq 1 "$n"); do
    if curl -fsS -m 2 "http://127.0.0.1:$((admin_base + i - 1))/cluster/members" 2>/dev/null; then echo; break; fi
  done
}

# Stops a process and waits for it: SIGTERM, then SIGKILL after the grace period.
stop_pid() { # pid grace-seconds
  local pid=$1 grace=$2 waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if [ $waited -ge $((grace * 10)) ]; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; return 0; fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

down() {
  local n i pid p cmd
  n=$(cat "$dir/members" 2>/dev/null || echo 0)
  # Newest first; each leaves the cluster and hands its shards to the others before its JVM exits.
  for i in $(seq "$n" -1 1); do
    if alive "$dir/member-$i/pid"; then
      stop_pid "$(cat "$dir/member-$i/pid")" 60
      say "member-$i stopped"
    fi
    rm -f "$dir/member-$i/pid"
    # Pods of a member that was killed outlive it: stop the processes running from its data directory.
    for p in /proc/[0-9]*; do
      pid=${p#/proc/}
      cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
      case "$cmd" in *"$dir/member-$i/"*) kill -KILL "$pid" 2>/dev/null || true ;; esac
    done
  done
  if [ -f "$dir/postgres/started-by-local-cluster" ] && [ -f "$dir/postgres/data/postmaster.pid" ]; then
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    as_postgres "$bin/pg_ctl" -D "$dir/postgres/data" -m fast -w stop >/dev/null || true
    rm -f "$dir/postgres/started-by-local-cluster"
    say "PostgreSQL stopped"
  fi
}

case "${1:-}" in
  up) shift; up "$@" ;;
  status) status ;;
  down) down ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
