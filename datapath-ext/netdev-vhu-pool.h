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

#ifndef NETDEV_VHU_POOL_H
#define NETDEV_VHU_POOL_H 1

/* Packets for frames from guests, recycled instead of freed.
 *
 * A pool packet is one cache-aligned allocation: the struct dp_packet,
 * headroom, then data starting on a cache line, so that a 64-byte frame
 * takes one line.  There are two classes, for frames of a 1500-byte MTU and
 * for jumbo frames.  Its data is a "stub" buffer right behind the struct,
 * so dp_packet_delete() frees it whole and anything in OVS that must grow
 * the data moves it to a buffer of its own (the packet then no longer looks
 * like a pool packet and is freed, not recycled).
 *
 * Each thread keeps a stack of free pool packets per class.  Receiving pops
 * from it, sending a pool packet to a guest pushes it back.  When receive
 * and send run on different threads, whole magazines of packets move
 * between their stacks through a shared depot under one mutex, so that
 * steady traffic allocates and frees nothing and takes the mutex once per
 * VHU_POOL_MAGAZINE packets.  Coverage counters vhostuser_pool_alloc and
 * vhostuser_pool_free, and vhostuser/show, count what does reach malloc()
 * and free().  Packets that OVS frees itself (a pool packet sent to another
 * kind of port, or dropped) leave the pool unseen. */

#include <stddef.h>
#include <stdint.h>

#include "dp-packet.h"

/* Where a pool packet's data starts, from the struct (which is over 500
 * bytes, most of it metadata): past at least 64 bytes of headroom (OVS
 * wants DP_NETDEV_HEADROOM), on a cache line. */
#define VHU_POOL_DATA_OFS ROUND_UP(sizeof(struct dp_packet) + 64, 64)

enum vhu_pool_class {
    VHU_POOL_SMALL,             /* A 1500-byte MTU frame with VLAN tags, and
                                 * room for headers that actions push. */
    VHU_POOL_JUMBO,             /* The same for a 9000-byte MTU. */
    VHU_POOL_N_CLASSES
};

/* Bytes of frame a pool packet of each class holds. */
#define VHU_POOL_DATA_CAPACITY 2048
#define VHU_POOL_JUMBO_CAPACITY 9216

static inline uint32_t
vhu_pool_capacity(enum vhu_pool_class class)
{
    return class == VHU_POOL_SMALL ? VHU_POOL_DATA_CAPACITY
                                   : VHU_POOL_JUMBO_CAPACITY;
}

/* What dp_packet_get_allocated() says of a pool packet of 'class'. */
static inline uint32_t
vhu_pool_allocated(enum vhu_pool_class class)
{
    return (VHU_POOL_DATA_OFS - sizeof(struct dp_packet)
            + vhu_pool_capacity(class));
}

/* Packets that move between a thread's stack and the depot at once. */
#define VHU_POOL_MAGAZINE 64

/* Most packets a thread's stack holds. */
#define VHU_POOL_STACK_MAX (4 * VHU_POOL_MAGAZINE)

/* One thread's free pool packets of one class: pkts[0] to pkts[n - 1], the
 * top last. */
struct vhu_pool_stack {
    enum vhu_pool_class class;
    size_t n;
    struct dp_packet *pkts[VHU_POOL_STACK_MAX];
};

struct vhu_pool_stack *vhu_pool_stacks_get(void);
void vhu_pool_refill(struct vhu_pool_stack *, size_t want);
void vhu_pool_spill(struct vhu_pool_stack *);
void vhu_pool_get_stats(uint64_t *allocated, uint64_t *freed,
                        size_t *magazines);

/* Makes sure the stack holds at least 'want' packets (at most
 * VHU_POOL_MAGAZINE). */
static inline void
vhu_pool_reserve(struct vhu_pool_stack *stack, size_t want)
{
    if (OVS_UNLIKELY(stack->n < want)) {
        vhu_pool_refill(stack, want);
    }
}

static inline uint8_t *
vhu_pool_data(struct dp_packet *packet)
{
    return (uint8_t *) packet + VHU_POOL_DATA_OFS;
}

/* Returns the class of 'packet' if it is a pool packet that nothing in OVS
 * reallocated, else -1. */
static inline int
vhu_pool_class_of(const struct dp_packet *packet)
{
    if (packet->source == DPBUF_STUB
        && dp_packet_base(packet) == (void *) (packet + 1)) {
        uint32_t allocated = dp_packet_get_allocated(packet);

        if (allocated == vhu_pool_allocated(VHU_POOL_SMALL)) {
            return VHU_POOL_SMALL;
        } else if (allocated == vhu_pool_allocated(VHU_POOL_JUMBO)) {
            return VHU_POOL_JUMBO;
        }
    }
    return -1;
}

/* Gives 'packet' back: to this thread's stack of its class, 'stacks' (from
 * vhu_pool_stacks_get()), if it is a pool packet, else to
 * dp_packet_delete(). */
static inline void
vhu_pool_release(struct vhu_pool_stack *stacks, struct dp_packet *packet)
{
    int class = vhu_pool_class_of(packet);

    if (OVS_LIKELY(class >= 0)) {
        struct vhu_pool_stack *stack = &stacks[class];

        if (OVS_UNLIKELY(stack->n == VHU_POOL_STACK_MAX)) {
            vhu_pool_spill(stack);
        }
        stack->pkts[stack->n++] = packet;
    } else {
        dp_packet_delete(packet);
    }
}

/* Makes 'packet', whose frame of 'size' bytes was just written at 'data',
 * ready for dpif-netdev: what a new packet has, except the metadata, which
 * dpif-netdev initializes on receive anyway. */
static inline void
vhu_pool_prepare(struct dp_packet *packet, uint8_t *data, uint32_t size)
{
    dp_packet_set_data(packet, data);
    dp_packet_set_size(packet, size);
    dp_packet_reset_offsets(packet);
    dp_packet_reset_cutlen(packet);
    dp_packet_reset_offload(packet);
    packet->packet_type = htonl(PT_ETH);
}

#endif /* netdev-vhu-pool.h */
