#!/usr/bin/env bash
# Installs a built Drover as a systemd service on this machine (run as root, after bin/drover build):
#   /opt/drover/lib      the server jar and its dependencies      /opt/drover/config  the configuration files
#   /etc/drover/         member.conf (from the example, if absent) /etc/systemd/system/drover.service
# Then edit /etc/drover/member.conf and: systemctl daemon-reload && systemctl enable --now drover
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=0.1.0-SNAPSHOT
jar="$root/modules/server/target/drover-server-$version.jar"
[ -f "$jar" ] || { echo "no build: run bin/drover build first" >&2; exit 1; }
install -d /opt/drover/lib /opt/drover/config /etc/drover /var/lib/drover
cp "$jar" "$root"/modules/server/target/lib/*.jar /opt/drover/lib/
cp "$root"/config/*.conf /opt/drover/config/
cp "$root/README.md" /opt/drover/
[ -f /etc/drover/member.conf ] || cp "$root/deploy/systemd/member.conf.example" /etc/drover/member.conf
install -m 0644 "$root/deploy/systemd/drover.service" /etc/systemd/system/drover.service
echo "installed; now edit /etc/drover/member.conf, then: systemctl daemon-reload && systemctl enable --now drover"
