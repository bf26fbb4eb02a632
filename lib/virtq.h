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

#ifndef VIRTQ_H
#define VIRTQ_H 1

/* The device side of one virtqueue: moving packets between guest memory and
 * the switch.  This is the datapath, run by whichever thread owns the ring
 * (a PMD thread in ovs-vswitchd, or a fuzzer).  It is pure C: guest memory
 * comes from a struct vhu_mem and notifications go to an eventfd.
 *
 * Every index, length and address read from guest memory is treated as
 * hostile: it is read once, checked, and a bad descriptor chain costs the
 * guest that packet, never our memory safety.
 *
 * Only split rings exist today; the packed layout will get its own .c file
 * behind this same interface. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio-defs.h"

struct vhu_log;
struct vhu_mem;

/* Largest packet we take from a guest, virtio-net header excluded: what a
 * switch buffer of 64 kB holds with some headroom (OVS's dp_packet counts
 * its size in 16 bits). */
#define VHU_VIRTQ_MAX_PKT_SIZE (65535 - 64)

/* Counters of one ring, from the switch's point of view.  Written only by
 * the thread that owns the ring, read by anyone without locking. */
struct vhu_virtq_stats {
    uint64_t packets;           /* Packets that crossed the ring. */
    uint64_t bytes;             /* Their bytes, virtio-net header excluded. */
    uint64_t bursts;            /* Calls that moved at least one packet. */
    uint64_t interrupts;        /* Guest notifications sent. */
    uint64_t interrupts_suppressed;  /* Not needed by the guest. */
    uint64_t drop_full;         /* Guest had too few buffers for a packet,
                                 * retries exhausted. */
    uint64_t drop_no_buffers;   /* Guest had no buffers at all, retries
                                 * exhausted. */
    uint64_t drop_too_big;      /* Packet larger than we or the guest take. */
    uint64_t drop_bad_desc;     /* Malformed descriptor chain. */
    uint64_t drop_no_mem;       /* Switch could not allocate a packet. */
    uint64_t bad_avail_idx;     /* Guest moved avail idx beyond the ring. */
    uint64_t retries;           /* Enqueue retries on a full ring. */
    uint64_t walks;             /* Packets that took the general walk
                                 * (chains, indirect tables, buffers across
                                 * regions) instead of a fast path. */
    uint64_t log_pages;         /* Pages newly marked in the dirty log. */
};

/* One virtqueue.  The layout fields are set by vhu_virtq_start() while no
 * datapath thread uses the ring; the rest belongs to the owning thread. */
struct vhu_virtq {
    /* Layout, fixed while the ring is in use. */
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    uint16_t *used_event;       /* Guest's wish for interrupts (EVENT_IDX). */
    uint16_t *avail_event;      /* Our wish for kicks (EVENT_IDX). */
    const struct vhu_mem *mem;
    uint32_t size;              /* Entries, a power of 2. */
    uint32_t mask;              /* 'size' - 1. */
    int call_fd;                /* Eventfd to interrupt the guest, or -1. */
    int call_watch;             /* vhost-call-watch.h slot, or -1. */
    uint8_t hdr_size;           /* virtio-net header bytes: 10 or 12. */
    bool event_idx;             /* VIRTIO_RING_F_EVENT_IDX negotiated. */
    bool indirect;              /* VIRTIO_RING_F_INDIRECT_DESC negotiated. */
    bool mrg_rxbuf;             /* VIRTIO_NET_F_MRG_RXBUF negotiated. */
    const struct vhu_log *log;  /* Dirty log while migrating, else NULL. */
    uint64_t log_used_gpa;      /* Guest-physical address of 'used'. */

    /* Position, owned by the datapath thread. */
    uint16_t last_avail_idx;    /* Next avail entry we will consume. */
    uint16_t avail_idx_seen;    /* The guest's avail->idx when we last read
                                 * it. */
    uint16_t last_used_idx;     /* Our copy of used->idx. */
    uint32_t mem_hint;          /* Last memory region a buffer was in. */
    uint32_t call_seq;          /* Odd while writing 'call_fd'. */
    uint32_t short_size;        /* Size of a packet that did not fit in the
                                 * receive buffers up to 'short_avail_idx',
                                 * or 0. */
    uint16_t short_avail_idx;

    struct vhu_virtq_stats stats;   /* Last: vhu_virtq_reset() keeps it. */
};

/* A packet for vhu_virtq_enqueue_burst(). */
struct vhu_pkt {
    const void *data;
    uint32_t size;
};

/* Most packets one call of vhu_virtq_dequeue_burst() takes. */
#define VHU_VIRTQ_BURST_MAX 64

/* A buffer that vhu_virtq_dequeue_burst() copies one packet into.  The
 * caller owns 'handle' (its packet, say); the dequeue sets 'size'. */
struct vhu_buf {
    void *handle;
    uint8_t *data;              /* NULL if none yet. */
    uint32_t capacity;          /* Bytes at 'data'. */
    uint32_t size;              /* Bytes of the packet copied there. */
};

/* Called by vhu_virtq_dequeue_burst() for a packet of 'size' bytes that
 * does not fit in '*buf': makes '*buf' a buffer that holds it (releasing or
 * keeping what was there is the caller's business) and returns true, or
 * returns false if none can be had (the guest's packet then stays in its
 * ring). */
typedef bool vhu_virtq_alloc_func(void *aux, struct vhu_buf *buf,
                                  uint32_t size);

void vhu_virtq_init(struct vhu_virtq *);
void vhu_virtq_reset(struct vhu_virtq *);
int vhu_virtq_start(struct vhu_virtq *, const struct vhu_mem *,
                    uint64_t desc_uva, uint64_t avail_uva, uint64_t used_uva,
                    uint32_t size, uint16_t base, uint64_t features,
                    int call_fd);
uint16_t vhu_virtq_stop(struct vhu_virtq *);
void vhu_virtq_set_log(struct vhu_virtq *, const struct vhu_log *,
                       uint64_t used_gpa);

int vhu_virtq_dequeue_burst(struct vhu_virtq *, struct vhu_buf *bufs,
                            int max, vhu_virtq_alloc_func *, void *aux,
                            int *left);
int vhu_virtq_enqueue_burst(struct vhu_virtq *, const struct vhu_pkt *,
                            int n);
bool vhu_virtq_has_buffers(const struct vhu_virtq *);

/* Where the guest publishes its avail index for 'vq', which must be
 * running: stable until the ring stops, so a caller may keep it for
 * vhu_virtq_peek() as long as it keeps the guest memory mapped. */
static inline const uint16_t *
vhu_virtq_avail_idx(const struct vhu_virtq *vq)
{
    return &vq->avail->idx;
}

/* Returns true if the guest seems to have made entries available on 'vq',
 * whose vhu_virtq_avail_idx() was 'avail_idx': a hint for polls of idle
 * rings, which need not enter the ring.  It may race with everything else
 * that uses 'vq', even a restart: it only reads, each field once, so a race
 * costs only a wrong hint. */
static inline bool
vhu_virtq_peek(const struct vhu_virtq *vq, const uint16_t *avail_idx)
{
    uint16_t last = __atomic_load_n(&vq->last_avail_idx, __ATOMIC_RELAXED);

    return (__atomic_load_n(&vq->avail_idx_seen, __ATOMIC_RELAXED) != last
            || __atomic_load_n(avail_idx, __ATOMIC_RELAXED) != last);
}

/* Introspection, for people: what the ring in guest memory says now.  It
 * races with the guest and the datapath, so values may be a moment old or
 * inconsistent with each other; only ever display them. */
struct vhu_virtq_state {
    uint16_t avail_idx;         /* Driver's next avail entry. */
    uint16_t avail_flags;       /* VRING_AVAIL_F_NO_INTERRUPT. */
    uint16_t used_idx;          /* Device's next used entry. */
    uint16_t used_flags;        /* VRING_USED_F_NO_NOTIFY. */
    uint16_t used_event;        /* Driver's interrupt threshold (EVENT_IDX). */
    uint16_t avail_event;       /* Our kick threshold (EVENT_IDX). */
};

void vhu_virtq_get_state(const struct vhu_virtq *, struct vhu_virtq_state *);
uint16_t vhu_virtq_get_avail(const struct vhu_virtq *, uint16_t idx);
void vhu_virtq_get_used(const struct vhu_virtq *, uint16_t idx,
                        uint32_t *id, uint32_t *len);
void vhu_virtq_get_desc(const struct vhu_virtq *, uint16_t i,
                        struct vring_desc *);

#endif /* virtq.h */
