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

sandbox=$(mktemp -d /tmp/vhu-demo.XXXXXX)
OVS_RUNDIR=$sandbox OVS_LOGDIR=$sandbox OVS_DBDIR=$sandbox
OVS_SYSCONFDIR=$sandbox
export OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR
PATH=$builddir/vswitchd-ext:$builddir/utilities:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
export PATH

cleanup () {
    for p in vm1-guest vm2-guest ovs-vswitchd ovsdb-server; do
        if test -e "$sandbox/$p.pid"; then
            kill "$(cat "$sandbox/$p.pid")" 2>/dev/null || true
        fi
    done
    sleep 0.2
    rm -rf "$sandbox"
}
if test "$keep" != --keep; then
    trap cleanup EXIT
fi

run () {
    echo
    echo "\$ $*"
    "$@"
}

guest () {
    name=$1 cmd=$2
    shift 2
    ovs-appctl -t "$sandbox/$name-guest.ctl" "vhost-guest/$cmd" "$@"
}

wait_until () {
    i=0
    until eval "$1"; do
        i=$((i + 1))
        if test $i -gt 100; then
            echo "timed out waiting for: $1" >&2
            exit 1
        fi
        sleep 0.1
    done
}

echo "== Sandbox in $sandbox"
ovsdb-tool create "$sandbox/conf.db" "$ovs_srcdir/vswitchd/vswitch.ovsschema"
ovsdb-server --detach --no-chdir --pidfile --log-file -vconsole:off \
    --remote="punix:$sandbox/db.sock"
ovs-vsctl --no-wait init
ovs-vswitchd --enable-dummy=override --disable-system --detach --no-chdir \
    --pidfile --log-file -vconsole:off
ovs-vswitchd --version
ovs-vsctl set Open_vSwitch . other_config:pmd-maxsleep=1000

for vm in vm1 vm2; do
    vhost-guest --socket="$sandbox/$vm.sock" \
        --unixctl="$sandbox/$vm-guest.ctl" \
        --pidfile="$sandbox/$vm-guest.pid" \
        --log-file="$sandbox/$vm-guest.log" --detach --no-chdir \
        -vconsole:off
done

echo
echo "== Two VMs (vhost-guest) serve $sandbox/vm1.sock and vm2.sock;"
echo "   a userspace bridge gets a vhostuserclient port for each."
run ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
for vm in vm1 vm2; do
    run ovs-vsctl add-port br0 $vm -- set Interface $vm \
        type=vhostuserclient options:vhost-server-path="$sandbox/$vm.sock"
done
for vm in vm1 vm2; do
    wait_until "test \"\$(ovs-vsctl get Interface $vm link_state)\" = up"
done

run ovs-vsctl show
run ovs-vsctl get Interface vm1 status
run ovs-vsctl get Interface vm2 link_state

rx_ok () {
    guest vm2 stats | sed -n 's/^rx_generated_ok: //p'
}

echo
echo "== VM1 sends 1000 frames of 1000 bytes, 100 at a time (broadcast, so"
echo "   br0 floods them to VM2); VM2 checks every byte."
for i in 1 2 3 4 5 6 7 8 9 10; do
    guest vm1 send --count 100 --size 1000 > /dev/null
    wait_until "test \$(rx_ok) -ge $((i * 100))"
done
run guest vm2 stats
run ovs-ofctl dump-ports br0
echo
echo "== Demo done."
if test "$keep" = --keep; then
    echo "Sandbox kept: export OVS_RUNDIR=$sandbox to look around."
fi
