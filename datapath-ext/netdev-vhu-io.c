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

/* The datapath of vhostuserclient ports: what PMD threads run.
 *
 * Receiving takes a burst from the guest's transmit ring; sending places a
 * burst into the guest's receive ring, retrying a few times if the guest is
 * slow to refill it.  Rings come from the port's view, used between
 * vhu_rings_enter() and vhu_rings_exit() (see struct vhu_ring_users), so no
 * lock is needed, except each guest receive ring's own, which sending takes
 * (see struct vhu_tx_lock). */

#include <config.h>

#include <errno.h>
#include <sched.h>

#include "dp-packet.h"
#include "dpif-netdev.h"
#include "netdev-vhu-private.h"
#include "virtq.h"

/* Remembers which thread polls 'rxq', for vhostuser/show; only writes when
 * that changes. */
static inline void
netdev_vhu_note_poller(const struct netdev_rxq *rxq)
{
    struct netdev_vhu *dev = CONTAINER_OF(rxq->netdev, struct netdev_vhu, up);
    struct vhu_rxq_poller *poller = &dev->port->pollers[rxq->queue_id];
    unsigned int id = ovsthread_id_self();

    if (OVS_UNLIKELY(poller->thread_id != id)) {
        poller->core = sched_getcpu();
        poller->thread_id = id;
    }
}

static inline struct vhu_dp_view *
netdev_vhu_view(const struct netdev *netdev)
{
    struct netdev_vhu *dev = CONTAINER_OF(netdev, struct netdev_vhu, up);

    return ovsrcu_get(struct vhu_dp_view *, &dev->port->view);
}

/* Packets from guests.
 *
 * A received packet and its data share one allocation: a "stub" buffer right
 * behind the struct dp_packet, so dp_packet_delete() frees both at once and
 * anything in OVS that must grow the data moves it to a buffer of its own.
 * Packets of up to VHU_PKT_CAPACITY bytes all have that capacity, and when
 * one comes back to netdev_vhu_send() intact (VM-to-VM traffic), the sending
 * thread keeps it for its next receive instead of freeing it: a PMD thread
 * forwarding between guests then allocates nothing. */
#define VHU_PKT_CAPACITY 2048   /* Headroom included. */
#define VHU_PKT_CACHE_MAX 512   /* Packets one thread keeps. */

struct vhu_pkt_cache {
    size_t n;
    struct dp_packet *pkts[VHU_PKT_CACHE_MAX];
};

DEFINE_STATIC_PER_THREAD_DATA(struct vhu_pkt_cache *, vhu_pkt_cache_ptr, NULL);
static ovsthread_key_t vhu_pkt_cache_key;

static void
vhu_pkt_cache_destroy(void *cache_)
{
    struct vhu_pkt_cache *cache = cache_;

    for (size_t i = 0; i < cache->n; i++) {
        free(cache->pkts[i]);
    }
    free(cache);
}

/* This thread's cache, created on first use and freed when it exits. */
static struct vhu_pkt_cache *
vhu_pkt_cache_get(void)
{
    struct vhu_pkt_cache **cachep = vhu_pkt_cache_ptr_get();

    if (OVS_UNLIKELY(!*cachep)) {
        static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

        if (ovsthread_once_start(&once)) {
            ovsthread_key_create(&vhu_pkt_cache_key, vhu_pkt_cache_destroy);
            ovsthread_once_done(&once);
        }
        *cachep = xzalloc(sizeof **cachep);
        ovsthread_setspecific(vhu_pkt_cache_key, *cachep);
    }
    return *cachep;
}

static void *
netdev_vhu_alloc_packet(void *cache_, uint32_t size, uint8_t **data)
{
    struct vhu_pkt_cache *cache = cache_;
    size_t allocated = DP_NETDEV_HEADROOM + size;
    struct dp_packet *packet;

    if (allocated <= VHU_PKT_CAPACITY) {
        allocated = VHU_PKT_CAPACITY;
        packet = (cache->n ? cache->pkts[--cache->n]
                  : xmalloc(sizeof *packet + allocated));
    } else {
        packet = xmalloc(sizeof *packet + allocated);
    }
    dp_packet_use_stub(packet, packet + 1, allocated);
    dp_packet_reserve(packet, DP_NETDEV_HEADROOM);
    dp_packet_set_size(packet, size);
    *data = dp_packet_data(packet);
    return packet;
}

/* Frees 'packet', or keeps it for netdev_vhu_alloc_packet() if it is one of
 * ours that nothing in OVS reallocated. */
static void
vhu_pkt_release(struct vhu_pkt_cache *cache, struct dp_packet *packet)
{
    if (packet->source == DPBUF_STUB
        && dp_packet_base(packet) == (void *) (packet + 1)
        && dp_packet_get_allocated(packet) == VHU_PKT_CAPACITY
        && cache->n < VHU_PKT_CACHE_MAX) {
        cache->pkts[cache->n++] = packet;
    } else {
        dp_packet_delete(packet);
    }
}

/* Receives a burst from the guest's transmit queue 'rxq->queue_id'. */
int
netdev_vhu_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch,
                    int *qfill)
{
    struct netdev_vhu *dev = CONTAINER_OF(rxq->netdev, struct netdev_vhu, up);
    const struct vhu_dp_view *view;
    struct vhu_virtq *vq = NULL;
    unsigned int epoch;
    int left = 0;
    int n = 0;

    view = vhu_rings_enter(dev->port, &epoch);
    if (rxq->queue_id < VHU_MAX_QUEUE_PAIRS) {
        vq = view->rx[rxq->queue_id];
    }
    if (vq) {
        netdev_vhu_note_poller(rxq);
        n = vhu_virtq_dequeue_burst(vq, (void **) batch->packets,
                                    NETDEV_MAX_BURST,
                                    netdev_vhu_alloc_packet,
                                    vhu_pkt_cache_get(), &left);
    }
    vhu_rings_exit(dev->port, epoch);
    if (qfill) {
        *qfill = left;
    }
    if (!n) {
        return EAGAIN;
    }
    batch->count = n;
    return 0;
}

/* Returns true if the guest has enabled transmit queue 'rxq->queue_id':
 * PMD threads skip queues that are not. */
bool
netdev_vhu_rxq_enabled(struct netdev_rxq *rxq)
{
    const struct vhu_dp_view *view = netdev_vhu_view(rxq->netdev);

    return rxq->queue_id < VHU_MAX_QUEUE_PAIRS && view->rx[rxq->queue_id];
}

static void
vhu_tx_lock(struct vhu_tx_lock *lock)
{
    while (atomic_flag_test_and_set_explicit(&lock->busy,
                                             memory_order_acquire)) {
        continue;
    }
}

static void
vhu_tx_unlock(struct vhu_tx_lock *lock)
{
    atomic_flag_clear_explicit(&lock->busy, memory_order_release);
}

/* Sends 'batch' into one of the guest's receive queues, chosen by 'qid'. */
int
netdev_vhu_send(struct netdev *netdev, int qid, struct dp_packet_batch *batch,
                bool concurrent_txq OVS_UNUSED)
{
    struct netdev_vhu *dev = CONTAINER_OF(netdev, struct netdev_vhu, up);
    struct vhu_pkt pkts[NETDEV_MAX_BURST];
    const struct vhu_dp_view *view;
    struct dp_packet *packet;
    unsigned int epoch;
    uint32_t max_frame;
    int retries_max;
    int n_pkts = 0;
    int sent = 0;

    view = vhu_rings_enter(dev->port, &epoch);
    if (!view->n_tx) {
        uint64_t orig;

        vhu_rings_exit(dev->port, epoch);
        atomic_add_relaxed(&dev->port->tx_dropped_down,
                           dp_packet_batch_size(batch), &orig);
        dp_packet_delete_batch(batch, true);
        return 0;
    }

    unsigned int qp = view->tx_map[(unsigned int) qid % view->n_tx];
    struct vhu_virtq *vq = view->tx[qp];
    struct vhu_tx_lock *lock = &dev->port->tx_locks[qp];

    vhu_tx_lock(lock);

    atomic_read_relaxed(&dev->max_tx_frame, &max_frame);
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        uint32_t size = dp_packet_size(packet);

        if (size > max_frame) {
            vq->stats.drop_too_big++;
            continue;
        }
        pkts[n_pkts].data = dp_packet_data(packet);
        pkts[n_pkts].size = size;
        n_pkts++;
    }

    atomic_read_relaxed(&dev->tx_retries_max, &retries_max);
    for (int retries = 0; ; retries++) {
        sent += vhu_virtq_enqueue_burst(vq, pkts + sent, n_pkts - sent);
        if (sent == n_pkts || retries >= retries_max) {
            break;
        }
        vq->stats.retries++;
    }
    if (sent < n_pkts) {
        if (vhu_virtq_has_buffers(vq)) {
            vq->stats.drop_full += n_pkts - sent;
        } else {
            vq->stats.drop_no_buffers += n_pkts - sent;
        }
    }

    vhu_tx_unlock(lock);
    vhu_rings_exit(dev->port, epoch);

    struct vhu_pkt_cache *cache = vhu_pkt_cache_get();
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        vhu_pkt_release(cache, packet);
    }
    return 0;
}
