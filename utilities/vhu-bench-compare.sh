#! /bin/sh
# vhu-bench-compare: our vhostuserclient port side by side with OVS-DPDK's
# dpdkvhostuserclient, on the same machine in the same invocation.
#
# Topology, the same for both switches: vhu-flood's source guest -> port
# "a" -> flow in_port=a,actions=output:b -> port "b" -> vhu-flood's sink
# guest.  One PMD thread on CPU 0 (pmd-cpu-mask=0x1), the peer on CPU 1
# and every other thread of the switch and ovsdb-server on CPU 0 too,
# identical options.  Runs are interleaved (ours, reference, ours, ...) and
# summarised by medians with min-max: single runs on this kind of machine
# vary by up to 30 %.
#
# Each run: start ovsdb-server and the switch in a fresh sandbox, connect,
# warm up, clear the PMD statistics, count for --seconds, and report Mpps,
# Gbit/s, PMD processing cycles per packet, PMD idle share, the peer's own
# cycles per packet and idle share, drops, and vswitchd's RSS and
# hugepages.  The reference needs Debian's openvswitch-switch-dpdk (it is
# installed if missing) and hugepages (set up, and put back at the end).
#
# With --floor, also our switch with two "vhubenchnull" ports: ports whose
# receive and send do no ring work, so what the PMD spends per packet there
# is dpif-netdev's own cost, which no port can go below.
#
# usage: vhu-bench-compare.sh BUILDDIR OVS_BUILDDIR OVS_SRCDIR [OPTIONS]
#   --runs N          runs per switch and frame size (default 5)
#   --seconds N       counting time of a run (default 8)
#   --warmup N        seconds before counting (default 2)
#   --sizes "A B"     frame sizes (default "64 512 1518 9000")
#   --peer MODE       cheap, rewrite or both (default cheap)
#   --queues N        queue pairs per port (default 1)
#   --ports N         ports in all: a, b and N - 2 idle ones, whose guests
#                     are connected and send nothing (default 2)
#   --rate FPS        the peer sends at most FPS frames per second (default:
#                     as fast as the switch takes them)
#   --floor           also measure OVS's floor with null ports
#   --no-reference    only our switch
#   --output DIR      keep logs and results there (default: a temp dir)
#   --vswitchd PATH   our ovs-vswitchd (default: the build tree's)
set -e
builddir=$(cd "$1" && pwd)
ovs_builddir=$(cd "$2" && pwd)
ovs_srcdir=$(cd "$3" && pwd)
shift 3

runs=5 seconds=8 warmup=2 sizes="64 512 1518 9000" peer_modes=cheap
queues=1 n_ports=2 rate= floor=no reference=yes output= vswitchd=
while test $# -gt 0; do
    case $1 in
        --runs) runs=$2; shift ;;
        --seconds) seconds=$2; shift ;;
        --warmup) warmup=$2; shift ;;
        --sizes) sizes=$2; shift ;;
        --peer)
            case $2 in
                cheap|rewrite) peer_modes=$2 ;;
                both) peer_modes="cheap rewrite" ;;
                *) echo "$0: --peer cheap, rewrite or both" >&2; exit 1 ;;
            esac
            shift ;;
        --queues) queues=$2; shift ;;
        --ports) n_ports=$2; shift ;;
        --rate) rate=$2; shift ;;
        --floor) floor=yes ;;
        --no-reference) reference=no ;;
        --output) output=$2; shift ;;
        --vswitchd) vswitchd=$2; shift ;;
        *) echo "$0: unknown option $1" >&2; exit 1 ;;
    esac
    shift
done
: "${vswitchd:=$builddir/vswitchd-ext/ovs-vswitchd}"
ref_vswitchd=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
flood=$builddir/utilities/vhu-flood
PATH=$builddir/utilities:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
export PATH

if test -z "$output"; then
    output=$(mktemp -d /tmp/vhu-bench-compare.XXXXXX)
fi
mkdir -p "$output"
results=$output/results
: > "$results"

# The reference switch and its hugepages.
orig_hugepages=$(cat /proc/sys/vm/nr_hugepages)
mounted_hugetlbfs=no
setup_reference () {
    if ! test -x "$ref_vswitchd"; then
        echo "== $ref_vswitchd is missing: installing openvswitch-switch-dpdk"
        # Installing must not start the distribution's own daemons.
        made_policy=no
        if ! test -e /usr/sbin/policy-rc.d; then
            printf '#! /bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            made_policy=yes
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends openvswitch-switch-dpdk \
            > "$output/apt.log" 2>&1 || {
            tail "$output/apt.log"; echo "$0: cannot install it" >&2; exit 1; }
        test $made_policy = no || rm -f /usr/sbin/policy-rc.d
    fi
    if ! grep -q '^[^ ]* /dev/hugepages hugetlbfs' /proc/mounts; then
        mkdir -p /dev/hugepages
        mount -t hugetlbfs nodev /dev/hugepages
        mounted_hugetlbfs=yes
    fi
    # OVS-DPDK uses about 650 pages of 2 MiB with two ports; more for 9000.
    want=$((orig_hugepages + 1536))
    echo "$want" > /proc/sys/vm/nr_hugepages
    echo "== hugepages: $orig_hugepages -> $(cat /proc/sys/vm/nr_hugepages)" \
         "(put back at the end)"
}

restore_hugepages () {
    echo "$orig_hugepages" > /proc/sys/vm/nr_hugepages
    if test $mounted_hugetlbfs = yes; then
        umount /dev/hugepages || true
    fi
}

# The sandbox of one run.
sandbox=
stop_run () {
    if test -n "$sandbox"; then
        for pidfile in "$sandbox"/*.pid; do
            if test -e "$pidfile"; then
                kill "$(cat "$pidfile")" 2>/dev/null || true
            fi
        done
        for pidfile in "$sandbox"/*.pid; do
            pid=$(cat "$pidfile" 2>/dev/null) || continue
            i=0
            while kill -0 "$pid" 2>/dev/null && test $i -lt 100; do
                sleep 0.1; i=$((i + 1))
            done
        done
        sandbox=
    fi
}

cleanup () {
    stop_run
    test $reference = no || restore_hugepages
}
trap cleanup EXIT
trap 'exit 1' INT TERM

wait_until () {
    i=0
    until eval "$1"; do
        i=$((i + 1))
        if test $i -gt 300; then
            echo "timed out waiting for: $1" >&2
            return 1
        fi
        sleep 0.1
    done
}

# start_switch KIND SIZE: ovsdb-server and the switch KIND (ours, reference
# or floor) with its ports, in a new sandbox.
start_switch () {
    kind=$1 size=$2
    sandbox=$output/run.$kind.$size.$run_id
    rm -rf "$sandbox"
    mkdir -p "$sandbox"
    OVS_RUNDIR=$sandbox OVS_LOGDIR=$sandbox OVS_DBDIR=$sandbox
    OVS_SYSCONFDIR=$sandbox
    export OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR

    ovsdb-tool create "$sandbox/conf.db" \
        "$ovs_srcdir/vswitchd/vswitch.ovsschema"
    # Every thread but the peer's on CPU 0, the PMD's: a thread that
    # preempts the PMD only delays the traffic, one that preempted the peer
    # could overflow the sink's ring.
    taskset -c 0 ovsdb-server -vconsole:off --detach --no-chdir --pidfile \
        --log-file --remote="punix:$sandbox/db.sock"
    ovs-vsctl --no-wait init -- set Open_vSwitch . \
        other_config:pmd-cpu-mask=0x1
    case $kind in
        reference)
            bin=$ref_vswitchd type=dpdkvhostuserclient
            ovs-vsctl --no-wait set Open_vSwitch . \
                other_config:dpdk-init=true \
                other_config:dpdk-extra="--in-memory --no-pci"
            ;;
        ours) bin=$vswitchd type=vhostuserclient ;;
        floor) bin=$vswitchd type=vhubenchnull ;;
    esac
    # Run as "ovs-vswitchd", whatever the file is called: its pidfile and
    # control socket take that name, and ovs-appctl looks for it.
    mkdir "$sandbox/bin"
    ln -s "$bin" "$sandbox/bin/ovs-vswitchd"
    VHU_BENCH_NULL_PORTS=$(test $kind = floor && echo yes || echo no) \
        taskset -c 0 "$sandbox/bin/ovs-vswitchd" -vconsole:off --detach --no-chdir --pidfile --log-file \
        2> "$sandbox/stderr"
    ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
        -- set-fail-mode br0 secure

    if test $kind != floor; then
        peer_opts="--size=$size --queues=$queues"
        test "$peer_mode" = cheap || peer_opts="$peer_opts --rewrite"
        test -z "$rate" || peer_opts="$peer_opts --rate=$rate"
        socks=$(for port in $(port_names); do echo "$sandbox/$port.sock"; done)
        # shellcheck disable=SC2086
        taskset -c 1 "$flood" $peer_opts $socks \
            > "$sandbox/flood.out" 2> "$sandbox/flood.err" &
        echo $! > "$sandbox/flood.pid"
    fi

    mtu=
    if test "$size" -gt 1518; then
        mtu="mtu_request=$((size - 18))"
    fi
    n=0
    for port in $(port_names); do
        n=$((n + 1))
        if test $kind = floor; then
            opts=
            test $n != 1 || opts="options:rx-size=$size"
        else
            opts="options:vhost-server-path=$sandbox/$port.sock"
        fi
        # shellcheck disable=SC2086
        ovs-vsctl add-port br0 "$port" -- set Interface "$port" \
            type=$type ofport_request=$n $opts $mtu
    done
    ovs-ofctl del-flows br0
    ovs-ofctl add-flow br0 in_port=1,actions=output:2
    # Null ports have no link to come up: they only need an OpenFlow port.
    n=0
    for port in a b; do
        n=$((n + 1))
        up=link_state=up
        test $kind != floor || up=ofport=$n
        wait_until "ovs-vsctl find Interface name=$port $up \
                    | grep -q ." || {
            cat "$sandbox/flood.err" 2>/dev/null
            tail -20 "$sandbox/ovs-vswitchd.log"
            return 1
        }
    done
}

# Ports a and b carry the traffic; the others (--ports) idle beside them.
port_names () {
    echo a b
    i=3
    while test $i -le "$n_ports"; do
        echo "idle$i"
        i=$((i + 1))
    done
}

field () {
    sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}

# Frames port b could not give the peer so far.
tx_drops () {
    d=$(ovs-ofctl dump-ports br0 2 \
        | sed -n 's/.*tx pkts=.*drop=\([0-9]*\).*/\1/p')
    echo "${d:-0}"
}

# measure KIND SIZE: one run; appends a line to $results.
measure () {
    kind=$1 size=$2
    start_switch "$kind" "$size" || { stop_run; return 1; }
    sleep "$warmup"

    pid=$(cat "$sandbox/ovs-vswitchd.pid")
    drops0=$(tx_drops)
    ovs-appctl dpif-netdev/pmd-stats-clear > /dev/null
    if test $kind != floor; then
        kill -USR1 "$(cat "$sandbox/flood.pid")"
    fi
    sleep "$seconds"
    if test $kind != floor; then
        kill -USR1 "$(cat "$sandbox/flood.pid")"
    fi
    ovs-appctl dpif-netdev/pmd-stats-show > "$sandbox/pmd-stats"
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    huge=$(awk '/^HugePages_Total/ { t = $2 } /^HugePages_Free/ { f = $2 }
                END { print t - f }' /proc/meminfo)
    drops=$(($(tx_drops) - drops0))

    # The PMD thread's section, not the main thread's.
    stats=$sandbox/pmd-stats.pmd
    sed -n '/^pmd thread/,/^main thread/p' "$sandbox/pmd-stats" > "$stats"
    pmd_packets=$(sed -n 's/.*packets received: \([0-9]*\).*/\1/p' "$stats")
    pmd_cycles=$(sed -n \
        's/.*avg processing cycles per packet: \([0-9.]*\).*/\1/p' "$stats")
    pmd_idle=$(sed -n 's/.*idle cycles: [0-9]* (\([0-9.]*\)%).*/\1/p' \
               "$stats")
    if test $kind = floor; then
        line="pmd_packets=$pmd_packets"
        peer="0 0 0 0 0 0"
    else
        i=0
        while test "$(wc -l < "$sandbox/flood.out")" -lt 2 && test $i -lt 50
        do
            sleep 0.1; i=$((i + 1))
        done
        s0=$(sed -n 1p "$sandbox/flood.out")
        s1=$(sed -n 2p "$sandbox/flood.out")
        peer=$(for k in time_ns tx_packets rx_packets rx_bytes busy_cycles \
                        idle_cycles; do
                   a=$(echo " $s0" | field $k)
                   b=$(echo " $s1" | field $k)
                   echo $((b - a))
               done | tr '\n' ' ')
    fi
    # kind mode size pmd_packets pmd_cycles pmd_idle rss_kB hugepages
    # time_ns tx rx rx_bytes busy idle seconds drops
    echo "$kind $peer_mode $size $pmd_packets $pmd_cycles $pmd_idle $rss" \
         "$huge $peer $seconds ${drops:-0}" >> "$results"
    tail -n 1 "$results" | awk '{
        ns = $9; if (ns == 0) ns = $15 * 1e9;
        pkts = ($1 == "floor" ? $4 : $11);
        mpps = pkts / ns * 1e3;
        printf "  %-9s %-7s %5d B: %6.2f Mpps %6.2f Gbit/s, PMD %6.1f " \
               "cycles/packet, idle %5.2f %%", $1, $2, $3, mpps,
               mpps * $3 * 8 / 1e3, $5, $6;
        if ($1 != "floor")
            printf ", peer %5.1f cycles/packet, idle %4.1f %%, drops %d",
                   $13 / ($11 ? $11 : 1), 100 * $14 / ($13 + $14 + 1),
                   $16;
        printf ", RSS %d kB, hugepages %d\n", $7, $8;
    }'
    stop_run
}

echo "== vhu-bench-compare: ours $vswitchd"
echo "   reference: $(test $reference = yes && echo "$ref_vswitchd" || echo none)"
echo "   $runs run(s) of ${seconds} s after ${warmup} s per switch, frames:" \
     "$sizes; peer: $peer_modes${rate:+ at $rate frames/s};" \
     "queue pairs: $queues; ports: $n_ports"
echo "   output in $output"
test $reference = no || setup_reference
# This script and what it runs stay off the peer's CPU too.
taskset -p -c 0 $$ > /dev/null

run_id=0
for peer_mode in $peer_modes; do
    for size in $sizes; do
        echo "== $size-byte frames, $peer_mode peer"
        for r in $(seq "$runs"); do
            run_id=$((run_id + 1))
            measure ours "$size"
            if test $reference = yes; then
                run_id=$((run_id + 1))
                measure reference "$size"
            fi
        done
    done
done
if test $floor = yes; then
    peer_mode=none
    for size in $sizes; do
        # Null ports hand out pool packets, which hold up to 2 kB.
        test "$size" -le 2048 || continue
        echo "== OVS's floor, $size-byte frames"
        for r in $(seq "$runs"); do
            run_id=$((run_id + 1))
            measure floor "$size"
        done
    done
fi

# Every run must have given a result.
per_size=$runs
test $reference = no || per_size=$((2 * runs))
expected=0
for peer_mode in $peer_modes; do
    for size in $sizes; do
        expected=$((expected + per_size))
    done
done
if test $floor = yes; then
    for size in $sizes; do
        test "$size" -gt 2048 || expected=$((expected + runs))
    done
fi
got=$(grep -c . "$results" || true)
if test "$got" != "$expected"; then
    echo "$0: $got results for $expected runs" >&2
    exit 1
fi

# Medians with min-max, and the ratio of medians.
echo
echo "== Summary (medians of interleaved runs, [min-max])"
{
sort -k2,2 -k3,3n -k1,1 "$results" | awk '
function med(a, n,    i, j, t) {
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
        }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function flush(    k, m) {
    if (!n) return
    m = med(cyc, n); mc[key] = m
    printf "| %s | %s | %d | %.1f [%.1f-%.1f] | %.2f [%.2f-%.2f] | %.2f |" \
           " %.1f | %.2f | %d | %d |\n", kind, mode, size, m, cyc[1],
           cyc[n], med(mpps, n), mpps[1], mpps[n], med(mpps, n) * size * 8 / 1e3,
           med(idle, n), med(peer, n), med(rss, n), med(huge, n)
    n = 0
}
BEGIN {
    print "| switch | peer | frame B | PMD cycles/packet | Mpps | Gbit/s |" \
          " PMD idle % | peer cycles/packet | RSS kB | hugepages |"
    print "|---|---|---|---|---|---|---|---|---|---|"
}
{
    k = $1 " " $2 " " $3
    if (k != key) { flush(); key = k; kind = $1; mode = $2; size = $3 }
    n++
    ns = $9; if (ns == 0) ns = $15 * 1e9
    cyc[n] = $5; idle[n] = $6; rss[n] = $7; huge[n] = $8
    mpps[n] = ($1 == "floor" ? $4 : $11) / ns * 1e3
    peer[n] = ($1 == "floor" ? 0 : $13 / ($11 ? $11 : 1))
}
END {
    flush()
    print ""
    print "| peer | frame B | ours / OVS-DPDK (PMD cycles/packet) |"
    print "|---|---|---|"
    for (k in mc) {
        split(k, f, " ")
        if (f[1] == "ours" && (("reference " f[2] " " f[3]) in mc))
            printf "| %s | %d | %.2f |\n", f[2], f[3],
                   mc[k] / mc["reference " f[2] " " f[3]]
    }
}' > "$output/summary.tmp"
# The ratio rows in frame-size order.
awk '/^\| peer \| frame B \| ours/ { exit } { print }' "$output/summary.tmp"
awk '/^\| peer \| frame B \| ours/ { on = 1 } on' "$output/summary.tmp" \
    > "$output/ratios.tmp"
head -n 2 "$output/ratios.tmp"
tail -n +3 "$output/ratios.tmp" | sort -t '|' -k2,2 -k3,3n
} | tee "$output/summary.md"
