/*
 * Copyright (c) 2026 The ovs-vhostuser authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* The vhostuserclient netdev class: configuration, status and statistics,
 * all on the main thread.  The vhost-user protocol runs on the control
 * thread (netdev-vhu-ctl.c), packets on PMD threads (netdev-vhu-io.c). */

#include <config.h>

#include "netdev-vhu.h"

#include <errno.h>
#include <string.h>

#include "hash.h"
#include "netdev-vhu-private.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_vhu);

/* Options, their defaults and limits. */
#define VHU_OPT_PATH "vhost-server-path"
#define VHU_OPT_TX_RETRIES "tx-retries-max"
#define VHU_OPT_RECONNECT "reconnect-interval"

#define VHU_TX_RETRIES_DEFAULT 8
#define VHU_TX_RETRIES_MAX 32
#define VHU_RECONNECT_DEFAULT 1000
#define VHU_RECONNECT_MIN 10
#define VHU_RECONNECT_MAX 3600000

#define VHU_MTU_DEFAULT ETH_PAYLOAD_MAX
#define VHU_MTU_MIN 68
#define VHU_MTU_MAX 65500

/* Socket paths in use, each mapped to the name of the port using it: two
 * ports on one socket would fight over one guest. */
static struct ovs_mutex vhu_paths_mutex = OVS_MUTEX_INITIALIZER;
static struct shash vhu_paths OVS_GUARDED_BY(vhu_paths_mutex)
    = SHASH_INITIALIZER(&vhu_paths);

static const struct netdev_class netdev_vhu_class;
static const struct netdev_class netdev_vhu_dpdk_alias_class;

bool
is_netdev_vhu_class(const struct netdev_class *class)
{
    return class->construct == netdev_vhu_class.construct;
}

/* Adds every vhostuserclient netdev to 'devices' (the caller closes them). */
void
netdev_vhu_get_devices(struct shash *devices)
{
    netdev_get_devices(&netdev_vhu_class, devices);
    netdev_get_devices(&netdev_vhu_dpdk_alias_class, devices);
}

static int
netdev_vhu_init(void)
{
    netdev_vhu_unixctl_register();
    return 0;
}

/* Frames we pass to a guest whose port has MTU 'mtu': room for an Ethernet
 * header and two VLAN tags, as OVS-DPDK allows. */
static uint32_t
vhu_max_frame(int mtu)
{
    return mtu + ETH_HEADER_LEN + 2 * VLAN_HEADER_LEN;
}

static struct netdev *
netdev_vhu_alloc(void)
{
    struct netdev_vhu *dev = xzalloc(sizeof *dev);

    return &dev->up;
}

static void
netdev_vhu_dealloc(struct netdev *netdev)
{
    free(netdev_vhu_cast(netdev));
}

static int
netdev_vhu_construct(struct netdev *netdev)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);
    uint32_t hash = hash_string(netdev_get_name(netdev), 0);

    ovs_mutex_init(&dev->mutex);
    ovs_mutex_lock(&dev->mutex);
    dev->mtu = VHU_MTU_DEFAULT;
    smap_init(&dev->carried_options);
    /* A stable, locally administered address derived from the name. */
    dev->hwaddr = (struct eth_addr) ETH_ADDR_C(02, 00, 00, 00, 00, 00);
    dev->hwaddr.be16[1] = htons(hash >> 16);
    dev->hwaddr.be16[2] = htons(hash & 0xffff);
    atomic_init(&dev->tx_retries_max, VHU_TX_RETRIES_DEFAULT);
    atomic_init(&dev->max_tx_frame, vhu_max_frame(dev->mtu));
    ovs_mutex_unlock(&dev->mutex);
    netdev->n_rxq = 1;
    netdev->n_txq = 1;
    dev->port = vhu_port_create(netdev);
    return 0;
}

/* Releases 'dev''s claim on its socket path. */
static void
netdev_vhu_release_path(struct netdev_vhu *dev)
    OVS_REQUIRES(dev->mutex)
{
    if (dev->path) {
        ovs_mutex_lock(&vhu_paths_mutex);
        char *owner = shash_find_data(&vhu_paths, dev->path);

        if (owner && !strcmp(owner, netdev_get_name(&dev->up))) {
            free(shash_find_and_delete(&vhu_paths, dev->path));
        }
        ovs_mutex_unlock(&vhu_paths_mutex);
        free(dev->path);
        dev->path = NULL;
    }
}

static void
netdev_vhu_destruct(struct netdev *netdev)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);

    vhu_port_destroy(dev->port);
    ovs_mutex_lock(&dev->mutex);
    netdev_vhu_release_path(dev);
    smap_destroy(&dev->carried_options);
    ovs_mutex_unlock(&dev->mutex);
    ovs_mutex_destroy(&dev->mutex);
}

/* Parses integer option 'key' of 'args' into '*value', which keeps its
 * default if the option is absent.  Returns false, with an error in '*errp',
 * if the value is not an integer between 'min' and 'max'. */
static bool
vhu_parse_int_option(const struct netdev *netdev, const struct smap *args,
                     const char *key, int min, int max, int *value,
                     char **errp)
{
    const char *s = smap_get(args, key);
    int n;

    if (!s) {
        return true;
    }
    if (!str_to_int(s, 10, &n) || n < min || n > max) {
        VLOG_WARN_BUF(errp, "%s: options:%s=\"%s\" is not an integer between "
                      "%d and %d", netdev_get_name(netdev), key, s, min, max);
        return false;
    }
    *value = n;
    return true;
}

/* Options that OVS-DPDK accepts on dpdkvhostuserclient ports (it ignores
 * every option it does not use) and that configurations written for it
 * set, with what becomes of them here: they are accepted, so that a port
 * can change its type and nothing else. */
static const struct vhu_carried_option {
    const char *name;
    const char *fate;
} vhu_carried_options[] = {
    { "n_rxq", "the port polls as many queues as the guest enables" },
    { "n_txq", "the port sends on as many queues as the guest enables" },
    { "n_rxq_desc", "ring sizes are the guest's" },
    { "n_txq_desc", "ring sizes are the guest's" },
    { "dpdk-devargs", "a vhost-user port has no DPDK device" },
    { "dpdk-vf-mac", "a vhost-user port has no DPDK device" },
    { "dpdk-lsc-interrupt", "the link follows the guest's driver" },
    { "rx-flow-ctrl", "a vhost-user port has no flow control" },
    { "tx-flow-ctrl", "a vhost-user port has no flow control" },
    { "flow-ctrl-autoneg", "a vhost-user port has no flow control" },
};

static const struct vhu_carried_option *
vhu_find_carried_option(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(vhu_carried_options); i++) {
        if (!strcmp(name, vhu_carried_options[i].name)) {
            return &vhu_carried_options[i];
        }
    }
    return NULL;
}

/* Says once per port and value that carried-over option 'node' is
 * ignored: set_config runs on every reconfiguration. */
static void
vhu_note_carried_option(struct netdev_vhu *dev,
                        const struct vhu_carried_option *option,
                        const struct smap_node *node, struct smap *noted)
    OVS_REQUIRES(dev->mutex)
{
    const char *before = smap_get(&dev->carried_options, node->key);

    if (!before || strcmp(before, node->value)) {
        VLOG_INFO("%s: options:%s=%s is OVS-DPDK's and ignored here: %s",
                  netdev_get_name(&dev->up), node->key, node->value,
                  option->fate);
    }
    smap_add(noted, node->key, node->value);
}

static int
netdev_vhu_set_config(struct netdev *netdev, const struct smap *args,
                      char **errp)
{
    static const char *const known_options[] = {
        VHU_OPT_PATH, VHU_OPT_TX_RETRIES, VHU_OPT_RECONNECT,
    };
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);
    const char *name = netdev_get_name(netdev);
    int retries = VHU_TX_RETRIES_DEFAULT;
    int reconnect = VHU_RECONNECT_DEFAULT;
    const struct smap_node *node;
    const char *path;
    int error = 0;

    SMAP_FOR_EACH (node, args) {
        size_t i;

        for (i = 0; i < ARRAY_SIZE(known_options); i++) {
            if (!strcmp(node->key, known_options[i])) {
                break;
            }
        }
        if (i == ARRAY_SIZE(known_options)
            && !vhu_find_carried_option(node->key)) {
            VLOG_WARN_BUF(errp, "%s: unknown option \"%s\" (%s takes %s, %s "
                          "and %s)", name, node->key,
                          netdev_get_type(netdev), VHU_OPT_PATH,
                          VHU_OPT_TX_RETRIES, VHU_OPT_RECONNECT);
            return EINVAL;
        }
    }

    path = smap_get(args, VHU_OPT_PATH);
    error = vhu_conn_check_path(path);
    if (error) {
        if (!path || !path[0]) {
            VLOG_WARN_BUF(errp, "%s: options:%s is required: the unix "
                          "socket that QEMU serves for this port", name,
                          VHU_OPT_PATH);
        } else if (error == ENAMETOOLONG) {
            VLOG_WARN_BUF(errp, "%s: options:%s is %"PRIuSIZE" bytes long, "
                          "but a unix socket path must be shorter than %"
                          PRIuSIZE, name, VHU_OPT_PATH, strlen(path),
                          sizeof ((struct sockaddr_un *) 0)->sun_path);
        } else {
            VLOG_WARN_BUF(errp, "%s: options:%s=\"%s\" must be an absolute "
                          "path", name, VHU_OPT_PATH, path);
        }
        return error;
    }
    if (!vhu_parse_int_option(netdev, args, VHU_OPT_TX_RETRIES, 0,
                              VHU_TX_RETRIES_MAX, &retries, errp)
        || !vhu_parse_int_option(netdev, args, VHU_OPT_RECONNECT,
                                 VHU_RECONNECT_MIN, VHU_RECONNECT_MAX,
                                 &reconnect, errp)) {
        return EINVAL;
    }

    ovs_mutex_lock(&dev->mutex);
    if (!dev->path || strcmp(dev->path, path)) {
        ovs_mutex_lock(&vhu_paths_mutex);
        const char *owner = shash_find_data(&vhu_paths, path);

        if (owner && strcmp(owner, name)) {
            VLOG_WARN_BUF(errp, "%s: options:%s=\"%s\" is already used by "
                          "port %s", name, VHU_OPT_PATH, path, owner);
            error = EEXIST;
        } else if (!owner) {
            shash_add(&vhu_paths, path, xstrdup(name));
        }
        ovs_mutex_unlock(&vhu_paths_mutex);
        if (!error) {
            netdev_vhu_release_path(dev);
            dev->path = xstrdup(path);
        }
    }
    if (!error) {
        struct smap noted = SMAP_INITIALIZER(&noted);

        SMAP_FOR_EACH (node, args) {
            const struct vhu_carried_option *option
                = vhu_find_carried_option(node->key);

            if (option) {
                vhu_note_carried_option(dev, option, node, &noted);
            }
        }
        smap_destroy(&dev->carried_options);
        smap_clone(&dev->carried_options, &noted);
        smap_destroy(&noted);

        atomic_store_relaxed(&dev->tx_retries_max, retries);
        vhu_port_configure(dev->port, dev->path, reconnect);
    }
    ovs_mutex_unlock(&dev->mutex);
    return error;
}

static int
netdev_vhu_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);
    int retries;

    ovs_mutex_lock(&dev->mutex);
    if (dev->path) {
        smap_add(args, VHU_OPT_PATH, dev->path);
    }
    atomic_read_relaxed(&dev->tx_retries_max, &retries);
    smap_add_format(args, VHU_OPT_TX_RETRIES, "%d", retries);
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int netdev_vhu_get_numa_id(const struct netdev *);

static int
netdev_vhu_get_status(const struct netdev *netdev, struct smap *smap)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);
    struct vhu_port_status s;

    vhu_port_get_status(dev->port, &s);

    smap_add(smap, "mode", "client");
    ovs_mutex_lock(&dev->mutex);
    if (dev->path) {
        smap_add(smap, "socket", dev->path);
    }
    ovs_mutex_unlock(&dev->mutex);
    smap_add(smap, "status", (s.state == VHU_CONN_CONNECTED
                              ? "connected" : "disconnected"));
    smap_add(smap, "connection", vhu_conn_state_name(s.state));
    if (s.last_error) {
        smap_add(smap, "last_error", ovs_strerror(s.last_error));
    }
    if (s.state != VHU_CONN_CONNECTED) {
        return 0;
    }

    smap_add(smap, "driver", s.driver_ok ? "ok" : "not ready");
    smap_add_format(smap, "features", "0x%016"PRIx64, s.features);
    smap_add_format(smap, "protocol_features", "0x%016"PRIx64,
                    s.protocol_features);
    if (s.guest_mtu) {
        smap_add_format(smap, "mtu", "%"PRIu16, s.guest_mtu);
    }
    /* As OVS-DPDK reports it: the node PMD threads poll the port from. */
    smap_add_format(smap, "numa", "%d", netdev_vhu_get_numa_id(netdev));
    smap_add_format(smap, "n_queue_pairs", "%u", s.n_queue_pairs);
    smap_add_format(smap, "num_of_vrings", "%u", 2 * s.n_queue_pairs);
    for (unsigned int i = 0; i < 2 * s.n_queue_pairs; i++) {
        smap_add_nocopy(smap, xasprintf("vring_%u_size", i),
                        xasprintf("%"PRIu16, s.vring_sizes[i]));
    }
    return 0;
}

static int
netdev_vhu_get_carrier(const struct netdev *netdev, bool *carrier)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);
    struct vhu_port_status s;

    vhu_port_get_status(dev->port, &s);
    *carrier = s.state == VHU_CONN_CONNECTED && s.driver_ok;
    return 0;
}

/* How ring counters add up to OVS's: "dropped" is what the switch chose
 * not to (or could not) pass on, "errors" is what the guest got wrong. */
static uint64_t
vhu_rx_dropped(const struct vhu_virtq_stats *st)
{
    return st->drop_too_big + st->drop_no_mem;
}

static uint64_t
vhu_tx_dropped(const struct vhu_virtq_stats *st)
{
    return st->drop_full + st->drop_no_buffers + st->drop_too_big;
}

static uint64_t
vhu_errors(const struct vhu_virtq_stats *st)
{
    return st->drop_bad_desc + st->bad_avail_idx;
}

static const struct vhu_virtq_stats *
vhu_ring_stats(const struct netdev_vhu *dev, unsigned int vring)
{
    return &dev->port->dev.vrings[vring].vq.stats;
}

/* Adds the counters of every ring of 'dev' to 'stats'. */
static int
netdev_vhu_get_stats(const struct netdev *netdev, struct netdev_stats *stats)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);
    uint64_t dropped_down;

    /* The caller set every counter to UINT64_MAX, "unsupported". */
    stats->rx_packets = stats->rx_bytes = 0;
    stats->rx_dropped = stats->rx_errors = 0;
    stats->tx_packets = stats->tx_bytes = 0;
    stats->tx_dropped = stats->tx_errors = 0;
    for (unsigned int qp = 0; qp < VHU_MAX_QUEUE_PAIRS; qp++) {
        const struct vhu_virtq_stats *rx = vhu_ring_stats(dev,
                                                          vhu_rx_vring(qp));
        const struct vhu_virtq_stats *tx = vhu_ring_stats(dev,
                                                          vhu_tx_vring(qp));

        stats->rx_packets += rx->packets;
        stats->rx_bytes += rx->bytes;
        stats->rx_dropped += vhu_rx_dropped(rx);
        stats->rx_errors += vhu_errors(rx);
        stats->tx_packets += tx->packets;
        stats->tx_bytes += tx->bytes;
        stats->tx_dropped += vhu_tx_dropped(tx);
        stats->tx_errors += vhu_errors(tx);
    }
    atomic_read_relaxed(&dev->port->tx_dropped_down, &dropped_down);
    stats->tx_dropped += dropped_down;
    return 0;
}

/* Per-queue counters.  They add up to the totals of get_stats(), except
 * for packets sent while no guest ring was running, counted only as
 * "ovs_tx_link_down_drops".  Names follow OVS-DPDK's vhost ports where they
 * have one: "rx_q0_good_packets" is what the switch received from the
 * guest's transmit queue of pair 0. */
#define VHU_Q_STATS                                             \
    VHU_Q_STAT(good_packets, st->packets)                       \
    VHU_Q_STAT(good_bytes, st->bytes)                           \
    VHU_Q_STAT(dropped, dir ? vhu_tx_dropped(st) : vhu_rx_dropped(st)) \
    VHU_Q_STAT(errors, vhu_errors(st))                          \
    VHU_Q_STAT(guest_notifications, st->interrupts)

/* Port-wide counters, with OVS-DPDK's names. */
#define VHU_PORT_STATS                                          \
    VHU_PORT_STAT(ovs_tx_failure_drops)                         \
    VHU_PORT_STAT(ovs_tx_mtu_exceeded_drops)                    \
    VHU_PORT_STAT(ovs_tx_retries)                               \
    VHU_PORT_STAT(ovs_tx_link_down_drops)

static int
netdev_vhu_get_custom_stats(const struct netdev *netdev,
                            struct netdev_custom_stats *custom_stats)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);
    int n_qp = MIN(netdev->n_rxq, VHU_MAX_QUEUE_PAIRS);
    struct netdev_custom_counter *c;
    uint64_t ovs_tx_failure_drops = 0;
    uint64_t ovs_tx_mtu_exceeded_drops = 0;
    uint64_t ovs_tx_retries = 0;
    uint64_t ovs_tx_link_down_drops;

#define VHU_Q_STAT(NAME, VALUE) + 2
#define VHU_PORT_STAT(NAME) + 1
    custom_stats->size = n_qp * (0 VHU_Q_STATS) + (0 VHU_PORT_STATS);
#undef VHU_PORT_STAT
#undef VHU_Q_STAT
    c = custom_stats->counters = xcalloc(custom_stats->size, sizeof *c);

    for (int dir = 0; dir < 2; dir++) {
        for (int qp = 0; qp < n_qp; qp++) {
            const struct vhu_virtq_stats *st
                = vhu_ring_stats(dev, dir ? vhu_tx_vring(qp)
                                          : vhu_rx_vring(qp));

#define VHU_Q_STAT(NAME, VALUE)                                         \
            snprintf(c->name, NETDEV_CUSTOM_STATS_NAME_SIZE,            \
                     "%s_q%d_" #NAME, dir ? "tx" : "rx", qp);           \
            c++->value = VALUE;
            VHU_Q_STATS
#undef VHU_Q_STAT
        }
    }
    for (int qp = 0; qp < VHU_MAX_QUEUE_PAIRS; qp++) {
        const struct vhu_virtq_stats *tx = vhu_ring_stats(dev,
                                                          vhu_tx_vring(qp));

        ovs_tx_failure_drops += tx->drop_full + tx->drop_no_buffers;
        ovs_tx_mtu_exceeded_drops += tx->drop_too_big;
        ovs_tx_retries += tx->retries;
    }
    atomic_read_relaxed(&dev->port->tx_dropped_down, &ovs_tx_link_down_drops);
#define VHU_PORT_STAT(NAME)                                             \
    ovs_strlcpy(c->name, #NAME, NETDEV_CUSTOM_STATS_NAME_SIZE);         \
    c++->value = NAME;
    VHU_PORT_STATS
#undef VHU_PORT_STAT
    return 0;
}

static int
netdev_vhu_get_mtu(const struct netdev *netdev, int *mtup)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mtup = dev->mtu;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_vhu_set_mtu(struct netdev *netdev, int mtu)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);

    if (mtu < VHU_MTU_MIN || mtu > VHU_MTU_MAX) {
        VLOG_WARN("%s: unsupported MTU %d (must be between %d and %d)",
                  netdev_get_name(netdev), mtu, VHU_MTU_MIN, VHU_MTU_MAX);
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    if (dev->mtu != mtu) {
        dev->mtu = mtu;
        atomic_store_relaxed(&dev->max_tx_frame, vhu_max_frame(mtu));
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_vhu_get_etheraddr(const struct netdev *netdev, struct eth_addr *mac)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mac = dev->hwaddr;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_vhu_set_etheraddr(struct netdev *netdev, const struct eth_addr mac)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    if (!eth_addr_equals(dev->hwaddr, mac)) {
        dev->hwaddr = mac;
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_vhu_get_numa_id(const struct netdev *netdev OVS_UNUSED)
{
    /* Guest memory may live anywhere; node 0 always has PMD threads. */
    return 0;
}

static int
netdev_vhu_update_flags(struct netdev *netdev OVS_UNUSED,
                        enum netdev_flags off OVS_UNUSED,
                        enum netdev_flags on OVS_UNUSED,
                        enum netdev_flags *old_flagsp)
{
    /* The port is always up and sees everything the guest sends. */
    *old_flagsp = NETDEV_UP | NETDEV_PROMISC;
    return 0;
}

/* Applies the number of queue pairs the guest started: one rxq per guest
 * transmit queue and one txq per guest receive queue.  dpif-netdev calls this
 * with the port's PMD threads stopped. */
static int
netdev_vhu_reconfigure(struct netdev *netdev)
{
    struct netdev_vhu *dev = netdev_vhu_cast(netdev);
    struct vhu_port_status s;
    int n;

    vhu_port_get_status(dev->port, &s);
    n = MAX(1, s.n_queue_pairs);

    ovs_mutex_lock(&dev->mutex);
    if (netdev->n_rxq != n || netdev->n_txq != n) {
        VLOG_INFO("%s: guest uses %d queue pair%s", netdev_get_name(netdev),
                  n, n == 1 ? "" : "s");
        netdev->n_rxq = n;
        netdev->n_txq = n;
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static struct netdev_rxq *
netdev_vhu_rxq_alloc(void)
{
    struct netdev_vhu_rxq *rxq = xzalloc(sizeof *rxq);

    return &rxq->up;
}

static int
netdev_vhu_rxq_construct(struct netdev_rxq *rxq_)
{
    struct netdev_vhu_rxq *rxq = CONTAINER_OF(rxq_, struct netdev_vhu_rxq,
                                              up);

    rxq->port = netdev_vhu_cast(rxq_->netdev)->port;
    return 0;
}

static void
netdev_vhu_rxq_destruct(struct netdev_rxq *rxq OVS_UNUSED)
{
}

static void
netdev_vhu_rxq_dealloc(struct netdev_rxq *rxq)
{
    free(CONTAINER_OF(rxq, struct netdev_vhu_rxq, up));
}

/* What our class and its alias have in common: all but the name and init,
 * which registers the vhostuser/ commands and so must run once. */
#define NETDEV_VHU_CLASS_FUNCTIONS                      \
    .is_pmd = true,                                     \
    .alloc = netdev_vhu_alloc,                          \
    .construct = netdev_vhu_construct,                  \
    .destruct = netdev_vhu_destruct,                    \
    .dealloc = netdev_vhu_dealloc,                      \
    .get_config = netdev_vhu_get_config,                \
    .set_config = netdev_vhu_set_config,                \
    .get_numa_id = netdev_vhu_get_numa_id,              \
    .send = netdev_vhu_send,                            \
    .set_etheraddr = netdev_vhu_set_etheraddr,          \
    .get_etheraddr = netdev_vhu_get_etheraddr,          \
    .get_mtu = netdev_vhu_get_mtu,                      \
    .set_mtu = netdev_vhu_set_mtu,                      \
    .get_carrier = netdev_vhu_get_carrier,              \
    .get_stats = netdev_vhu_get_stats,                  \
    .get_custom_stats = netdev_vhu_get_custom_stats,    \
    .get_status = netdev_vhu_get_status,                \
    .update_flags = netdev_vhu_update_flags,            \
    .reconfigure = netdev_vhu_reconfigure,              \
    .rxq_alloc = netdev_vhu_rxq_alloc,                  \
    .rxq_construct = netdev_vhu_rxq_construct,          \
    .rxq_destruct = netdev_vhu_rxq_destruct,            \
    .rxq_dealloc = netdev_vhu_rxq_dealloc,              \
    .rxq_enabled = netdev_vhu_rxq_enabled,              \
    .rxq_recv = netdev_vhu_rxq_recv

static const struct netdev_class netdev_vhu_class = {
    .type = "vhostuserclient",
    .init = netdev_vhu_init,
    NETDEV_VHU_CLASS_FUNCTIONS,
};

/* The same class under OVS-DPDK's name, for tools that hard-code it; see
 * netdev_vhu_dpdk_alias_run(). */
static const struct netdev_class netdev_vhu_dpdk_alias_class = {
    .type = "dpdkvhostuserclient",
    NETDEV_VHU_CLASS_FUNCTIONS,
};

/* Registers the vhostuserclient netdev class.  Called once, before the
 * bridge reads the database. */
void
netdev_vhu_register(void)
{
    int error = netdev_register_provider(&netdev_vhu_class);

    if (error) {
        VLOG_ERR("cannot register netdev type %s: %s", netdev_vhu_class.type,
                 ovs_strerror(error));
    } else {
        VLOG_DBG("ovs-vhostuser %s: registered netdev type %s", VHU_VERSION,
                 netdev_vhu_class.type);
    }
    netdev_vhu_null_register();
}

/* other_config:vhostuser-dpdk-alias=true registers our class under the name
 * "dpdkvhostuserclient" too, so that orchestration that hard-codes
 * OVS-DPDK's port type works unchanged; false (the default) takes the name
 * back once no port uses it.  Where OVS is built with DPDK the name is
 * DPDK's, and the alias is refused.  Runs on the main thread whenever the
 * bridge reads the Open_vSwitch record. */

static bool vhu_dpdk_alias_registered;
static bool vhu_dpdk_alias_noted;   /* Said why the wish is not met. */
static bool vhu_dpdk_alias_wanted;

static void
vhu_dpdk_alias_note(enum vlog_level level, const char *why)
{
    if (!vhu_dpdk_alias_noted) {
        vhu_dpdk_alias_noted = true;
        VLOG(level, "other_config:vhostuser-dpdk-alias: %s", why);
    }
}

static void
vhu_dpdk_alias_register(void)
{
    const char *type = netdev_vhu_dpdk_alias_class.type;

#ifdef DPDK_NETDEV
    vhu_dpdk_alias_note(VLL_ERR, "refused: this ovs-vswitchd is built with "
                        "DPDK, whose class owns the type "
                        "dpdkvhostuserclient; use type=vhostuserclient");
    return;
#endif
    struct sset types = SSET_INITIALIZER(&types);
    bool taken;

    netdev_enumerate_types(&types);
    taken = sset_contains(&types, type);
    sset_destroy(&types);
    if (taken) {
        vhu_dpdk_alias_note(VLL_ERR, "refused: another netdev class has the "
                            "type dpdkvhostuserclient");
        return;
    }
    int error = netdev_register_provider(&netdev_vhu_dpdk_alias_class);
    if (error) {
        VLOG_ERR("other_config:vhostuser-dpdk-alias: registering netdev type "
                 "%s failed: %s", type, ovs_strerror(error));
        vhu_dpdk_alias_noted = true;
        return;
    }
    vhu_dpdk_alias_registered = true;
    VLOG_INFO("ports of type %s are %s ports (other_config:"
              "vhostuser-dpdk-alias=true)", type, netdev_vhu_class.type);
}

static void
vhu_dpdk_alias_unregister(void)
{
    const char *type = netdev_vhu_dpdk_alias_class.type;
    struct shash devices = SHASH_INITIALIZER(&devices);
    struct shash_node *node;
    size_t n;

    netdev_get_devices(&netdev_vhu_dpdk_alias_class, &devices);
    n = shash_count(&devices);
    SHASH_FOR_EACH (node, &devices) {
        netdev_close(node->data);
    }
    shash_destroy(&devices);
    if (n) {
        vhu_dpdk_alias_note(VLL_INFO, "type dpdkvhostuserclient stays until "
                            "its ports are deleted");
        return;
    }
    int error = netdev_unregister_provider(type);
    if (error) {
        VLOG_ERR("other_config:vhostuser-dpdk-alias: unregistering netdev "
                 "type %s failed: %s", type, ovs_strerror(error));
    } else {
        VLOG_INFO("netdev type %s is gone (other_config:"
                  "vhostuser-dpdk-alias=false)", type);
    }
    vhu_dpdk_alias_registered = false;
}

void
netdev_vhu_dpdk_alias_run(const struct smap *other_config)
{
    bool wanted = smap_get_bool(other_config, "vhostuser-dpdk-alias", false);

    if (wanted != vhu_dpdk_alias_wanted) {
        vhu_dpdk_alias_wanted = wanted;
        vhu_dpdk_alias_noted = false;
    }
    if (wanted && !vhu_dpdk_alias_registered && !vhu_dpdk_alias_noted) {
        vhu_dpdk_alias_register();
    } else if (!wanted && vhu_dpdk_alias_registered) {
        vhu_dpdk_alias_unregister();
    }
}

/* Says whether ports of type dpdkvhostuserclient are ours. */
bool
netdev_vhu_dpdk_alias_active(void)
{
    return vhu_dpdk_alias_registered;
}
