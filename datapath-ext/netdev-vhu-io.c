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
 * Receiving takes a burst from the guest's transmit ring into pool packets
 * (netdev-vhu-pool.h); sending places a burst into the guest's receive
 * ring, retrying a few times if the guest is slow to refill it, and gives
 * pool packets back to the pool.  Rings come from the port's view, used
 * between vhu_rings_enter() and vhu_rings_exit() (see struct
 * vhu_ring_users), so no lock is needed, except each guest receive ring's
 * own, which sending takes (see struct vhu_tx_lock).  Only the check
 * whether an idle receive ring has anything for us happens outside, as a
 * read-only peek (vhu_virtq_peek()).  After a live migration, the poller
 * of queue 0 injects the RARP that the front-end asked for (SEND_RARP). */

#include <config.h>

#include <errno.h>
#include <sched.h>

#include "dp-packet.h"
#include "dpif-netdev.h"
#include "packets.h"
#include "netdev-vhu-pool.h"
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

/* Packets from guests: small pool packets (netdev-vhu-pool.h), or for
 * frames too big for one, a jumbo pool packet or one of their own. */

/* What netdev_vhu_alloc_big() needs. */
struct vhu_alloc_ctx {
    struct vhu_pool_stack *stacks;  /* This thread's. */
    bool swapped;               /* A small pool packet was replaced. */
};

/* The dequeue's allocation callback, for a frame that a small pool packet
 * cannot hold.  The small packet stays on its stack: netdev_vhu_rxq_recv()
 * sees 'swapped' and keeps it there. */
static bool
netdev_vhu_alloc_big(void *ctx_, struct vhu_buf *buf, uint32_t size)
{
    struct vhu_alloc_ctx *ctx = ctx_;
    struct dp_packet *packet;

    if (size <= VHU_POOL_JUMBO_CAPACITY) {
        struct vhu_pool_stack *jumbo = &ctx->stacks[VHU_POOL_JUMBO];

        vhu_pool_reserve(jumbo, 1);
        packet = jumbo->pkts[--jumbo->n];
        buf->data = vhu_pool_data(packet);
        buf->capacity = VHU_POOL_JUMBO_CAPACITY;
    } else {
        packet = dp_packet_new_with_headroom(size, DP_NETDEV_HEADROOM);
        buf->data = dp_packet_data(packet);
        buf->capacity = size;
    }
    buf->handle = packet;
    ctx->swapped = true;
    return true;
}

/* Puts into 'batch' the RARP that 'request' (see struct vhu_port) asks
 * for, as the guest would send it: from its MAC, to everyone. */
static int
netdev_vhu_inject_rarp(struct dp_packet_batch *batch, uint64_t request)
{
    struct dp_packet *packet = dp_packet_new(0);
    struct eth_addr mac;

    for (int i = 0; i < 6; i++) {
        mac.ea[i] = request >> (40 - 8 * i);
    }
    compose_rarp(packet, mac);
    batch->packets[0] = packet;
    batch->count = 1;
    return 0;
}

/* Receives a burst from the guest's transmit queue 'rxq->queue_id'.
 *
 * The burst's buffers are the top NETDEV_MAX_BURST packets of this thread's
 * stack of small pool packets, bufs[i] holding pkts[n - 1 - i]: the packets
 * the dequeue fills are then the top of the stack, and taking them is one
 * subtraction. */
int
netdev_vhu_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch,
                    int *qfill)
{
    struct vhu_port *port = CONTAINER_OF(rxq, struct netdev_vhu_rxq, up)->port;
    struct vhu_buf bufs[NETDEV_MAX_BURST];
    const struct vhu_dp_view *view;
    const uint16_t *avail_idx;
    struct vhu_virtq *vq;
    unsigned int epoch;
    int left = 0;
    int n = 0;

    if (qfill) {
        *qfill = 0;
    }
    if (OVS_UNLIKELY(rxq->queue_id >= VHU_MAX_QUEUE_PAIRS)) {
        return EAGAIN;
    }

    /* An idle ring costs only this peek, four dependent loads: PMD threads
     * stay in an RCU read-side section for a whole iteration, and guest
     * memory is unmapped only after a grace period, so it needs no
     * ring-user count. */
    /* After a migration: announce the guest first (this poll only). */
    uint64_t rarp;
    atomic_read_relaxed(&port->rarp_request, &rarp);
    if (OVS_UNLIKELY(rarp) && !rxq->queue_id
        && atomic_compare_exchange_strong(&port->rarp_request, &rarp, 0)) {
        return netdev_vhu_inject_rarp(batch, rarp);
    }

    view = ovsrcu_get(struct vhu_dp_view *, &port->view);
    avail_idx = view->rx_avail_idx[rxq->queue_id];
    if (!avail_idx || !vhu_virtq_peek(view->rx[rxq->queue_id], avail_idx)) {
        return EAGAIN;
    }

    view = vhu_rings_enter(port, &epoch);
    vq = view->rx[rxq->queue_id];
    if (vq && vhu_virtq_has_buffers(vq)) {
        struct vhu_alloc_ctx ctx = { .stacks = vhu_pool_stacks_get() };
        struct vhu_pool_stack *stack = &ctx.stacks[VHU_POOL_SMALL];
        struct dp_packet **top;

        netdev_vhu_note_poller(rxq);
        vhu_pool_reserve(stack, NETDEV_MAX_BURST);
        top = &stack->pkts[stack->n - 1];
        for (int i = 0; i < NETDEV_MAX_BURST; i++) {
            bufs[i].handle = top[-i];
            bufs[i].data = vhu_pool_data(top[-i]);
            bufs[i].capacity = VHU_POOL_DATA_CAPACITY;
        }
        n = vhu_virtq_dequeue_burst(vq, bufs, NETDEV_MAX_BURST,
                                    netdev_vhu_alloc_big, &ctx, &left);
        for (int i = 0; i < n; i++) {
            struct dp_packet *packet = bufs[i].handle;

            vhu_pool_prepare(packet, bufs[i].data, bufs[i].size);
            batch->packets[i] = packet;
        }
        if (OVS_LIKELY(!ctx.swapped)) {
            stack->n -= n;
        } else {
            /* Keep the small pool packets that bigger ones replaced. */
            size_t keep = stack->n - n;

            for (int i = n - 1; i >= 0; i--) {
                if (top[-i] != bufs[i].handle) {
                    stack->pkts[keep++] = top[-i];
                }
            }
            stack->n = keep;
        }
    }
    vhu_rings_exit(port, epoch);
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

    struct vhu_pool_stack *stacks = vhu_pool_stacks_get();
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        vhu_pool_release(stacks, packet);
    }
    return 0;
}
