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

/* The "vhostuser/" ovs-appctl commands: what every port and every virtqueue
 * is doing, for operators.
 *
 * They run on the main thread and read, without locks, counters that PMD
 * and control threads write; values may be a moment old but never torn on
 * our 64-bit targets.  Guest memory is read only through the rings of the
 * port's current datapath view, which this thread uses as the PMD threads
 * do, counted in (struct vhu_ring_users) for as short as it can, and whose
 * memory cannot be unmapped before this thread quiesces. */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "netdev-vhu.h"
#include "netdev-vhu-pool.h"
#include "netdev-vhu-private.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "virtio-defs.h"

/* Ports named on the command line, or all of them. */
struct vhu_port_list {
    struct netdev **netdevs;
    size_t n;
};

static int
compare_netdev_names(const void *a_, const void *b_)
{
    const struct netdev *const *a = a_;
    const struct netdev *const *b = b_;

    return strcmp(netdev_get_name(*a), netdev_get_name(*b));
}

/* Fills 'list' with port 'name' or, if 'name' is NULL, every
 * vhostuserclient port, sorted by name.  On error replies to 'conn' and
 * returns false. */
static bool
vhu_port_list_get(struct unixctl_conn *conn, const char *name,
                  struct vhu_port_list *list)
{
    if (name) {
        struct netdev *netdev = netdev_from_name(name);

        if (!netdev || !is_netdev_vhu_class(netdev_get_class(netdev))) {
            char *error = xasprintf("%s: no such vhostuserclient port",
                                    name);
            unixctl_command_reply_error(conn, error);
            free(error);
            netdev_close(netdev);
            return false;
        }
        list->netdevs = xmalloc(sizeof *list->netdevs);
        list->netdevs[0] = netdev;
        list->n = 1;
    } else {
        struct shash devices = SHASH_INITIALIZER(&devices);
        struct shash_node *node;

        netdev_vhu_get_devices(&devices);
        list->n = 0;
        list->netdevs = xmalloc((shash_count(&devices) + 1)
                                * sizeof *list->netdevs);
        SHASH_FOR_EACH (node, &devices) {
            list->netdevs[list->n++] = node->data;
        }
        shash_destroy(&devices);
        qsort(list->netdevs, list->n, sizeof *list->netdevs,
              compare_netdev_names);
    }
    return true;
}

static void
vhu_port_list_destroy(struct vhu_port_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        netdev_close(list->netdevs[i]);
    }
    free(list->netdevs);
}

/* Appends 'bits' and the names of the features set in it. */
static void
format_features(struct ds *s, uint64_t bits,
                const char *(*name)(unsigned int bit))
{
    ds_put_format(s, "0x%016"PRIx64, bits);
    for (unsigned int bit = 0; bit < 64; bit++) {
        if (bits & (1ULL << bit)) {
            const char *n = name(bit);

            if (n) {
                ds_put_format(s, " %s", n);
            } else {
                ds_put_format(s, " bit%u", bit);
            }
        }
    }
}

static const char *
vring_direction(unsigned int vring)
{
    return vring % 2 ? "guest->switch" : "switch->guest";
}

/* The name OVS statistics use for 'vring': rx_qN for what the switch
 * receives, tx_qN for what it sends. */
static void
format_vring_label(struct ds *s, unsigned int vring)
{
    ds_put_format(s, "vq%u (queue pair %u, %s, %s_q%u)", vring, vring / 2,
                  vring_direction(vring), vring % 2 ? "rx" : "tx",
                  vring / 2);
}

/* vhostuser/show [PORT] */

static void
show_port(struct ds *s, struct netdev_vhu *dev)
{
    const struct netdev *netdev = &dev->up;
    struct vhu_port *port = dev->port;
    struct vhu_port_status st;
    long long int now = time_msec();
    int mtu;

    vhu_port_get_status(port, &st);
    netdev_get_mtu(netdev, &mtu);

    ds_put_format(s, "%s:\n", netdev_get_name(netdev));
    ovs_mutex_lock(&dev->mutex);
    ds_put_format(s, "  socket: %s\n", dev->path ? dev->path : "(none)");
    ovs_mutex_unlock(&dev->mutex);
    ds_put_format(s, "  state: %s\n", vhu_conn_state_name(st.state));
    ds_put_cstr(s, "  since: ");
    ds_put_strftime_msec(s, "%Y-%m-%d %H:%M:%S.###",
                         time_wall_msec() - (now - st.since), true);
    ds_put_format(s, " (%lld s ago)\n", (now - st.since) / 1000);
    ds_put_format(s, "  connects: %"PRIu64"\n", st.n_connects);
    ds_put_format(s, "  disconnects: %"PRIu64"\n", st.n_disconnects);
    ds_put_format(s, "  requests: %"PRIu64" in %"PRIu64" rounds\n",
                  st.n_requests, st.n_request_rounds);
    ds_put_format(s, "  last error: %s\n",
                  st.last_error ? ovs_strerror(st.last_error) : "none");
    ds_put_cstr(s, "  features: ");
    format_features(s, st.features, vhu_feature_name);
    ds_put_cstr(s, "\n  protocol features: ");
    format_features(s, st.protocol_features, vhu_protocol_feature_name);
    ds_put_format(s, "\n  mtu: %d\n", mtu);
    if (st.guest_mtu) {
        ds_put_format(s, "  guest mtu: %"PRIu16"\n", st.guest_mtu);
    } else {
        ds_put_cstr(s, "  guest mtu: not set\n");
    }
    ds_put_format(s, "  driver: %s\n", st.driver_ok ? "ok" : "not ready");
    /* Live migration, once it concerns this port. */
    if (st.logging || st.log_size) {
        ds_put_format(s, "  dirty log: %s, %"PRIu64" bytes mapped\n",
                      st.logging ? "on" : "off", st.log_size);
    }
    if (st.n_rarps) {
        const uint8_t *m = st.rarp_mac;

        ds_put_format(s, "  SEND_RARP: %"PRIu64", the last for "
                      "%02x:%02x:%02x:%02x:%02x:%02x %lld ms ago\n",
                      st.n_rarps, m[0], m[1], m[2], m[3], m[4], m[5],
                      time_msec() - st.last_rarp);
    }

    unsigned int n_enabled = 0;
    for (unsigned int qp = 0; qp < st.n_queue_pairs; qp++) {
        n_enabled += (st.enabled_vrings >> (2 * qp) & 3) == 3;
    }
    ds_put_format(s, "  queue pairs: %u offered, %u in use, %u enabled\n",
                  st.max_queue_pairs, st.n_queue_pairs, n_enabled);

    ds_put_format(s, "  memory regions: %u\n", st.n_regions);
    for (unsigned int i = 0; i < st.n_regions; i++) {
        const struct vhu_mem_region *r = &st.regions[i];

        ds_put_format(s, "    region %u: guest 0x%"PRIx64"-0x%"PRIx64
                      " size %"PRIu64" fd offset %"PRIu64" mapped at %p\n",
                      i, r->gpa, r->gpa + r->size - 1, r->size,
                      r->fd_offset, r->hva);
    }

    ds_put_cstr(s, "  vrings:\n");
    for (unsigned int i = 0; i < 2 * st.n_queue_pairs; i++) {
        ds_put_cstr(s, "    ");
        format_vring_label(s, i);
        ds_put_format(s, ": size %"PRIu16", %s, %s",
                      st.vring_sizes[i],
                      st.enabled_vrings & (1u << i) ? "enabled" : "disabled",
                      st.live_vrings & (1u << i) ? "running" : "stopped");
        if (i % 2 && (int) i / 2 < netdev->n_rxq) {
            const struct vhu_rxq_poller *p = &port->pollers[i / 2];

            if (p->thread_id) {
                ds_put_format(s, ", polled on core %d", p->core);
            } else {
                ds_put_cstr(s, ", not polled yet");
            }
        }
        ds_put_char(s, '\n');
    }
}

static void
vhu_unixctl_show(struct unixctl_conn *conn, int argc, const char *argv[],
                 void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct vhu_port_list list;

    if (!vhu_port_list_get(conn, argc > 1 ? argv[1] : NULL, &list)) {
        return;
    }
    for (size_t i = 0; i < list.n; i++) {
        show_port(&s, netdev_vhu_cast(list.netdevs[i]));
    }
    if (argc < 2) {
        uint64_t allocated, freed;
        size_t magazines;

        vhu_pool_get_stats(&allocated, &freed, &magazines);
        ds_put_format(&s, "packet pool: %"PRIu64" packets allocated, "
                      "%"PRIu64" freed, %"PRIuSIZE" magazines of %d spare\n",
                      allocated, freed, magazines, VHU_POOL_MAGAZINE);
        ds_put_format(&s, "type dpdkvhostuserclient: %s\n",
                      (netdev_vhu_dpdk_alias_active()
                       ? "ours (other_config:vhostuser-dpdk-alias=true)"
                       : "not ours"));
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
    vhu_port_list_destroy(&list);
}

/* vhostuser/ring-show [PORT [QUEUE]] */

/* Starts using the rings of 'port' (see struct vhu_ring_users) and returns
 * its live ring 'vring', or NULL.  The caller must call vhu_rings_exit()
 * with '*epoch' when done with it, and do it soon: the control thread may
 * be waiting. */
static const struct vhu_virtq *
live_virtq(struct vhu_port *port, unsigned int vring, unsigned int *epoch)
{
    const struct vhu_dp_view *view = vhu_rings_enter(port, epoch);
    unsigned int qp = vring / 2;

    return vring % 2 ? view->rx[qp] : view->tx[qp];
}

/* Counters of 'vring' since the last vhostuser/stats-clear. */
static void
vring_stats(struct netdev_vhu *dev, unsigned int vring,
            struct vhu_virtq_stats *out)
{
    const struct vhu_virtq_stats *cur = &dev->port->dev.vrings[vring].vq.stats;
    const struct vhu_virtq_stats *base = &dev->stats_base[vring];

#define VHU_SUB(FIELD) out->FIELD = cur->FIELD - base->FIELD
    VHU_SUB(packets);
    VHU_SUB(bytes);
    VHU_SUB(bursts);
    VHU_SUB(interrupts);
    VHU_SUB(interrupts_suppressed);
    VHU_SUB(drop_full);
    VHU_SUB(drop_no_buffers);
    VHU_SUB(drop_too_big);
    VHU_SUB(drop_bad_desc);
    VHU_SUB(drop_no_mem);
    VHU_SUB(bad_avail_idx);
    VHU_SUB(retries);
    VHU_SUB(log_pages);
    VHU_SUB(walks);
#undef VHU_SUB
}

#define KEY "    %-24s"

static void
show_ring(struct ds *s, struct netdev_vhu *dev, unsigned int vring,
          const struct vhu_port_status *st)
{
    struct vhu_virtq_stats stats;
    unsigned int epoch;
    uint64_t kicks;

    ovs_mutex_lock(&dev->mutex);
    vring_stats(dev, vring, &stats);
    ovs_mutex_unlock(&dev->mutex);
    atomic_read_relaxed(&dev->port->kicks[vring], &kicks);

    ds_put_cstr(s, "  ");
    format_vring_label(s, vring);
    ds_put_cstr(s, ":\n");
    ds_put_format(s, KEY"%"PRIu16"\n", "size:", st->vring_sizes[vring]);
    ds_put_format(s, KEY"%s\n", "enabled:",
                  st->enabled_vrings & (1u << vring) ? "yes" : "no");
    const struct vhu_virtq *vq = live_virtq(dev->port, vring, &epoch);
    ds_put_format(s, KEY"%s\n", "running:", vq ? "yes" : "no");
    if ((vq && vq->log) || stats.log_pages) {
        /* Only once a migration has begun. */
        ds_put_format(s, KEY"%s, %"PRIu64" pages marked\n", "dirty log:",
                      vq && vq->log ? "on" : "off", stats.log_pages);
    }
    if (vq) {
        struct vhu_virtq_state rs;
        uint16_t last_avail = vq->last_avail_idx;

        vhu_virtq_get_state(vq, &rs);
        ds_put_format(s, KEY"%"PRIu16"\n", "avail idx:", rs.avail_idx);
        ds_put_format(s, KEY"%"PRIu16"\n", "used idx:", rs.used_idx);
        ds_put_format(s, KEY"%"PRIu16"\n", "last avail idx:", last_avail);
        ds_put_format(s, KEY"%"PRIu16"\n", "pending:",
                      (uint16_t) (rs.avail_idx - last_avail));
        if (vq->event_idx) {
            ds_put_format(s, KEY"on (avail_event %"PRIu16")\n",
                          "kick suppression:", rs.avail_event);
            ds_put_format(s, KEY"event idx (used_event %"PRIu16")\n",
                          "interrupt requests:", rs.used_event);
        } else {
            ds_put_format(s, KEY"%s (used flags 0x%"PRIx16")\n",
                          "kick suppression:",
                          rs.used_flags & VRING_USED_F_NO_NOTIFY
                          ? "on" : "off", rs.used_flags);
            ds_put_format(s, KEY"%s (avail flags 0x%"PRIx16")\n",
                          "interrupt requests:",
                          rs.avail_flags & VRING_AVAIL_F_NO_INTERRUPT
                          ? "off" : "on", rs.avail_flags);
        }
    }
    vhu_rings_exit(dev->port, epoch);
    ds_put_format(s, KEY"%"PRIu64"\n", "packets:", stats.packets);
    ds_put_format(s, KEY"%"PRIu64"\n", "bytes:", stats.bytes);
    ds_put_format(s, KEY"%"PRIu64"\n", "drops ring full:", stats.drop_full);
    ds_put_format(s, KEY"%"PRIu64"\n", "drops no buffers:",
                  stats.drop_no_buffers);
    ds_put_format(s, KEY"%"PRIu64"\n", "drops too big:", stats.drop_too_big);
    ds_put_format(s, KEY"%"PRIu64"\n", "drops bad descriptor:",
                  stats.drop_bad_desc);
    ds_put_format(s, KEY"%"PRIu64"\n", "drops no memory:",
                  stats.drop_no_mem);
    ds_put_format(s, KEY"%"PRIu64"\n", "bad avail idx:",
                  stats.bad_avail_idx);
    ds_put_format(s, KEY"%"PRIu64"\n", "kicks received:", kicks);
    ds_put_format(s, KEY"%"PRIu64"\n", "interrupts sent:", stats.interrupts);
    ds_put_format(s, KEY"%"PRIu64"\n", "interrupts suppressed:",
                  stats.interrupts_suppressed);
    ds_put_format(s, KEY"%"PRIu64"\n", "bursts:", stats.bursts);
    ds_put_format(s, KEY"%.1f\n", "mean burst:",
                  stats.bursts ? (double) stats.packets / stats.bursts : 0.0);
    ds_put_format(s, KEY"%"PRIu64"\n", "retries:", stats.retries);
    ds_put_format(s, KEY"%"PRIu64"\n", "general walks:", stats.walks);
}

/* Parses virtqueue number 'arg' ("3" or "vq3") of a port with 'n_vrings'
 * rings into '*vring'.  On error replies to 'conn' and returns false. */
static bool
parse_vring(struct unixctl_conn *conn, const char *port, const char *arg,
            unsigned int n_vrings, unsigned int *vring)
{
    const char *digits = !strncmp(arg, "vq", 2) ? arg + 2 : arg;

    if (!str_to_uint(digits, 10, vring) || *vring >= n_vrings) {
        char *error = (n_vrings
                       ? xasprintf("%s: no virtqueue %s (it has vq0 to "
                                   "vq%u)", port, arg, n_vrings - 1)
                       : xasprintf("%s: no virtqueue %s (the guest has set "
                                   "up none)", port, arg));
        unixctl_command_reply_error(conn, error);
        free(error);
        return false;
    }
    return true;
}

static void
vhu_unixctl_ring_show(struct unixctl_conn *conn, int argc,
                      const char *argv[], void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct vhu_port_list list;

    if (!vhu_port_list_get(conn, argc > 1 ? argv[1] : NULL, &list)) {
        return;
    }
    for (size_t i = 0; i < list.n; i++) {
        struct netdev_vhu *dev = netdev_vhu_cast(list.netdevs[i]);
        struct vhu_port_status st;
        unsigned int first = 0, last;

        vhu_port_get_status(dev->port, &st);
        last = 2 * st.n_queue_pairs;
        if (argc > 2) {
            if (!parse_vring(conn, argv[1], argv[2], last, &first)) {
                goto out;
            }
            last = first + 1;
        }
        ds_put_format(&s, "%s:\n", netdev_get_name(&dev->up));
        for (unsigned int vring = first; vring < last; vring++) {
            show_ring(&s, dev, vring, &st);
        }
    }
    unixctl_command_reply(conn, ds_cstr(&s));
out:
    ds_destroy(&s);
    vhu_port_list_destroy(&list);
}

/* vhostuser/ring-dump PORT QUEUE [N] */

/* The guest writes the rings, so their output is bounded: at most this many
 * descriptors per chain and in all. */
#define DUMP_MAX_CHAIN 64
#define DUMP_MAX_DESCS 4096

/* Prints the chain at 'head', at most DUMP_MAX_CHAIN descriptors of it and
 * no more than '*budget'; takes what it printed from '*budget'. */
static void
dump_desc(struct ds *s, const struct vhu_virtq *vq, uint16_t head,
          unsigned int *budget)
{
    uint16_t i = head;

    for (uint32_t n = 0; n < MIN(vq->size, DUMP_MAX_CHAIN); n++) {
        struct vring_desc d;

        if (!*budget) {
            return;
        }
        --*budget;

        vhu_virtq_get_desc(vq, i, &d);
        ds_put_format(s, "    desc %5"PRIu16": addr 0x%016"PRIx64" len %6"
                      PRIu32" flags 0x%"PRIx16"%s%s%s", i, d.addr, d.len,
                      d.flags,
                      d.flags & VRING_DESC_F_NEXT ? " NEXT" : "",
                      d.flags & VRING_DESC_F_WRITE ? " WRITE" : "",
                      d.flags & VRING_DESC_F_INDIRECT ? " INDIRECT" : "");
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            ds_put_char(s, '\n');
            return;
        }
        ds_put_format(s, " next %"PRIu16"\n", d.next);
        i = d.next;
    }
    ds_put_format(s, "    (chain goes on: only %d descriptors shown)\n",
                  MIN(vq->size, DUMP_MAX_CHAIN));
}

/* Prints what vhostuser/ring-dump shows of 'vq', at most 'n' entries of
 * each kind. */
static void
dump_ring(struct ds *s, const struct vhu_virtq *vq, unsigned int n)
{
    struct vhu_virtq_state rs;
    uint16_t last_avail = vq->last_avail_idx;
    uint16_t pending, from;

    vhu_virtq_get_state(vq, &rs);
    n = MIN(n, vq->size);
    pending = MIN((uint16_t) (rs.avail_idx - last_avail), n);
    ds_put_format(s, ": size %"PRIu32", avail idx %"PRIu16", used idx %"
                  PRIu16", last avail idx %"PRIu16"\n", vq->size,
                  rs.avail_idx, rs.used_idx, last_avail);

    /* The last 'n' entries we took and up to 'n' the guest has queued. */
    from = last_avail - n;
    ds_put_format(s, "  avail ring, entries %"PRIu16" to %"PRIu16":\n",
                  from, (uint16_t) (last_avail + pending - 1));
    for (uint16_t i = from; i != (uint16_t) (last_avail + pending); i++) {
        uint16_t head = vhu_virtq_get_avail(vq, i);

        ds_put_format(s, "    [%5"PRIu16"] slot %5"PRIu32": head %5"PRIu16
                      "%s\n", i, i & vq->mask, head,
                      (uint16_t) (i - last_avail) < pending ? " pending"
                      : "");
    }

    from = rs.used_idx - n;
    ds_put_format(s, "  used ring, entries %"PRIu16" to %"PRIu16":\n",
                  from, (uint16_t) (rs.used_idx - 1));
    for (uint16_t i = from; i != rs.used_idx; i++) {
        uint32_t id, len;

        vhu_virtq_get_used(vq, i, &id, &len);
        ds_put_format(s, "    [%5"PRIu16"] slot %5"PRIu32": id %5"PRIu32
                      " len %6"PRIu32"\n", i, i & vq->mask, id, len);
    }

    ds_put_cstr(s, "  descriptor chains of pending entries:\n");
    unsigned int budget = DUMP_MAX_DESCS;
    for (uint16_t i = 0; i < pending; i++) {
        uint16_t head = vhu_virtq_get_avail(vq, last_avail + i);

        if (!budget) {
            ds_put_format(s, "    (%d descriptors shown: the rest is "
                          "left out)\n", DUMP_MAX_DESCS);
            break;
        } else if (head < vq->size) {
            dump_desc(s, vq, head, &budget);
        } else {
            ds_put_format(s, "    head %"PRIu16": beyond the ring\n", head);
        }
    }
}

static void
vhu_unixctl_ring_dump(struct unixctl_conn *conn, int argc,
                      const char *argv[], void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct vhu_port_list list;
    struct vhu_port_status st;
    unsigned int vring, n = 8;

    if (!vhu_port_list_get(conn, argv[1], &list)) {
        return;
    }
    struct netdev_vhu *dev = netdev_vhu_cast(list.netdevs[0]);
    vhu_port_get_status(dev->port, &st);
    if (!parse_vring(conn, argv[1], argv[2], 2 * st.n_queue_pairs, &vring)) {
        goto out;
    }
    if (argc > 3 && (!str_to_uint(argv[3], 10, &n) || !n || n > 4096)) {
        unixctl_command_reply_error(conn, "N must be between 1 and 4096");
        goto out;
    }

    unsigned int epoch;
    const struct vhu_virtq *vq = live_virtq(dev->port, vring, &epoch);
    ds_put_format(&s, "%s ", argv[1]);
    format_vring_label(&s, vring);
    if (vq) {
        dump_ring(&s, vq, n);
    } else {
        ds_put_cstr(&s, ": not running\n");
    }
    vhu_rings_exit(dev->port, epoch);
    unixctl_command_reply(conn, ds_cstr(&s));
out:
    ds_destroy(&s);
    vhu_port_list_destroy(&list);
}

/* vhostuser/stats-clear [PORT] */

static void
vhu_unixctl_stats_clear(struct unixctl_conn *conn, int argc,
                        const char *argv[], void *aux OVS_UNUSED)
{
    struct vhu_port_list list;

    if (!vhu_port_list_get(conn, argc > 1 ? argv[1] : NULL, &list)) {
        return;
    }
    for (size_t i = 0; i < list.n; i++) {
        struct netdev_vhu *dev = netdev_vhu_cast(list.netdevs[i]);

        ovs_mutex_lock(&dev->mutex);
        for (unsigned int v = 0; v < VHU_MAX_VRINGS; v++) {
            dev->stats_base[v] = dev->port->dev.vrings[v].vq.stats;
        }
        ovs_mutex_unlock(&dev->mutex);
        for (unsigned int v = 0; v < VHU_MAX_VRINGS; v++) {
            atomic_store_relaxed(&dev->port->kicks[v], 0);
        }
    }
    unixctl_command_reply(conn, NULL);
    vhu_port_list_destroy(&list);
}

void
netdev_vhu_unixctl_register(void)
{
    unixctl_command_register("vhostuser/show", "[PORT]", 0, 1,
                             vhu_unixctl_show, NULL);
    unixctl_command_register("vhostuser/ring-show", "[PORT [QUEUE]]", 0, 2,
                             vhu_unixctl_ring_show, NULL);
    unixctl_command_register("vhostuser/ring-dump", "PORT QUEUE [N]", 2, 3,
                             vhu_unixctl_ring_dump, NULL);
    unixctl_command_register("vhostuser/stats-clear", "[PORT]", 0, 1,
                             vhu_unixctl_stats_clear, NULL);
}
