#!/usr/bin/env bash
# Prepares this host as a worker for Drover's "cri" container runtime, from Debian packages.
#
# Usage: deploy/node-setup.sh [--sandbox-image IMAGE] [--insecure-registry HOST:PORT]... [--pod-cidr CIDR]
#        deploy/node-setup.sh --check [--sandbox-image IMAGE]
#
# Run as root. It
#   1. installs containerd, runc, containernetworking-plugins and iptables with apt-get if they are missing;
#   2. writes /etc/containerd/config.toml (the one it finds is kept as config.toml.orig, once): config version 2,
#      the CRI plugin with the sandbox (pause) image, the overlayfs snapshotter, runc through the v2 shim (cgroupfs),
#      CNI plugins from /usr/lib/cni with configuration from /etc/cni/net.d, and registry configuration from
#      /etc/containerd/certs.d;
#   3. writes /etc/containerd/certs.d/HOST:PORT/hosts.toml for each --insecure-registry, so that containerd pulls
#      from it over plain http;
#   4. writes the CNI network /etc/cni/net.d/10-drover-cri.conflist: bridge drvcri0 (gateway, masquerading),
#      host-local addresses from the pod CIDR, and portmap for hostPort;
#   5. restarts containerd (systemctl when systemd runs, or says how to start it);
#   6. runs the checks below and prints what is missing.
#
# Options:
#   --sandbox-image IMAGE       the pod sandbox ("pause") image; required unless the configuration already has one.
#                               deploy/test-images.sh REGISTRY builds a small one, REGISTRY/drover/pause:1
#   --insecure-registry H:P     a registry served over plain http (repeatable), e.g. 192.168.1.10:5000
#   --pod-cidr CIDR             the subnet this node's pods get addresses from (default: the one configured, else
#                               10.89.0.0/16); give each node its own and route each to its node
#   --check                     change nothing, only check
#   -h, --help                  this text
#
# Checks: the binaries are installed, it runs as root, cgroups are mounted, containerd answers on
# /run/containerd/containerd.sock (ctr version) with its CRI plugin loaded, the CNI configuration is there and is the
# one containerd uses, and the sandbox image can be pulled (ctr -n k8s.io images pull, --plain-http for a registry
# configured as insecure). It exits non-zero when a check fails.
#
# Then start Drover's agent on this host with, in its configuration:
#   drover.agent.runtime = "cri"
#   drover.agent.cri.socket = "/run/containerd/containerd.sock"
set -euo pipefail

CONFIG=/etc/containerd/config.toml
CERTS_DIR=/etc/containerd/certs.d
CNI_BIN=/usr/lib/cni
CNI_CONF_DIR=/etc/cni/net.d
CNI_CONF=$CNI_CONF_DIR/10-drover-cri.conflist
SOCKET=/run/containerd/containerd.sock
MARK="# Written by Drover's deploy/node-setup.sh"
PACKAGES=(containerd runc containernetworking-plugins iptables)
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

check_only=false
sandbox_image=""
pod_cidr=""
insecure=()
while [ $# -gt 0 ]; do
  case $1 in
    --sandbox-image) sandbox_image=${2:?--sandbox-image needs an image}; shift 2 ;;
    --insecure-registry) insecure+=("${2:?--insecure-registry needs HOST:PORT}"); shift 2 ;;
    --pod-cidr) pod_cidr=${2:?--pod-cidr needs a CIDR}; shift 2 ;;
    --check) check_only=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "node-setup.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

configured_sandbox_image() {
  [ -f "$CONFIG" ] && sed -n 's/^[[:space:]]*sandbox_image[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$CONFIG" \
    | head -n 1
  return 0
}

configured_pod_cidr() {
  [ -f "$CNI_CONF" ] && sed -n 's/.*"subnet": *"\([^"]*\)".*/\1/p' "$CNI_CONF" | head -n 1
  return 0
}

# Whether this process may lower oom_score_adj (CAP_SYS_RESOURCE). Without it (in a container, some VMs) runc cannot
# give the sandbox the -998 the CRI plugin asks for, and every pod fails to start.
can_lower_oom_score() {
  local caps
  caps=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  (( (16#$caps >> 24) & 1 ))
}

install_packages() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

write_containerd_config() {
  local restrict_oom=false
  can_lower_oom_score || restrict_oom=true
  install -d -m 0755 /etc/containerd
  if [ -f "$CONFIG" ] && ! grep -qF "$MARK" "$CONFIG" && [ ! -f "$CONFIG.orig" ]; then
    cp -p "$CONFIG" "$CONFIG.orig"
    echo "kept the previous $CONFIG as $CONFIG.orig"
  fi
  cat >"$CONFIG" <<EOF
$MARK; run it again rather than editing this.
version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$sandbox_image"
  # true where containerd may not lower oom_score_adj (no CAP_SYS_RESOURCE), else pods cannot start
  restrict_oom_score_adj = $restrict_oom
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$CNI_CONF_DIR"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$CERTS_DIR"

[plugins."io.containerd.internal.v1.opt"]
  path = "/var/lib/containerd/opt"
EOF
  echo "wrote $CONFIG (sandbox image $sandbox_image)"
}

write_insecure_registries() {
  local registry
  for registry in ${insecure[@]+"${insecure[@]}"}; do
    install -d -m 0755 "$CERTS_DIR/$registry"
    cat >"$CERTS_DIR/$registry/hosts.toml" <<EOF
$MARK
server = "http://$registry"

[host."http://$registry"]
  capabilities = ["pull", "resolve"]
EOF
    echo "wrote $CERTS_DIR/$registry/hosts.toml (plain http)"
  done
}

write_cni_config() {
  install -d -m 0755 "$CNI_CONF_DIR"
  cat >"$CNI_CONF" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "drover-cri",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "drvcri0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pod_cidr"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  echo "wrote $CNI_CONF (bridge drvcri0, pods in $pod_cidr)"
}

restart_containerd() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl enable containerd >/dev/null 2>&1 || true
    systemctl restart containerd
    echo "restarted containerd (systemctl)"
    local i
    for i in $(seq 1 50); do
      ctr --address "$SOCKET" version >/dev/null 2>&1 && return
      sleep 0.2
    done
  else
    echo "systemd is not running here: (re)start containerd yourself, e.g."
    echo "  containerd --config $CONFIG >>/var/log/containerd.log 2>&1 &"
  fi
}

failures=0
ok() { printf '  ok    %s\n' "$1"; }
fail() { printf '  FAIL  %s\n' "$1"; failures=$((failures + 1)); }

run_checks() {
  echo "checks:"
  [ "$(id -u)" = 0 ] && ok "running as root" || fail "not running as root"

  local missing=() tool
  for tool in containerd ctr runc containerd-shim-runc-v2 iptables; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  for tool in bridge host-local portmap loopback; do
    [ -x "$CNI_BIN/$tool" ] || missing+=("$CNI_BIN/$tool")
  done
  [ ${#missing[@]} -eq 0 ] && ok "binaries installed" \
    || fail "missing ${missing[*]} (apt-get install ${PACKAGES[*]})"

  grep -qE ' - cgroup2? ' /proc/self/mountinfo && ok "cgroups mounted" || fail "no cgroup filesystem mounted"

  if [ ! -f "$CONFIG" ]; then
    fail "no $CONFIG"
  elif grep -qE '^[[:space:]]*disabled_plugins[[:space:]]*=.*"(io\.containerd\.grpc\.v1\.)?cri"' "$CONFIG"; then
    fail "$CONFIG disables the CRI plugin"
  else
    ok "$CONFIG present"
  fi

  local answering=false
  if timeout 10 ctr --address "$SOCKET" version >/dev/null 2>&1; then
    answering=true
    ok "containerd answers on $SOCKET"
    local cri
    cri=$(timeout 10 ctr --address "$SOCKET" plugins ls 2>/dev/null \
      | awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" {print $NF}')
    [ "$cri" = ok ] && ok "CRI plugin loaded" \
      || fail "CRI plugin not loaded (status '${cri:-absent}'; see containerd's log)"
  else
    fail "containerd does not answer on $SOCKET (is it running?)"
  fi

  if [ -f "$CNI_CONF" ]; then
    local first
    first=$(find "$CNI_CONF_DIR" -maxdepth 1 -type f \( -name '*.conf' -o -name '*.conflist' -o -name '*.json' \) \
      | LC_ALL=C sort | head -n 1)
    [ "$first" = "$CNI_CONF" ] && ok "CNI configuration $CNI_CONF" \
      || fail "containerd uses the first CNI configuration, $first, not $CNI_CONF: remove or rename it"
  else
    fail "no CNI configuration $CNI_CONF"
  fi

  local image=${sandbox_image:-$(configured_sandbox_image)}
  if [ -z "$image" ]; then
    fail "no sandbox image configured (--sandbox-image)"
  elif ! $answering; then
    fail "cannot try to pull the sandbox image $image without containerd"
  else
    local registry=${image%%/*} plain=() output
    grep -qs 'http://' "$CERTS_DIR/$registry/hosts.toml" && plain=(--plain-http)
    if output=$(timeout 120 ctr --address "$SOCKET" -n k8s.io images pull ${plain[@]+"${plain[@]}"} "$image" 2>&1); then
      ok "sandbox image $image pullable"
    else
      fail "cannot pull the sandbox image $image: $(tail -n 1 <<<"$output")"
    fi
  fi
}

if ! $check_only; then
  [ "$(id -u)" = 0 ] || { echo "node-setup.sh: run it as root (or use --check)" >&2; exit 1; }
  [ -n "$sandbox_image" ] || sandbox_image=$(configured_sandbox_image)
  if [ -z "$sandbox_image" ]; then
    echo "node-setup.sh: --sandbox-image is required (e.g. REGISTRY/drover/pause:1 from deploy/test-images.sh)" >&2
    exit 2
  fi
  [ -n "$pod_cidr" ] || pod_cidr=$(configured_pod_cidr)
  [ -n "$pod_cidr" ] || pod_cidr=10.89.0.0/16
  install_packages
  write_containerd_config
  write_insecure_registries
  write_cni_config
  restart_containerd
fi
run_checks
if [ $failures -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "ready: start Drover's agent with drover.agent.runtime = \"cri\" and drover.agent.cri.socket = \"$SOCKET\""
