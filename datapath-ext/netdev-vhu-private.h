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

#ifndef NETDEV_VHU_PRIVATE_H
#define NETDEV_VHU_PRIVATE_H 1

/* Shared between the files of the vhostuserclient netdev provider:
 * netdev-vhu.c (the netdev class, main thread), netdev-vhu-ctl.c (the
 * control thread that talks vhost-user) and netdev-vhu-io.c (the PMD
 * datapath).
 *
 * Each port has two objects.  'struct netdev_vhu' is the netdev that OVS
 * owns.  'struct vhu_port' holds the vhost-user connection and the guest's
 * rings; it belongs to the control thread and is reference counted, so that
 * a netdev can be destroyed at once while the control thread winds the
 * connection down in its own time.
 *
 * Threads and what they touch:
 *   - main thread: netdev_vhu, and the 'mutex'-guarded part of vhu_port;
 *   - control thread: the "control thread only" part of vhu_port, and the
 *     guarded part under 'mutex';
 *   - PMD threads: 'view' and what it points to, through RCU, and each
 *     guest receive ring's tx lock.
 * The control thread never holds a mutex while it waits for RCU, and no
 * other thread waits for the control thread, so there is no deadlock.
 *
 * Lock order (clang's -Wthread-safety checks the annotations, "make
 * check-thread-safety"; in C, OVS_GUARDED on a member means "under some
 * mutex", the struct's own):
 *   netdev_vhu's 'mutex', then vhu_paths_mutex (netdev-vhu.c) or vhu_port's
 *   'mutex'; vhu_ports_mutex (netdev-vhu-ctl.c) is never held with another;
 *   a tx lock is taken alone, by a PMD thread.
 * Names: 'dev' is a struct netdev_vhu, 'port' a struct vhu_port, and
 * 'port->dev' lib/'s struct vhu_dev. */

#include <stdbool.h>
#include <stdint.h>

#include "netdev-provider.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "smap.h"
#include "vhost-user-conn.h"
#include "vhost-user-dev.h"
#include "vhost-user-msg.h"

/* What PMD threads see of a port: the rings they may use right now.  It is
 * immutable; the control thread publishes a new one whenever rings start or
 * stop. */
struct vhu_dp_view {
    /* Indexed by queue pair.  NULL if the ring is not live. */
    struct vhu_virtq *rx[VHU_MAX_QUEUE_PAIRS]; /* Guest TX: we receive. */
    struct vhu_virtq *tx[VHU_MAX_QUEUE_PAIRS]; /* Guest RX: we send. */

    /* vhu_virtq_avail_idx() of each rx[] ring, so that a poll of an idle
     * one touches as little as it can (see netdev_vhu_rxq_recv()). */
    const uint16_t *rx_avail_idx[VHU_MAX_QUEUE_PAIRS];

    /* OVS transmit queue 'qid' sends into guest queue pair
     * tx_map[qid % n_tx]. */
    unsigned int n_tx;
    uint8_t tx_map[VHU_MAX_QUEUE_PAIRS];
};

/* What the main thread may know about the connection, copied out by the
 * control thread whenever it changes. */
struct vhu_port_status {
    enum vhu_conn_state state;
    long long int since;        /* When 'state' was entered (ms). */
    int last_error;             /* errno of the last failure, or 0. */
    uint64_t n_connects;
    uint64_t n_disconnects;
    uint64_t features;          /* Negotiated virtio features. */
    uint64_t protocol_features; /* Negotiated protocol features. */
    unsigned int n_queue_pairs; /* Started by the guest, 0 if none. */
    uint32_t enabled_vrings;    /* Bit N: vring N enabled. */
    uint32_t live_vrings;       /* Bit N: vring N in the datapath. */
    uint16_t vring_sizes[VHU_MAX_VRINGS];
    bool driver_ok;             /* Guest driver is up: carrier. */
    uint16_t guest_mtu;         /* From NET_SET_MTU, 0 if none. */
    bool logging;               /* Dirty logging is on (migrating). */
    uint64_t log_size;          /* Bytes of dirty log mapped. */
    uint64_t n_rarps;           /* SEND_RARP requests, */
    long long int last_rarp;    /* when the last one came (ms), */
    uint8_t rarp_mac[6];        /* and for which MAC. */
    unsigned int max_queue_pairs;   /* Offered. */
    uint64_t n_requests;        /* Served since the port was made, */
    uint64_t n_request_rounds;  /* in so many rounds of at most
                                 * VHU_MSGS_PER_RUN. */
    unsigned int n_regions;
    struct vhu_mem_region regions[VHU_MEM_MAX_REGIONS];
};

/* Which thread polls an rx queue, for vhostuser/show.  Written by that
 * thread when it changes. */
struct vhu_rxq_poller {
    unsigned int thread_id;     /* ovsthread_id_self(), 0 if none yet. */
    int core;                   /* CPU it ran on. */
};

/* The lock of a guest receive ring, taken by every send into it.  Whether
 * several threads can share a ring depends on the view each one holds, and
 * an old and a new view coexist for a while, so the lock is never skipped;
 * uncontended, it costs one atomic exchange per burst. */
struct vhu_tx_lock {
    atomic_flag busy;
} OVS_ALIGNED_VAR(CACHE_LINE_SIZE);

/* Threads using the rings of a port's view: PMD threads in
 * netdev-vhu-io.c, the main thread in netdev-vhu-unixctl.c.  Each counts
 * itself in the current epoch while it does (vhu_rings_enter()/_exit()).
 * Before changing a ring it took out of the view, the control thread moves
 * to the other epoch and waits until the old one is empty
 * (vhu_port_synchronize()): only for the threads that use this port, where
 * an RCU grace period would also wait for every other thread, the main
 * thread in a long database transaction included. */
struct vhu_ring_users {
    atomic_uint epoch;
    atomic_uint count[2];
};

/* The vhost-user side of a port. */
struct vhu_port {
    struct ovs_refcount ref_cnt;
    char *name;                 /* The netdev's name, for logging. */
    long long int created;      /* When (ms). */

    struct ovs_mutex mutex;
    /* The netdev, NULL once OVS destroyed it. */
    struct netdev *netdev OVS_GUARDED;
    char *path OVS_GUARDED;     /* Socket to connect to, NULL for none. */
    long long int reconnect_interval OVS_GUARDED;
    bool reconnect OVS_GUARDED; /* Configuration changed: start over. */
    struct vhu_port_status status OVS_GUARDED;
    long long int renotify_at OVS_GUARDED;  /* See vhu_port_renotify(). */

    /* Control thread only. */
    struct ovs_list list_node;  /* In 'vhu_ports', under its mutex. */
    bool has_conn;              /* 'conn' is configured. */
    struct vhu_conn conn;
    struct vhu_msg_reader reader;
    struct vhu_msg reply;
    struct vhu_dev dev;         /* Its rings are what PMDs use. */
    bool driver_ran;            /* The guest's driver ran this session. */
    struct vlog_rate_limit log_rl;      /* Each port's own, so that a noisy */
    struct vlog_rate_limit retry_rl;    /* one cannot silence the others. */
    uint64_t rarps_seen;        /* dev.n_rarps when last looked at. */
    uint64_t n_requests;        /* Requests served, in all, */
    uint64_t n_request_rounds;  /* in so many rounds of the thread. */
    long long int last_rarp;    /* When it last moved (ms). */

    /* Control thread writes, anyone reads. */
    atomic_uint64_t kicks[VHU_MAX_VRINGS];  /* Guest kicks seen. */

    /* PMD threads. */
    OVSRCU_TYPE(struct vhu_dp_view *) view;
    /* A RARP for the poller of queue 0 to inject: VHU_RARP_PENDING with the
     * MAC in the low 48 bits, or 0.  One word, so that it cannot tear. */
    atomic_uint64_t rarp_request;
    struct vhu_ring_users users;
    struct vhu_tx_lock tx_locks[VHU_MAX_QUEUE_PAIRS];
    atomic_uint64_t tx_dropped_down;    /* Sent while no ring was live. */
    struct vhu_rxq_poller pollers[VHU_MAX_QUEUE_PAIRS];
};

#define VHU_RARP_PENDING (UINT64_C(1) << 63)

/* An rx queue: the guest transmit queue of the same number. */
struct netdev_vhu_rxq {
    struct netdev_rxq up;
    struct vhu_port *port;      /* The netdev's, kept here to save a load
                                 * per poll. */
};

/* The netdev. */
struct netdev_vhu {
    struct netdev up;
    struct vhu_port *port;      /* Set by construct, never changes. */

    struct ovs_mutex mutex;
    char *path OVS_GUARDED;     /* options:vhost-server-path. */
    int mtu OVS_GUARDED;
    struct eth_addr hwaddr OVS_GUARDED;
    struct smap carried_options OVS_GUARDED; /* OVS-DPDK's, ignored. */

    /* Read by PMD threads. */
    atomic_int tx_retries_max;  /* options:tx-retries-max. */
    atomic_uint32_t max_tx_frame;   /* Longest frame sent to the guest. */

    /* Counters at the last vhostuser/stats-clear: what it shows is counted
     * from there, while the rings' own counters, which PMD threads own,
     * keep running. */
    struct vhu_virtq_stats stats_base[VHU_MAX_VRINGS] OVS_GUARDED;
};

struct shash;

/* Starts using the rings of 'port': returns its current view, and in
 * '*epoch' what to pass to vhu_rings_exit().  Sequentially consistent, as the
 * control thread's side: either it sees this thread counted, or this thread
 * sees the epoch it moved to (and then counts itself there instead, or a
 * later synchronize would not wait for it) and the view it published. */
static inline const struct vhu_dp_view *
vhu_rings_enter(struct vhu_port *port, unsigned int *epoch)
{
    struct vhu_dp_view *view;
    unsigned int orig, now;

    atomic_read(&port->users.epoch, &now);
    do {
        *epoch = now & 1;
        atomic_add(&port->users.count[*epoch], 1, &orig);
        atomic_read(&port->users.epoch, &now);
        if ((now & 1) == *epoch) {
            break;
        }
        atomic_sub(&port->users.count[*epoch], 1, &orig);
    } while (true);
    atomic_read(&port->view.p, &view);
    return view;
}

static inline void
vhu_rings_exit(struct vhu_port *port, unsigned int epoch)
{
    unsigned int orig;

    atomic_sub_explicit(&port->users.count[epoch], 1, &orig,
                        memory_order_release);
}

bool is_netdev_vhu_class(const struct netdev_class *);
void netdev_vhu_get_devices(struct shash *);

static inline struct netdev_vhu *
netdev_vhu_cast(const struct netdev *netdev)
{
    ovs_assert(is_netdev_vhu_class(netdev_get_class(netdev)));
    return CONTAINER_OF(netdev, struct netdev_vhu, up);
}

/* netdev-vhu-ctl.c. */
struct vhu_port *vhu_port_create(struct netdev *);
void vhu_port_destroy(struct vhu_port *);
void vhu_port_configure(struct vhu_port *, const char *path,
                        long long int reconnect_interval);
void vhu_port_get_status(struct vhu_port *, struct vhu_port_status *);

/* netdev-vhu-unixctl.c. */
void netdev_vhu_unixctl_register(void);

/* netdev-vhu-io.c. */
int netdev_vhu_rxq_recv(struct netdev_rxq *, struct dp_packet_batch *,
                        int *qfill);
bool netdev_vhu_rxq_enabled(struct netdev_rxq *);
int netdev_vhu_send(struct netdev *, int qid, struct dp_packet_batch *,
                    bool concurrent_txq);

#endif /* netdev-vhu-private.h */
