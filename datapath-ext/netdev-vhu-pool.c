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

/* Pool packets: per-thread stacks and the depot between them.  See
 * netdev-vhu-pool.h. */

#include <config.h>

#include "netdev-vhu-pool.h"

#include <stdlib.h>

#include "coverage.h"
#include "openvswitch/list.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "util.h"

COVERAGE_DEFINE(vhostuser_pool_alloc);
COVERAGE_DEFINE(vhostuser_pool_free);

/* The same, exact and at once, for vhostuser/show (the coverage counters
 * reach coverage/show only when their thread next flushes them). */
static atomic_uint64_t n_allocated;
static atomic_uint64_t n_freed;

/* Most full magazines the depot keeps, of both classes (up to 80 MiB of
 * packets); past that, spilled packets are freed. */
#define VHU_DEPOT_MAX 128

struct vhu_magazine {
    struct ovs_list node;
    struct dp_packet *pkts[VHU_POOL_MAGAZINE];
};

/* The depot: full magazines of each class, and empty ones of any. */
static struct ovs_mutex depot_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list depot_full[VHU_POOL_N_CLASSES]
    OVS_GUARDED_BY(depot_mutex) = {
    OVS_LIST_INITIALIZER(&depot_full[VHU_POOL_SMALL]),
    OVS_LIST_INITIALIZER(&depot_full[VHU_POOL_JUMBO]),
};
static struct ovs_list depot_empty OVS_GUARDED_BY(depot_mutex)
    = OVS_LIST_INITIALIZER(&depot_empty);
static size_t depot_n_full OVS_GUARDED_BY(depot_mutex);

DEFINE_STATIC_PER_THREAD_DATA(struct vhu_pool_stack *, vhu_pool_stacks_ptr,
                              NULL);
static ovsthread_key_t vhu_pool_stacks_key;

static struct dp_packet *
vhu_pool_packet_new(enum vhu_pool_class class)
{
    size_t size = sizeof(struct dp_packet) + vhu_pool_allocated(class);
    struct dp_packet *packet;
    uint64_t orig;

    /* posix_memalign(), not xmalloc_cacheline(): OVS frees packets with
     * plain free(). */
    if (posix_memalign((void **) &packet, CACHE_LINE_SIZE, size)) {
        out_of_memory();
    }
    COVERAGE_INC(vhostuser_pool_alloc);
    atomic_add_relaxed(&n_allocated, 1, &orig);
    dp_packet_use_stub(packet, packet + 1, vhu_pool_allocated(class));
    return packet;
}

static void
vhu_pool_stacks_destroy(void *stacks_)
{
    struct vhu_pool_stack *stacks = stacks_;

    for (int class = 0; class < VHU_POOL_N_CLASSES; class++) {
        while (stacks[class].n) {
            vhu_pool_spill(&stacks[class]);
        }
    }
    free(stacks);
}

/* This thread's stacks, one per class (index them by enum vhu_pool_class),
 * created on first use and emptied into the depot when the thread
 * exits. */
struct vhu_pool_stack *
vhu_pool_stacks_get(void)
{
    struct vhu_pool_stack **stacksp = vhu_pool_stacks_ptr_get();

    if (OVS_UNLIKELY(!*stacksp)) {
        static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
        struct vhu_pool_stack *stacks;

        if (ovsthread_once_start(&once)) {
            ovsthread_key_create(&vhu_pool_stacks_key,
                                 vhu_pool_stacks_destroy);
            ovsthread_once_done(&once);
        }
        stacks = xzalloc(VHU_POOL_N_CLASSES * sizeof *stacks);
        for (int class = 0; class < VHU_POOL_N_CLASSES; class++) {
            stacks[class].class = class;
        }
        *stacksp = stacks;
        ovsthread_setspecific(vhu_pool_stacks_key, stacks);
    }
    return *stacksp;
}

/* Slow path of vhu_pool_reserve(): a full magazine from the depot, or new
 * packets if it has none. */
void
vhu_pool_refill(struct vhu_pool_stack *stack, size_t want)
{
    struct vhu_magazine *mag = NULL;

    ovs_mutex_lock(&depot_mutex);
    if (!ovs_list_is_empty(&depot_full[stack->class])) {
        mag = CONTAINER_OF(ovs_list_pop_front(&depot_full[stack->class]),
                           struct vhu_magazine, node);
        depot_n_full--;
        memcpy(&stack->pkts[stack->n], mag->pkts, sizeof mag->pkts);
        stack->n += VHU_POOL_MAGAZINE;
        ovs_list_push_back(&depot_empty, &mag->node);
    }
    ovs_mutex_unlock(&depot_mutex);

    while (stack->n < want) {
        stack->pkts[stack->n++] = vhu_pool_packet_new(stack->class);
    }
}

/* Moves the bottom VHU_POOL_MAGAZINE packets of 'stack' (or all, if it has
 * fewer) to the depot, or frees them if the depot is full.  The bottom,
 * because the top is what this thread touched last. */
void
vhu_pool_spill(struct vhu_pool_stack *stack)
{
    size_t n = MIN(stack->n, VHU_POOL_MAGAZINE);
    struct vhu_magazine *mag = NULL;

    if (n == VHU_POOL_MAGAZINE) {
        ovs_mutex_lock(&depot_mutex);
        if (depot_n_full < VHU_DEPOT_MAX) {
            mag = (ovs_list_is_empty(&depot_empty)
                   ? xmalloc(sizeof *mag)
                   : CONTAINER_OF(ovs_list_pop_front(&depot_empty),
                                  struct vhu_magazine, node));
            memcpy(mag->pkts, stack->pkts, sizeof mag->pkts);
            ovs_list_push_back(&depot_full[stack->class], &mag->node);
            depot_n_full++;
        }
        ovs_mutex_unlock(&depot_mutex);
    }
    if (!mag) {
        uint64_t orig;

        for (size_t i = 0; i < n; i++) {
            COVERAGE_INC(vhostuser_pool_free);
            free(stack->pkts[i]);
        }
        atomic_add_relaxed(&n_freed, n, &orig);
    }
    memmove(stack->pkts, &stack->pkts[n],
            (stack->n - n) * sizeof *stack->pkts);
    stack->n -= n;
}

/* How many pool packets were allocated and freed so far, and how many full
 * magazines the depot holds now. */
void
vhu_pool_get_stats(uint64_t *allocated, uint64_t *freed, size_t *magazines)
{
    atomic_read_relaxed(&n_allocated, allocated);
    atomic_read_relaxed(&n_freed, freed);
    ovs_mutex_lock(&depot_mutex);
    *magazines = depot_n_full;
    ovs_mutex_unlock(&depot_mutex);
}
