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

/* vhost-guest: a vhost-user front-end with a virtio-net driver, playing the
 * part of QEMU and a guest for testing and poking vhostuserclient ports.
 *
 * It serves a unix socket, shares memfd "guest memory", negotiates features
 * and queue pairs, and drives split virtqueues as a guest's virtio-net
 * driver does: it keeps receive rings full of buffers, sends packets on its
 * transmit rings, and takes received packets when the back-end interrupts
 * it, at most VG_RX_BUDGET from a queue before it looks at the others (an
 * idle queue is never polled, so a lost wake-up shows as a stall).  It
 * checks every frame it receives (vhost-guest-frames.h).  Tests and users
 * drive it with ovs-appctl; see the usage text for the commands.  A blast
 * (vhost-guest/blast) runs in the main loop too, so that the guest goes on
 * serving commands and receiving while it sends as fast as it can.
 *
 * Like QEMU, it keeps guest memory and ring state when the back-end goes
 * away, and sets everything up again when the back-end reconnects.  Its
 * device is in vhost-guest.h; the commands that misbehave on purpose are in
 * vhost-guest-hostile.c. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "command-line.h"
#include "daemon.h"
#include "dp-packet.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "random.h"
#include "socket-util.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vhost-user-msg.h"
#include "vhost-user-proto.h"
#include "virtio-defs.h"
#include "virtio-driver.h"
#include "vhost-guest.h"

VLOG_DEFINE_THIS_MODULE(vhost_guest);

static void parse_options(int argc, char *argv[], struct vg_config *);
static void usage(void) OVS_NO_RETURN;
static void register_commands(struct vg_device *);
static unixctl_cb_func vg_exit;
static void blast_run(struct vg_device *);

/* Guest memory. */

uint64_t
vg_gpa_of(const struct vg_device *dev, const void *hva)
{
    return VG_GPA_BASE + ((const uint8_t *) hva - dev->mem_hva);
}

static void *
hva_of(const struct vg_device *dev, uint64_t gpa)
{
    return dev->mem_hva + (gpa - VG_GPA_BASE);
}

/* Whether guest memory [gpa, gpa + len) spans a region boundary, so that
 * the back-end has to take it from two mappings. */
static bool
spans_regions(const struct vg_device *dev, uint64_t gpa, size_t len)
{
    for (unsigned int r = 1; r < dev->cfg->n_regions; r++) {
        uint64_t boundary = VG_GPA_BASE + dev->region_starts[r];

        if (gpa < boundary && gpa + len > boundary) {
            return true;
        }
    }
    return false;
}

/* Lays out rings, buffers and tables of every queue in one memfd.  With
 * several regions, region boundaries fall inside buffers of queue pair 0,
 * so that the back-end has to handle buffers that span regions. */
static void
setup_memory(struct vg_device *dev)
{
    const struct vg_config *cfg = dev->cfg;
    size_t ring_bytes = ROUND_UP(vdrv_ring_size(cfg->ring_size), 4096);
    size_t rx_slot = (size_t) cfg->rx_buf_size * cfg->rx_buf_segs;
    size_t tables = (size_t) cfg->ring_size * VG_MAX_SEGS
                    * sizeof(struct vring_desc);
    size_t offset = 0;

    struct {
        struct vg_queue *q;
        size_t slot;
    } queues[16];
    unsigned int n = 0;

    for (unsigned int i = 0; i < cfg->n_qp; i++) {
        queues[n].q = &dev->qps[i].rx;
        queues[n++].slot = rx_slot;
        queues[n].q = &dev->qps[i].tx;
        queues[n++].slot = VG_TX_SLOT;
    }

    /* Rings first, then buffers, off page alignment by 1 KiB so that page
     * boundaries (and so region boundaries) cut through buffers. */
    offset = ring_bytes * n + 1024;
    for (unsigned int i = 0; i < n; i++) {
        queues[i].q->slot_size = queues[i].slot;
        offset += (size_t) cfg->ring_size * queues[i].slot;
        offset += tables;
    }
    dev->mem_size = ROUND_UP(offset, 2 * 1024 * 1024);

    /* Sealed against resizing, as QEMU's memfd backing is, unless a test
     * wants to shrink it under the back-end (vhost-guest/truncate-memory). */
    dev->mem_fd = memfd_create("vhost-guest",
                               MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (dev->mem_fd < 0 || ftruncate(dev->mem_fd, dev->mem_size)) {
        ovs_fatal(errno, "cannot create guest memory");
    }
    if (!cfg->unsealed_memory
        && fcntl(dev->mem_fd, F_ADD_SEALS,
                 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
        ovs_fatal(errno, "cannot seal guest memory");
    }
    dev->mem_hva = mmap(NULL, dev->mem_size, PROT_READ | PROT_WRITE,
                        MAP_SHARED, dev->mem_fd, 0);
    if (dev->mem_hva == MAP_FAILED) {
        ovs_fatal(errno, "cannot map guest memory");
    }

    offset = 0;
    for (unsigned int i = 0; i < n; i++) {
        struct vg_queue *q = queues[i].q;

        q->ring_hva = dev->mem_hva + offset;
        q->ring_gpa = vg_gpa_of(dev, q->ring_hva);
        offset += ring_bytes;
    }
    offset += 1024;
    for (unsigned int i = 0; i < n; i++) {
        struct vg_queue *q = queues[i].q;

        q->bufs_hva = dev->mem_hva + offset;
        q->bufs_gpa = vg_gpa_of(dev, q->bufs_hva);
        offset += (size_t) cfg->ring_size * q->slot_size;
        q->tables_hva = dev->mem_hva + offset;
        q->tables_gpa = vg_gpa_of(dev, q->tables_hva);
        offset += tables;
    }

    /* Region boundaries fall on the first page boundary past the start of
     * receive buffer 5 of queue pair 0, then of its transmit slots 0 and 1
     * (3 KiB into them, as slots start 1 KiB past a page), which frames of
     * more than 3 KiB cross: the driver reuses its first free slots. */
    dev->region_starts[0] = 0;
    for (unsigned int r = 1; r < cfg->n_regions; r++) {
        size_t at;

        if (r == 1) {
            at = (dev->qps[0].rx.bufs_hva - dev->mem_hva) + 5 * rx_slot;
        } else {
            at = ((dev->qps[0].tx.bufs_hva - dev->mem_hva)
                  + (r - 2) * VG_TX_SLOT);
        }
        dev->region_starts[r] = ROUND_UP(at + 1, 4096);
    }
}

static void
get_region(const struct vg_device *dev, unsigned int r,
           struct vhost_user_memory_region *region)
{
    size_t start = dev->region_starts[r];
    size_t end = (r + 1 < dev->cfg->n_regions
                  ? dev->region_starts[r + 1]
                  : dev->mem_size);

    region->guest_phys_addr = VG_GPA_BASE + start;
    region->memory_size = end - start;
    region->userspace_addr = (uintptr_t) dev->mem_hva + start;
    region->mmap_offset = start;
}


/* Talking to the back-end. */

/* Reads one message from the back-end, waiting up to 10 s for it. */
static int
recv_reply(const struct vg_device *dev, struct vhu_msg *reply)
{
    struct vhu_msg_reader reader;
    long long int deadline = time_msec() + 10000;

    vhu_msg_reader_init(&reader);
    for (;;) {
        int error = vhu_msg_recv(dev->conn_fd, &reader);

        if (error != EAGAIN) {
            if (!error) {
                *reply = reader.msg;
            } else {
                vhu_msg_reader_reset(&reader);
            }
            return error;
        }
        long long int left = deadline - time_msec();
        struct pollfd pfd = { .fd = dev->conn_fd, .events = POLLIN };

        if (left <= 0) {
            vhu_msg_reader_reset(&reader);
            return ETIMEDOUT;
        }
        poll(&pfd, 1, left);
    }
}

/* Sends 'msg' and, if it expects one or the back-end acknowledges requests,
 * waits for the reply, which it stores in '*reply' (if nonnull).  Returns 0
 * or a positive errno; a refused request counts as EPROTO. */
static int
request(struct vg_device *dev, struct vhu_msg *msg, bool has_reply,
        struct vhu_msg *reply)
{
    struct vhu_msg ack;
    bool want_ack = (!has_reply
                     && dev->protocol_features
                        & BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK));
    int error;

    if (dev->cut_after >= 0 && dev->n_session_requests >= dev->cut_after) {
        return ECONNABORTED;    /* vhost-guest/churn cuts the set-up. */
    }
    dev->n_session_requests++;

    if (want_ack) {
        msg->hdr.flags |= VHOST_USER_NEED_REPLY_MASK;
    }
    error = vhu_msg_send(dev->conn_fd, msg);
    if (error || (!has_reply && !want_ack)) {
        return error;
    }
    if (!reply) {
        reply = &ack;
    }
    error = recv_reply(dev, reply);
    if (error) {
        return error;
    }
    vhu_msg_close_fds(reply);
    if (reply->hdr.request != msg->hdr.request
        || !(reply->hdr.flags & VHOST_USER_REPLY_MASK)) {
        VLOG_WARN("reply to %s is %s", vhu_request_name(msg->hdr.request),
                  vhu_request_name(reply->hdr.request));
        return EPROTO;
    }
    if (want_ack && reply->payload.u64) {
        dev->backend_nacks++;
        VLOG_INFO("back-end refused %s",
                  vhu_request_name(msg->hdr.request));
        return EPROTO;
    }
    return 0;
}

int
vg_recv_reply(const struct vg_device *dev, struct vhu_msg *reply)
{
    return recv_reply(dev, reply);
}

int
vg_request(struct vg_device *dev, struct vhu_msg *msg, bool has_reply,
           struct vhu_msg *reply)
{
    return request(dev, msg, has_reply, reply);
}

static int
request_u64(struct vg_device *dev, enum vhost_user_request r,
            uint64_t value)
{
    struct vhu_msg msg;

    vhu_msg_init(&msg, r, sizeof msg.payload.u64);
    msg.payload.u64 = value;
    return request(dev, &msg, false, NULL);
}

static int
get_u64(struct vg_device *dev, enum vhost_user_request r, uint64_t *value)
{
    struct vhu_msg msg, reply;
    int error;

    vhu_msg_init(&msg, r, 0);
    error = request(dev, &msg, true, &reply);
    if (!error) {
        if (reply.hdr.size != sizeof reply.payload.u64) {
            return EPROTO;
        }
        *value = reply.payload.u64;
    }
    return error;
}

static int
request_state(struct vg_device *dev, enum vhost_user_request r,
              uint32_t index, uint32_t num)
{
    struct vhu_msg msg;

    vhu_msg_init(&msg, r, sizeof msg.payload.state);
    msg.payload.state.index = index;
    msg.payload.state.num = num;
    return request(dev, &msg, false, NULL);
}

static int
request_vring_fd(struct vg_device *dev, enum vhost_user_request r,
                 uint32_t index, int fd)
{
    struct vhu_msg msg;

    vhu_msg_init(&msg, r, sizeof msg.payload.u64);
    msg.payload.u64 = index;
    msg.fds[0] = fd;
    msg.n_fds = 1;
    return request(dev, &msg, false, NULL);
}

static int
send_mem_table(struct vg_device *dev)
{
    unsigned int n_regions = dev->cfg->n_regions;
    struct vhu_msg msg;

    if (dev->cfg->use_mem_slots) {
        for (unsigned int r = 0; r < n_regions; r++) {
            int error;

            vhu_msg_init(&msg, VHOST_USER_ADD_MEM_REG,
                         sizeof msg.payload.mem_reg);
            memset(&msg.payload.mem_reg, 0, sizeof msg.payload.mem_reg);
            get_region(dev, r, &msg.payload.mem_reg.region);
            msg.fds[0] = dev->mem_fd;
            msg.n_fds = 1;
            error = request(dev, &msg, false, NULL);
            if (error) {
                return error;
            }
        }
        return 0;
    }

    vhu_msg_init(&msg, VHOST_USER_SET_MEM_TABLE,
                 offsetof(struct vhost_user_memory, regions)
                 + n_regions * sizeof msg.payload.memory.regions[0]);
    msg.payload.memory.nregions = n_regions;
    msg.payload.memory.padding = 0;
    for (unsigned int r = 0; r < n_regions; r++) {
        get_region(dev, r, &msg.payload.memory.regions[r]);
        msg.fds[r] = dev->mem_fd;
    }
    msg.n_fds = n_regions;
    return request(dev, &msg, false, NULL);
}

static int
setup_queue(struct vg_device *dev, struct vg_queue *q)
{
    struct vhu_msg msg;
    int error;

    /* The back-end continues where the ring's used index stands. */
    uint16_t base = __atomic_load_n(&q->ring.used->idx, __ATOMIC_ACQUIRE);

    error = request_state(dev, VHOST_USER_SET_VRING_NUM, q->index,
                          dev->cfg->ring_size);
    if (!error) {
        error = request_state(dev, VHOST_USER_SET_VRING_BASE, q->index,
                              base);
    }
    if (!error) {
        vhu_msg_init(&msg, VHOST_USER_SET_VRING_ADDR, sizeof msg.payload.addr);
        memset(&msg.payload.addr, 0, sizeof msg.payload.addr);
        msg.payload.addr.index = q->index;
        msg.payload.addr.desc_user_addr = (uintptr_t) q->ring.desc;
        msg.payload.addr.avail_user_addr = (uintptr_t) q->ring.avail;
        msg.payload.addr.used_user_addr = (uintptr_t) q->ring.used;
        error = request(dev, &msg, false, NULL);
    }
    if (!error) {
        error = request_vring_fd(dev, VHOST_USER_SET_VRING_KICK, q->index,
                                 q->kick_fd);
    }
    if (!error) {
        error = request_vring_fd(dev, VHOST_USER_SET_VRING_CALL, q->index,
                                 q->call_fd);
    }
    return error;
}


/* Runs the start-up conversation with a back-end that just connected. */
static int
setup_device(struct vg_device *dev)
{
    const struct vg_config *cfg = dev->cfg;
    uint64_t wanted = (BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ANY_LAYOUT)
                       | BIT(VIRTIO_NET_F_MRG_RXBUF)
                       | BIT(VIRTIO_RING_F_INDIRECT_DESC)
                       | BIT(VIRTIO_RING_F_EVENT_IDX)
                       | BIT(VIRTIO_NET_F_MQ) | BIT(VIRTIO_NET_F_MTU)
                       | BIT(VHOST_USER_F_PROTOCOL_FEATURES));
    uint64_t mem_slots = BIT(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS);
    uint64_t proto_wanted = (BIT(VHOST_USER_PROTOCOL_F_MQ)
                             | BIT(VHOST_USER_PROTOCOL_F_LOG_SHMFD)
                             | BIT(VHOST_USER_PROTOCOL_F_RARP)
                             | BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK)
                             | BIT(VHOST_USER_PROTOCOL_F_NET_MTU)
                             | BIT(VHOST_USER_PROTOCOL_F_STATUS)
                             | (cfg->use_mem_slots ? mem_slots : 0));
    int error;

    if (cfg->no_protocol_features) {
        wanted &= ~BIT(VHOST_USER_F_PROTOCOL_FEATURES);
    }
    if (!cfg->guest_mtu) {
        wanted &= ~BIT(VIRTIO_NET_F_MTU);
    }
    if (cfg->n_qp == 1) {
        wanted &= ~BIT(VIRTIO_NET_F_MQ);
    }
    wanted &= ~cfg->features_off;
    dev->protocol_features = 0;

    error = get_u64(dev, VHOST_USER_GET_FEATURES, &dev->backend_features);
    if (error) {
        return error;
    }
    dev->features = dev->backend_features & wanted;
    if (dev->features & BIT(VHOST_USER_F_PROTOCOL_FEATURES)) {
        uint64_t offered;

        error = get_u64(dev, VHOST_USER_GET_PROTOCOL_FEATURES, &offered);
        if (!error) {
            error = request_u64(dev, VHOST_USER_SET_PROTOCOL_FEATURES,
                                offered & proto_wanted);
            dev->protocol_features = offered & proto_wanted;
        }
        if (!error
            && dev->protocol_features & BIT(VHOST_USER_PROTOCOL_F_MQ)) {
            uint64_t max_qp;

            error = get_u64(dev, VHOST_USER_GET_QUEUE_NUM, &max_qp);
            if (!error && max_qp < cfg->n_qp) {
                VLOG_WARN("back-end offers only %"PRIu64" queue pairs",
                          max_qp);
                return EINVAL;
            }
        }
        if (!error && cfg->use_mem_slots) {
            uint64_t slots;

            error = get_u64(dev, VHOST_USER_GET_MAX_MEM_SLOTS, &slots);
            if (!error && slots < cfg->n_regions) {
                return EINVAL;
            }
        }
        if (error) {
            return error;
        }
    } else if (cfg->n_qp > 1) {
        VLOG_WARN("several queue pairs need protocol features");
        return EINVAL;
    }

    struct vhu_msg owner;

    vhu_msg_init(&owner, VHOST_USER_SET_OWNER, 0);
    error = request(dev, &owner, false, NULL);
    if (!error) {
        error = request_u64(dev, VHOST_USER_SET_FEATURES, dev->features);
    }
    if (!error) {
        error = send_mem_table(dev);
    }
    if (!error && cfg->guest_mtu
        && dev->protocol_features & BIT(VHOST_USER_PROTOCOL_F_NET_MTU)) {
        error = request_u64(dev, VHOST_USER_NET_SET_MTU, cfg->guest_mtu);
    }
    if (error) {
        return error;
    }

    dev->hdr_size = (dev->features & (BIT(VIRTIO_F_VERSION_1)
                                      | BIT(VIRTIO_NET_F_MRG_RXBUF))
                     ? sizeof(struct virtio_net_hdr)
                     : VIRTIO_NET_HDR_LEGACY_SIZE);
    return 0;
}

static uint64_t
device_status(bool driver_ok)
{
    return (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER
            | VIRTIO_CONFIG_S_FEATURES_OK
            | (driver_ok ? VIRTIO_CONFIG_S_DRIVER_OK : 0));
}

/* Starts the rings, as QEMU does when the guest driver sets DRIVER_OK. */
static int
start_device(struct vg_device *dev)
{
    bool event_idx = dev->features & BIT(VIRTIO_RING_F_EVENT_IDX);
    unsigned int n_qp = dev->cfg->n_qp;
    int error = 0;

    for (unsigned int i = 0; i < n_qp && !error; i++) {
        dev->qps[i].rx.ring.event_idx = event_idx;
        dev->qps[i].tx.ring.event_idx = event_idx;
        error = setup_queue(dev, &dev->qps[i].rx);
        if (!error) {
            error = setup_queue(dev, &dev->qps[i].tx);
        }
    }
    if (!error && dev->features & BIT(VHOST_USER_F_PROTOCOL_FEATURES)) {
        for (unsigned int i = 0; i < 2 * n_qp && !error; i++) {
            error = request_state(dev, VHOST_USER_SET_VRING_ENABLE, i, 1);
        }
    }
    if (!error
        && dev->protocol_features & BIT(VHOST_USER_PROTOCOL_F_STATUS)) {
        error = request_u64(dev, VHOST_USER_SET_STATUS, device_status(true));
    }
    if (!error) {
        dev->started = true;
    }
    return error;
}

/* Stops the rings, as QEMU does when the guest driver goes away: each
 * GET_VRING_BASE must return where the ring stands. */
static int
stop_device(struct vg_device *dev)
{
    int error = 0;

    if (dev->protocol_features & BIT(VHOST_USER_PROTOCOL_F_STATUS)) {
        error = request_u64(dev, VHOST_USER_SET_STATUS,
                            device_status(false));
    }
    for (unsigned int i = 0; i < 2 * dev->cfg->n_qp && !error; i++) {
        struct vg_queue_pair *qp = &dev->qps[i / 2];
        struct vg_queue *q = i % 2 ? &qp->tx : &qp->rx;
        struct vhu_msg msg, reply;
        uint16_t used;

        vhu_msg_init(&msg, VHOST_USER_GET_VRING_BASE,
                     sizeof msg.payload.state);
        msg.payload.state.index = i;
        msg.payload.state.num = 0;
        error = request(dev, &msg, true, &reply);
        if (error) {
            break;
        }
        used = __atomic_load_n(&q->ring.used->idx, __ATOMIC_ACQUIRE);
        if (reply.hdr.size != sizeof reply.payload.state
            || reply.payload.state.index != i
            || reply.payload.state.num != used) {
            VLOG_WARN("GET_VRING_BASE %u: got base %"PRIu32", used index is "
                      "%"PRIu16, i, reply.payload.state.num, used);
            error = EPROTO;
        }
    }
    dev->started = false;
    return error;
}


/* The virtio-net driver. */

void
vg_kick(struct vg_queue *q)
{
    if (vdrv_publish(&q->ring)) {
        uint64_t one = 1;

        if (write(q->kick_fd, &one, sizeof one) == sizeof one) {
            q->kicks++;
        }
    }
}

/* Posts receive buffers until the ring is full. */
static void
rx_refill(struct vg_device *dev, struct vg_queue *q)
{
    unsigned int rx_buf_segs = dev->cfg->rx_buf_segs;
    uint32_t rx_buf_size = dev->cfg->rx_buf_size;
    bool added = false;

    while (dev->refill && q->ring.num_free >= rx_buf_segs) {
        uint16_t head = q->ring.free_head;
        uint64_t gpa = q->bufs_gpa + (uint64_t) head * q->slot_size;
        struct vdrv_seg segs[VG_MAX_SEGS];

        for (unsigned int i = 0; i < rx_buf_segs; i++) {
            segs[i].gpa = gpa + (uint64_t) i * rx_buf_size;
            segs[i].len = dev->rx_buffers == VG_RX_EMPTY ? 0 : rx_buf_size;
            segs[i].device_writes = dev->rx_buffers != VG_RX_READONLY;
        }
        if (vdrv_add(&q->ring, segs, rx_buf_segs, NULL, 0) < 0) {
            break;
        }
        added = true;
    }
    if (added) {
        vg_kick(q);
    }
}

/* Fills 'len' bytes of receive buffers at 'hva' with poison, so that a
 * used entry returned for them without a new frame shows it. */
static void
poison(struct vg_device *dev, uint8_t *hva, size_t len)
{
    vg_migrate_fill(dev, hva, VG_POISON, len);
}

/* Copies up to 'len' bytes of the chain at 'head' (our own descriptors)
 * into 'dst' and poisons what it copied, for the buffers to be posted
 * again. */
static size_t
read_chain(struct vg_device *dev, const struct vg_queue *q,
           uint16_t head, uint32_t len, uint8_t *dst, size_t room,
           bool *crossed)
{
    size_t n = 0;
    uint16_t idx = head;

    for (unsigned int i = 0; i < dev->cfg->rx_buf_segs && len; i++) {
        const struct vring_desc *d = &q->ring.desc[idx];
        size_t chunk = MIN(MIN(d->len, len), room - n);
        uint8_t *hva = hva_of(dev, d->addr);

        *crossed |= spans_regions(dev, d->addr, chunk);
        memcpy(dst + n, hva, chunk);
        poison(dev, hva, chunk);
        n += chunk;
        len -= chunk;
        idx = d->next;
    }
    return n;
}

/* Whether the buffers of the chain at 'head', which came back empty, still
 * hold nothing but poison. */
static bool
chain_untouched(const struct vg_device *dev, const struct vg_queue *q,
                uint16_t head)
{
    uint16_t idx = head;

    for (unsigned int i = 0; i < dev->cfg->rx_buf_segs; i++) {
        const struct vring_desc *d = &q->ring.desc[idx];
        const uint8_t *hva = hva_of(dev, d->addr);

        for (uint32_t j = 0; j < d->len; j++) {
            if (hva[j] != VG_POISON) {
                return false;
            }
        }
        idx = d->next;
    }
    return true;
}

static int send_frame(struct vg_device *, unsigned int qp,
                      const void *frame, size_t len);

static void
rx_deliver(struct vg_device *dev, unsigned int qp, const uint8_t *frame,
           size_t len)
{
    struct vg_queue *q = &dev->qps[qp].rx;

    q->packets++;
    q->bytes += len;
    enum vg_rx_verdict verdict = vg_rx_check_frame(&dev->rx_check, qp, frame,
                                                   len);
    if (verdict != VG_RX_OK && verdict != VG_RX_OTHER) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        uint32_t stream = 0, seq = 0;

        vg_frame_ids(frame, len, &stream, &seq);
        VLOG_WARN_RL(&rl, "queue %u: %s frame of %"PRIuSIZE" bytes "
                     "(stream %#"PRIx32", number %"PRIu32")", q->index,
                     vg_rx_verdict_name(verdict), len, stream, seq);
    }
    if (dev->n_kept < VG_MAX_KEPT) {
        struct ds *s = &dev->kept[dev->n_kept++];

        ds_init(s);
        for (size_t i = 0; i < len; i++) {
            ds_put_format(s, "%02x", frame[i]);
        }
    }
    if (dev->echo) {
        send_frame(dev, qp, frame, len);
    }
}

/* Takes every packet in receive queue 'qp' and only counts it: the fast
 * receiver of benchmarks, which polls instead of taking interrupts. */
static void
rx_sink(struct vg_device *dev, unsigned int qp)
{
    struct vg_queue *q = &dev->qps[qp].rx;
    uint16_t id;
    uint32_t len;

    vdrv_disable_interrupts(&q->ring);
    while (vdrv_get_used(&q->ring, &id, &len)) {
        q->packets++;
        q->bytes += len - dev->hdr_size;
    }
    rx_refill(dev, q);
}

/* Counts a used entry of receive queue 'q' that holds no packet; its chain
 * 'head' must have been left as it was posted. */
static void
rx_error(struct vg_device *dev, const struct vg_queue *q, uint16_t head)
{
    dev->rx_errors++;
    if (!chain_untouched(dev, q, head)) {
        dev->rx_empty_written++;
    }
}

/* Takes the next packet that the back-end put into receive queue 'qp', with
 * all its buffers, and checks and delivers it.  Returns false if there was
 * none. */
static bool
rx_take(struct vg_device *dev, unsigned int qp)
{
    uint8_t *buf = dev->rx_buf;
    size_t hdr_size = dev->hdr_size;
    struct vg_queue *q = &dev->qps[qp].rx;
    size_t room = sizeof dev->rx_buf;
    bool crossed = false;
    uint16_t n_bufs = 1;
    uint16_t id;
    uint32_t len;
    size_t n;

    if (!vdrv_get_used(&q->ring, &id, &len)) {
        return false;
    }
    if (len < hdr_size || len > q->slot_size) {
        rx_error(dev, q, id);
        return true;
    }
    n = read_chain(dev, q, id, len, buf, room, &crossed);
    if (hdr_size == sizeof(struct virtio_net_hdr)) {
        struct virtio_net_hdr hdr;

        memcpy(&hdr, buf, sizeof hdr);
        n_bufs = hdr.num_buffers;
        if (!n_bufs
            || (n_bufs > 1
                && !(dev->features & BIT(VIRTIO_NET_F_MRG_RXBUF)))) {
            dev->rx_errors++;
            return true;
        }
    }
    for (uint16_t i = 1; i < n_bufs; i++) {
        if (!vdrv_get_used(&q->ring, &id, &len) || len > q->slot_size) {
            dev->rx_errors++;
            return true;
        }
        n += read_chain(dev, q, id, len, buf + n, room - n, &crossed);
    }
    dev->rx_cross_region += crossed;
    rx_deliver(dev, qp, buf + hdr_size, n - hdr_size);
    return true;
}

/* Takes the packets the back-end put into receive queue 'qp', at most
 * VG_RX_BUDGET of them as Linux's NAPI does, so that one busy queue does
 * not keep the others waiting; then asks for an interrupt for the next
 * one, or, with the budget spent, leaves the queue for the main loop to
 * poll again ('rx_pending'). */
static void
rx_process(struct vg_device *dev, unsigned int qp)
{
    struct vg_queue *q = &dev->qps[qp].rx;
    unsigned int n = 0;

    if (dev->sink) {
        rx_sink(dev, qp);
        return;
    }
    do {
        vdrv_disable_interrupts(&q->ring);
        while (n < VG_RX_BUDGET && rx_take(dev, qp)) {
            n++;
        }
        rx_refill(dev, q);
        if (n >= VG_RX_BUDGET) {
            q->rx_pending = true;
            return;
        }
    } while (vdrv_enable_interrupts(&q->ring));
    q->rx_pending = false;
}


/* Collects what the back-end has handed back on transmit queue 'q'. */
void
vg_tx_reclaim(struct vg_queue *q)
{
    uint16_t id;
    uint32_t len;

    while (vdrv_get_used(&q->ring, &id, &len)) {
        continue;
    }
}

/* Sends 'frame' on transmit queue 'qp', waiting up to a second for room.
 * Returns 0 or ENOBUFS. */
static int
send_frame(struct vg_device *dev, unsigned int qp, const void *frame,
           size_t len)
{
    enum vg_tx_mode tx_mode = dev->cfg->tx_mode;
    uint32_t tx_seg_size = dev->cfg->tx_seg_size;
    size_t hdr_size = dev->hdr_size;
    struct vg_queue *q = &dev->qps[qp].tx;
    long long int deadline = time_msec() + 1000;
    struct vdrv_seg segs[VG_MAX_SEGS];
    unsigned int n_segs = 0;
    unsigned int n_descs;

    if (len > VG_MAX_PKT || dev->conn_fd < 0 || !dev->started
        || (dev->blast.conn && dev->blast.qp == qp)) {
        /* (A blast owns its queue's slots.) */
        dev->tx_dropped++;
        return ENOBUFS;
    }
    if (tx_mode == VG_TX_CHAIN || tx_mode == VG_TX_INDIRECT) {
        n_descs = 1 + DIV_ROUND_UP(len, tx_seg_size);
        if (n_descs > VG_MAX_SEGS) {
            n_descs = VG_MAX_SEGS;
        }
    } else {
        n_descs = tx_mode == VG_TX_SPLIT ? 2 : 1;
    }
    if (tx_mode == VG_TX_INDIRECT) {
        n_descs = 1;
    }

    vg_tx_reclaim(q);
    while (q->ring.num_free < n_descs) {
        vg_kick(q);
        vg_tx_reclaim(q);
        if (q->ring.num_free >= n_descs) {
            break;
        }
        if (time_msec() >= deadline) {
            dev->tx_dropped++;
            return ENOBUFS;
        }
        xnanosleep(100 * 1000);
    }

    uint16_t head = q->ring.free_head;
    uint8_t *slot = q->bufs_hva + (size_t) head * q->slot_size;
    uint64_t slot_gpa = q->bufs_gpa + (uint64_t) head * q->slot_size;

    memset(slot, 0, hdr_size);
    memcpy(slot + hdr_size, frame, len);
    dev->tx_cross_region += spans_regions(dev, slot_gpa, hdr_size + len);

    if (tx_mode == VG_TX_SINGLE) {
        segs[n_segs++] = (struct vdrv_seg) { slot_gpa, hdr_size + len,
                                             false };
    } else {
        segs[n_segs++] = (struct vdrv_seg) { slot_gpa, hdr_size, false };
        if (tx_mode == VG_TX_SPLIT) {
            segs[n_segs++] = (struct vdrv_seg) { slot_gpa + hdr_size, len,
                                                 false };
        } else {
            size_t done = 0;

            while (done < len) {
                size_t chunk = MIN(tx_seg_size, len - done);

                if (n_segs == VG_MAX_SEGS - 1) {
                    chunk = len - done;
                }
                segs[n_segs++] = (struct vdrv_seg) {
                    slot_gpa + hdr_size + done, chunk, false };
                done += chunk;
            }
        }
    }

    if (tx_mode == VG_TX_INDIRECT) {
        struct vring_desc *table = (struct vring_desc *)
            (q->tables_hva + (size_t) head * VG_MAX_SEGS * sizeof *table);

        vdrv_add(&q->ring, segs, n_segs, table, vg_gpa_of(dev, table));
    } else {
        vdrv_add(&q->ring, segs, n_segs, NULL, 0);
    }
    vg_kick(q);
    q->packets++;
    q->bytes += len;
    return 0;
}

/* Connection life cycle. */

static void
init_queues(struct vg_device *dev)
{
    uint32_t ring_size = dev->cfg->ring_size;

    for (unsigned int i = 0; i < dev->cfg->n_qp; i++) {
        struct vg_queue_pair *qp = &dev->qps[i];
        struct vg_queue *queues[2] = { &qp->rx, &qp->tx };

        for (int j = 0; j < 2; j++) {
            struct vg_queue *q = queues[j];

            q->index = 2 * i + j;
            if (q == &qp->rx) {
                memset(q->bufs_hva, VG_POISON, ring_size * q->slot_size);
            }
            vdrv_ring_init(&q->ring, q->ring_hva, ring_size, false,
                           xcalloc(ring_size, sizeof *q->ring.state));
            q->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
            q->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
            if (q->kick_fd < 0 || q->call_fd < 0) {
                ovs_fatal(errno, "eventfd");
            }
        }
        /* Transmit completions are collected lazily, as DPDK does. */
        vdrv_disable_interrupts(&qp->tx.ring);
    }
}

static void
disconnect(struct vg_device *dev, const char *why)
{
    if (dev->conn_fd >= 0) {
        VLOG_INFO("back-end disconnected (%s)", why);
        close(dev->conn_fd);
        dev->conn_fd = -1;
        dev->started = false;
        dev->n_disconnects++;
    }
}

static void
start_rx(struct vg_device *dev)
{
    for (unsigned int i = 0; dev->started && i < dev->cfg->n_qp; i++) {
        rx_refill(dev, &dev->qps[i].rx);
        rx_process(dev, i);
    }
}

/* vhost-guest/churn: each cycle is a set-up cut short after a number of
 * requests (0, 1, ... up to all of them, in turn), then one that completes,
 * dropped as soon as the rings started. */

/* Returns after how many requests to cut the set-up that starts now, or -1
 * not to cut it. */
static int
churn_next_cut(struct vg_device *dev)
{
    if (!dev->churn_left || dev->churn_cut_done) {
        return -1;
    }
    dev->churn_cut_done = true;
    return dev->churn_step++ % (dev->n_setup_requests + 1);
}

static void
churn_complete(struct vg_device *dev)
{
    dev->n_setup_requests = dev->n_session_requests;
    dev->churn_cut_done = false;
    dev->churn_left--;
    dev->n_connects++;
    disconnect(dev, "churn");
}

static void
accept_backend(struct vg_device *dev)
{
    unsigned int n_qp = dev->cfg->n_qp;
    int fd = accept4(dev->listen_fd, NULL, NULL,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    int error;

    if (fd < 0) {
        return;
    }
    dev->conn_fd = fd;
    dev->n_session_requests = 0;
    dev->cut_after = churn_next_cut(dev);
    error = setup_device(dev);
    if (!error && !dev->cfg->manual_start) {
        error = start_device(dev);
    }
    if (!error && dev->churn_left) {
        churn_complete(dev);
        return;
    }
    if (error) {
        VLOG_WARN("setting up the back-end failed: %s",
                  ovs_retval_to_string(error));
        disconnect(dev, "set-up failed");
        return;
    }
    dev->n_connects++;
    dev->n_setup_requests = dev->n_session_requests;
    VLOG_INFO("back-end connected: features %#"PRIx64", protocol features %#"
              PRIx64", %u queue pair%s%s", dev->features,
              dev->protocol_features, n_qp, n_qp > 1 ? "s" : "",
              dev->started ? "" : ", rings not started");
    start_rx(dev);
}

static void
open_socket(struct vg_device *dev)
{
    const char *socket_path = dev->cfg->socket_path;
    struct sockaddr_un sun = { .sun_family = AF_UNIX };

    if (strlen(socket_path) >= sizeof sun.sun_path) {
        ovs_fatal(0, "%s: socket path too long", socket_path);
    }
    ovs_strlcpy(sun.sun_path, socket_path, sizeof sun.sun_path);
    dev->listen_fd = socket(AF_UNIX,
                            SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    unlink(socket_path);
    if (dev->listen_fd < 0
        || bind(dev->listen_fd, (struct sockaddr *) &sun, sizeof sun)
        || listen(dev->listen_fd, 1)) {
        ovs_fatal(errno, "%s: cannot listen", socket_path);
    }
    fatal_signal_add_file_to_unlink(socket_path);
}

/* A message from the back-end outside a request: only a close is normal. */
static void
conn_run(struct vg_device *dev)
{
    char byte;
    ssize_t n = recv(dev->conn_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

    if (n == 0) {
        disconnect(dev, "closed by peer");
    } else if (n < 0 && errno != EAGAIN) {
        disconnect(dev, ovs_strerror(errno));
    } else if (n > 0) {
        VLOG_WARN("unexpected message from the back-end");
        disconnect(dev, "protocol error");
    }
}


int
main(int argc, char *argv[])
{
    static struct vg_config cfg;
    static struct vg_device dev = {
        .listen_fd = -1,
        .conn_fd = -1,
        .mem_fd = -1,
        .refill = true,
    };
    struct unixctl_server *unixctl;
    bool exiting = false;
    int error;

    set_program_name(argv[0]);
    service_start(&argc, &argv);
    parse_options(argc, argv, &cfg);
    fatal_ignore_sigpipe();

    dev.cfg = &cfg;
    dev.stream_base = random_uint32() & ~0xffu;
    vg_rx_check_init(&dev.rx_check);
    setup_memory(&dev);
    init_queues(&dev);
    open_socket(&dev);

    daemonize_start(false);
    error = unixctl_server_create(cfg.unixctl_path, &unixctl);
    if (error) {
        ovs_fatal(error, "cannot create unixctl server");
    }
    register_commands(&dev);
    unixctl_command_register("exit", "", 0, 0, vg_exit, &exiting);
    daemonize_complete();
    VLOG_INFO("serving %s: %u queue pair%s, %zu bytes of guest memory in %u "
              "region%s", cfg.socket_path, cfg.n_qp, cfg.n_qp > 1 ? "s" : "",
              dev.mem_size, cfg.n_regions, cfg.n_regions > 1 ? "s" : "");

    while (!exiting) {
        if (dev.conn_fd < 0) {
            accept_backend(&dev);
        } else {
            conn_run(&dev);
        }
        if (dev.conn_fd >= 0 && dev.started && !dev.calls_blocked) {
            for (unsigned int i = 0; i < cfg.n_qp; i++) {
                struct vg_queue *rxq = &dev.qps[i].rx;
                uint64_t count;

                if (read(rxq->call_fd, &count, sizeof count) > 0) {
                    rxq->interrupts += count;
                    rx_process(&dev, i);
                } else if (dev.sink || rxq->rx_pending) {
                    rx_process(&dev, i);
                }
                if (dev.sink || rxq->rx_pending) {
                    poll_immediate_wake();
                }
            }
        }
        if (dev.blast.conn) {
            blast_run(&dev);
        }
        vg_hostile_run(&dev);
        unixctl_server_run(unixctl);

        if (dev.conn_fd < 0) {
            poll_fd_wait(dev.listen_fd, POLLIN);
        } else {
            poll_fd_wait(dev.conn_fd, POLLIN);
            for (unsigned int i = 0; dev.started && !dev.calls_blocked
                                     && i < cfg.n_qp; i++) {
                poll_fd_wait(dev.qps[i].rx.call_fd, POLLIN);
            }
        }
        unixctl_server_wait(unixctl);
        poll_block();
    }
    unixctl_server_destroy(unixctl);
    return 0;
}

/* Commands. */

static void
vg_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
        const char *argv[] OVS_UNUSED, void *exiting_)
{
    bool *exiting = exiting_;

    *exiting = true;
    poll_immediate_wake();
    unixctl_command_reply(conn, NULL);
}

/* Builds in 'frame' the next generated frame of 'len' bytes to 'dst' on
 * transmit queue pair 'qp' (the queue's number stays until it is sent). */
static void
make_generated(const struct vg_device *dev, uint8_t *frame, size_t len,
               const struct eth_addr *dst, unsigned int qp)
{
    vg_frame_make(frame, len, dst->ea, dev->cfg->guest_mac.ea,
                  dev->stream_base | qp, dev->qps[qp].tx.next_seq);
}

/* vhost-guest/send [--qp N] [--count N] [--size N] [--dst MAC] [HEX] */
static void
vg_send_cmd(struct unixctl_conn *conn, int argc, const char *argv[],
            void *dev_)
{
    struct vg_device *dev = dev_;
    struct eth_addr dst = eth_addr_broadcast;
    struct dp_packet *packet = NULL;
    unsigned int qp = 0;
    unsigned int count = 1;
    unsigned int size = 64;
    unsigned int sent = 0;
    int i;

    for (i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;

        if (!strcmp(opt, "--qp") && arg) {
            ok = str_to_uint(arg, 10, &qp) && qp < dev->cfg->n_qp;
        } else if (!strcmp(opt, "--count") && arg) {
            ok = str_to_uint(arg, 10, &count);
        } else if (!strcmp(opt, "--size") && arg) {
            ok = (str_to_uint(arg, 10, &size) && size >= VG_GEN_HEADER_LEN
                  && size <= VG_MAX_PKT);
        } else if (!strcmp(opt, "--dst") && arg) {
            ok = eth_addr_from_string(arg, &dst);
        } else if (opt[0] != '-' && !packet && i == argc - 1) {
            const char *error = eth_from_hex(opt, &packet);

            if (error) {
                unixctl_command_reply_error(conn, error);
                return;
            }
            continue;
        } else {
            ok = false;
        }
        if (!ok) {
            unixctl_command_reply_error(conn, "bad arguments");
            dp_packet_delete(packet);
            return;
        }
        i++;
    }
    if (dev->conn_fd < 0) {
        unixctl_command_reply_error(conn, "back-end not connected");
        dp_packet_delete(packet);
        return;
    }

    uint8_t *frame = xmalloc(VG_MAX_PKT);
    for (unsigned int n = 0; n < count; n++) {
        const void *data = frame;
        size_t len = size;

        if (packet) {
            data = dp_packet_data(packet);
            len = dp_packet_size(packet);
        } else {
            make_generated(dev, frame, size, &dst, qp);
        }
        if (!send_frame(dev, qp, data, len)) {
            dev->qps[qp].tx.next_seq += !packet;
            sent++;
        }
    }
    free(frame);
    dp_packet_delete(packet);

    char *reply = xasprintf("%u sent", sent);
    if (sent == count) {
        unixctl_command_reply(conn, reply);
    } else {
        unixctl_command_reply_error(conn, reply);
    }
    free(reply);
}

/* vhost-guest/dump-rx [--clear]: received frames in hex, oldest first. */
static void
vg_dump_rx(struct unixctl_conn *conn, int argc, const char *argv[],
           void *dev_)
{
    struct vg_device *dev = dev_;
    bool clear = argc > 1 && !strcmp(argv[1], "--clear");
    struct ds s = DS_EMPTY_INITIALIZER;

    for (unsigned int i = 0; i < dev->n_kept; i++) {
        ds_put_format(&s, "%s\n", ds_cstr(&dev->kept[i]));
        if (clear) {
            ds_destroy(&dev->kept[i]);
        }
    }
    if (clear) {
        dev->n_kept = 0;
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* vhost-guest/stats: counters, one "name: value" per line. */
static void
vg_stats(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *dev_)
{
    const struct vg_device *dev = dev_;
    const struct vg_rx_counts *rxc = &dev->rx_check.counts;
    struct ds s = DS_EMPTY_INITIALIZER;
    uint64_t rx = 0, rx_bytes = 0, tx = 0, tx_bytes = 0, kicks = 0;
    uint64_t bad_used = 0, interrupts = 0, tx_held = 0;

    for (unsigned int i = 0; i < dev->cfg->n_qp; i++) {
        const struct vg_queue_pair *qp = &dev->qps[i];

        rx += qp->rx.packets;
        rx_bytes += qp->rx.bytes;
        tx += qp->tx.packets;
        tx_bytes += qp->tx.bytes;
        kicks += qp->rx.kicks + qp->tx.kicks;
        interrupts += qp->rx.interrupts;
        bad_used += qp->rx.ring.bad_used_id + qp->tx.ring.bad_used_id;
        tx_held += vdrv_device_holds(&qp->tx.ring);
    }
    ds_put_format(&s, "connected: %s\n", dev->conn_fd >= 0 ? "yes" : "no");
    ds_put_format(&s, "started: %s\n", dev->started ? "yes" : "no");
    ds_put_format(&s, "connects: %"PRIu64"\n", dev->n_connects);
    ds_put_format(&s, "disconnects: %"PRIu64"\n", dev->n_disconnects);
    ds_put_format(&s, "features: %#"PRIx64"\n", dev->features);
    ds_put_format(&s, "protocol_features: %#"PRIx64"\n",
                  dev->protocol_features);
    ds_put_format(&s, "rx_packets: %"PRIu64"\n", rx);
    ds_put_format(&s, "rx_bytes: %"PRIu64"\n", rx_bytes);
    ds_put_format(&s, "rx_generated_ok: %"PRIu64"\n", rxc->ok);
    ds_put_format(&s, "rx_generated_bad: %"PRIu64"\n", rxc->bad);
    ds_put_format(&s, "rx_generated_repeated: %"PRIu64"\n", rxc->repeated);
    ds_put_format(&s, "rx_generated_lost: %"PRIu64"\n",
                  vg_rx_check_lost(&dev->rx_check));
    ds_put_format(&s, "rx_unwritten: %"PRIu64"\n", rxc->unwritten);
    ds_put_format(&s, "rx_other: %"PRIu64"\n", rxc->other);
    ds_put_format(&s, "rx_errors: %"PRIu64"\n", dev->rx_errors);
    ds_put_format(&s, "rx_empty_written: %"PRIu64"\n",
                  dev->rx_empty_written);
    ds_put_format(&s, "rx_interrupts: %"PRIu64"\n", interrupts);
    ds_put_format(&s, "tx_packets: %"PRIu64"\n", tx);
    ds_put_format(&s, "tx_bytes: %"PRIu64"\n", tx_bytes);
    ds_put_format(&s, "tx_dropped: %"PRIu64"\n", dev->tx_dropped);
    ds_put_format(&s, "tx_held: %"PRIu64"\n", tx_held);
    ds_put_format(&s, "kicks: %"PRIu64"\n", kicks);
    ds_put_format(&s, "bad_used_ids: %"PRIu64"\n", bad_used);
    ds_put_format(&s, "refused_requests: %"PRIu64"\n", dev->backend_nacks);
    ds_put_format(&s, "rx_cross_region: %"PRIu64"\n", dev->rx_cross_region);
    ds_put_format(&s, "tx_cross_region: %"PRIu64"\n", dev->tx_cross_region);
    ds_put_format(&s, "churn_left: %u\n", dev->churn_left);
    for (unsigned int i = 0; i < dev->cfg->n_qp; i++) {
        ds_put_format(&s, "qp%u_rx_packets: %"PRIu64"\n", i,
                      dev->qps[i].rx.packets);
        ds_put_format(&s, "qp%u_tx_packets: %"PRIu64"\n", i,
                      dev->qps[i].tx.packets);
    }

    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static bool
parse_on_off(const char *s, bool *value)
{
    if (!strcmp(s, "on")) {
        *value = true;
    } else if (!strcmp(s, "off")) {
        *value = false;
    } else {
        return false;
    }
    return true;
}

/* vhost-guest/echo on|off: send every received frame back. */
static void
vg_echo(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
        void *dev_)
{
    struct vg_device *dev = dev_;

    if (!parse_on_off(argv[1], &dev->echo)) {
        unixctl_command_reply_error(conn, "expected on or off");
        return;
    }
    unixctl_command_reply(conn, NULL);
}

/* vhost-guest/refill on|off: whether to keep giving receive buffers. */
static void
vg_refill(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
          void *dev_)
{
    struct vg_device *dev = dev_;

    if (!parse_on_off(argv[1], &dev->refill)) {
        unixctl_command_reply_error(conn, "expected on or off");
        return;
    }
    if (dev->refill && dev->conn_fd >= 0) {
        start_rx(dev);
    }
    unixctl_command_reply(conn, NULL);
}

/* vhost-guest/set-vring-enable RING 0|1 */
static void
vg_set_vring_enable(struct unixctl_conn *conn, int argc OVS_UNUSED,
                    const char *argv[], void *dev_)
{
    struct vg_device *dev = dev_;
    unsigned int ring, on;

    if (!str_to_uint(argv[1], 10, &ring) || ring >= 2 * dev->cfg->n_qp
        || !str_to_uint(argv[2], 10, &on) || on > 1) {
        unixctl_command_reply_error(conn, "bad arguments");
    } else if (dev->conn_fd < 0) {
        unixctl_command_reply_error(conn, "back-end not connected");
    } else if (request_state(dev, VHOST_USER_SET_VRING_ENABLE, ring, on)) {
        unixctl_command_reply_error(conn, "request failed");
    } else {
        unixctl_command_reply(conn, NULL);
    }
}

/* vhost-guest/disconnect: drop the back-end (it will reconnect). */
static void
vg_disconnect(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[] OVS_UNUSED, void *dev)
{
    disconnect(dev, "asked to");
    unixctl_command_reply(conn, NULL);
}

/* vhost-guest/churn N: N cycles of a cut set-up and a complete one (see
 * churn_next_cut()), driven by the back-end's reconnections; stats show
 * "churn_left". */
static void
vg_churn(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
         void *dev_)
{
    struct vg_device *dev = dev_;
    unsigned int n;

    if (!str_to_uint(argv[1], 10, &n) || !dev->n_setup_requests) {
        unixctl_command_reply_error(conn, "needs N, after a first set-up");
        return;
    }
    dev->churn_left = n;
    dev->churn_cut_done = false;
    disconnect(dev, "churn");
    unixctl_command_reply(conn, NULL);
}

/* vhost-guest/start: start the rings (after --manual-start or stop). */
static void
vg_start(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;

    if (dev->conn_fd < 0 || dev->started) {
        unixctl_command_reply_error(conn, dev->conn_fd < 0
                                    ? "back-end not connected"
                                    : "already started");
    } else if (start_device(dev)) {
        unixctl_command_reply_error(conn, "start failed");
    } else {
        start_rx(dev);
        unixctl_command_reply(conn, NULL);
    }
}

/* vhost-guest/stop: stop the rings, as an unloading guest driver does. */
static void
vg_stop(struct unixctl_conn *conn, int argc OVS_UNUSED,
        const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;

    if (dev->conn_fd < 0 || !dev->started) {
        unixctl_command_reply_error(conn, "not started");
    } else if (stop_device(dev)) {
        unixctl_command_reply_error(conn, "stop failed");
    } else {
        unixctl_command_reply(conn, NULL);
    }
}

/* vhost-guest/reset: after vhost-guest/stop, resets the device on the same
 * connection, as QEMU does when its guest resets the NIC: RESET_DEVICE,
 * then the features and the memory table again.  vhost-guest/start starts
 * the rings again. */
static void
vg_reset(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;
    struct vhu_msg msg;
    int error;

    if (dev->conn_fd < 0 || dev->started) {
        unixctl_command_reply_error(conn, dev->conn_fd < 0
                                    ? "back-end not connected"
                                    : "stop first");
        return;
    }
    vhu_msg_init(&msg, VHOST_USER_RESET_DEVICE, 0);
    error = request(dev, &msg, false, NULL);
    if (!error) {
        error = request_u64(dev, VHOST_USER_SET_FEATURES, dev->features);
    }
    if (!error) {
        error = send_mem_table(dev);
    }
    if (error) {
        unixctl_command_reply_error(conn, ovs_retval_to_string(error));
    } else {
        unixctl_command_reply(conn, NULL);
    }
}

/* vhost-guest/raw-request REQUEST [PAYLOAD-HEX]: sends any request, asking
 * for a reply, and prints the reply's payload in hex. */
static void
vg_raw_request(struct unixctl_conn *conn, int argc, const char *argv[],
               void *dev_)
{
    struct vg_device *dev = dev_;
    unsigned int request_code;
    struct vhu_msg msg, reply;
    size_t len = argc > 2 ? strlen(argv[2]) / 2 : 0;
    int fd = -1;
    int error;

    if (!str_to_uint(argv[1], 10, &request_code)
        || len > sizeof msg.payload) {
        unixctl_command_reply_error(conn, "bad arguments");
        return;
    }
    if (argc > 3) {
        fd = vg_make_fd(dev, argv[3]);
        if (fd < 0) {
            unixctl_command_reply_error(conn, "bad descriptor kind");
            return;
        }
    }
    if (dev->conn_fd < 0) {
        unixctl_command_reply_error(conn, "back-end not connected");
        return;
    }
    vhu_msg_init(&msg, request_code, len);
    if (!vg_parse_hex(argc > 2 ? argv[2] : "", msg.payload.bytes, len)) {
        unixctl_command_reply_error(conn, "bad payload");
        return;
    }
    msg.hdr.flags |= VHOST_USER_NEED_REPLY_MASK;
    if (fd >= 0) {
        msg.fds[0] = fd;
        msg.n_fds = 1;
    }
    error = vhu_msg_send(dev->conn_fd, &msg);
    if (fd >= 0) {
        close(fd);
    }
    if (!error) {
        error = recv_reply(dev, &reply);
    }
    if (error) {
        unixctl_command_reply_error(conn, ovs_retval_to_string(error));
        return;
    }
    vhu_msg_close_fds(&reply);

    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "reply %s:", vhu_request_name(reply.hdr.request));
    for (size_t i = 0; i < reply.hdr.size; i++) {
        ds_put_format(&s, " %02x", reply.payload.bytes[i]);
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* vhost-guest/remap-memory: tells the back-end about guest memory again,
 * with every region boundary moved by a page (back, every second time):
 * the same memory, a different table.  With --mem-slots, the regions after
 * the first are removed (REM_MEM_REG) and added again as they were. */
static void
vg_remap_memory(struct unixctl_conn *conn, int argc OVS_UNUSED,
                const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;
    unsigned int n_regions = dev->cfg->n_regions;
    int error = 0;

    if (dev->conn_fd < 0 || n_regions < 2) {
        unixctl_command_reply_error(conn, "needs a back-end and 2 regions");
        return;
    }
    if (dev->cfg->use_mem_slots) {
        static const enum vhost_user_request requests[] = {
            VHOST_USER_REM_MEM_REG, VHOST_USER_ADD_MEM_REG,
        };

        for (size_t i = 0; i < ARRAY_SIZE(requests); i++) {
            for (unsigned int r = 1; r < n_regions && !error; r++) {
                struct vhu_msg msg;

                vhu_msg_init(&msg, requests[i], sizeof msg.payload.mem_reg);
                memset(&msg.payload.mem_reg, 0, sizeof msg.payload.mem_reg);
                get_region(dev, r, &msg.payload.mem_reg.region);
                if (requests[i] == VHOST_USER_ADD_MEM_REG) {
                    msg.fds[0] = dev->mem_fd;
                    msg.n_fds = 1;
                }
                error = request(dev, &msg, false, NULL);
            }
        }
    } else {
        dev->remapped = !dev->remapped;
        for (unsigned int r = 1; r < n_regions; r++) {
            dev->region_starts[r] += dev->remapped ? 4096 : -4096;
        }
        error = send_mem_table(dev);
    }
    if (error) {
        unixctl_command_reply_error(conn, ovs_strerror(error));
        return;
    }
    unixctl_command_reply(conn, NULL);
}

/* vhost-guest/sink on|off: poll the receive rings and only count, for
 * benchmarks. */
static void
vg_sink(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
        void *dev_)
{
    struct vg_device *dev = dev_;

    if (!parse_on_off(argv[1], &dev->sink)) {
        unixctl_command_reply_error(conn, "expected on or off");
        return;
    }
    if (!dev->sink && dev->conn_fd >= 0) {
        start_rx(dev);
    }
    unixctl_command_reply(conn, NULL);
}

/* vhost-guest/blast [--qp N] [--size N] [--dst MAC] [--window N] SECONDS:
 * transmits generated frames as fast as the switch takes them for SECONDS,
 * keeping the transmit ring full: every slot holds a frame, renumbered as
 * it is posted again.  The main loop runs it (blast_run()), so the guest
 * goes on serving commands and receiving meanwhile.  With --window, it
 * also polls the same queue pair's receive ring and keeps at most N frames
 * out: a closed loop through a switch that sends everything back, with no
 * drops.  Replies when it is over with the counts, rates, and the longest
 * stall: the longest time in which the switch took nothing from the
 * ring. */
static void
vg_blast(struct unixctl_conn *conn, int argc, const char *argv[],
         void *dev_)
{
    struct vg_device *dev = dev_;
    struct vg_blast *b = &dev->blast;
    uint32_t ring_size = dev->cfg->ring_size;
    size_t hdr_size = dev->hdr_size;
    struct eth_addr dst = eth_addr_broadcast;
    unsigned int qp = 0, size = 64, seconds, window = 0;
    int i;

    for (i = 1; i < argc - 1; i += 2) {
        bool ok = false;

        if (!strcmp(argv[i], "--qp")) {
            ok = str_to_uint(argv[i + 1], 10, &qp) && qp < dev->cfg->n_qp;
        } else if (!strcmp(argv[i], "--size")) {
            ok = (str_to_uint(argv[i + 1], 10, &size)
                  && size >= VG_GEN_HEADER_LEN && size <= 9000);
        } else if (!strcmp(argv[i], "--dst")) {
            ok = eth_addr_from_string(argv[i + 1], &dst);
        } else if (!strcmp(argv[i], "--window")) {
            ok = (str_to_uint(argv[i + 1], 10, &window) && window
                  && window <= ring_size);
        }
        if (!ok) {
            unixctl_command_reply_error(conn, "bad arguments");
            return;
        }
    }
    if (i != argc - 1 || !str_to_uint(argv[i], 10, &seconds)
        || !seconds || seconds > 600) {
        unixctl_command_reply_error(conn, "SECONDS must be 1 to 600");
        return;
    }
    if (dev->conn_fd < 0 || !dev->started) {
        unixctl_command_reply_error(conn, "back-end not connected");
        return;
    }
    if (b->conn) {
        unixctl_command_reply_error(conn, "a blast is running");
        return;
    }

    struct vg_queue *q = &dev->qps[qp].tx;
    vg_tx_reclaim(q);
    if (vdrv_in_flight(&q->ring)) {
        unixctl_command_reply_error(conn, "frames still in flight");
        return;
    }
    for (uint32_t slot = 0; slot < ring_size; slot++) {
        uint8_t *p = q->bufs_hva + (size_t) slot * q->slot_size;

        memset(p, 0, hdr_size);
        make_generated(dev, p + hdr_size, size, &dst, qp);
    }
    if (window) {
        vdrv_disable_interrupts(&dev->qps[qp].rx.ring);
    }

    long long int now = time_msec();
    *b = (struct vg_blast) {
        .conn = conn,
        .qp = qp,
        .size = size,
        .window = window,
        .start = now,
        .deadline = now + seconds * 1000LL,
        .progress = now,
        .rx_packets_before = dev->qps[qp].rx.packets,
    };
    poll_immediate_wake();
}

static void
blast_finish(struct vg_device *dev)
{
    struct vg_blast *b = &dev->blast;
    unsigned int qp = b->qp;

    vg_tx_reclaim(&dev->qps[qp].tx);
    if (b->window && !dev->sink
        && vdrv_enable_interrupts(&dev->qps[qp].rx.ring)) {
        /* What came back since the last look raised no interrupt. */
        rx_process(dev, qp);
    }

    long long int elapsed = MAX(time_msec() - b->start, 1);
    uint64_t received = dev->qps[qp].rx.packets - b->rx_packets_before;
    char *reply = xasprintf("sent %"PRIu64" (%.3f Mpps), received %"PRIu64
                            " (%.3f Mpps) in %lld ms, longest stall %lld ms",
                            b->sent, b->sent / (elapsed * 1000.0), received,
                            received / (elapsed * 1000.0), elapsed,
                            b->longest_stall);
    unixctl_command_reply(b->conn, reply);
    free(reply);
    b->conn = NULL;
}

/* Runs the blast under way for a moment: 256 rounds of taking back what
 * the switch took and filling the ring again. */
static void
blast_run(struct vg_device *dev)
{
    struct vg_blast *b = &dev->blast;
    struct vg_queue *q = &dev->qps[b->qp].tx;
    struct vg_queue *rxq = &dev->qps[b->qp].rx;
    size_t len = dev->hdr_size + b->size;

    for (int round = 0; round < 256; round++) {
        if (b->window) {
            while (rx_take(dev, b->qp)) {
                continue;
            }
            rx_refill(dev, rxq);
        }
        vg_tx_reclaim(q);
        while (q->ring.num_free
               && (!b->window
                   || b->sent - (rxq->packets - b->rx_packets_before)
                      < b->window)) {
            uint16_t head = q->ring.free_head;
            uint8_t *slot = q->bufs_hva + (size_t) head * q->slot_size;
            struct vdrv_seg seg = {
                q->bufs_gpa + (uint64_t) head * q->slot_size, len, false
            };

            vg_frame_renumber(slot + dev->hdr_size, b->size, q->next_seq++);
            vdrv_add(&q->ring, &seg, 1, NULL, 0);
            q->packets++;
            q->bytes += b->size;
            b->sent++;
        }
        vg_kick(q);
    }

    /* The ring is kept full: a frame sent is one the switch took. */
    long long int now = time_msec();
    if (b->sent != b->sent_before) {
        b->progress = now;
        b->sent_before = b->sent;
    }
    b->longest_stall = MAX(b->longest_stall, now - b->progress);
    if (now >= b->deadline) {
        blast_finish(dev);
    } else {
        poll_immediate_wake();
    }
}

/* vhost-guest/clear-stats */
static void
vg_clear_stats(struct unixctl_conn *conn, int argc OVS_UNUSED,
               const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;

    for (unsigned int i = 0; i < dev->cfg->n_qp; i++) {
        struct vg_queue_pair *qp = &dev->qps[i];

        qp->rx.packets = qp->rx.bytes = qp->rx.kicks = 0;
        qp->tx.packets = qp->tx.bytes = qp->tx.kicks = 0;
        qp->rx.interrupts = 0;
    }
    vg_rx_check_init(&dev->rx_check);
    dev->rx_errors = dev->rx_empty_written = dev->tx_dropped = 0;
    dev->rx_cross_region = dev->tx_cross_region = 0;
    unixctl_command_reply(conn, NULL);
}

/* Registers the vhost-guest/ commands, each of which works on 'dev'. */
static void
register_commands(struct vg_device *dev)
{
    unixctl_command_register("vhost-guest/send",
                             "[--qp N] [--count N] [--size N] [--dst MAC] "
                             "[HEX]", 0, 9, vg_send_cmd, dev);
    unixctl_command_register("vhost-guest/dump-rx", "[--clear]", 0, 1,
                             vg_dump_rx, dev);
    unixctl_command_register("vhost-guest/stats", "", 0, 0, vg_stats, dev);
    unixctl_command_register("vhost-guest/echo", "on|off", 1, 1, vg_echo,
                             dev);
    unixctl_command_register("vhost-guest/refill", "on|off", 1, 1,
                             vg_refill, dev);
    unixctl_command_register("vhost-guest/set-vring-enable", "RING 0|1", 2,
                             2, vg_set_vring_enable, dev);
    unixctl_command_register("vhost-guest/disconnect", "", 0, 0,
                             vg_disconnect, dev);
    unixctl_command_register("vhost-guest/clear-stats", "", 0, 0,
                             vg_clear_stats, dev);
    unixctl_command_register("vhost-guest/start", "", 0, 0, vg_start, dev);
    unixctl_command_register("vhost-guest/sink", "on|off", 1, 1, vg_sink,
                             dev);
    unixctl_command_register("vhost-guest/blast",
                             "[--qp N] [--size N] [--dst MAC] [--window N] "
                             "SECONDS", 1, 9, vg_blast, dev);
    unixctl_command_register("vhost-guest/stop", "", 0, 0, vg_stop, dev);
    unixctl_command_register("vhost-guest/reset", "", 0, 0, vg_reset, dev);
    unixctl_command_register("vhost-guest/raw-request",
                             "REQUEST [PAYLOAD-HEX [FD-KIND]]", 1, 3,
                             vg_raw_request, dev);
    unixctl_command_register("vhost-guest/remap-memory", "", 0, 0,
                             vg_remap_memory, dev);
    unixctl_command_register("vhost-guest/churn", "N", 1, 1, vg_churn, dev);
    vg_hostile_register(dev);
    vg_migrate_register(dev);
}


/* Options. */

static uint64_t
parse_feature_list(const char *s)
{
    static const struct {
        const char *name;
        uint64_t bits;
    } names[] = {
        { "mrg-rxbuf", BIT(VIRTIO_NET_F_MRG_RXBUF) },
        { "indirect", BIT(VIRTIO_RING_F_INDIRECT_DESC) },
        { "event-idx", BIT(VIRTIO_RING_F_EVENT_IDX) },
        { "version-1", BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ANY_LAYOUT) },
    };
    char *copy = xstrdup(s);
    char *save = NULL;
    uint64_t bits = 0;

    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        size_t i;

        for (i = 0; i < ARRAY_SIZE(names); i++) {
            if (!strcmp(tok, names[i].name)) {
                bits |= names[i].bits;
                break;
            }
        }
        if (i == ARRAY_SIZE(names)) {
            ovs_fatal(0, "unknown feature \"%s\" (try --help)", tok);
        }
    }
    free(copy);
    return bits;
}

static unsigned int
parse_uint_option(const char *name, const char *s, unsigned int min,
                  unsigned int max)
{
    unsigned int value;

    if (!str_to_uint(s, 10, &value) || value < min || value > max) {
        ovs_fatal(0, "--%s: \"%s\" is not a number between %u and %u",
                  name, s, min, max);
    }
    return value;
}

/* Parses the command line into '*cfg', which starts from the defaults. */
static void
parse_options(int argc, char *argv[], struct vg_config *cfg)
{
    enum {
        OPT_SOCKET = UCHAR_MAX + 1,
        OPT_UNIXCTL,
        OPT_QUEUES,
        OPT_RING_SIZE,
        OPT_RX_BUF_SIZE,
        OPT_RX_BUF_SEGS,
        OPT_TX_MODE,
        OPT_REGIONS,
        OPT_MEM_SLOTS,
        OPT_NO,
        OPT_NO_PROTOCOL_FEATURES,
        OPT_MTU,
        OPT_MAC,
        OPT_MANUAL_START,
        OPT_UNSEALED_MEMORY,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"queues", required_argument, NULL, OPT_QUEUES},
        {"ring-size", required_argument, NULL, OPT_RING_SIZE},
        {"rx-buf-size", required_argument, NULL, OPT_RX_BUF_SIZE},
        {"rx-buf-segs", required_argument, NULL, OPT_RX_BUF_SEGS},
        {"tx-mode", required_argument, NULL, OPT_TX_MODE},
        {"regions", required_argument, NULL, OPT_REGIONS},
        {"mem-slots", no_argument, NULL, OPT_MEM_SLOTS},
        {"no", required_argument, NULL, OPT_NO},
        {"no-protocol-features", no_argument, NULL,
         OPT_NO_PROTOCOL_FEATURES},
        {"mtu", required_argument, NULL, OPT_MTU},
        {"mac", required_argument, NULL, OPT_MAC},
        {"manual-start", no_argument, NULL, OPT_MANUAL_START},
        {"unsealed-memory", no_argument, NULL, OPT_UNSEALED_MEMORY},
        {"help", no_argument, NULL, 'h'},
        VLOG_LONG_OPTIONS,
        DAEMON_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    *cfg = (struct vg_config) {
        .n_qp = 1,
        .ring_size = 256,
        .rx_buf_size = 2048,
        .rx_buf_segs = 1,
        .tx_mode = VG_TX_SINGLE,
        .tx_seg_size = 64,
        .n_regions = 1,
        .guest_mac = ETH_ADDR_C(02, 00, 00, 00, 00, 01),
    };

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);

        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_SOCKET:
            cfg->socket_path = optarg;
            break;
        case OPT_UNIXCTL:
            cfg->unixctl_path = optarg;
            break;
        case OPT_QUEUES:
            cfg->n_qp = parse_uint_option("queues", optarg, 1, 8);
            break;
        case OPT_RING_SIZE:
            cfg->ring_size = parse_uint_option("ring-size", optarg, 2, 32768);
            if (cfg->ring_size & (cfg->ring_size - 1)) {
                ovs_fatal(0, "--ring-size must be a power of 2");
            }
            break;
        case OPT_RX_BUF_SIZE:
            cfg->rx_buf_size = parse_uint_option("rx-buf-size", optarg, 16,
                                                 VG_MAX_PKT);
            break;
        case OPT_RX_BUF_SEGS:
            cfg->rx_buf_segs = parse_uint_option("rx-buf-segs", optarg, 1,
                                                 VG_MAX_SEGS);
            break;
        case OPT_TX_MODE:
            if (!strcmp(optarg, "single")) {
                cfg->tx_mode = VG_TX_SINGLE;
            } else if (!strcmp(optarg, "split")) {
                cfg->tx_mode = VG_TX_SPLIT;
            } else if (!strncmp(optarg, "chain", 5)
                       || !strncmp(optarg, "indirect", 8)) {
                const char *eq = strchr(optarg, '=');

                cfg->tx_mode = (optarg[0] == 'c'
                                ? VG_TX_CHAIN
                                : VG_TX_INDIRECT);
                if (eq) {
                    cfg->tx_seg_size = parse_uint_option("tx-mode", eq + 1,
                                                         1, VG_MAX_PKT);
                }

            } else {
                ovs_fatal(0, "--tx-mode: \"%s\" is not single, split, "
                          "chain[=SIZE] or indirect[=SIZE]", optarg);
            }
            break;
        case OPT_REGIONS:
            cfg->n_regions = parse_uint_option("regions", optarg, 1, 4);
            break;
        case OPT_MEM_SLOTS:
            cfg->use_mem_slots = true;
            break;
        case OPT_NO:
            cfg->features_off |= parse_feature_list(optarg);
            break;
        case OPT_NO_PROTOCOL_FEATURES:
            cfg->no_protocol_features = true;
            break;
        case OPT_MTU:
            cfg->guest_mtu = parse_uint_option("mtu", optarg, 68, 65535);
            break;
        case OPT_MAC:
            if (!eth_addr_from_string(optarg, &cfg->guest_mac)) {
                ovs_fatal(0, "--mac: \"%s\" is not an Ethernet address",
                          optarg);
            }
            break;
        case OPT_MANUAL_START:
            cfg->manual_start = true;
            break;
        case OPT_UNSEALED_MEMORY:
            cfg->unsealed_memory = true;
            break;
        case 'h':
            usage();

        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);

    if (!cfg->socket_path) {
        ovs_fatal(0, "--socket is required (try --help)");
    }
}

static void
usage(void)
{
    printf("%s: vhost-user front-end and virtio-net driver for testing\n"
           "usage: %s --socket=PATH [OPTIONS]\n"
           "\nServes PATH as QEMU does for -chardev socket,server=on\n"
           "and acts as a guest's virtio-net driver once a back-end\n"
           "connects.\n"
           "\nDevice options:\n"
           "  --queues=N            queue pairs (default 1, up to 8)\n"
           "  --ring-size=N         entries per ring (default 256)\n"
           "  --rx-buf-size=BYTES   bytes per receive descriptor (2048)\n"
           "  --rx-buf-segs=N       descriptors per receive buffer (1)\n"
           "  --tx-mode=MODE        single, split, chain[=SIZE] or\n"
           "                        indirect[=SIZE] (default single)\n"
           "  --regions=N           guest memory regions, 1 to 4 (1)\n"
           "  --mem-slots           send memory with ADD_MEM_REG\n"
           "  --no=FEATURES         do not negotiate FEATURES, a list of\n"
           "                        mrg-rxbuf,indirect,event-idx,version-1\n"
           "  --no-protocol-features  legacy set-up, one queue pair\n"
           "  --mtu=N               tell the back-end the guest's MTU\n"
           "  --mac=MAC             source of generated frames\n"
           "  --manual-start        negotiate, but start the rings only on\n"
           "                        vhost-guest/start\n"
           "  --unsealed-memory     do not seal guest memory against\n"
           "                        resizing (for truncate-memory)\n"
           "  --unixctl=SOCKET      control socket (default: by pid)\n"
           "\nCommands (ovs-appctl -t SOCKET COMMAND):\n"
           "  vhost-guest/send [--qp N] [--count N] [--size N] [--dst MAC] "
           "[HEX]\n"
           "  vhost-guest/dump-rx [--clear]\n"
           "  vhost-guest/stats\n"
           "  vhost-guest/clear-stats\n"
           "  vhost-guest/echo on|off\n"
           "  vhost-guest/refill on|off\n"
           "  vhost-guest/set-vring-enable RING 0|1\n"
           "  vhost-guest/sink on|off\n"
           "  vhost-guest/blast [--qp N] [--size N] [--dst MAC] "
           "[--window N] SECONDS\n"
           "  vhost-guest/start\n"
           "  vhost-guest/stop\n"
           "  vhost-guest/reset\n"
           "  vhost-guest/raw-request REQUEST [PAYLOAD-HEX [FD-KIND]]\n"
           "  vhost-guest/disconnect\n"
           "  vhost-guest/remap-memory\n"
           "  vhost-guest/churn N\n"
           "\nMigration checker (vhost-guest-migrate.c):\n"
           "  vhost-guest/log-start\n"
           "  vhost-guest/log-stop\n"
           "  vhost-guest/log-check\n"
           "  vhost-guest/log-clear\n"
           "  vhost-guest/log-count\n"
           "  vhost-guest/log-truncate\n"
           "\nHostile commands (vhost-guest-hostile.c):\n"
           "  vhost-guest/truncate-memory BYTES\n"
           "  vhost-guest/rx-buffers normal|readonly|empty\n"
           "  vhost-guest/tx-hostile KIND\n"
           "  vhost-guest/raw-bytes HEX [N-REPLIES]\n"
           "  vhost-guest/block-calls\n"
           "  vhost-guest/kick-hostile blocking|readable\n"
           "FD-KIND is eventfd, memfd, pipe, file or socket.\n",
           program_name, program_name);
    daemon_usage();
    vlog_usage();
    exit(EXIT_SUCCESS);
}
