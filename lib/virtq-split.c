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

/* Split virtqueues, device side.  See virtq.h.
 *
 * Memory ordering follows virtio 1.2, 2.7: we read avail->idx with acquire
 * semantics before the entries it covers, publish used entries with a
 * release store of used->idx, and put a full fence between that store and
 * reading the guest's interrupt wishes, which pairs with the fence the
 * driver puts between re-enabling interrupts and re-checking used->idx.
 * That pairing is what makes a lost wake-up impossible.
 *
 * Descriptors are copied out of guest memory with volatile reads, once each,
 * so that a guest rewriting them under our feet cannot make us use a value
 * we did not check. */

#include "virtq.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vhost-mem.h"
#include "virtio-defs.h"

/* How far ahead of our position we put avail_event, so that an EVENT_IDX
 * driver never kicks: it cannot get this far ahead of us. */
#define VHU_NO_KICK_DISTANCE 0x8000

static inline uint16_t
load_acquire_u16(const uint16_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline uint16_t
load_u16(const uint16_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void
store_u16(uint16_t *p, uint16_t value)
{
    __atomic_store_n(p, value, __ATOMIC_RELAXED);
}

static inline void
store_release_u16(uint16_t *p, uint16_t value)
{
    __atomic_store_n(p, value, __ATOMIC_RELEASE);
}

void
vhu_virtq_init(struct vhu_virtq *vq)
{
    memset(vq, 0, sizeof *vq);
    vq->call_fd = -1;
}

/* Points 'vq' at the ring that the front-end placed at 'desc_uva',
 * 'avail_uva' and 'used_uva' (its own virtual addresses) in 'mem', with
 * 'size' entries, continuing from avail index 'base'.  Each part of the ring
 * must be contiguous in one memory region and properly aligned.  Keeps the
 * counters.  Returns 0 or a positive errno; on error 'vq' is unusable. */
int
vhu_virtq_start(struct vhu_virtq *vq, const struct vhu_mem *mem,
                uint64_t desc_uva, uint64_t avail_uva, uint64_t used_uva,
                uint32_t size, uint16_t base, uint64_t features, int call_fd)
{
    vq->desc = NULL;
    if (!size || size > VRING_MAX_SIZE || size & (size - 1)) {
        return EINVAL;
    }

    struct vring_desc *desc = vhu_mem_uva_to_hva(mem, desc_uva,
                                                 vring_desc_size(size));
    struct vring_avail *avail = vhu_mem_uva_to_hva(mem, avail_uva,
                                                   vring_avail_size(size));
    struct vring_used *used = vhu_mem_uva_to_hva(mem, used_uva,
                                                 vring_used_size(size));
    if (!desc || !avail || !used) {
        return EFAULT;
    }
    if ((uintptr_t) desc % 16 || (uintptr_t) avail % 2
        || (uintptr_t) used % 4) {
        return EINVAL;
    }

    vq->desc = desc;
    vq->avail = avail;
    vq->used = used;
    vq->used_event = &avail->ring[size];
    vq->avail_event = (uint16_t *) &used->ring[size];
    vq->mem = mem;
    vq->size = size;
    vq->mask = size - 1;
    vq->call_fd = call_fd;
    vq->event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
    vq->indirect = features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
    vq->mrg_rxbuf = features & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
    vq->hdr_size = (features & ((1ULL << VIRTIO_F_VERSION_1)
                                | (1ULL << VIRTIO_NET_F_MRG_RXBUF))
                    ? sizeof(struct virtio_net_hdr)
                    : VIRTIO_NET_HDR_LEGACY_SIZE);
    vq->mem_hint = 0;

    /* Everything we handed out was completed before the ring stopped, so
     * used->idx is where both indexes continue; if the front-end's 'base'
     * disagrees (it lost track after a crash), the ring is the truth. */
    vq->last_used_idx = load_u16(&used->idx);
    vq->last_avail_idx = vq->last_used_idx;
    (void) base;

    /* We poll, so kicks are wasted work for the guest. */
    store_u16(&used->flags, VRING_USED_F_NO_NOTIFY);
    if (vq->event_idx) {
        store_u16(vq->avail_event,
                  vq->last_avail_idx + VHU_NO_KICK_DISTANCE);
    }
    return 0;
}

/* Detaches 'vq' from guest memory and returns the avail index it stopped
 * at, for GET_VRING_BASE. */
uint16_t
vhu_virtq_stop(struct vhu_virtq *vq)
{
    vq->desc = NULL;
    vq->avail = NULL;
    vq->used = NULL;
    vq->used_event = NULL;
    vq->avail_event = NULL;
    vq->mem = NULL;
    vq->call_fd = -1;
    return vq->last_avail_idx;
}

/* Walking descriptor chains. */

/* Position in a descriptor chain, direct or through an indirect table. */
struct vhu_chain {
    const struct vring_desc *table;
    uint32_t table_size;        /* Entries in 'table'. */
    uint32_t next;              /* Entry to read next. */
    uint32_t budget;            /* Entries we may still read: ends loops. */
    bool more;                  /* False after the last descriptor. */
    bool first;                 /* Nothing read yet: indirect allowed. */
};

static inline bool
vhu_chain_start(const struct vhu_virtq *vq, struct vhu_chain *c,
                uint16_t head)
{
    c->table = vq->desc;
    c->table_size = vq->size;
    c->next = head;
    c->budget = vq->size;
    c->more = true;
    c->first = true;
    return head < vq->size;
}

/* Reads the next buffer of chain 'c' into '*gpa' and '*len'.  Returns 1 if
 * there is one, 0 at the end of the chain, -1 if the chain is malformed. */
static inline int
vhu_chain_next(struct vhu_virtq *vq, struct vhu_chain *c, uint64_t *gpa,
               uint32_t *len)
{
    for (;;) {
        if (!c->more) {
            return 0;
        }
        if (!c->budget) {
            return -1;
        }
        c->budget--;

        const volatile struct vring_desc *vd = &c->table[c->next];
        uint64_t addr = vd->addr;
        uint32_t length = vd->len;
        uint16_t flags = vd->flags;
        uint16_t next = vd->next;

        if (flags & VRING_DESC_F_INDIRECT) {
            uint64_t table_size = length;

            if (!c->first || !vq->indirect || flags & VRING_DESC_F_NEXT
                || !length || length % sizeof(struct vring_desc)) {
                return -1;
            }
            const struct vring_desc *table
                = vhu_mem_gpa_to_hva(vq->mem, addr, &table_size,
                                     &vq->mem_hint);
            if (!table || table_size != length
                || (uintptr_t) table % sizeof(uint64_t)) {
                return -1;
            }
            c->table = table;
            c->table_size = length / sizeof(struct vring_desc);
            c->next = 0;
            c->budget = c->table_size;
            c->first = false;
            continue;
        }
        c->first = false;
        if (flags & VRING_DESC_F_NEXT) {
            if (next >= c->table_size) {
                return -1;
            }
            c->next = next;
        } else {
            c->more = false;
        }
        *gpa = addr;
        *len = length;
        return 1;
    }
}

/* Result of measuring a chain. */
enum vhu_chain_verdict {
    VHU_CHAIN_OK,
    VHU_CHAIN_BAD,              /* Malformed or outside guest memory. */
    VHU_CHAIN_TOO_BIG,          /* Longer than we accept. */
};

/* Checks the chain at 'head' and stores its total length in '*total'. */
static enum vhu_chain_verdict
vhu_chain_measure(struct vhu_virtq *vq, uint16_t head, uint64_t limit,
                  uint64_t *total)
{
    struct vhu_chain c;
    uint64_t gpa;
    uint32_t len;
    int r;

    *total = 0;
    if (!vhu_chain_start(vq, &c, head)) {
        return VHU_CHAIN_BAD;
    }
    while ((r = vhu_chain_next(vq, &c, &gpa, &len)) > 0) {
        *total += len;
        if (*total > limit) {
            return VHU_CHAIN_TOO_BIG;
        }
        while (len) {
            uint64_t n = len;

            if (!vhu_mem_gpa_to_hva(vq->mem, gpa, &n, &vq->mem_hint)) {
                return VHU_CHAIN_BAD;
            }
            gpa += n;
            len -= n;
        }
    }
    return r ? VHU_CHAIN_BAD : VHU_CHAIN_OK;
}

/* Copies the chain at 'head', minus its first 'skip' bytes, into 'dst',
 * at most 'size' bytes.  Returns the bytes copied: fewer than 'size' only if
 * the guest changed the chain since vhu_chain_measure(). */
static uint32_t
vhu_chain_read(struct vhu_virtq *vq, uint16_t head, uint32_t skip,
               uint8_t *dst, uint32_t size)
{
    uint32_t copied = 0;
    struct vhu_chain c;
    uint64_t gpa;
    uint32_t len;

    if (!vhu_chain_start(vq, &c, head)) {
        return 0;
    }
    while (copied < size && vhu_chain_next(vq, &c, &gpa, &len) > 0) {
        if (len <= skip) {
            skip -= len;
            continue;
        }
        gpa += skip;
        len -= skip;
        skip = 0;
        while (len && copied < size) {
            uint64_t n = len < size - copied ? len : size - copied;
            const uint8_t *src = vhu_mem_gpa_to_hva(vq->mem, gpa, &n,
                                                    &vq->mem_hint);
            if (!src) {
                return copied;
            }
            memcpy(dst + copied, src, n);
            copied += n;
            gpa += n;
            len -= n;
        }
    }
    return copied;
}

/* Completing and notifying. */

static inline void
vhu_virtq_put_used(struct vhu_virtq *vq, uint16_t used_idx, uint16_t head,
                   uint32_t len)
{
    volatile struct vring_used_elem *e = &vq->used->ring[used_idx & vq->mask];

    e->id = head;
    e->len = len;
}

/* Publishes used entries up to 'used_idx' and interrupts the guest if it
 * asked for it. */
static void
vhu_virtq_publish(struct vhu_virtq *vq, uint16_t used_idx)
{
    uint16_t old = vq->last_used_idx;
    bool need;

    if (vq->event_idx) {
        store_u16(vq->avail_event,
                  vq->last_avail_idx + VHU_NO_KICK_DISTANCE);
    }
    if (used_idx == old) {
        return;
    }
    store_release_u16(&vq->used->idx, used_idx);
    vq->last_used_idx = used_idx;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (vq->event_idx) {
        need = vring_need_event(load_u16(vq->used_event), used_idx, old);
    } else {
        need = !(load_u16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
    }
    if (need && vq->call_fd >= 0) {
        uint64_t one = 1;

        /* Fails only if the counter is saturated: the guest has a wake-up
         * pending anyway. */
        if (write(vq->call_fd, &one, sizeof one) < 0) {
            /* Nothing to do. */
        }
        vq->stats.interrupts++;
    } else {
        vq->stats.interrupts_suppressed++;
    }
}

/* Returns how many entries the guest made available, or -1 if it claims
 * more than the ring holds. */
static inline int
vhu_virtq_n_avail(struct vhu_virtq *vq, uint16_t *avail_idx)
{
    uint16_t n;

    *avail_idx = load_acquire_u16(&vq->avail->idx);
    n = *avail_idx - vq->last_avail_idx;
    if (n > vq->size) {
        vq->stats.bad_avail_idx++;
        return -1;
    }
    return n;
}

/* Guest to switch. */

/* Takes up to 'max' packets that the guest queued for transmission on 'vq'.
 * For each one it calls 'alloc' and copies the packet, virtio-net header
 * stripped, into the new buffer, then stores the handle in 'pkts'.  Returns
 * the number of packets stored; if 'left' is nonnull, stores there how many
 * more are waiting.  Malformed chains are returned to the guest unread and
 * counted. */
int
vhu_virtq_dequeue_burst(struct vhu_virtq *vq, void **pkts, int max,
                        vhu_virtq_alloc_func *alloc, void *aux, int *left)
{
    uint16_t used_idx = vq->last_used_idx;
    uint16_t avail_idx;
    int n_pkts = 0;
    int n;

    n = vhu_virtq_n_avail(vq, &avail_idx);
    if (n <= 0) {
        if (left) {
            *left = 0;
        }
        return 0;
    }
    if (n > max) {
        n = max;
    }

    for (int i = 0; i < n; i++) {
        uint16_t head = load_u16(&vq->avail->ring[vq->last_avail_idx
                                                  & vq->mask]);
        enum vhu_chain_verdict verdict;
        uint64_t total;

        verdict = vhu_chain_measure(vq, head,
                                    VHU_VIRTQ_MAX_PKT_SIZE + vq->hdr_size,
                                    &total);
        if (verdict == VHU_CHAIN_OK && total >= vq->hdr_size) {
            uint32_t size = total - vq->hdr_size;
            uint8_t *data;
            void *pkt = alloc(aux, size, &data);

            if (!pkt) {
                vq->stats.drop_no_mem++;
                break;
            }
            uint32_t copied = vhu_chain_read(vq, head, vq->hdr_size,
                                             data, size);
            if (copied < size) {
                /* The guest rewrote the chain meanwhile: never pass on
                 * stale memory of ours. */
                memset(data + copied, 0, size - copied);
                vq->stats.drop_bad_desc++;
            }
            pkts[n_pkts++] = pkt;
            vq->stats.bytes += size;
        } else if (verdict == VHU_CHAIN_TOO_BIG) {
            vq->stats.drop_too_big++;
        } else {
            vq->stats.drop_bad_desc++;
        }
        vhu_virtq_put_used(vq, used_idx++, head, 0);
        vq->last_avail_idx++;
    }

    if (n_pkts) {
        vq->stats.packets += n_pkts;
        vq->stats.bursts++;
    }
    vhu_virtq_publish(vq, used_idx);
    if (left) {
        *left = (uint16_t) (avail_idx - vq->last_avail_idx);
    }
    return n_pkts;
}

/* Switch to guest. */

/* Where bytes of the packet being written come from: the virtio-net header
 * we build, then the packet itself. */
struct vhu_rx_source {
    const uint8_t *hdr;
    uint32_t hdr_size;
    const uint8_t *data;
    uint8_t *num_buffers[2];    /* Where the header's num_buffers landed. */
};

static void
vhu_rx_copy(struct vhu_rx_source *src, uint8_t *dst, uint64_t offset,
            uint64_t n)
{
    static const uint32_t nb_offset
        = offsetof(struct virtio_net_hdr, num_buffers);

    if (!offset && n >= src->hdr_size) {
        /* The usual case: the whole header lands in one piece. */
        memcpy(dst, src->hdr, src->hdr_size);
        if (src->hdr_size > nb_offset) {
            src->num_buffers[0] = dst + nb_offset;
            src->num_buffers[1] = dst + nb_offset + 1;
        }
        dst += src->hdr_size;
        offset = src->hdr_size;
        n -= src->hdr_size;
    }
    while (n && offset < src->hdr_size) {
        if (offset - nb_offset < 2) {
            src->num_buffers[offset - nb_offset] = dst;
        }
        *dst++ = src->hdr[offset++];
        n--;
    }
    if (n) {
        memcpy(dst, src->data + (offset - src->hdr_size), n);
    }
}

/* Places 'pkt' into the guest's receive buffers of 'vq', using entries up to
 * 'avail_idx' and writing used entries from '*used_idx' on.  Returns false,
 * with nothing consumed, if the guest has not made room enough; otherwise
 * returns true, having delivered the packet or dropped and counted it. */
static bool
vhu_virtq_enqueue_one(struct vhu_virtq *vq, const struct vhu_pkt *pkt,
                      uint16_t avail_idx, uint16_t *used_idx)
{
    const struct virtio_net_hdr hdr = { .num_buffers = 0 };
    struct vhu_rx_source src = {
        .hdr = (const uint8_t *) &hdr,
        .hdr_size = vq->hdr_size,
        .data = pkt->data,
    };
    uint64_t total = (uint64_t) vq->hdr_size + pkt->size;
    uint16_t first_used = *used_idx;
    uint16_t first_avail = vq->last_avail_idx;
    uint16_t n_bufs = 0;
    uint64_t done = 0;
    bool bad = false;

    while (done < total && !bad) {
        if (vq->last_avail_idx == avail_idx
            || (n_bufs && !vq->mrg_rxbuf)) {
            break;
        }
        uint16_t head = load_u16(&vq->avail->ring[vq->last_avail_idx
                                                  & vq->mask]);
        uint32_t written = 0;
        struct vhu_chain c;
        uint64_t gpa;
        uint32_t len;
        int r;

        vq->last_avail_idx++;
        if (!vhu_chain_start(vq, &c, head)) {
            bad = true;
        }
        while (!bad && done < total
               && (r = vhu_chain_next(vq, &c, &gpa, &len))) {
            if (r < 0) {
                bad = true;
                break;
            }
            while (len && done < total) {
                uint64_t n = len < total - done ? len : total - done;
                uint8_t *dst = vhu_mem_gpa_to_hva(vq->mem, gpa, &n,
                                                  &vq->mem_hint);
                if (!dst) {
                    bad = true;
                    break;
                }
                vhu_rx_copy(&src, dst, done, n);
                done += n;
                written += n;
                gpa += n;
                len -= n;
            }
        }
        vhu_virtq_put_used(vq, (*used_idx)++, head, bad ? 0 : written);
        n_bufs++;
    }

    if (!bad && done < total) {
        if (vq->mrg_rxbuf || !n_bufs) {
            /* Out of buffers: undo, the caller may retry later. */
            vq->last_avail_idx = first_avail;
            *used_idx = first_used;
            return false;
        }
        /* Without mergeable buffers one chain must hold it all. */
        vq->stats.drop_too_big++;
        bad = true;
    } else if (bad) {
        vq->stats.drop_bad_desc++;
    }
    if (bad) {
        /* Hand back every buffer of this packet, empty. */
        for (uint16_t i = first_used; i != *used_idx; i++) {
            vq->used->ring[i & vq->mask].len = 0;
        }
        return true;
    }

    if (src.num_buffers[0]) {
        *src.num_buffers[0] = n_bufs & 0xff;
        if (src.num_buffers[1]) {
            *src.num_buffers[1] = n_bufs >> 8;
        }
    }
    vq->stats.packets++;
    vq->stats.bytes += pkt->size;
    return true;
}

/* Delivers the 'n' packets in 'pkts' to the guest's receive ring 'vq', in
 * order.  Returns how many of them were consumed, delivered or dropped as
 * undeliverable (counted in the ring's stats); the rest did not fit and the
 * caller may retry or drop them. */
int
vhu_virtq_enqueue_burst(struct vhu_virtq *vq, const struct vhu_pkt *pkts,
                        int n)
{
    uint16_t used_idx = vq->last_used_idx;
    uint16_t avail_idx;
    int i = 0;

    if (vhu_virtq_n_avail(vq, &avail_idx) > 0) {
        for (; i < n; i++) {
            if (!vhu_virtq_enqueue_one(vq, &pkts[i], avail_idx,
                                       &used_idx)) {
                break;
            }
        }
        if (i) {
            vq->stats.bursts++;
        }
    }
    vhu_virtq_publish(vq, used_idx);
    return i;
}

/* Returns true if the guest has made at least one buffer available that we
 * have not taken yet. */
bool
vhu_virtq_has_buffers(const struct vhu_virtq *vq)
{
    return load_u16(&vq->avail->idx) != vq->last_avail_idx;
}

/* Introspection. */

void
vhu_virtq_get_state(const struct vhu_virtq *vq, struct vhu_virtq_state *st)
{
    st->avail_idx = load_u16(&vq->avail->idx);
    st->avail_flags = load_u16(&vq->avail->flags);
    st->used_idx = load_u16(&vq->used->idx);
    st->used_flags = load_u16(&vq->used->flags);
    st->used_event = load_u16(vq->used_event);
    st->avail_event = load_u16(vq->avail_event);
}

/* Returns the head in avail ring entry 'idx' (taken modulo the size). */
uint16_t
vhu_virtq_get_avail(const struct vhu_virtq *vq, uint16_t idx)
{
    return load_u16(&vq->avail->ring[idx & vq->mask]);
}

/* Reads used ring entry 'idx' (taken modulo the size). */
void
vhu_virtq_get_used(const struct vhu_virtq *vq, uint16_t idx, uint32_t *id,
                   uint32_t *len)
{
    const volatile struct vring_used_elem *e = &vq->used->ring[idx
                                                               & vq->mask];

    *id = e->id;
    *len = e->len;
}

/* Reads descriptor 'i' of the ring's table (taken modulo the size). */
void
vhu_virtq_get_desc(const struct vhu_virtq *vq, uint16_t i,
                   struct vring_desc *desc)
{
    const volatile struct vring_desc *d = &vq->desc[i & vq->mask];

    desc->addr = d->addr;
    desc->len = d->len;
    desc->flags = d->flags;
    desc->next = d->next;
}
