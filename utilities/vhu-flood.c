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

/* vhu-flood: the peer of "make bench-compare".  It plays two guests, each
 * on a socket it serves: the source transmits frames as fast as the switch
 * takes them, the sink gives the switch receive buffers as fast as it fills
 * them.  More guests may idle beside them, for the cost of idle ports.
 * One thread polls both, so that the switch, not the peer, is what
 * a run measures.
 *
 * Cheap by default: every descriptor and frame is written once at start-up
 * and recycled in place.  A used entry hands a head back, and the driver
 * re-posts it by bumping avail->idx; the avail slot is written only when
 * the head in it changes (never, with a switch that completes in order), so
 * the switch's cache keeps the descriptors and frames it read last time.
 * With --rewrite the peer writes descriptors, avail slots, headers and
 * the first line of every frame per packet, and reads what it receives, as
 * a Linux guest does: then the switch pays for the cache misses a real
 * guest causes.
 *
 * Interrupts are off (VRING_AVAIL_F_NO_INTERRUPT) and the peer never kicks:
 * both sides poll.  SIGUSR1 prints a line of counters (see print_snapshot()),
 * SIGTERM and SIGINT end it.  The flood loop is plain C over lib/'s ring
 * definitions, so that the peer's own cost stays small and visible. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "util.h"
#include "vhost-user-msg.h"
#include "virtio-defs.h"

#define FLOOD_MAX_QP 8
#define FLOOD_MAX_GUESTS 64
#define FLOOD_GPA_BASE 0x100000000ULL
#define FLOOD_HDR_SIZE 12       /* virtio-net header with MRG_RXBUF. */

/* One virtqueue, driver side. */
struct flood_ring {
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    uint32_t size;
    uint16_t avail_idx;         /* Our next avail entry. */
    uint16_t used_idx;          /* Next used entry to collect. */
    bool device_writes;         /* A guest receive ring. */
    uint8_t *bufs;              /* Buffer of head N at bufs + N * buf_size. */
    uint64_t bufs_gpa;
    uint32_t buf_size;
    uint32_t desc_len;          /* What each descriptor says. */
    int kick_fd;
    int call_fd;
};

/* What a guest does. */
enum flood_role {
    FLOOD_SOURCE,               /* Transmits. */
    FLOOD_SINK,                 /* Receives. */
    FLOOD_IDLE,                 /* Sets its rings up, then does nothing. */
};

/* One guest: a socket, its memory and its rings. */
struct flood_guest {
    char *name;
    const char *path;
    enum flood_role role;
    int listen_fd;
    int conn_fd;
    int mem_fd;
    uint8_t *mem;
    size_t mem_size;
    struct flood_ring rings[2 * FLOOD_MAX_QP];  /* vq 2N receives. */
};

struct flood_config {
    unsigned int n_qp;
    uint32_t ring_size;
    uint32_t frame_size;
    bool rewrite;
    bool verbose;
    double rate;                /* Frames per second, 0 for no limit. */
};

/* Counters, printed by print_snapshot(). */
struct flood_stats {
    uint64_t tx_packets;        /* Frames the switch took from the source. */
    uint64_t rx_packets;        /* Buffers the switch filled at the sink. */
    uint64_t rx_bytes;          /* Their bytes, header excluded. */
    uint64_t busy_cycles;       /* TSC cycles of polls that found work. */
    uint64_t idle_cycles;       /* TSC cycles of polls that found none. */
};

static volatile sig_atomic_t snapshot_requested;
static volatile sig_atomic_t exit_requested;

static void
fatal(int error, const char *format, ...)
{
    va_list args;

    fprintf(stderr, "vhu-flood: ");
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    if (error) {
        fprintf(stderr, " (%s)", ovs_strerror(error));
    }
    fputc('\n', stderr);
    exit(1);
}


/* Guest memory and rings. */

static uint64_t
gpa_of(const struct flood_guest *g, const void *p)
{
    return FLOOD_GPA_BASE + ((const uint8_t *) p - g->mem);
}

static size_t
ring_bytes(uint32_t size)
{
    return ROUND_UP(vring_desc_size(size), 64)
           + ROUND_UP(vring_avail_size(size), 64)
           + ROUND_UP(vring_used_size(size), 64);
}

/* The Ethernet frame every source slot carries. */
static void
make_frame(uint8_t *frame, uint32_t size)
{
    static const uint8_t head[14] = {
        0x02, 0, 0, 0, 0, 0x02,     /* Destination. */
        0x02, 0, 0, 0, 0, 0x01,     /* Source. */
        0x88, 0xb5,                 /* Local experimental ethertype. */
    };

    memcpy(frame, head, sizeof head);
    for (uint32_t i = sizeof head; i < size; i++) {
        frame[i] = i;
    }
}

/* Writes descriptor 'head' of 'r' and puts it in avail slot 'slot'. */
static void
post_buffer(struct flood_ring *r, uint16_t head, uint16_t slot)
{
    struct vring_desc *d = &r->desc[head];

    d->addr = r->bufs_gpa + (uint64_t) head * r->buf_size;
    d->len = r->desc_len;
    d->flags = r->device_writes ? VRING_DESC_F_WRITE : 0;
    d->next = 0;
    r->avail->ring[slot & (r->size - 1)] = head;
}

/* Lays out 'g''s memory: rings, then buffers.  Every buffer of every ring
 * is posted at once; the rings the peer does not drive (the source's
 * receive rings, the sink's transmit rings, an idle guest's) stay empty. */
static void
setup_memory(struct flood_guest *g, const struct flood_config *cfg)
{
    uint32_t tx_slot = ROUND_UP(FLOOD_HDR_SIZE + cfg->frame_size, 64);
    /* Receive buffers as big as a Linux guest's (mergeable ones are 1.5
     * to 4 kB), and always big enough for a whole frame. */
    uint32_t rx_slot = MAX(2048, ROUND_UP(FLOOD_HDR_SIZE
                                             + cfg->frame_size, 1024));
    size_t rings = ROUND_UP(ring_bytes(cfg->ring_size), 4096);
    unsigned int n_rings = 2 * cfg->n_qp;
    size_t slot = (g->role == FLOOD_SOURCE ? tx_slot
                   : g->role == FLOOD_SINK ? rx_slot : 0);
    size_t offset;

    g->mem_size = ROUND_UP(rings * n_rings + (size_t) cfg->n_qp
                           * cfg->ring_size * slot, 2 * 1024 * 1024);
    g->mem_fd = memfd_create(g->name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (g->mem_fd < 0 || ftruncate(g->mem_fd, g->mem_size)
        || fcntl(g->mem_fd, F_ADD_SEALS,
                 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
        fatal(errno, "cannot create guest memory");
    }
    g->mem = mmap(NULL, g->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                  g->mem_fd, 0);
    if (g->mem == MAP_FAILED) {
        fatal(errno, "cannot map guest memory");
    }

    offset = rings * n_rings;
    for (unsigned int i = 0; i < n_rings; i++) {
        struct flood_ring *r = &g->rings[i];
        uint8_t *base = g->mem + i * rings;
        bool receives = !(i % 2);

        r->size = cfg->ring_size;
        r->desc = (void *) base;
        r->avail = (void *) (base + ROUND_UP(vring_desc_size(r->size),
                                                64));
        r->used = (void *) ((uint8_t *) r->avail
                            + ROUND_UP(vring_avail_size(r->size), 64));
        r->device_writes = receives;
        r->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        r->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (r->kick_fd < 0 || r->call_fd < 0) {
            fatal(errno, "eventfd");
        }
        r->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
        if (g->role != (receives ? FLOOD_SINK : FLOOD_SOURCE)) {
            continue;           /* A ring nobody drives. */
        }

        r->buf_size = slot;
        r->bufs = g->mem + offset;
        r->bufs_gpa = gpa_of(g, r->bufs);
        offset += (size_t) r->size * slot;
        r->desc_len = receives ? slot : FLOOD_HDR_SIZE + cfg->frame_size;
        for (uint32_t head = 0; head < r->size; head++) {
            if (!receives) {
                uint8_t *buf = r->bufs + (size_t) head * slot;

                memset(buf, 0, FLOOD_HDR_SIZE);
                make_frame(buf + FLOOD_HDR_SIZE, cfg->frame_size);
            }
            post_buffer(r, head, head);
        }
        r->avail_idx = r->size;
        __atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
    }
}


/* The vhost-user conversation, as QEMU has it when a guest driver starts. */

static void
send_msg(const struct flood_guest *g, const struct vhu_msg *msg)
{
    int error = vhu_msg_send(g->conn_fd, msg);

    if (error) {
        fatal(error, "%s: sending %s", g->name,
              vhu_request_name(msg->hdr.request));
    }
}

/* Sends a request that has a u64 reply and returns the reply. */
static uint64_t
get_u64(const struct flood_guest *g, enum vhost_user_request request)
{
    struct vhu_msg_reader reader;
    struct vhu_msg msg;
    int error;

    vhu_msg_init(&msg, request, 0);
    send_msg(g, &msg);
    vhu_msg_reader_init(&reader);
    do {
        struct pollfd pfd = { .fd = g->conn_fd, .events = POLLIN };

        if (poll(&pfd, 1, 10000) != 1) {
            fatal(0, "%s: no reply to %s", g->name,
                  vhu_request_name(request));
        }
        error = vhu_msg_recv(g->conn_fd, &reader);
    } while (error == EAGAIN);
    if (error || reader.msg.hdr.request != request
        || reader.msg.hdr.size != sizeof reader.msg.payload.u64) {
        fatal(error, "%s: bad reply to %s", g->name,
              vhu_request_name(request));
    }
    vhu_msg_close_fds(&reader.msg);
    return reader.msg.payload.u64;
}

static void
send_u64(const struct flood_guest *g, enum vhost_user_request request,
         uint64_t value, int fd)
{
    struct vhu_msg msg;

    vhu_msg_init(&msg, request, sizeof msg.payload.u64);
    msg.payload.u64 = value;
    if (fd >= 0) {
        msg.fds[0] = fd;
        msg.n_fds = 1;
    }
    send_msg(g, &msg);
}

static void
send_state(const struct flood_guest *g, enum vhost_user_request request,
           uint32_t index, uint32_t num)
{
    struct vhu_msg msg;

    vhu_msg_init(&msg, request, sizeof msg.payload.state);
    msg.payload.state.index = index;
    msg.payload.state.num = num;
    send_msg(g, &msg);
}

static void
setup_device(struct flood_guest *g, const struct flood_config *cfg)
{
    uint64_t wanted = ((1ULL << VIRTIO_F_VERSION_1)
                       | (1ULL << VIRTIO_NET_F_MRG_RXBUF)
                       | (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)
                       | (cfg->n_qp > 1 ? 1ULL << VIRTIO_NET_F_MQ : 0));
    uint64_t offered = get_u64(g, VHOST_USER_GET_FEATURES);
    uint64_t proto = (cfg->n_qp > 1 ? 1ULL << VHOST_USER_PROTOCOL_F_MQ : 0);
    struct vhu_msg msg;

    if ((offered & wanted) != wanted) {
        fatal(0, "%s: back-end offers features %#"PRIx64", we need %#"PRIx64,
              g->name, offered, wanted);
    }
    proto &= get_u64(g, VHOST_USER_GET_PROTOCOL_FEATURES);
    send_u64(g, VHOST_USER_SET_PROTOCOL_FEATURES, proto, -1);
    if (cfg->n_qp > 1) {
        if (!(proto & (1ULL << VHOST_USER_PROTOCOL_F_MQ))
            || get_u64(g, VHOST_USER_GET_QUEUE_NUM) < cfg->n_qp) {
            fatal(0, "%s: back-end cannot do %u queue pairs", g->name,
                  cfg->n_qp);
        }
    }
    vhu_msg_init(&msg, VHOST_USER_SET_OWNER, 0);
    send_msg(g, &msg);
    send_u64(g, VHOST_USER_SET_FEATURES, wanted, -1);

    vhu_msg_init(&msg, VHOST_USER_SET_MEM_TABLE,
                 offsetof(struct vhost_user_memory, regions)
                 + sizeof msg.payload.memory.regions[0]);
    memset(&msg.payload.memory, 0, sizeof msg.payload.memory);
    msg.payload.memory.nregions = 1;
    msg.payload.memory.regions[0] = (struct vhost_user_memory_region) {
        .guest_phys_addr = FLOOD_GPA_BASE,
        .memory_size = g->mem_size,
        .userspace_addr = (uintptr_t) g->mem,
        .mmap_offset = 0,
    };
    msg.fds[0] = g->mem_fd;
    msg.n_fds = 1;
    send_msg(g, &msg);

    for (unsigned int i = 0; i < 2 * cfg->n_qp; i++) {
        struct flood_ring *r = &g->rings[i];

        send_state(g, VHOST_USER_SET_VRING_NUM, i, r->size);
        send_state(g, VHOST_USER_SET_VRING_BASE, i, 0);
        vhu_msg_init(&msg, VHOST_USER_SET_VRING_ADDR, sizeof msg.payload.addr);
        memset(&msg.payload.addr, 0, sizeof msg.payload.addr);
        msg.payload.addr.index = i;
        msg.payload.addr.desc_user_addr = (uintptr_t) r->desc;
        msg.payload.addr.avail_user_addr = (uintptr_t) r->avail;
        msg.payload.addr.used_user_addr = (uintptr_t) r->used;
        send_msg(g, &msg);
        send_u64(g, VHOST_USER_SET_VRING_KICK, i, r->kick_fd);
        send_u64(g, VHOST_USER_SET_VRING_CALL, i, r->call_fd);
    }
    for (unsigned int i = 0; i < 2 * cfg->n_qp; i++) {
        send_state(g, VHOST_USER_SET_VRING_ENABLE, i, 1);
    }
    if (cfg->verbose) {
        fprintf(stderr, "vhu-flood: %s: set up, features %#"PRIx64"\n",
                g->name, wanted);
    }
}

static void
open_socket(struct flood_guest *g)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };

    if (strlen(g->path) >= sizeof sun.sun_path) {
        fatal(0, "%s: socket path too long", g->path);
    }
    ovs_strlcpy(sun.sun_path, g->path, sizeof sun.sun_path);
    unlink(g->path);
    g->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (g->listen_fd < 0
        || bind(g->listen_fd, (struct sockaddr *) &sun, sizeof sun)
        || listen(g->listen_fd, 1)) {
        fatal(errno, "%s: cannot listen", g->path);
    }
    g->conn_fd = -1;
}

/* Waits until the back-end of every guest connected, then sets each up. */
static void
connect_guests(struct flood_guest *guests, unsigned int n,
               const struct flood_config *cfg)
{
    unsigned int n_connected = 0;

    while (n_connected < n) {
        struct pollfd pfds[FLOOD_MAX_GUESTS];

        for (unsigned int i = 0; i < n; i++) {
            pfds[i].fd = guests[i].conn_fd < 0 ? guests[i].listen_fd : -1;
            pfds[i].events = POLLIN;
        }
        if (poll(pfds, n, -1) < 0 && errno != EINTR) {
            fatal(errno, "poll");
        }
        if (exit_requested) {
            exit(0);
        }
        for (unsigned int i = 0; i < n; i++) {
            if (pfds[i].fd >= 0 && pfds[i].revents) {
                guests[i].conn_fd = accept4(guests[i].listen_fd, NULL, NULL,
                                            SOCK_CLOEXEC);
                if (guests[i].conn_fd >= 0) {
                    setup_device(&guests[i], cfg);
                    n_connected++;
                }
            }
        }
    }
}


/* The flood. */

/* Takes the used entries of 'r' and posts their buffers again.  Returns how
 * many it took and adds their bytes, header excluded, to '*bytes'. */
static inline uint32_t
recycle(struct flood_ring *r, bool rewrite, uint32_t max, uint64_t *bytes)
{
    uint16_t used_idx = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
    uint16_t n = used_idx - r->used_idx;
    uint32_t mask = r->size - 1;

    /* A bounded share per call, so that the source's and the sink's rings
     * take turns often: a sink ring left alone too long overflows. */
    if (max > 64) {
        max = 64;
    }
    if (n > max) {
        n = max;
        used_idx = r->used_idx + n;
    }
    if (!n) {
        return 0;
    }
    for (uint16_t i = 0; i < n; i++) {
        const struct vring_used_elem *e = &r->used->ring[(r->used_idx + i)
                                                         & mask];
        uint32_t head = e->id;
        uint16_t slot = (r->avail_idx + i) & mask;

        if (head >= r->size) {
            fatal(0, "used entry for head %"PRIu32" of %"PRIu32, head,
                  r->size);
        }
        if (r->device_writes) {
            *bytes += e->len - FLOOD_HDR_SIZE;
        }
        if (rewrite) {
            volatile uint8_t *buf = r->bufs + (size_t) head * r->buf_size;

            if (r->device_writes) {
                (void) buf[FLOOD_HDR_SIZE];    /* The guest reads it. */
            } else {
                memset((uint8_t *) buf, 0, FLOOD_HDR_SIZE);
                buf[FLOOD_HDR_SIZE + 14]++;    /* The stack wrote it. */
            }
            post_buffer(r, head, slot);
        } else if (r->avail->ring[slot] != head) {
            r->avail->ring[slot] = head;
        }
    }
    r->used_idx = used_idx;
    r->avail_idx += n;
    __atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
    return n;
}

static void
print_snapshot(const struct flood_stats *s)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    printf("time_ns=%lld tsc=%llu tx_packets=%"PRIu64" rx_packets=%"PRIu64
           " rx_bytes=%"PRIu64" busy_cycles=%"PRIu64" idle_cycles=%"PRIu64
           "\n", (long long) now.tv_sec * 1000000000 + now.tv_nsec,
           (unsigned long long) __rdtsc(), s->tx_packets, s->rx_packets,
           s->rx_bytes, s->busy_cycles, s->idle_cycles);
    fflush(stdout);
}

/* Checks, now and then, that the back-ends are still there. */
static void
check_connections(const struct flood_guest *guests, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        struct pollfd pfd = { .fd = guests[i].conn_fd, .events = POLLIN };

        if (poll(&pfd, 1, 0) > 0) {
            char c;

            if (recv(guests[i].conn_fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) <= 0) {
                fatal(0, "%s: back-end went away", guests[i].name);
            }
        }
    }
}

/* TSC cycles per second, measured against the monotonic clock. */
static double
tsc_hz(void)
{
    struct timespec t0, t1, pause = { .tv_nsec = 100 * 1000 * 1000 };
    uint64_t c0, c1;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    c0 = __rdtsc();
    nanosleep(&pause, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    c1 = __rdtsc();
    return (c1 - c0) / ((t1.tv_sec - t0.tv_sec)
                        + (t1.tv_nsec - t0.tv_nsec) / 1e9);
}

static void
flood(struct flood_guest *guests, unsigned int n,
      const struct flood_config *cfg)
{
    /* With --rate, the source re-posts only as many frames as the rate
     * allows since the last poll (a ring's worth at most). */
    double cycles_per_frame = cfg->rate ? tsc_hz() / cfg->rate : 0;
    double credit = 0;
    struct flood_stats stats = { 0 };
    uint64_t last = __rdtsc();

    for (uint64_t loop = 1; !exit_requested; loop++) {
        uint32_t tx = 0, rx = 0;
        uint32_t max = UINT32_MAX;

        if (cycles_per_frame) {
            max = credit;
        }
        for (unsigned int i = 0; i < 2; i++) {
            struct flood_guest *g = &guests[i];

            for (unsigned int q = 0; q < cfg->n_qp; q++) {
                if (g->role == FLOOD_SOURCE) {
                    tx += recycle(&g->rings[2 * q + 1], cfg->rewrite,
                                  max - tx, NULL);
                } else {
                    rx += recycle(&g->rings[2 * q], cfg->rewrite,
                                  UINT32_MAX, &stats.rx_bytes);
                }
            }
        }

        uint64_t now = __rdtsc();
        if (cycles_per_frame) {
            credit += (now - last) / cycles_per_frame - tx;
            if (credit > cfg->ring_size) {
                credit = cfg->ring_size;
            }
        }
        if (tx || rx) {
            stats.busy_cycles += now - last;
            stats.tx_packets += tx;
            stats.rx_packets += rx;
        } else {
            stats.idle_cycles += now - last;
        }
        last = now;

        if (OVS_UNLIKELY(snapshot_requested)) {
            snapshot_requested = 0;
            print_snapshot(&stats);
            last = __rdtsc();
        }
        if (!(loop % (1 << 20))) {
            check_connections(guests, n);
            last = __rdtsc();
        }
    }
}


/* Program glue. */

static void
on_signal(int signo)
{
    if (signo == SIGUSR1) {
        snapshot_requested = 1;
    } else {
        exit_requested = 1;
    }
}

static void
usage(void)
{
    printf("usage: vhu-flood [OPTIONS] SOURCE-SOCKET SINK-SOCKET [IDLE...]\n"
           "Serves the sockets as guests: frames go into the switch at\n"
           "SOURCE and are taken out at SINK, as fast as the switch moves\n"
           "them; IDLE guests set up their rings and stay silent.  SIGUSR1\n"
           "prints counters; SIGTERM stops.\n"
           "  --size=BYTES       frame size, 60-9018 (default 64)\n"
           "  --ring-size=N      entries per ring (default 256)\n"
           "  --queues=N         queue pairs per guest, 1-%d (default 1)\n"
           "  --rate=FPS         send at most FPS frames per second\n"
           "  --rewrite          write descriptors and frames per packet\n"
           "                     and read what arrives, as a Linux guest\n"
           "  --verbose          say when each guest is set up\n",
           FLOOD_MAX_QP);
    exit(0);
}

static unsigned long
parse_number(const char *name, const char *s, unsigned long min,
              unsigned long max)
{
    char *end;
    unsigned long value = strtoul(s, &end, 10);

    if (*end || !*s || value < min || value > max) {
        fatal(0, "--%s: %s is not a number from %lu to %lu", name, s, min,
              max);
    }
    return value;
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "size", required_argument, NULL, 's' },
        { "ring-size", required_argument, NULL, 'r' },
        { "queues", required_argument, NULL, 'q' },
        { "rewrite", no_argument, NULL, 'w' },
        { "rate", required_argument, NULL, 'R' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct flood_config cfg = {
        .n_qp = 1,
        .ring_size = 256,
        .frame_size = 64,
    };
    struct flood_guest guests[FLOOD_MAX_GUESTS];
    unsigned int n_guests;
    int c;

    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 's':
            cfg.frame_size = parse_number("size", optarg, 60, 9018);
            break;
        case 'r':
            cfg.ring_size = parse_number("ring-size", optarg, 2, 32768);
            if (cfg.ring_size & (cfg.ring_size - 1)) {
                fatal(0, "--ring-size must be a power of 2");
            }
            break;
        case 'q':
            cfg.n_qp = parse_number("queues", optarg, 1, FLOOD_MAX_QP);
            break;
        case 'w':
            cfg.rewrite = true;
            break;
        case 'R':
            cfg.rate = parse_number("rate", optarg, 1, 1000000000);
            break;
        case 'v':
            cfg.verbose = true;
            break;
        case 'h':
            usage();
            break;
        default:
            exit(1);
        }
    }
    n_guests = argc - optind;
    if (n_guests < 2 || n_guests > FLOOD_MAX_GUESTS) {
        fatal(0, "need a source socket, a sink socket and at most %d idle "
              "ones (--help)", FLOOD_MAX_GUESTS - 2);
    }
    for (unsigned int i = 0; i < n_guests; i++) {
        guests[i] = (struct flood_guest) {
            .path = argv[optind + i],
            .role = i == 0 ? FLOOD_SOURCE : i == 1 ? FLOOD_SINK : FLOOD_IDLE,
            .name = (i == 0 ? xstrdup("source") : i == 1 ? xstrdup("sink")
                     : xasprintf("idle%u", i + 1)),
        };
    }

    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    for (unsigned int i = 0; i < n_guests; i++) {
        setup_memory(&guests[i], &cfg);
        open_socket(&guests[i]);
    }
    connect_guests(guests, n_guests, &cfg);
    flood(guests, n_guests, &cfg);
    for (unsigned int i = 0; i < n_guests; i++) {
        unlink(guests[i].path);
    }
    return 0;
}
