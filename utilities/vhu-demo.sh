#! /bin/sh
# ovs-vhostuser demo: a private sandbox with ovsdb-server, our ovs-vswitchd,
# a userspace bridge br0 and two vhostuserclient ports, each connected to a
# vhost-guest playing a VM.  It shows the configuration and the ports'
# status, sends traffic from one "VM" to the other and shows the counters.
# Nothing outside the sandbox directory is touched.
#
# usage: vhu-demo.sh BUILDDIR OVS_BUILDDIR OVS_SRCDIR [--keep]
set -e
builddir=$(cd "$1" && pwd)
ovs_builddir=$2
ovs_srcdir=$3
keep=$4
. "$(dirname "$0")/vhu-sandbox.sh"

run () {
    echo
    echo "\$ $*"
    "$@"
}

rx_ok () {
    guest vm2 stats | sed -n 's/^rx_generated_ok: //p'
}

sandbox_start
if test "$keep" != --keep; then
    trap sandbox_cleanup EXIT
fi
echo "== Sandbox in $sandbox"
"$vswitchd" --version

echo
echo "== Two VMs (vhost-guest) serve $sandbox/vm1.sock and vm2.sock;"
echo "   the userspace bridge br0 gets a vhostuserclient port for each:"
echo "   ovs-vsctl add-port br0 vmN -- set Interface vmN type=vhostuserclient \\"
echo "       options:vhost-server-path=$sandbox/vmN.sock"
guest_start vm1
guest_start vm2
wait_up vm1
wait_up vm2

run ovs-vsctl show
run ovs-vsctl get Interface vm1 status
run ovs-vsctl get Interface vm2 link_state

echo
echo "== VM1 sends 1000 frames of 1000 bytes, 100 at a time (broadcast, so"
echo "   br0 floods them to VM2); VM2 checks every byte."
for i in 1 2 3 4 5 6 7 8 9 10; do
    guest vm1 send --count 100 --size 1000 > /dev/null
    wait_until "test \$(rx_ok) -ge $((i * 100))"
done
run guest vm2 stats
run ovs-ofctl dump-ports br0
run ovs-appctl vhostuser/ring-show vm2 0
echo
echo "== Demo done."
if test "$keep" = --keep; then
    echo "Sandbox kept: export OVS_RUNDIR=$sandbox to look around."
fi
