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

/* Unit tests of lib/virtq-split.c: the device side of split rings, driven
 * by utilities/virtio-driver.c as a guest would, including hostile rings. */

#include <config.h>

#define _GNU_SOURCE 1           /* memfd_create() */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ovstest.h"
#include "test-check.h"
#include "util.h"
#include "vhost-log.h"
#include "vhost-mem.h"
#include "vhost-user-proto.h"
#include "virtio-defs.h"
#include "virtio-driver.h"
#include "virtq.h"

#define MEM_SIZE (4 * 1024 * 1024)
#define GPA_BASE 0x40000000ULL
#define RING_SIZE 64
#define MAX_RING_SIZE 2048      /* Largest ring guest_init_ring() lays out
                                 * below BUF_AREA. */
#define BUF_AREA (64 * 1024)    /* Offset of packet buffers in memory. */
#define RING_UVA 0x7f0000000000ULL  /* Front-end's address of memory. */

#define V1_FEATURES ((1ULL << VIRTIO_F_VERSION_1)               \
                     | (1ULL << VIRTIO_RING_F_INDIRECT_DESC)    \
                     | (1ULL << VIRTIO_RING_F_EVENT_IDX))

/* A guest: its memory, one ring seen from both sides. */
struct guest {
    uint8_t *mem;
    struct vhu_mem table;
    struct vdrv_ring drv;
    struct vdrv_desc_state state[MAX_RING_SIZE];
    struct vhu_virtq vq;
    int call_fd;
};

static uint64_t
gpa(const struct guest *g, const void *p)
{
    return GPA_BASE + ((const uint8_t *) p - g->mem);
}

/* Adds guest memory [ofs, ofs + size) as one region. */
static void
guest_add_region(struct guest *g, size_t ofs, size_t size)
{
    struct vhost_user_memory_region region = {
        .guest_phys_addr = GPA_BASE + ofs,
        .memory_size = size,
        .userspace_addr = RING_UVA + ofs,
    };

    CHECK(!vhu_mem_add_mapped(&g->table, &region, g->mem + ofs));
}

/* Sets up a guest with a ring of 'ring_size' entries at the start of its
 * memory, which is one region, or two if 'split' is nonzero: a second one
 * starts at offset 'split' (adjacent, so that buffers may cross it). */
static void
guest_init_ring(struct guest *g, uint64_t features, uint32_t ring_size,
                size_t split)
{
    CHECK(ring_size <= MAX_RING_SIZE && vdrv_ring_size(ring_size) <= BUF_AREA);
    CHECK(!split || (split >= BUF_AREA && split < MEM_SIZE));

    g->mem = xmalloc_cacheline(MEM_SIZE);
    memset(g->mem, 0, MEM_SIZE);
    vhu_mem_init(&g->table);
    if (split) {
        guest_add_region(g, 0, split);
        guest_add_region(g, split, MEM_SIZE - split);
    } else {
        guest_add_region(g, 0, MEM_SIZE);
    }
    vdrv_ring_init(&g->drv, g->mem, ring_size,
                   features & (1ULL << VIRTIO_RING_F_EVENT_IDX),
                   g->state);
    g->call_fd = eventfd(0, EFD_NONBLOCK);
    vhu_virtq_init(&g->vq);
    CHECK(!vhu_virtq_start(&g->vq, &g->table, RING_UVA,
                           RING_UVA + vdrv_ring_avail_offset(&g->drv),
                           RING_UVA + vdrv_ring_used_offset(&g->drv),
                           ring_size, 0, features, g->call_fd));
}

static void
guest_init(struct guest *g, uint64_t features)
{
    guest_init_ring(g, features, RING_SIZE, 0);
}

static void
guest_destroy(struct guest *g)
{
    vhu_virtq_stop(&g->vq);     /* Also stops watching its call eventfd. */
    close(g->call_fd);
    free_cacheline(g->mem);
}

static uint64_t
interrupts(struct guest *g)
{
    uint64_t n = 0;

    if (read(g->call_fd, &n, sizeof n) != sizeof n) {
        n = 0;
    }
    return n;
}

/* Packets the device hands to the switch.  Each dequeue offers buffers of
 * 'sink_capacity' bytes: with 0, every packet goes through the allocation
 * callback and the general walk; with more, small one-descriptor chains
 * take the fast path.  The dequeue tests run with both. */
struct sink {
    int n;
    uint8_t *data[64];
    uint32_t size[64];
};

static uint32_t sink_capacity;

static bool
sink_alloc(void *sink_ OVS_UNUSED, struct vhu_buf *buf, uint32_t size)
{
    free(buf->data);
    buf->data = xmalloc(size + 1);
    buf->capacity = size;
    return true;
}

static int
sink_dequeue(struct vhu_virtq *vq, struct sink *sink, int *left)
{
    struct vhu_buf bufs[32];
    int n;

    for (int i = 0; i < 32; i++) {
        bufs[i] = (struct vhu_buf) {
            .data = sink_capacity ? xmalloc(sink_capacity) : NULL,
            .capacity = sink_capacity,
        };
    }
    n = vhu_virtq_dequeue_burst(vq, bufs, 32, sink_alloc, sink, left);
    for (int i = 0; i < 32; i++) {
        if (i < n) {
            CHECK(sink->n < 64);
            sink->data[sink->n] = bufs[i].data;
            sink->size[sink->n++] = bufs[i].size;
        } else {
            free(bufs[i].data);
        }
    }
    return n;
}

static void
sink_clear(struct sink *sink)
{
    for (int i = 0; i < sink->n; i++) {
        free(sink->data[i]);
    }
    sink->n = 0;
}

static void
fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = seed + i * 7;
    }
}

static bool
check_pattern(const uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != (uint8_t) (seed + i * 7)) {
            return false;
        }
    }
    return true;
}

/* Guest transmits a 'len'-byte frame behind a 12-byte header: all in one
 * descriptor if 'piece' is 0, otherwise the header alone and then the frame
 * in 'piece'-byte descriptors, directly or through an indirect table. */
static void
guest_send(struct guest *g, size_t len, size_t piece, bool indirect,
           uint8_t seed)
{
    static size_t offset = 0;
    uint8_t *buf = g->mem + BUF_AREA + offset;
    struct vdrv_seg segs[64];
    unsigned int n = 0;
    size_t total = 12 + len;

    offset = (offset + total + 64) % (MEM_SIZE / 2);
    memset(buf, 0, 12);
    fill_pattern(buf + 12, len, seed);
    if (!piece) {
        segs[n++] = (struct vdrv_seg) { gpa(g, buf), total, false };
    } else {
        segs[n++] = (struct vdrv_seg) { gpa(g, buf), 12, false };
        CHECK(DIV_ROUND_UP(len, piece) < ARRAY_SIZE(segs));
        for (size_t done = 0; done < len; done += piece) {
            segs[n].gpa = gpa(g, buf + 12 + done);
            segs[n].len = MIN(piece, len - done);
            segs[n++].device_writes = false;
        }
    }
    if (indirect) {
        struct vring_desc *table = (void *) (g->mem + MEM_SIZE - 4096);

        CHECK(vdrv_add(&g->drv, segs, n, table, gpa(g, table)) >= 0);
    } else {
        CHECK(vdrv_add(&g->drv, segs, n, NULL, 0) >= 0);
    }
    vdrv_publish(&g->drv);
}

static void
test_dequeue_layouts(void)
{
    static const struct {
        size_t len, piece;
        bool indirect;
    } cases[] = {
        { 60, 0, false },           /* Header and frame in one. */
        { 1514, 1514, false },      /* Header alone, then the frame. */
        { 1514, 100, false },       /* Many pieces. */
        { 9000, 1000, true },       /* Indirect. */
        { 40, 1, false },           /* One byte per descriptor. */
    };
    struct guest g;
    struct sink sink = { .n = 0 };

    guest_init(&g, V1_FEATURES);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        /* One descriptor that the buffer holds takes the fast path. */
        bool fast = (!cases[i].piece && !cases[i].indirect
                     && cases[i].len <= sink_capacity);
        uint64_t walks = g.vq.stats.walks;
        uint16_t id;
        uint32_t len;
        int left;

        guest_send(&g, cases[i].len, cases[i].piece, cases[i].indirect, i);
        CHECK(sink_dequeue(&g.vq, &sink, &left) == 1);
        CHECK(g.vq.stats.walks - walks == !fast);
        CHECK(left == 0);
        CHECK(sink.size[0] == cases[i].len);
        CHECK(check_pattern(sink.data[0], cases[i].len, i));
        CHECK(vdrv_get_used(&g.drv, &id, &len) && len == 0);
        sink_clear(&sink);
    }
    CHECK(g.vq.stats.packets == ARRAY_SIZE(cases));
    CHECK(!g.vq.stats.drop_bad_desc && !g.drv.bad_used_id);

    /* A burst is capped, and the rest reported as left. */
    uint64_t walks = g.vq.stats.walks;
    for (int i = 0; i < 40; i++) {
        guest_send(&g, 100, 0, false, i);
    }
    int left;
    CHECK(sink_dequeue(&g.vq, &sink, &left) == 32);
    CHECK(left == 8);
    sink_clear(&sink);
    CHECK(sink_dequeue(&g.vq, &sink, &left) == 8);
    sink_clear(&sink);
    CHECK(g.vq.stats.walks - walks == (sink_capacity >= 100 ? 0 : 40));
    guest_destroy(&g);
}

/* Puts head 'head' (an arbitrary value) straight into the avail ring. */
static void
post_raw_head(struct guest *g, uint16_t head)
{
    g->drv.avail->ring[g->drv.avail_idx++ & (RING_SIZE - 1)] = head;
    vdrv_publish(&g->drv);
}

static void
expect_dropped(struct guest *g, uint64_t *counter, uint64_t before)
{
    struct sink sink = { .n = 0 };

    CHECK(!sink_dequeue(&g->vq, &sink, NULL));
    CHECK(*counter == before + 1);
}

static void
test_dequeue_hostile(void)
{
    struct guest g;
    struct vring_desc *d;

    guest_init(&g, V1_FEATURES);
    d = g.drv.desc;

    /* Head beyond the ring. */
    post_raw_head(&g, RING_SIZE + 3);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 0);

    /* A loop: 5 -> 6 -> 5. */
    d[5] = (struct vring_desc) { GPA_BASE + BUF_AREA, 100,
                                 VRING_DESC_F_NEXT, 6 };
    d[6] = (struct vring_desc) { GPA_BASE + BUF_AREA, 100,
                                 VRING_DESC_F_NEXT, 5 };
    post_raw_head(&g, 5);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 1);

    /* 'next' beyond the ring. */
    d[7] = (struct vring_desc) { GPA_BASE + BUF_AREA, 100,
                                 VRING_DESC_F_NEXT, 999 };
    post_raw_head(&g, 7);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 2);

    /* Buffer outside guest memory, and one running off its end. */
    d[8] = (struct vring_desc) { 0x1000, 100, 0, 0 };
    post_raw_head(&g, 8);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 3);
    d[9] = (struct vring_desc) { GPA_BASE + MEM_SIZE - 10, 100, 0, 0 };
    post_raw_head(&g, 9);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 4);

    /* Shorter than a virtio-net header. */
    d[10] = (struct vring_desc) { GPA_BASE + BUF_AREA, 5, 0, 0 };
    post_raw_head(&g, 10);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 5);

    /* Huge: 4 GB claimed. */
    d[11] = (struct vring_desc) { GPA_BASE + BUF_AREA, UINT32_MAX, 0, 0 };
    post_raw_head(&g, 11);
    expect_dropped(&g, &g.vq.stats.drop_too_big, 0);

    /* Indirect tables: bad length, nested, and with NEXT. */
    struct vring_desc *table = (void *) (g.mem + BUF_AREA);
    d[12] = (struct vring_desc) { gpa(&g, table), 17,
                                  VRING_DESC_F_INDIRECT, 0 };
    post_raw_head(&g, 12);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 6);
    table[0] = (struct vring_desc) { gpa(&g, table), 16,
                                     VRING_DESC_F_INDIRECT, 0 };
    d[13] = (struct vring_desc) { gpa(&g, table), 16,
                                  VRING_DESC_F_INDIRECT, 0 };
    post_raw_head(&g, 13);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 7);
    d[14] = (struct vring_desc) { gpa(&g, table), 16,
                                  VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT,
                                  1 };
    post_raw_head(&g, 14);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 8);
    /* A loop inside an indirect table. */
    table[0] = (struct vring_desc) { GPA_BASE + BUF_AREA + 4096, 100,
                                     VRING_DESC_F_NEXT, 1 };
    table[1] = (struct vring_desc) { GPA_BASE + BUF_AREA + 4096, 100,
                                     VRING_DESC_F_NEXT, 0 };
    d[15] = (struct vring_desc) { gpa(&g, table), 32,
                                  VRING_DESC_F_INDIRECT, 0 };
    post_raw_head(&g, 15);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 9);

    /* Every bad chain went back to the guest, in order. */
    uint16_t id;
    uint32_t len;
    unsigned int n_used = 0;
    while (__atomic_load_n(&g.drv.used->idx, __ATOMIC_ACQUIRE)
           != g.drv.last_used_idx) {
        CHECK(g.drv.used->ring[g.drv.last_used_idx++
                               & (RING_SIZE - 1)].len == 0);
        n_used++;
    }
    CHECK(n_used == 11);

    /* An avail index that runs ahead of the ring by more than its size. */
    g.drv.avail->idx = g.vq.last_avail_idx + RING_SIZE + 1;
    struct sink sink = { .n = 0 };
    CHECK(!sink_dequeue(&g.vq, &sink, NULL));
    CHECK(g.vq.stats.bad_avail_idx == 1);
    (void) id;
    (void) len;
    guest_destroy(&g);
}

/* Guest posts 'n' receive buffers of 'size' bytes, each a chain of
 * 'segs' descriptors. */
static void
guest_post_rx(struct guest *g, int n, size_t size, int segs)
{
    for (int i = 0; i < n; i++) {
        uint16_t head = g->drv.free_head;
        uint8_t *buf = g->mem + BUF_AREA + (size_t) head * size * segs;
        struct vdrv_seg s[64];

        for (int j = 0; j < segs; j++) {
            s[j].gpa = gpa(g, buf + j * size);
            s[j].len = size;
            s[j].device_writes = true;
        }
        CHECK(vdrv_add(&g->drv, s, segs, NULL, 0) >= 0);
    }
    vdrv_publish(&g->drv);
}

/* Collects one received packet into 'out'; returns its size, header
 * included, or 0 if there is none. */
static size_t
guest_recv(struct guest *g, size_t size, int segs, uint8_t *out,
           uint16_t *n_bufs)
{
    uint16_t id;
    uint32_t len;
    size_t n = 0;
    uint16_t want = 1;

    for (uint16_t i = 0; i < want; i++) {
        if (!vdrv_get_used(&g->drv, &id, &len)) {
            return 0;
        }
        CHECK(len <= size * segs);
        memcpy(out + n, g->mem + BUF_AREA + (size_t) id * size * segs, len);
        if (!i) {
            struct virtio_net_hdr hdr;

            memcpy(&hdr, out, sizeof hdr);
            want = hdr.num_buffers;
            CHECK(want >= 1);
        }
        n += len;
    }
    *n_bufs = want;
    return n;
}

static void
test_enqueue(void)
{
    static uint8_t frame[9000], out[65536];
    struct guest g;
    uint16_t n_bufs;

    fill_pattern(frame, sizeof frame, 3);

    /* Mergeable buffers: a 9000-byte frame takes 5 buffers of 2048. */
    guest_init(&g, V1_FEATURES | (1ULL << VIRTIO_NET_F_MRG_RXBUF));
    interrupts(&g);
    vdrv_enable_interrupts(&g.drv);
    guest_post_rx(&g, 8, 2048, 1);
    struct vhu_pkt pkts[3] = {
        { frame, 60 }, { frame, 9000 }, { frame, 9000 },
    };
    /* Only the first two fit: 1 + 5 buffers, 2 left. */
    CHECK(vhu_virtq_enqueue_burst(&g.vq, pkts, 3) == 2);
    CHECK(interrupts(&g) == 1);
    CHECK(guest_recv(&g, 2048, 1, out, &n_bufs) == 12 + 60);
    CHECK(n_bufs == 1 && check_pattern(out + 12, 60, 3));
    CHECK(guest_recv(&g, 2048, 1, out, &n_bufs) == 12 + 9000);
    CHECK(n_bufs == 5 && check_pattern(out + 12, 9000, 3));
    CHECK(!guest_recv(&g, 2048, 1, out, &n_bufs));
    /* The third waits for room, with nothing consumed meanwhile; found too
     * big for what is there (in the burst above), it is not walked again,
     * however often it is tried, until the guest adds buffers. */
    uint64_t walks = g.vq.stats.walks;
    for (int i = 0; i < 10; i++) {
        CHECK(!vhu_virtq_enqueue_burst(&g.vq, &pkts[2], 1));
    }
    CHECK(g.vq.stats.walks == walks);
    guest_post_rx(&g, 4, 2048, 1);
    vdrv_enable_interrupts(&g.drv);
    CHECK(vhu_virtq_enqueue_burst(&g.vq, &pkts[2], 1) == 1);
    CHECK(g.vq.stats.walks == walks + 1);
    CHECK(guest_recv(&g, 2048, 1, out, &n_bufs) == 12 + 9000);
    CHECK(g.vq.stats.packets == 3 && !g.drv.bad_used_id);
    guest_destroy(&g);

    /* No mergeable buffers: one chain per packet; too small chains cost
     * the packet, not the ring. */
    guest_init(&g, V1_FEATURES);
    guest_post_rx(&g, 2, 1024, 2);
    struct vhu_pkt big[2] = { { frame, 3000 }, { frame, 2000 } };
    CHECK(vhu_virtq_enqueue_burst(&g.vq, big, 2) == 2);
    CHECK(g.vq.stats.drop_too_big == 1);
    uint16_t id;
    uint32_t len;
    CHECK(vdrv_get_used(&g.drv, &id, &len) && len == 0);
    CHECK(guest_recv(&g, 1024, 2, out, &n_bufs) == 12 + 2000);
    CHECK(check_pattern(out + 12, 2000, 3));
    guest_destroy(&g);

    /* Interrupts: none when the guest asked for none. */
    guest_init(&g, V1_FEATURES | (1ULL << VIRTIO_NET_F_MRG_RXBUF));
    vdrv_disable_interrupts(&g.drv);
    guest_post_rx(&g, 4, 2048, 1);
    CHECK(vhu_virtq_enqueue_burst(&g.vq, pkts, 1) == 1);
    CHECK(interrupts(&g) == 0);
    CHECK(g.vq.stats.interrupts_suppressed == 1);
    guest_destroy(&g);
}

/* Takes the next used entry of a ring whose heads were posted raw. */
static bool
get_raw_used(struct guest *g, uint16_t *id, uint32_t *len)
{
    struct vdrv_ring *r = &g->drv;

    if (__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) == r->last_used_idx) {
        return false;
    }
    const struct vring_used_elem *e = &r->used->ring[r->last_used_idx++
                                                     & (RING_SIZE - 1)];
    *id = e->id;
    *len = e->len;
    return true;
}

/* What the chain walk accepts and refuses beyond plain malformation. */
static void
test_walk_rules(void)
{
    struct sink sink = { .n = 0 };
    struct vring_desc *d, *table;
    struct guest g;
    uint16_t id;
    uint32_t len;

    guest_init(&g, V1_FEATURES);
    d = g.drv.desc;
    table = (void *) (g.mem + BUF_AREA);
    uint8_t *buf = g.mem + BUF_AREA + 8192;
    memset(buf, 0, 12);
    fill_pattern(buf + 12, 100, 9);

    /* A device-writable buffer in a transmit chain. */
    d[1] = (struct vring_desc) { gpa(&g, buf), 112, VRING_DESC_F_WRITE, 0 };
    post_raw_head(&g, 1);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 0);

    /* Direct descriptors that end in an indirect one: allowed. */
    table[0] = (struct vring_desc) { gpa(&g, buf + 12), 100, 0, 0 };
    d[2] = (struct vring_desc) { gpa(&g, buf), 12, VRING_DESC_F_NEXT, 3 };
    d[3] = (struct vring_desc) { gpa(&g, table), 16, VRING_DESC_F_INDIRECT,
                                 0 };
    post_raw_head(&g, 2);
    CHECK(sink_dequeue(&g.vq, &sink, NULL) == 1);
    CHECK(sink.size[0] == 100 && check_pattern(sink.data[0], 100, 9));
    sink_clear(&sink);

    /* An indirect table longer than the ring. */
    d[4] = (struct vring_desc) { gpa(&g, table), 16 * (RING_SIZE + 1),
                                 VRING_DESC_F_INDIRECT, 0 };
    post_raw_head(&g, 4);
    expect_dropped(&g, &g.vq.stats.drop_bad_desc, 1);
    while (get_raw_used(&g, &id, &len)) {
        continue;
    }
    guest_destroy(&g);

    /* Receive side, with mergeable buffers. */
    static uint8_t frame[9000];
    struct vhu_pkt pkt = { frame, 1000 };

    fill_pattern(frame, sizeof frame, 5);
    guest_init(&g, V1_FEATURES | (1ULL << VIRTIO_NET_F_MRG_RXBUF));
    d = g.drv.desc;
    buf = g.mem + BUF_AREA;

    /* A receive buffer the device may not write: the packet is dropped
     * and the buffer left alone. */
    memset(buf, 0xaa, 2048);
    d[0] = (struct vring_desc) { gpa(&g, buf), 2048, 0, 0 };
    post_raw_head(&g, 0);
    CHECK(vhu_virtq_enqueue_burst(&g.vq, &pkt, 1) == 1);
    CHECK(g.vq.stats.drop_bad_desc == 1 && !g.vq.stats.packets);
    for (int i = 0; i < 2048; i++) {
        CHECK(buf[i] == 0xaa);
    }
    CHECK(get_raw_used(&g, &id, &len) && id == 0 && len == 0);

    /* Buffers that hold nothing: the packet is dropped at the first. */
    for (int i = 1; i <= 8; i++) {
        d[i] = (struct vring_desc) { gpa(&g, buf), 0, VRING_DESC_F_WRITE,
                                     0 };
        post_raw_head(&g, i);
    }
    CHECK(vhu_virtq_enqueue_burst(&g.vq, &pkt, 1) == 1);
    CHECK(g.vq.stats.drop_bad_desc == 2);
    CHECK(get_raw_used(&g, &id, &len) && id == 1 && len == 0);
    CHECK(!get_raw_used(&g, &id, &len));
    CHECK(g.vq.last_avail_idx == 2);
    g.vq.last_avail_idx = g.drv.avail_idx;  /* Forget the other 7. */

    /* Too few buffers: the packet waits, and the buffers are not walked
     * again for a packet as big until the guest adds some (here it enlarges
     * one meanwhile, which goes unnoticed); a smaller packet is tried. */
    struct vhu_pkt big = { frame, 9000 };
    d[10] = (struct vring_desc) { gpa(&g, buf), 2048, VRING_DESC_F_WRITE,
                                  0 };
    post_raw_head(&g, 10);
    CHECK(!vhu_virtq_enqueue_burst(&g.vq, &big, 1));
    d[10].len = 16384;
    CHECK(!vhu_virtq_enqueue_burst(&g.vq, &big, 1));
    struct vhu_pkt small = { frame, 100 };
    CHECK(vhu_virtq_enqueue_burst(&g.vq, &small, 1) == 1);
    CHECK(get_raw_used(&g, &id, &len) && id == 10 && len == 12 + 100);
    d[10].len = 2048;
    post_raw_head(&g, 10);
    CHECK(!vhu_virtq_enqueue_burst(&g.vq, &big, 1));
    d[11] = (struct vring_desc) { gpa(&g, buf + 2048), 8192,
                                  VRING_DESC_F_WRITE, 0 };
    post_raw_head(&g, 11);
    CHECK(vhu_virtq_enqueue_burst(&g.vq, &big, 1) == 1);
    CHECK(g.vq.stats.packets == 2);
    CHECK(get_raw_used(&g, &id, &len) && id == 10 && len == 2048);
    CHECK(get_raw_used(&g, &id, &len) && id == 11 && len == 12 + 9000 - 2048);
    CHECK(check_pattern(buf + 12, 9000, 5));
    guest_destroy(&g);
}

/* The limits in SECURITY.md, at their edges. */

/* Where the limit tests' transmit buffers are: a pattern that tells bytes
 * apart, so that a copy from the wrong place shows. */
#define TX_DATA (MEM_SIZE / 4)

/* Fills 'segs' with a transmit chain of 'n' buffers, one after another
 * from TX_DATA on: the 12-byte header, then 'piece' bytes each. */
static void
tx_chain_segs(const struct guest *g, struct vdrv_seg *segs, unsigned int n,
              uint32_t piece)
{
    uint64_t addr = gpa(g, g->mem + TX_DATA);

    for (unsigned int i = 0; i < n; i++) {
        segs[i] = (struct vdrv_seg) { addr, i ? piece : 12, false };
        addr += segs[i].len;
    }
}

/* Posts a transmit chain of the 'n' buffers in 'segs', through indirect
 * table 'table' if it is nonnull, and stores in 'expect' (of 'max' bytes)
 * what the switch must take from it: the bytes its buffers hold, in order,
 * header stripped.  Returns how many those are. */
static size_t
guest_tx_chain(struct guest *g, const struct vdrv_seg *segs, unsigned int n,
               struct vring_desc *table, uint8_t *expect, size_t max)
{
    size_t total = 0;

    for (unsigned int i = 0; i < n; i++) {
        CHECK(total + segs[i].len <= max);
        memcpy(expect + total, g->mem + (segs[i].gpa - GPA_BASE),
               segs[i].len);
        total += segs[i].len;
    }
    CHECK(total >= 12);
    memmove(expect, expect + 12, total - 12);
    CHECK(vdrv_add(&g->drv, segs, n, table, table ? gpa(g, table) : 0)
          >= 0);
    vdrv_publish(&g->drv);
    return total - 12;
}

/* The switch takes the next transmit chain as a packet of the 'size' bytes
 * at 'expect', and hands the chain back. */
static void
expect_taken(struct guest *g, const uint8_t *expect, size_t size)
{
    struct sink sink = { .n = 0 };
    uint16_t id;
    uint32_t len;

    CHECK(sink_dequeue(&g->vq, &sink, NULL) == 1);
    CHECK(sink.size[0] == size && !memcmp(sink.data[0], expect, size));
    sink_clear(&sink);
    CHECK(vdrv_get_used(&g->drv, &id, &len) && !len);
}

/* The switch drops the next transmit chain as a bad one, and hands it
 * back. */
static void
expect_bad_desc(struct guest *g)
{
    uint16_t id;
    uint32_t len;

    expect_dropped(g, &g->vq.stats.drop_bad_desc, g->vq.stats.drop_bad_desc);
    CHECK(vdrv_get_used(&g->drv, &id, &len) && !len);
}

/* A packet from a guest may take VHU_TX_PKT_MAX_DESCS (256) descriptor
 * reads, not one more, whether its descriptors are in the ring or in an
 * indirect table, where the descriptor that points to the table is one of
 * them.  The ring has 512 entries, so that the ring size, which also
 * bounds chains and tables, is not what refuses them. */
static void
test_tx_desc_limit(void)
{
    static uint8_t expect[4096];
    struct vdrv_seg segs[257];
    struct vring_desc *table;
    struct guest g;
    size_t size;

    guest_init_ring(&g, V1_FEATURES, 512, 0);
    fill_pattern(g.mem + TX_DATA, 4096, 11);
    table = (void *) (g.mem + TX_DATA + 8192);

    /* 256 descriptors in the ring: taken, every byte where it belongs. */
    tx_chain_segs(&g, segs, 256, 10);
    size = guest_tx_chain(&g, segs, 256, NULL, expect, sizeof expect);
    CHECK(size == 255 * 10);
    expect_taken(&g, expect, size);

    /* 257: dropped.  Also with one of them empty, so that they make only
     * 256 pieces of memory: the limit is on descriptors read, and the one
     * on pieces (VHU_CHAIN_MAX_SEGS, also 256) is not what drops it. */
    tx_chain_segs(&g, segs, 257, 10);
    guest_tx_chain(&g, segs, 257, NULL, expect, sizeof expect);
    expect_bad_desc(&g);
    segs[100].len = 0;
    guest_tx_chain(&g, segs, 257, NULL, expect, sizeof expect);
    expect_bad_desc(&g);

    /* Indirect: the ring's descriptor and a table of 255 make 256 reads,
     * taken; a table of 256, well within the ring, is one read too many. */
    tx_chain_segs(&g, segs, 255, 10);
    size = guest_tx_chain(&g, segs, 255, table, expect, sizeof expect);
    expect_taken(&g, expect, size);
    tx_chain_segs(&g, segs, 256, 10);
    guest_tx_chain(&g, segs, 256, table, expect, sizeof expect);
    expect_bad_desc(&g);

    /* The ring goes on. */
    tx_chain_segs(&g, segs, 2, 100);
    size = guest_tx_chain(&g, segs, 2, NULL, expect, sizeof expect);
    expect_taken(&g, expect, size);

    CHECK(g.vq.stats.packets == 3 && g.vq.stats.drop_bad_desc == 3);
    CHECK(!g.vq.stats.drop_too_big && !g.drv.bad_used_id);
    CHECK(!vdrv_in_flight(&g.drv));
    guest_destroy(&g);
}

/* A chain may become at most VHU_CHAIN_MAX_SEGS (256) pieces of our memory,
 * and a buffer that crosses a region boundary is two of them.  Guest memory
 * here is two adjacent regions; 129 descriptors, far below the limit on
 * descriptors, make 256 or 257 pieces depending on how many of them cross
 * the boundary. */
static void
test_tx_seg_limit(void)
{
    const size_t split = MEM_SIZE / 2;
    static uint8_t expect[4096];
    struct vdrv_seg segs[129];
    const uint64_t across = GPA_BASE + split - 6;
    struct guest g;
    size_t size;

    guest_init_ring(&g, V1_FEATURES, 256, split);
    fill_pattern(g.mem + split - 4096, 8192, 13);

    /* The header and one buffer beside the boundary, 127 across it: 256
     * pieces, taken, the bytes on both sides where they belong. */
    segs[0] = (struct vdrv_seg) { GPA_BASE + split - 4096, 12, false };
    for (int i = 1; i < 128; i++) {
        segs[i] = (struct vdrv_seg) { across, 12, false };
    }
    segs[128] = (struct vdrv_seg) { GPA_BASE + split + 100, 12, false };
    size = guest_tx_chain(&g, segs, 129, NULL, expect, sizeof expect);
    CHECK(size == 128 * 12);
    expect_taken(&g, expect, size);

    /* The last one across the boundary too: 257 pieces, dropped. */
    segs[128].gpa = across;
    guest_tx_chain(&g, segs, 129, NULL, expect, sizeof expect);
    expect_bad_desc(&g);

    /* The ring goes on. */
    size = guest_tx_chain(&g, segs, 3, NULL, expect, sizeof expect);
    expect_taken(&g, expect, size);
    CHECK(g.vq.stats.packets == 2 && g.vq.stats.drop_bad_desc == 1);
    CHECK(!vdrv_in_flight(&g.drv) && !g.drv.bad_used_id);
    guest_destroy(&g);
}

/* A packet to a guest may take VHU_RX_PKT_MAX_DESCS (1024) descriptor reads
 * across the mergeable buffers it fills, here of 'segs' descriptors of 32
 * bytes each.  Beyond that it is dropped, as a bad chain; a guest that has
 * made fewer buffers available than a packet needs keeps it waiting
 * instead, however small its buffers. */
static void
rx_desc_limit(int segs)
{
    static uint8_t frame[1024 * 32], out[1024 * 32];
    const int per_pkt = 1024 / segs;   /* Buffers of 1024 descriptors. */
    struct vhu_pkt pkt = { frame, 1024 * 32 - 12 };
    struct guest g;
    uint16_t n_bufs, id;
    uint32_t len;

    fill_pattern(frame, sizeof frame, 17);
    guest_init_ring(&g, V1_FEATURES | (1ULL << VIRTIO_NET_F_MRG_RXBUF),
                    2048, 0);

    /* Exactly 1024 descriptors: delivered, num_buffers (both of its bytes)
     * telling how many buffers. */
    guest_post_rx(&g, per_pkt + 10, 32, segs);
    CHECK(vhu_virtq_enqueue_burst(&g.vq, &pkt, 1) == 1);
    CHECK(g.vq.stats.packets == 1 && !g.vq.stats.drop_bad_desc);
    CHECK(guest_recv(&g, 32, segs, out, &n_bufs) == 12 + pkt.size);
    CHECK(n_bufs == per_pkt && check_pattern(out + 12, pkt.size, 17));

    /* A byte more needs a 1025th.  With only 1024 available, the packet
     * waits for more, nothing used. */
    pkt.size++;
    guest_post_rx(&g, per_pkt - 10, 32, segs);
    CHECK(!vhu_virtq_enqueue_burst(&g.vq, &pkt, 1));
    CHECK(!vdrv_get_used(&g.drv, &id, &len));

    /* With one buffer more, the walk runs out of its budget: the packet is
     * dropped and counted as a bad chain, and every buffer walked, the one
     * it could not read included, goes back empty. */
    guest_post_rx(&g, 1, 32, segs);
    CHECK(vhu_virtq_enqueue_burst(&g.vq, &pkt, 1) == 1);
    CHECK(g.vq.stats.drop_bad_desc == 1 && g.vq.stats.packets == 1);
    CHECK(!g.vq.stats.drop_too_big && !g.vq.stats.drop_full);
    for (int i = 0; i < per_pkt + 1; i++) {
        CHECK(vdrv_get_used(&g.drv, &id, &len) && !len);
    }
    CHECK(!vdrv_in_flight(&g.drv));

    /* The ring goes on. */
    pkt.size = 100;
    guest_post_rx(&g, 8, 32, segs);
    CHECK(vhu_virtq_enqueue_burst(&g.vq, &pkt, 1) == 1);
    CHECK(guest_recv(&g, 32, segs, out, &n_bufs) == 12 + 100);
    CHECK(check_pattern(out + 12, 100, 17) && !g.drv.bad_used_id);
    guest_destroy(&g);
}

static void
test_rx_desc_limit(void)
{
    rx_desc_limit(1);
    rx_desc_limit(2);
}

/* A guest rewriting its transmit descriptors while the switch walks them.
 *
 * A second thread keeps rewriting fields of the ring's descriptors, one at
 * a time, to values fine or hostile, while the main thread posts chains
 * and takes them.  All guest memory but the ring holds RACE_BYTE and no
 * value written points into the ring, so every byte of every packet taken
 * must be RACE_BYTE (an indirect table pointed at RACE_BYTE bytes is a bad
 * one: its entries are device-writable and outside memory); sanitizer
 * builds check our own accesses besides.  Every chain posted must come
 * back, as a packet or a counted drop, and no packet may exceed what we
 * take. */

#define RACE_ROUNDS 5000
#define RACE_DESCS 16           /* Descriptors the chains in flight use. */
#define RACE_BYTE 0x5a
#define RACE_FILL 0xee          /* Our buffers' bytes before a copy. */

struct race {
    struct vring_desc *desc;    /* The ring's descriptors. */
    bool stop;
    uint64_t writes;
};

/* Rewrites one field of descriptor 'i' of 'desc', as random 'r' says. */
static void
race_rewrite(struct vring_desc *desc, uint16_t i, uint32_t r)
{
    static const uint64_t addrs[] = {
        /* Fine. */
        GPA_BASE + BUF_AREA, GPA_BASE + MEM_SIZE / 2,
        GPA_BASE + MEM_SIZE - 1600, GPA_BASE + MEM_SIZE - 100,
        /* Misaligned for a table; outside memory, at its start, at its
         * end, wrapping. */
        GPA_BASE + BUF_AREA + 3, 0x1000, GPA_BASE - 8, GPA_BASE + MEM_SIZE,
        UINT64_MAX - 8,
    };
    static const uint32_t lens[] = {
        /* Fine, as buffers or tables. */
        12, 60, 1500, 16, 4 * 16, RING_SIZE * 16,
        /* Empty, no header, no table, past the end, a table beyond the
         * ring, past any packet. */
        0, 5, 17, 200, 16 * (RING_SIZE + 1), 65536, UINT32_MAX,
    };
    static const uint16_t flags[] = {
        0, VRING_DESC_F_NEXT, VRING_DESC_F_INDIRECT,
        VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, VRING_DESC_F_WRITE,
        UINT16_MAX,
    };
    const uint16_t nexts[] = {
        (i + 1) % RING_SIZE, (i + 7) % RING_SIZE,
        i, (i + RING_SIZE - 1) % RING_SIZE,     /* Loops. */
        RING_SIZE, UINT16_MAX,      /* Beyond the ring. */
    };
    struct vring_desc *d = &desc[i];
    uint32_t v = r / 4;

    switch (r % 4) {
    case 0:
        __atomic_store_n(&d->addr, addrs[v % ARRAY_SIZE(addrs)],
                         __ATOMIC_RELAXED);
        break;
    case 1:
        __atomic_store_n(&d->len, lens[v % ARRAY_SIZE(lens)],
                         __ATOMIC_RELAXED);
        break;
    case 2:
        __atomic_store_n(&d->flags, flags[v % ARRAY_SIZE(flags)],
                         __ATOMIC_RELAXED);
        break;
    default:
        __atomic_store_n(&d->next, nexts[v % ARRAY_SIZE(nexts)],
                         __ATOMIC_RELAXED);
        break;
    }
}

static void *
race_thread(void *race_)
{
    struct race *race = race_;
    uint32_t x = 2463534242u;

    while (!__atomic_load_n(&race->stop, __ATOMIC_RELAXED)) {
        x ^= x << 13;           /* xorshift32 */
        x ^= x >> 17;
        x ^= x << 5;
        race_rewrite(race->desc, x % RACE_DESCS, x / RACE_DESCS);
        __atomic_store_n(&race->writes, race->writes + 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

/* Posts fine transmit chains of 1 to 4 buffers, RACE_DESCS descriptors at
 * most.  The driver reuses the descriptors it got back first, so chains
 * are only ever in the first RACE_DESCS descriptors.  Returns how many
 * chains it posted. */
static int
race_post(struct guest *g, int round)
{
    unsigned int descs = RACE_DESCS;
    int n = 0;

    for (;;) {
        unsigned int n_segs = 1 + (round + n) % 4;
        struct vdrv_seg segs[4];

        if (n_segs > descs) {
            break;
        }
        descs -= n_segs;
        for (unsigned int i = 0; i < n_segs; i++) {
            segs[i] = (struct vdrv_seg) {
                GPA_BASE + BUF_AREA + (n * 4 + i) * 2048, 72 + i * 500,
                false,
            };
        }
        CHECK(vdrv_add(&g->drv, segs, n_segs, NULL, 0) >= 0);
        n++;
    }
    vdrv_publish(&g->drv);
    return n;
}

static bool
race_alloc(void *aux OVS_UNUSED, struct vhu_buf *buf, uint32_t size)
{
    free(buf->data);
    buf->data = xmalloc(size);
    memset(buf->data, RACE_FILL, size);
    buf->capacity = size;
    return true;
}

/* Checks that the 'n' bytes at 'p' are all 'byte'. */
static bool
all_bytes(const uint8_t *p, size_t n, uint8_t byte)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != byte) {
            return false;
        }
    }
    return true;
}

/* Takes every chain posted, in bursts that offer buffers of 'capacity'
 * bytes (0: none, all allocated), and checks each packet.  Returns how
 * many packets it took. */
static int
race_dequeue(struct guest *g, uint32_t capacity)
{
    int n_pkts = 0;
    int left;

    do {
        struct vhu_buf bufs[RACE_DESCS];
        int n;

        for (int i = 0; i < RACE_DESCS; i++) {
            bufs[i] = (struct vhu_buf) { .capacity = 0 };
            if (capacity) {
                race_alloc(NULL, &bufs[i], capacity);
            }
        }
        n = vhu_virtq_dequeue_burst(&g->vq, bufs, RACE_DESCS, race_alloc,
                                    NULL, &left);
        for (int i = 0; i < RACE_DESCS; i++) {
            const struct vhu_buf *b = &bufs[i];

            if (i < n) {
                CHECK(b->size <= VHU_VIRTQ_MAX_PKT_SIZE
                      && b->size <= b->capacity);
                CHECK(all_bytes(b->data, b->size, RACE_BYTE));
                CHECK(all_bytes(b->data + b->size, b->capacity - b->size,
                                RACE_FILL));
            }
            free(b->data);
        }
        n_pkts += n;
    } while (left);
    return n_pkts;
}

static void
test_tx_race(void)
{
    struct race race = { .stop = false };
    uint64_t posted = 0, taken = 0;
    pthread_t thread;
    struct guest g;
    uint16_t id;
    uint32_t len;

    guest_init(&g, V1_FEATURES);
    memset(g.mem + BUF_AREA, RACE_BYTE, MEM_SIZE - BUF_AREA);
    race.desc = g.drv.desc;
    CHECK(!pthread_create(&thread, NULL, race_thread, &race));
    while (!__atomic_load_n(&race.writes, __ATOMIC_RELAXED)) {
        sched_yield();          /* Racing from the first round on. */
    }

    for (int round = 0; round < RACE_ROUNDS; round++) {
        posted += race_post(&g, round);
        taken += race_dequeue(&g, round % 4 ? 2048 : 0);
        while (vdrv_get_used(&g.drv, &id, &len)) {
            CHECK(!len);
        }
    }
    __atomic_store_n(&race.stop, true, __ATOMIC_RELAXED);
    CHECK(!pthread_join(thread, NULL));

    const struct vhu_virtq_stats *st = &g.vq.stats;
    CHECK(st->packets == taken);
    CHECK(st->packets + st->drop_bad_desc + st->drop_too_big == posted);
    CHECK(!st->drop_no_mem && !st->bad_avail_idx && !g.drv.bad_used_id);
    CHECK(!vdrv_in_flight(&g.drv));
    guest_destroy(&g);
}

static void
test_start_errors(void)
{
    struct guest g;
    struct vhu_virtq vq;

    guest_init(&g, V1_FEATURES);
    vhu_virtq_init(&vq);
    /* Not a power of 2, too big, outside memory, misaligned. */
    CHECK(vhu_virtq_start(&vq, &g.table, 0x7f0000000000ULL,
                          0x7f0000001000ULL, 0x7f0000002000ULL, 100, 0,
                          0, -1) == EINVAL);
    CHECK(vhu_virtq_start(&vq, &g.table, 0x7f0000000000ULL,
                          0x7f0000001000ULL, 0x7f0000002000ULL, 65536,
                          0, 0, -1) == EINVAL);
    CHECK(vhu_virtq_start(&vq, &g.table, 0x1000, 0x7f0000001000ULL,
                          0x7f0000002000ULL, 64, 0, 0, -1) == EFAULT);
    CHECK(vhu_virtq_start(&vq, &g.table, 0x7f0000000000ULL
                          + MEM_SIZE - 16, 0x7f0000001000ULL,
                          0x7f0000002000ULL, 64, 0, 0, -1) == EFAULT);
    CHECK(vhu_virtq_start(&vq, &g.table, 0x7f0000000008ULL,
                          0x7f0000001000ULL, 0x7f0000002000ULL, 64, 0,
                          0, -1) == EINVAL);
    guest_destroy(&g);
}

/* The dirty log: a bitmap from guest-physical address 0 to the end of the
 * test guest's memory. */
#define LOG_SIZE ((GPA_BASE + MEM_SIZE) / 4096 / 8)

static bool
page_marked(const uint8_t *bits, uint64_t gpa_)
{
    uint64_t page = gpa_ / 4096;

    return bits[page / 8] & (1u << (page % 8));
}

/* Checks that every byte of guest memory that differs from 'before' lies on
 * a page marked in 'bits' (the exact check a migration needs: a missed
 * page is a corrupted guest), and returns how many pages changed. */
static int
check_changes_logged(const struct guest *g, const uint8_t *before,
                     const uint8_t *bits)
{
    int changed = 0;

    for (size_t ofs = 0; ofs < MEM_SIZE; ofs += 4096) {
        if (memcmp(g->mem + ofs, before + ofs, 4096)) {
            CHECK(page_marked(bits, GPA_BASE + ofs));
            changed++;
        }
    }
    return changed;
}

static int
count_marked(const uint8_t *bits, size_t size)
{
    int n = 0;

    for (size_t i = 0; i < size; i++) {
        n += __builtin_popcount(bits[i]);
    }
    return n;
}

static void
test_dirty_log(void)
{
    static const uint64_t mrg[] = { 0, 1ULL << VIRTIO_NET_F_MRG_RXBUF };
    static uint8_t frame[9000];
    uint8_t *before = xmalloc(MEM_SIZE);
    uint8_t *bits = xzalloc(LOG_SIZE);
    struct vhu_log log;
    struct guest g;
    struct sink sink = { .n = 0 };

    fill_pattern(frame, sizeof frame, 5);
    vhu_log_init(&log);
    vhu_log_set_mapped(&log, bits, LOG_SIZE);
    for (size_t m = 0; m < ARRAY_SIZE(mrg); m++) {
        struct vhu_pkt pkts[3] = {
            { frame, 60 }, { frame, mrg[m] ? 9000 : 1500 }, { frame, 1514 },
        };
        uint64_t used_gpa;

        guest_init(&g, V1_FEATURES | mrg[m]);
        used_gpa = GPA_BASE + vdrv_ring_used_offset(&g.drv);
        vhu_virtq_set_log(&g.vq, &log, used_gpa);
        CHECK(page_marked(bits, used_gpa) && g.vq.stats.log_pages >= 1);

        /* Receive: the one-descriptor fast path, chains of two buffers
         * (the general walk) and, with mergeable buffers, 5 of them. */
        guest_post_rx(&g, 4, 2048, 1);
        guest_post_rx(&g, 4, 1024, 2);
        memcpy(before, g.mem, MEM_SIZE);
        memset(bits, 0, LOG_SIZE);
        CHECK(vhu_virtq_enqueue_burst(&g.vq, pkts, 3) == 3);
        CHECK(check_changes_logged(&g, before, bits) >= 3);

        /* Transmit: only the used ring is written. */
        guest_send(&g, 60, 0, false, 1);
        guest_send(&g, 1000, 100, true, 2);
        memcpy(before, g.mem, MEM_SIZE);
        memset(bits, 0, LOG_SIZE);
        CHECK(sink_dequeue(&g.vq, &sink, NULL) == 2);
        CHECK(check_changes_logged(&g, before, bits) >= 1);
        CHECK(page_marked(bits, used_gpa));
        sink_clear(&sink);

        /* Logging off: not a single mark, though the guest changed. */
        vhu_virtq_set_log(&g.vq, NULL, 0);
        uint64_t marked = g.vq.stats.log_pages;
        memset(bits, 0, LOG_SIZE);
        guest_post_rx(&g, 2, 2048, 1);
        CHECK(vhu_virtq_enqueue_burst(&g.vq, pkts, 1) == 1);
        guest_send(&g, 60, 0, false, 3);
        CHECK(sink_dequeue(&g.vq, &sink, NULL) == 1);
        sink_clear(&sink);
        CHECK(!count_marked(bits, LOG_SIZE));
        CHECK(g.vq.stats.log_pages == marked);
        guest_destroy(&g);
    }

    /* A log smaller than guest memory: what lies beyond is not marked, and
     * nothing is written past its end (ASan watches this heap block). */
    uint8_t *small = xzalloc(GPA_BASE / 4096 / 8 + 1);
    vhu_log_set_mapped(&log, small, GPA_BASE / 4096 / 8 + 1);
    CHECK(vhu_log_mark(&log, GPA_BASE, 8 * 4096 + 1) == 8);
    CHECK(vhu_log_mark(&log, GPA_BASE, 100) == 0);
    CHECK(vhu_log_mark(&log, GPA_BASE + 9 * 4096, 4096) == 0);
    CHECK(vhu_log_mark(&log, UINT64_MAX - 10, 100) == 0);
    CHECK(vhu_log_mark(&log, GPA_BASE - 1, 0) == 0);
    CHECK(vhu_log_mark(&log, GPA_BASE - 1, 2) == 1);
    CHECK(count_marked(small, GPA_BASE / 4096 / 8 + 1) == 9);
    free(small);
    vhu_log_clear(&log);

    /* Mapping one from a file, as SET_LOG_BASE does. */
    int fd = memfd_create("log", MFD_CLOEXEC);
    CHECK(fd >= 0 && !ftruncate(fd, 3 * 4096));
    CHECK(vhu_log_map(&log, fd, 0, 0) == EINVAL);
    /* A file that holds one byte more than the limit, so that only the
     * limit refuses it. */
    int big_fd = memfd_create("big-log", MFD_CLOEXEC);
    CHECK(big_fd >= 0 && !ftruncate(big_fd, VHU_LOG_MAX_SIZE + 1));
    CHECK(vhu_log_map(&log, big_fd, VHU_LOG_MAX_SIZE + 1, 0) == EINVAL);
    CHECK(!vhu_log_map(&log, big_fd, VHU_LOG_MAX_SIZE, 0));
    CHECK(log.size == VHU_LOG_MAX_SIZE);
    vhu_log_clear(&log);
    close(big_fd);
    CHECK(vhu_log_map(&log, fd, 4096, UINT64_MAX - 100) == EINVAL);
    CHECK(vhu_log_map(&log, fd, 4096, 2 * 4096 + 1) == EINVAL);
    CHECK(!log.bits);
    CHECK(!vhu_log_map(&log, fd, 4096, 4096 + 100));
    CHECK(log.size == 4096);
    CHECK(vhu_log_mark(&log, 3 * 4096, 1) == 1);
    uint8_t byte = 0;
    CHECK(pread(fd, &byte, 1, 4096 + 100) == 1 && byte == 1u << 3);
    vhu_log_clear(&log);
    close(fd);
    int pipe_fds[2];
    CHECK(!pipe(pipe_fds));
    CHECK(vhu_log_map(&log, pipe_fds[0], 4096, 0) == EBADF);
    close(pipe_fds[0]);
    close(pipe_fds[1]);

    free(bits);
    free(before);
}

static void
test_virtq_main(int argc OVS_UNUSED, char *argv[] OVS_UNUSED)
{
    static const uint32_t capacities[] = { 0, 2048 };

    for (size_t i = 0; i < ARRAY_SIZE(capacities); i++) {
        sink_capacity = capacities[i];
        test_dequeue_layouts();
        test_dequeue_hostile();
        test_walk_rules();
        test_tx_desc_limit();
        test_tx_seg_limit();
    }
    test_enqueue();
    test_rx_desc_limit();
    test_tx_race();
    test_start_errors();
    test_dirty_log();
    printf("PASS\n");
}

OVSTEST_REGISTER("test-virtq", test_virtq_main);
