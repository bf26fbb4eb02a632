#! /bin/sh
# Installs what ovs-vhostuser needs (Debian 12, as root), builds it in
# _build/ and runs the demo.  See README.md.
set -e
cd "$(dirname "$0")"
sh utilities/install-deps.sh --guest-kernel /var/cache/ovs-vhostuser/guest-kernel
./boot.sh
mkdir -p _build
cd _build
test -e Makefile || ../configure
make -j"$(nproc)"
make demo
