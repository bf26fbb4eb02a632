#! /bin/sh
# Checks a binary openvswitch-vhostuser RPM: exactly the files the package
# is meant to hold, and a daemon built with the directories of the
# distribution's Open vSwitch.
#
# usage: check-rpm.sh RPM
set -e
rpm=$1
test -f "$rpm" || { echo "check-rpm: $rpm: no such RPM" >&2; exit 1; }
rpm=$(cd "$(dirname "$rpm")" && pwd)/$(basename "$rpm")

# Files only (not directories).  The host's rpm macros decide some names:
# build-id links (/usr/lib/.build-id), documentation directories named
# NAME (RHEL) or NAME-VERSION (Debian's rpm), man pages compressed or not;
# the list is compared in one spelling.
version=$(rpm -qp --qf '%{VERSION}' "$rpm")
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" \
    | sed -n 's/^[^d][^ ]* //p' \
    | grep -v '^/usr/lib/\.build-id/' \
    | sed -e "s|^\(/usr/share/[a-z]*/openvswitch-vhostuser\)-$version/|\1/|" \
          -e 's|^\(/usr/share/man/.*\)\.\(gz\|xz\|bz2\)$|\1|' \
    | sort > rpm-files.actual
sort > rpm-files.expected <<EOT
/usr/bin/vhost-guest
/usr/bin/vhu-flood
/usr/lib/systemd/system/ovs-vswitchd.service.d/50-vhostuser.conf
/usr/libexec/ovs-vhostuser/ovs-vswitchd
/usr/share/doc/openvswitch-vhostuser/BENCHMARKS.md
/usr/share/doc/openvswitch-vhostuser/README.md
/usr/share/doc/openvswitch-vhostuser/SECURITY.md
/usr/share/licenses/openvswitch-vhostuser/COPYING
/usr/share/man/man8/ovs-vhostuser.8
EOT
if ! diff -u rpm-files.expected rpm-files.actual; then
    echo "check-rpm: $rpm does not hold the expected files" >&2
    exit 1
fi

# The drop-in points ovs-ctl at the packaged daemon, and the daemon looks
# for its sockets, logs and database where RHEL's openvswitch keeps them.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && rpm2cpio "$rpm" | cpio -idm --quiet)
grep -qx 'Environment=OVS_SBINDIR=/usr/libexec/ovs-vhostuser' \
    "$tmp/usr/lib/systemd/system/ovs-vswitchd.service.d/50-vhostuser.conf" \
    || { echo "check-rpm: the drop-in does not name /usr/libexec/ovs-vhostuser" >&2; exit 1; }
for dir in /var/run/openvswitch /var/log/openvswitch /etc/openvswitch; do
    if ! grep -aq "$dir" "$tmp/usr/libexec/ovs-vhostuser/ovs-vswitchd"; then
        echo "check-rpm: the daemon does not use $dir" >&2
        exit 1
    fi
done
if grep -aq /usr/local "$tmp/usr/libexec/ovs-vhostuser/ovs-vswitchd"; then
    echo "check-rpm: the daemon names /usr/local" >&2
    exit 1
fi
echo "check-rpm: $rpm: $(wc -l < rpm-files.actual) files as expected, distribution directories"
