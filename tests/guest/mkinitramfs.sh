#! /bin/sh
# Builds the test guests' initramfs: busybox, the virtio-net modules of the
# kernel unpacked in KERNEL_ROOT (Debian's linux-image package, see
# utilities/install-deps.sh --guest-kernel) and our /init.
#
# usage: mkinitramfs.sh KERNEL_ROOT INIT OUTPUT
set -e
kroot=$1 init=$2 out=$3

kver=$(ls "$kroot/lib/modules" | head -n 1)
mods=$kroot/lib/modules/$kver/kernel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/bin" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp" \
         "$tmp/lib/modules" "$tmp/www"
cp /bin/busybox "$tmp/bin/busybox"
cp "$init" "$tmp/init"
chmod +x "$tmp/init"
for m in drivers/virtio/virtio_ring drivers/virtio/virtio \
         drivers/virtio/virtio_pci_legacy_dev \
         drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci \
         net/core/failover drivers/net/net_failover drivers/net/virtio_net; do
    f=$mods/$m.ko
    if test -e "$f"; then
        cp "$f" "$tmp/lib/modules/"
    elif test -e "$f.xz"; then
        xz -dc "$f.xz" > "$tmp/lib/modules/$(basename "$m").ko"
    else
        echo "$0: $f not found" >&2
        exit 1
    fi
done
(cd "$tmp" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip > "$out"
