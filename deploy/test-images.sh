#!/usr/bin/env bash
# Builds Drover's two small test images from the local busybox, without the internet, and pushes them to a
# plain-http registry:
#   REGISTRY/drover/busybox:1  busybox with a symlink per applet, /etc/passwd and /etc/group (root, nobody),
#                              /tmp, /root, /www/index.html ("hello from drover"); Cmd ["sh"]
#   REGISTRY/drover/pause:1    the pod sandbox image: busybox as /bin/sleep, sleeping forever
# Usage: deploy/test-images.sh REGISTRY      (e.g. 127.0.0.1:5000)
# Needs the Debian packages umoci, skopeo and busybox-static. Running it again pushes the images again.
set -euo pipefail

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
registry=$1

missing=()
command -v umoci >/dev/null || missing+=("umoci (package umoci)")
command -v skopeo >/dev/null || missing+=("skopeo (package skopeo)")
[ -x /bin/busybox ] || missing+=("/bin/busybox (package busybox-static)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'test-images.sh: missing %s\n' "${missing[@]}" >&2
  echo "test-images.sh: install them with apt-get" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/drover-images.XXXXXX")
trap 'rm -rf "$work"' EXIT
layout=$work/oci
umoci init --layout "$layout"

# Starts tag $1 as an empty image unpacked into $work/$1; its rootfs is $work/$1/rootfs.
unpack() {
  umoci new --image "$layout:$1"
  umoci unpack --rootless --image "$layout:$1" "$work/$1" >/dev/null
}

# Packs $work/$1 back into tag $1, applies the remaining umoci config arguments and pushes it as drover/$1:1.
pack_and_push() {
  local tag=$1; shift
  umoci repack --image "$layout:$tag" --history.created_by "deploy/test-images.sh" "$work/$tag"
  umoci config --image "$layout:$tag" --no-history --config.workingdir / \
    --config.env PATH=/bin:/sbin:/usr/bin:/usr/sbin "$@"
  skopeo copy --quiet --dest-tls-verify=false "oci:$layout:$tag" "docker://$registry/drover/$tag:1"
  echo "pushed $registry/drover/$tag:1"
}

unpack busybox
rootfs=$work/busybox/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/root" "$rootfs/www" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
EOF
echo "hello from drover" >"$rootfs/www/index.html"
pack_and_push busybox --config.cmd sh

unpack pause
rootfs=$work/pause/rootfs
mkdir -p "$rootfs/bin"
cp /bin/busybox "$rootfs/bin/sleep"
pack_and_push pause --config.entrypoint /bin/sleep --config.entrypoint 2147483647
