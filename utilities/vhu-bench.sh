#! /bin/sh
# vhu-bench: how fast a vhostuserclient port moves packets, measured by
# the PMD thread's own accounting.  A vhost-guest transmits as fast as it
# can and br0 sends every frame back to it (actions=in_port), so the PMD
# thread both receives from and sends to the guest; the guest keeps at most
# half a ring of frames out, so nothing is dropped.  The result is the PMD's
# average processing cycles per packet and the rate.
#
# usage: vhu-bench.sh BUILDDIR OVS_BUILDDIR OVS_SRCDIR
#                     [--vswitchd PATH] [--seconds N] [--size BYTES]
#                     [--runs N]
# With --runs, prints one line per run and the medians: single runs on a
# small shared machine vary a lot.
set -e
builddir=$(cd "$1" && pwd)
ovs_builddir=$2
ovs_srcdir=$3
shift 3
seconds=5 size=64 runs=1 vswitchd=
while test $# -gt 0; do
    case $1 in
        --vswitchd) vswitchd=$2 ;;
        --seconds) seconds=$2 ;;
        --size) size=$2 ;;
        --runs) runs=$2 ;;
        *) echo "$0: unknown option $1" >&2; exit 1 ;;
    esac
    shift 2
done
. "$(dirname "$0")/vhu-sandbox.sh"

median () {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

sandbox_start
trap sandbox_cleanup EXIT
ovs-vsctl set Open_vSwitch . other_config:pmd-cpu-mask=0x2
ovs-vsctl set-fail-mode br0 secure
guest_start g1
ovs-ofctl add-flow br0 in_port=g1,actions=in_port
wait_up g1

echo "vswitchd: $vswitchd"
echo "frames: $size bytes, $runs run(s) of $seconds s"
for run in $(seq "$runs"); do
    ovs-appctl dpif-netdev/pmd-stats-clear > /dev/null
    result=$(guest g1 blast --size "$size" --window 128 "$seconds")
    cycles=$(ovs-appctl dpif-netdev/pmd-stats-show \
             | sed -n 's/.*avg processing cycles per packet: \([0-9.]*\).*/\1/p' \
             | head -n 1)
    mpps=$(echo "$result" | sed -n 's/.*received [0-9]* (\([0-9.]*\) Mpps).*/\1/p')
    echo "run $run: $result; PMD cycles/packet: $cycles"
    echo "$cycles" >> "$sandbox/cycles"
    echo "$mpps" >> "$sandbox/mpps"
done
echo "median: $(median < "$sandbox/mpps") Mpps," \
     "$(median < "$sandbox/cycles") PMD cycles/packet"
