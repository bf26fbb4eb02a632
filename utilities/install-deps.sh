#! /bin/sh
# Installs what building and testing ovs-vhostuser needs on Debian 12.
# Run as root.  With --guest-kernel DIR it also fetches Debian's kernel
# package into DIR, for the tests that boot a Linux guest in QEMU.
set -e

packages="autoconf automake libtool pkg-config make gcc
  python3 python3-sortedcontainers libssl-dev libcap-ng-dev libnuma-dev
  openvswitch-source
  dpdk dpdk-dev qemu-system-x86 busybox-static clang libclang-rt-14-dev
  rpm cpio iproute2 procps"

guest_kernel=
while test $# -gt 0; do
    case $1 in
        --guest-kernel) guest_kernel=$2; shift 2 ;;
        *) echo "usage: $0 [--guest-kernel DIR]" >&2; exit 1 ;;
    esac
done

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $packages

# Debian's Open vSwitch, which the install test puts ours beside; its
# services must not start (the tests run their own daemons), so a
# policy-rc.d forbids that while it installs.
if ! dpkg -s openvswitch-switch > /dev/null 2>&1; then
    made_policy=no
    if ! test -e /usr/sbin/policy-rc.d; then
        printf '#! /bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        made_policy=yes
    fi
    status=0
    apt-get install -y -q --no-install-recommends openvswitch-switch \
        || status=$?
    test $made_policy = no || rm -f /usr/sbin/policy-rc.d
    test $status = 0
fi

if test -n "$guest_kernel"; then
    # The kernel that linux-image-amd64 currently points to, unpacked.
    pkg=$(apt-cache depends linux-image-amd64 \
          | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
    mkdir -p "$guest_kernel"
    if ! test -e "$guest_kernel/$pkg.unpacked"; then
        (cd "$guest_kernel" && rm -f ./*.deb && apt-get download "$pkg" \
         && rm -rf root && dpkg-deb -x ./"$pkg"_*.deb root \
         && rm -f ./*.deb && touch "$pkg.unpacked")
    fi
    echo "guest kernel: $guest_kernel/root ($pkg)"
fi
