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
 * we did not check.
 *
 * While the guest migrates, every write into its memory is marked in the
 * dirty log (vhost-log.h): receive buffers as they are filled, the used
 * ring's entries, index and avail_event when a burst is published, and the
 * whole used ring when logging starts (vhu_virtq_start() wrote its flags).
 * With no log, that costs one branch per burst. */

#include "virtq.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "vhost-call-watch.h"
#include "vhost-log.h"
#include "vhost-mem.h"
#include "virtio-defs.h"

/* What the hot paths expect: they are laid out for it. */
#define VHU_LIKELY(C) __builtin_expect(!!(C), 1)
#define VHU_UNLIKELY(C) __builtin_expect(!!(C), 0)

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
store_u32(uint32_t *p, uint32_t value)
{
    __atomic_store_n(p, value, __ATOMIC_RELAXED);
}

static inline void
store_release_u16(uint16_t *p, uint16_t value)
{
    __atomic_store_n(p, value, __ATOMIC_RELEASE);
}

/* Initializes 'vq' as stopped, with zeroed counters. */
void
vhu_virtq_init(struct vhu_virtq *vq)
{
    memset(vq, 0, sizeof *vq);
    vq->call_fd = -1;
    vq->call_watch = -1;
}

/* Forgets everything about 'vq' but its counters, which other threads may
 * be reading: they never seem to go back. */
void
vhu_virtq_reset(struct vhu_virtq *vq)
{
    vhu_call_watch_remove(vq->call_watch);
    memset(vq, 0, offsetof(struct vhu_virtq, stats));
    vq->call_fd = -1;
    vq->call_watch = -1;
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
    vhu_call_watch_remove(vq->call_watch);
    vq->call_watch = call_fd >= 0 ? vhu_call_watch_add(&vq->call_seq,
                                                        call_fd) : -1;
    vq->event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
    vq->indirect = features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
    vq->mrg_rxbuf = features & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
    vq->hdr_size = (features & ((1ULL << VIRTIO_F_VERSION_1)
                                | (1ULL << VIRTIO_NET_F_MRG_RXBUF))
                    ? sizeof(struct virtio_net_hdr)
                    : VIRTIO_NET_HDR_LEGACY_SIZE);
    vq->mem_hint = 0;
    vq->short_size = 0;
    vq->log = NULL;

    /* Everything we handed out was completed before the ring stopped, so
     * used->idx is where both indexes continue; if the front-end's 'base'
     * disagrees (it lost track after a crash), the ring is the truth. */
    vq->last_used_idx = load_u16(&used->idx);
    vq->last_avail_idx = vq->last_used_idx;
    vq->avail_idx_seen = vq->last_avail_idx;
    (void) base;

    /* We poll, so kicks are wasted work for the guest. */
    store_u16(&used->flags, VRING_USED_F_NO_NOTIFY);
    if (vq->event_idx) {
        store_u16(vq->avail_event,
                  vq->last_avail_idx + VHU_NO_KICK_DISTANCE);
    }
    return 0;
}

/* Makes ring 'vq' mark what it writes in 'log' (NULL: stop marking), with
 * its used ring at guest-physical address 'used_gpa'.  The ring must be
 * started and no datapath thread may be using it. */
void
vhu_virtq_set_log(struct vhu_virtq *vq, const struct vhu_log *log,
                  uint64_t used_gpa)
{
    vq->log = log;
    vq->log_used_gpa = used_gpa;
    if (log) {
        /* What vhu_virtq_start() wrote, and all we will write there. */
        vq->stats.log_pages += vhu_log_mark(log, used_gpa,
                                            vring_used_size(vq->size));
    }
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
    vhu_call_watch_remove(vq->call_watch);
    vq->call_watch = -1;
    return vq->last_avail_idx;
}

/* Reads descriptor 'i' of 'table', once: the guest may rewrite it, and
 * what we check must be what we use. */
static inline struct vring_desc
vhu_desc_read(const struct vring_desc *table, uint32_t i)
{
    const volatile struct vring_desc *vd = &table[i];
    struct vring_desc d;

    d.addr = vd->addr;
    d.len = vd->len;
    d.flags = vd->flags;
    d.next = vd->next;
    return d;
}

/* Copies 'n' bytes.  Most frames are small, and for them fixed-size moves
 * the compiler inlines beat a call into memcpy(); the last move overlaps
 * the one before instead of looping over a tail. */
static inline void
vhu_copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
    if (n > 256) {
        memcpy(dst, src, n);
    } else if (n >= 16) {
        for (uint32_t i = 0; i + 16 < n; i += 16) {
            memcpy(dst + i, src + i, 16);
        }
        memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else {
        for (uint32_t i = 0; i < n; i++) {
            dst[i] = src[i];
        }
    }
}

/* Walking descriptor chains.
 *
 * vhu_chain_walk() is the only code that reads descriptors.  It reads each
 * one once, checks it and translates its buffer into pieces of our own
 * memory, so that the copy that follows touches nothing the guest can
 * change under us except packet bytes.  The work it does for a guest is
 * bounded: a chain may have at most VHU_CHAIN_MAX_SEGS pieces, and every
 * descriptor read, indirect tables included, spends one unit of a budget
 * that the caller sets per packet. */

/* Most pieces of our memory one chain may become (a descriptor can split at
 * region boundaries), as DPDK's vhost library; Linux's virtio-net driver
 * uses at most 19 descriptors per packet. */
#define VHU_CHAIN_MAX_SEGS 256

/* Most descriptors read for one packet taken from a guest, and for one
 * packet given to a guest across all the receive buffers it fills: enough
 * for a 64 kB packet in 64-byte buffers. */
#define VHU_TX_PKT_MAX_DESCS VHU_CHAIN_MAX_SEGS
#define VHU_RX_PKT_MAX_DESCS 1024

/* A piece of a guest buffer, in our address space. */
struct vhu_seg {
    uint8_t *hva;
    uint32_t len;
    uint64_t gpa;               /* For the dirty log. */
};

/* A walked chain: its buffers as pieces of our memory. */
struct vhu_walk {
    uint32_t n_segs;
    uint64_t bytes;             /* Sum of the pieces' lengths. */
    struct vhu_seg segs[VHU_CHAIN_MAX_SEGS];
};

enum vhu_walk_result {
    VHU_WALK_OK,
    VHU_WALK_BAD,               /* Malformed, outside guest memory, of the
                                 * wrong direction or over budget. */
    VHU_WALK_TOO_BIG,           /* More bytes than the caller takes. */
};

/* Appends guest buffer [gpa, gpa + len) to 'w', split where it crosses
 * regions.  Returns false if it is not all guest memory or has too many
 * pieces. */
static bool
vhu_walk_add(struct vhu_virtq *vq, struct vhu_walk *w, uint64_t gpa,
             uint32_t len)
{
    while (len) {
        uint64_t n = len;
        uint8_t *hva = vhu_mem_gpa_to_hva(vq->mem, gpa, &n, &vq->mem_hint);

        if (!hva || w->n_segs >= VHU_CHAIN_MAX_SEGS) {
            return false;
        }
        w->segs[w->n_segs++] = (struct vhu_seg) { hva, n, gpa };
        w->bytes += n;
        gpa += n;
        len -= n;
    }
    return true;
}

/* Walks the chain at 'head' into 'w'.  Its buffers must all be
 * device-writable if 'device_writes' (receive rings), else all
 * device-readable (transmit rings).  If 'fill', the walk stops as soon as it
 * has 'limit' bytes (the rest of the chain is neither read nor used);
 * otherwise a chain of more than 'limit' bytes is VHU_WALK_TOO_BIG.  Each
 * descriptor read takes one unit of '*budget'.
 *
 * An indirect descriptor ends the chain it is in (virtio 1.2, 2.7.5.3.1),
 * may not appear in an indirect table, and its table may not hold more
 * entries than the ring.
 *
 * 'first' is descriptor 'head' as a fast path already read it: it is used
 * instead of reading the descriptor again. */
static enum vhu_walk_result
vhu_chain_walk(struct vhu_virtq *vq, uint16_t head,
               const struct vring_desc *first, bool device_writes,
               uint64_t limit, bool fill, uint32_t *budget,
               struct vhu_walk *w)
{
    const struct vring_desc *table = vq->desc;
    uint32_t table_size = vq->size;
    bool indirect = false;
    uint32_t i = head;

    w->n_segs = 0;
    w->bytes = 0;
    if (head >= vq->size) {
        return VHU_WALK_BAD;
    }
    for (;;) {
        if (!*budget) {
            return VHU_WALK_BAD;
        }
        (*budget)--;

        struct vring_desc d = first ? *first : vhu_desc_read(table, i);
        uint64_t addr = d.addr;
        uint32_t len = d.len;
        uint16_t flags = d.flags;
        uint16_t next = d.next;

        first = NULL;

        if (flags & VRING_DESC_F_INDIRECT) {
            uint64_t n = len;

            if (indirect || !vq->indirect || flags & VRING_DESC_F_NEXT
                || !len || len % sizeof *table
                || len / sizeof *table > vq->size) {
                return VHU_WALK_BAD;
            }
            table = vhu_mem_gpa_to_hva(vq->mem, addr, &n, &vq->mem_hint);
            if (!table || n != len || (uintptr_t) table % sizeof(uint64_t)) {
                return VHU_WALK_BAD;
            }
            table_size = len / sizeof *table;
            indirect = true;
            i = 0;
            continue;
        }
        if (!(flags & VRING_DESC_F_WRITE) == device_writes) {
            return VHU_WALK_BAD;
        }
        if (w->bytes + len > limit) {
            if (!fill) {
                return VHU_WALK_TOO_BIG;
            }
            len = limit - w->bytes;
        }
        if (!vhu_walk_add(vq, w, addr, len)) {
            return VHU_WALK_BAD;
        }
        if (!(flags & VRING_DESC_F_NEXT) || (fill && w->bytes == limit)) {
            return VHU_WALK_OK;
        }
        if (next >= table_size) {
            return VHU_WALK_BAD;
        }
        i = next;
    }
}

/* Copies the bytes of 'w' from offset 'skip' on into 'dst'. */
static void
vhu_walk_read(const struct vhu_walk *w, uint32_t skip, uint8_t *dst)
{
    for (uint32_t i = 0; i < w->n_segs; i++) {
        const struct vhu_seg *seg = &w->segs[i];

        if (seg->len <= skip) {
            skip -= seg->len;
            continue;
        }
        memcpy(dst, seg->hva + skip, seg->len - skip);
        dst += seg->len - skip;
        skip = 0;
    }
}

/* Completing and notifying. */

/* Writes used entry 'used_idx': id, then len, little-endian as
 * virtio-defs.h checks, as one 8-byte store.  Entries are only 4-byte
 * aligned, hence memcpy(); the guest reads them only after the release
 * store of used->idx, so the store need not be atomic. */
static inline void
vhu_virtq_put_used(struct vhu_virtq *vq, uint16_t used_idx, uint16_t head,
                   uint32_t len)
{
    uint64_t e = head | (uint64_t) len << 32;

    memcpy(&vq->used->ring[used_idx & vq->mask], &e, sizeof e);
}

/* Asks for the cache lines of the 'n' used entries from 'used_idx' on, in
 * exclusive state, before the burst writes them: the guest reads them, so
 * each line is elsewhere, and fetching them all at once costs one
 * cross-core round trip instead of one per line in the middle of the
 * copies. */
static inline void
vhu_virtq_prefetch_used(const struct vhu_virtq *vq, uint16_t used_idx, int n)
{
    const uint32_t per_line = 64 / sizeof(struct vring_used_elem);

    for (int i = 0; i < n; i += per_line) {
        __builtin_prefetch(&vq->used->ring[(used_idx + i) & vq->mask], 1);
    }
    __builtin_prefetch(&vq->used->ring[(used_idx + n - 1) & vq->mask], 1);
}

/* Publishes used entries up to 'used_idx' and interrupts the guest if it
 * asked for it. */
/* Marks in the dirty log what publishing used entries [old, new) writes:
 * the entries (in two pieces if they wrap), used->idx and avail_event. */
static void
vhu_virtq_log_used(struct vhu_virtq *vq, uint16_t old, uint16_t new)
{
    const uint64_t ring_gpa = vq->log_used_gpa
                              + offsetof(struct vring_used, ring);
    const uint64_t elem = sizeof(struct vring_used_elem);
    uint32_t first = old & vq->mask;
    uint32_t n = (uint16_t) (new - old);
    uint32_t n1 = n < vq->size - first ? n : vq->size - first;
    uint64_t pages = 0;

    pages += vhu_log_mark(vq->log, ring_gpa + first * elem, n1 * elem);
    pages += vhu_log_mark(vq->log, ring_gpa, (n - n1) * elem);
    pages += vhu_log_mark(vq->log, vq->log_used_gpa
                          + offsetof(struct vring_used, idx),
                          sizeof(uint16_t));
    if (vq->event_idx) {
        pages += vhu_log_mark(vq->log, ring_gpa + vq->size * elem,
                              sizeof(uint16_t));
    }
    vq->stats.log_pages += pages;
}

static void
vhu_virtq_publish(struct vhu_virtq *vq, uint16_t used_idx)
{
    uint16_t old = vq->last_used_idx;
    bool need;


    if (vq->event_idx) {
        store_u16(vq->avail_event,
                  vq->last_avail_idx + VHU_NO_KICK_DISTANCE);
    }
    if (used_idx != old) {
        store_release_u16(&vq->used->idx, used_idx);
        vq->last_used_idx = used_idx;
    }
    /* After the writes: the front-end may copy and clear a page as soon as
     * it sees it marked. */
    if (VHU_UNLIKELY(vq->log != NULL)) {
        vhu_virtq_log_used(vq, old, used_idx);
    }
    if (used_idx == old) {
        return;
    }

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (vq->event_idx) {
        need = vring_need_event(load_u16(vq->used_event), used_idx, old);
    } else {
        need = !(load_u16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
    }
    if (need && vq->call_fd >= 0) {
        uint64_t one = 1;

        /* Fails only if the counter is saturated: the guest has a wake-up
         * pending anyway.  A front-end can make it block instead: an odd
         * 'call_seq' says we are in it (see vhost-call-watch.h). */
        store_u32(&vq->call_seq, vq->call_seq + 1);
        if (write(vq->call_fd, &one, sizeof one) < 0) {
            /* Nothing to do. */
        }
        store_u32(&vq->call_seq, vq->call_seq + 1);
        vq->stats.interrupts++;
    } else {
        vq->stats.interrupts_suppressed++;
    }
}

/* Returns how many entries the guest made available beyond ours, as far as
 * we know: at least 'want', if it has, or -1 if it claims more than the
 * ring holds.  Stores its avail index as we know it in '*avail_idx'. */
static inline int
vhu_virtq_n_avail(struct vhu_virtq *vq, int want, uint16_t *avail_idx)
{
    uint16_t n = vq->avail_idx_seen - vq->last_avail_idx;

    /* The guest's avail index is a line it keeps writing: reading it costs
     * a cross-core miss, so it is read again only when the entries it
     * covered last time run short.  The index only grows, so an old value
     * is a safe lower bound, and what it covers was acquired already. */
    if (n < want) {
        uint16_t idx = load_acquire_u16(&vq->avail->idx);

        n = idx - vq->last_avail_idx;
        if (n > vq->size) {
            vq->stats.bad_avail_idx++;
            return -1;
        }
        vq->avail_idx_seen = idx;
    }
    *avail_idx = vq->avail_idx_seen;
    return n;
}

/* Guest to switch.
 *
 * One pass over the burst's avail entries collects the heads and starts
 * fetching their descriptors; a second reads each descriptor once.  The
 * usual chain, one readable descriptor with header and frame in one
 * region, is copied right there; anything else goes through
 * vhu_chain_walk(), which gets the descriptor already read.  Positions,
 * the region hint and counters live in locals for the burst. */

/* Copies the chain at 'head', whose first descriptor is '*first', into
 * '*buf' the general way.  Returns 1 if it stored a packet, 0 if the chain
 * was dropped and counted, or -1 if no buffer could be had. */
static int
vhu_virtq_dequeue_slow(struct vhu_virtq *vq, uint16_t head,
                       const struct vring_desc *first, struct vhu_buf *buf,
                       vhu_virtq_alloc_func *alloc, void *aux)
{
    uint32_t budget = VHU_TX_PKT_MAX_DESCS;
    enum vhu_walk_result result;
    struct vhu_walk w;

    vq->stats.walks++;
    result = vhu_chain_walk(vq, head, first, false,
                            VHU_VIRTQ_MAX_PKT_SIZE + vq->hdr_size, false,
                            &budget, &w);
    if (result == VHU_WALK_OK && w.bytes >= vq->hdr_size) {
        uint32_t size = w.bytes - vq->hdr_size;

        if ((size > buf->capacity || !buf->data)
            && !alloc(aux, buf, size)) {
            vq->stats.drop_no_mem++;
            return -1;
        }
        vhu_walk_read(&w, vq->hdr_size, buf->data);
        buf->size = size;
        return 1;
    } else if (result == VHU_WALK_TOO_BIG) {
        vq->stats.drop_too_big++;
    } else {
        vq->stats.drop_bad_desc++;
    }
    return 0;
}

/* Takes up to 'max' packets that the guest queued for transmission on 'vq'
 * and copies them, virtio-net header stripped, into 'bufs', calling
 * 'alloc' for any that does not fit.  Returns the number of packets stored
 * (in bufs[0] onward); if 'left' is nonnull, stores there how many more are
 * waiting.  Malformed chains are returned to the guest unread and
 * counted. */
int
vhu_virtq_dequeue_burst(struct vhu_virtq *vq, struct vhu_buf *bufs, int max,
                        vhu_virtq_alloc_func *alloc, void *aux, int *left)
{
    const struct vring_desc *desc = vq->desc;
    const struct vhu_mem *mem = vq->mem;
    const uint32_t hdr_size = vq->hdr_size;
    uint16_t heads[VHU_VIRTQ_BURST_MAX];
    uint16_t used_idx = vq->last_used_idx;
    uint16_t avail_idx;
    uint32_t hint = vq->mem_hint;
    uint64_t bytes = 0;
    int n_pkts = 0;
    int n, i;

    n = vhu_virtq_n_avail(vq, max, &avail_idx);
    if (n <= 0) {
        if (left) {
            *left = 0;
        }
        return 0;
    }
    if (n > max) {
        n = max;
    }
    if (n > VHU_VIRTQ_BURST_MAX) {
        n = VHU_VIRTQ_BURST_MAX;
    }

    vhu_virtq_prefetch_used(vq, used_idx, n);
    for (i = 0; i < n; i++) {
        heads[i] = load_u16(&vq->avail->ring[(vq->last_avail_idx + i)
                                             & vq->mask]);
        __builtin_prefetch(&desc[heads[i] & vq->mask]);
    }

    for (i = 0; i < n; i++) {
        struct vhu_buf *buf = &bufs[n_pkts];
        uint16_t head = heads[i];
        int stored;

        if (VHU_LIKELY(head < vq->size)) {
            struct vring_desc d = vhu_desc_read(desc, head);
            uint32_t size = d.len - hdr_size;

            if (VHU_LIKELY(!(d.flags & (VRING_DESC_F_NEXT
                                        | VRING_DESC_F_INDIRECT
                                        | VRING_DESC_F_WRITE))
                           && d.len >= hdr_size && size <= buf->capacity
                           && size <= VHU_VIRTQ_MAX_PKT_SIZE && buf->data)) {
                const uint8_t *hva = vhu_mem_gpa_to_hva_whole(mem, d.addr,
                                                              d.len, &hint);
                if (VHU_LIKELY(hva != NULL)) {
                    vhu_copy(buf->data, hva + hdr_size, size);
                    buf->size = size;
                    bytes += size;
                    n_pkts++;
                    vhu_virtq_put_used(vq, used_idx++, head, 0);
                    continue;
                }
            }
            vq->mem_hint = hint;
            stored = vhu_virtq_dequeue_slow(vq, head, &d, buf, alloc, aux);
            hint = vq->mem_hint;
        } else {
            vq->stats.drop_bad_desc++;
            stored = 0;
        }
        if (stored < 0) {
            break;
        }
        if (stored) {
            bytes += buf->size;
            n_pkts++;
        }
        vhu_virtq_put_used(vq, used_idx++, head, 0);
    }

    vq->last_avail_idx += i;
    vq->mem_hint = hint;
    if (n_pkts) {
        vq->stats.packets += n_pkts;
        vq->stats.bytes += bytes;
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
    uint8_t *num_buffers[2];    /* Where the header's num_buffers landed, */
    uint64_t num_buffers_gpa[2];    /* in our memory and the guest's. */
};

/* Copies bytes ['offset', 'offset' + 'n') of the packet into guest buffer
 * piece 'seg'. */
static void
vhu_rx_copy(struct vhu_rx_source *src, const struct vhu_seg *seg,
            uint64_t offset, uint64_t n)
{
    static const uint32_t nb_offset
        = offsetof(struct virtio_net_hdr, num_buffers);
    uint8_t *dst = seg->hva;

    if (!offset && n >= src->hdr_size) {
        /* The usual case: the whole header lands in one piece. */
        if (src->hdr_size == sizeof(struct virtio_net_hdr)) {
            memcpy(dst, src->hdr, sizeof(struct virtio_net_hdr));
        } else {
            memcpy(dst, src->hdr, VIRTIO_NET_HDR_LEGACY_SIZE);
        }
        if (src->hdr_size > nb_offset) {
            src->num_buffers[0] = dst + nb_offset;
            src->num_buffers[1] = dst + nb_offset + 1;
            src->num_buffers_gpa[0] = seg->gpa + nb_offset;
            src->num_buffers_gpa[1] = seg->gpa + nb_offset + 1;
        }
        dst += src->hdr_size;
        offset = src->hdr_size;
        n -= src->hdr_size;
    }
    while (n && offset < src->hdr_size) {
        if (offset - nb_offset < 2) {
            src->num_buffers[offset - nb_offset] = dst;
            src->num_buffers_gpa[offset - nb_offset]
                = seg->gpa + (dst - seg->hva);
        }
        *dst++ = src->hdr[offset++];
        n--;
    }
    if (n) {
        memcpy(dst, src->data + (offset - src->hdr_size), n);
    }
}

/* Places 'pkt' into the guest's receive buffers of 'vq' the general way,
 * using entries up to 'avail_idx' and writing used entries from
 * '*used_idx' on.  The first entry's head is 'first_head' and its
 * descriptor '*first' (NULL if the head is out of range), as the fast path
 * read them.  Returns false, with nothing consumed, if the guest has not
 * made room enough; otherwise returns true, having delivered the packet or
 * dropped and counted it. */
static bool
vhu_virtq_enqueue_slow(struct vhu_virtq *vq, const struct vhu_pkt *pkt,
                       uint16_t avail_idx, uint16_t *used_idx,
                       uint16_t first_head, const struct vring_desc *first)
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
    uint32_t budget = VHU_RX_PKT_MAX_DESCS;
    uint16_t n_bufs = 0;
    uint64_t done = 0;
    bool bad = false;

    vq->stats.walks++;
    while (done < total && !bad) {
        if (vq->last_avail_idx == avail_idx
            || (n_bufs && !vq->mrg_rxbuf)) {
            break;
        }
        uint16_t head = (n_bufs ? load_u16(&vq->avail->ring[vq->last_avail_idx
                                                            & vq->mask])
                         : first_head);
        struct vhu_walk w;

        vq->last_avail_idx++;
        if (vhu_chain_walk(vq, head, n_bufs ? NULL : first, true,
                           total - done, true, &budget, &w)
            != VHU_WALK_OK || !w.bytes) {
            /* A chain that holds nothing is as bad as a malformed one: it
             * would make us walk the ring for nothing. */
            bad = true;
        } else {
            for (uint32_t i = 0; i < w.n_segs; i++) {
                vhu_rx_copy(&src, &w.segs[i], done, w.segs[i].len);
                done += w.segs[i].len;
                if (vq->log) {
                    vq->stats.log_pages += vhu_log_mark(vq->log,
                                                        w.segs[i].gpa,
                                                        w.segs[i].len);
                }
            }
        }
        vhu_virtq_put_used(vq, (*used_idx)++, head, bad ? 0 : w.bytes);
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
        /* Written after its page was marked: mark it again. */
        if (vq->log) {
            for (int i = 0; i < 2 && src.num_buffers[i]; i++) {
                vq->stats.log_pages += vhu_log_mark(vq->log,
                                                    src.num_buffers_gpa[i],
                                                    1);
            }
        }
    }
    vq->stats.packets++;
    vq->stats.bytes += pkt->size;
    return true;
}

/* Writes the virtio-net header of a packet that one buffer holds: no
 * offloads yet, so all zero but num_buffers (1).  The two sizes are
 * constants, so that both copies are a few inline stores. */
static inline void
vhu_put_net_hdr(uint8_t *dst, uint32_t hdr_size)
{
    static const struct virtio_net_hdr hdr = { .num_buffers = 1 };

    if (hdr_size == sizeof hdr) {
        memcpy(dst, &hdr, sizeof hdr);
    } else {
        memcpy(dst, &hdr, VIRTIO_NET_HDR_LEGACY_SIZE);
    }
}

/* Delivers the 'n' packets in 'pkts' to the guest's receive ring 'vq', in
 * order.  Returns how many of them were consumed, delivered or dropped as
 * undeliverable (counted in the ring's stats); the rest did not fit and the
 * caller may retry or drop them.
 *
 * The usual case, one writable descriptor in one region that holds header
 * and packet, is handled inline with positions and counters in locals; any
 * other goes through vhu_virtq_enqueue_slow(), which gets the descriptor
 * already read.  'logging' is a constant in each of the two copies that
 * vhu_virtq_enqueue_burst() makes. */
static inline __attribute__((always_inline)) int
vhu_virtq_enqueue_burst__(struct vhu_virtq *vq, const struct vhu_pkt *pkts,
                          int n, const bool logging)
{
    const struct vring_desc *desc = vq->desc;
    const struct vhu_mem *mem = vq->mem;
    const uint32_t hdr_size = vq->hdr_size;
    uint16_t used_idx = vq->last_used_idx;
    uint16_t last_avail = vq->last_avail_idx;
    uint32_t hint = vq->mem_hint;
    uint64_t packets = 0, bytes = 0;
    uint16_t avail_idx;
    int i = 0;

    /* A packet no smaller than one that did not fit cannot fit before the
     * guest adds buffers: walking them again would only cost time.  Only a
     * fresh look at the avail index can tell. */
    int n_avail = vhu_virtq_n_avail(vq, n, &avail_idx);
    if (n_avail > 0 && n && vq->short_size
        && pkts[0].size >= vq->short_size
        && avail_idx == vq->short_avail_idx) {
        n_avail = vhu_virtq_n_avail(vq, INT_MAX, &avail_idx);
        if (avail_idx == vq->short_avail_idx) {
            n_avail = 0;
        }
    }
    if (n_avail > 0) {
        vhu_virtq_prefetch_used(vq, used_idx, n);
        for (; i < n; i++) {
            if (last_avail == avail_idx) {
                /* Out of the entries seen: look for more once. */
                vq->last_avail_idx = last_avail;
                if (vhu_virtq_n_avail(vq, n - i, &avail_idx) <= 0) {
                    break;
                }
            }
            const struct vhu_pkt *pkt = &pkts[i];
            uint16_t head = load_u16(&vq->avail->ring[last_avail
                                                      & vq->mask]);
            uint64_t total = (uint64_t) hdr_size + pkt->size;
            struct vring_desc d;

            if (VHU_LIKELY(head < vq->size)) {
                d = vhu_desc_read(desc, head);
                if (VHU_LIKELY((d.flags & (VRING_DESC_F_NEXT
                                           | VRING_DESC_F_INDIRECT
                                           | VRING_DESC_F_WRITE))
                               == VRING_DESC_F_WRITE && d.len >= total)) {
                    uint8_t *hva = vhu_mem_gpa_to_hva_whole(mem, d.addr,
                                                            total, &hint);
                    if (VHU_LIKELY(hva != NULL)) {
                        vhu_put_net_hdr(hva, hdr_size);
                        vhu_copy(hva + hdr_size, pkt->data, pkt->size);
                        if (logging) {
                            vq->stats.log_pages
                                += vhu_log_mark(vq->log, d.addr, total);
                        }
                        vhu_virtq_put_used(vq, used_idx++, head, total);
                        last_avail++;
                        packets++;
                        bytes += pkt->size;
                        continue;
                    }
                }
            }

            /* The general way may need many buffers: see them all. */
            vq->last_avail_idx = last_avail;
            vq->mem_hint = hint;
            if (vhu_virtq_n_avail(vq, INT_MAX, &avail_idx) < 0
                || !vhu_virtq_enqueue_slow(vq, pkt, avail_idx, &used_idx,
                                           head,
                                           head < vq->size ? &d : NULL)) {
                break;
            }
            last_avail = vq->last_avail_idx;
            hint = vq->mem_hint;
        }
        vq->last_avail_idx = last_avail;
        vq->mem_hint = hint;
        vq->stats.packets += packets;
        vq->stats.bytes += bytes;
        vq->short_size = i < n ? pkts[i].size : 0;
        vq->short_avail_idx = avail_idx;
        if (i) {
            vq->stats.bursts++;
        }
    }
    vhu_virtq_publish(vq, used_idx);
    return i;
}

int
vhu_virtq_enqueue_burst(struct vhu_virtq *vq, const struct vhu_pkt *pkts,
                        int n)
{
    /* Two copies of the loop: the one without a log has no trace of it. */
    return (VHU_UNLIKELY(vq->log != NULL)
            ? vhu_virtq_enqueue_burst__(vq, pkts, n, true)
            : vhu_virtq_enqueue_burst__(vq, pkts, n, false));
}

/* Returns true if the guest has made at least one buffer available that we
 * have not taken yet. */
bool
vhu_virtq_has_buffers(const struct vhu_virtq *vq)
{
    return (vq->avail_idx_seen != vq->last_avail_idx
            || load_u16(&vq->avail->idx) != vq->last_avail_idx);
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
