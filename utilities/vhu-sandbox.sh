# Shell functions for a private OVS sandbox with vhost-guest "VMs", shared
# by vhu-demo.sh and vhu-bench.sh.  Source it after setting:
#   builddir      our build tree
#   ovs_builddir  OVS's build tree
#   ovs_srcdir    OVS's source tree
#   vswitchd      ovs-vswitchd to run (default: ours)

# sandbox_start: ovsdb-server and ovs-vswitchd in a new /tmp directory,
# with a userspace bridge br0.  Sets $sandbox.
sandbox_start () {
    sandbox=$(mktemp -d /tmp/vhu-sandbox.XXXXXX)
    OVS_RUNDIR=$sandbox OVS_LOGDIR=$sandbox OVS_DBDIR=$sandbox
    OVS_SYSCONFDIR=$sandbox
    export OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR
    PATH=$builddir/utilities:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
    export PATH
    : "${vswitchd:=$builddir/vswitchd-ext/ovs-vswitchd}"

    ovsdb-tool create "$sandbox/conf.db" \
        "$ovs_srcdir/vswitchd/vswitch.ovsschema"
    ovsdb-server -vconsole:off --detach --no-chdir --pidfile --log-file \
        --remote="punix:$sandbox/db.sock"
    ovs-vsctl --no-wait init
    "$vswitchd" -vconsole:off --enable-dummy=override --disable-system \
        --detach --no-chdir --pidfile --log-file
    ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
}

# sandbox_cleanup: stops everything sandbox_start and guest_start started.
sandbox_cleanup () {
    for pidfile in "$sandbox"/*.pid; do
        test -e "$pidfile" && kill "$(cat "$pidfile")" 2>/dev/null
    done
    sleep 0.2
    rm -rf "$sandbox"
}

# guest_start NAME [VHOST-GUEST-OPTIONS]: a vhost-guest serving
# $sandbox/NAME.sock and a vhostuserclient port NAME connected to it.
guest_start () {
    local name=$1
    shift
    vhost-guest -vconsole:off --socket="$sandbox/$name.sock" \
        --unixctl="$sandbox/$name-guest.ctl" \
        --pidfile="$sandbox/$name-guest.pid" \
        --log-file="$sandbox/$name-guest.log" --detach --no-chdir "$@"
    ovs-vsctl add-port br0 "$name" -- set Interface "$name" \
        type=vhostuserclient options:vhost-server-path="$sandbox/$name.sock"
}

# guest NAME COMMAND [ARG...]: runs vhost-guest/COMMAND on guest NAME.
guest () {
    local name=$1 cmd=$2
    shift 2
    ovs-appctl -t "$sandbox/$name-guest.ctl" "vhost-guest/$cmd" "$@"
}

# wait_until CONDITION: waits up to 10 s for shell CONDITION to hold.
wait_until () {
    local i=0
    until eval "$1"; do
        i=$((i + 1))
        if test $i -gt 100; then
            echo "timed out waiting for: $1" >&2
            return 1
        fi
        sleep 0.1
    done
}

# wait_up NAME: waits until port NAME's link is up.
wait_up () {
    wait_until "test \"\$(ovs-vsctl get Interface $1 link_state)\" = up"
}
