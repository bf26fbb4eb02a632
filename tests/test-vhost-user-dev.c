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

/* Unit tests of lib/vhost-user-dev.c: the back-end state machine, fed
 * message sequences directly, the good ones and the bad. */

#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ovstest.h"
#include "test-check.h"
#include "util.h"
#include "vhost-user-dev.h"
#include "vhost-user-msg.h"
#include "vhost-user-proto.h"
#include "virtio-defs.h"
#include "virtio-driver.h"

#define MEM_SIZE (1024 * 1024)
#define GPA 0x100000000ULL

/* What the device told its user. */
struct observer {
    int n_changed;
    int n_synchronize;
    int n_warnings;
    uint32_t live;              /* Live rings at the last changed(). */
    struct vhu_dev *dev;
};

static void
obs_changed(void *obs_)
{
    struct observer *obs = obs_;

    obs->n_changed++;
    obs->live = 0;
    for (int i = 0; i < VHU_MAX_VRINGS; i++) {
        obs->live |= (uint32_t) obs->dev->vrings[i].live << i;
    }
}

static void
obs_synchronize(void *obs_)
{
    struct observer *obs = obs_;

    obs->n_synchronize++;
}

static void
obs_log(void *obs_, enum vhu_log_level level, int error OVS_UNUSED,
        const char *message OVS_UNUSED)
{
    struct observer *obs = obs_;

    if (level == VHU_LOG_WARN) {
        obs->n_warnings++;
    }
}

static const struct vhu_dev_ops obs_ops = {
    .changed = obs_changed,
    .synchronize = obs_synchronize,
    .log = obs_log,
};

/* The test's guest memory, shared through a memfd. */
static int mem_fd = -1;
static uint8_t *mem;

static void
msg_init(struct vhu_msg *msg, uint32_t request, uint32_t size)
{
    memset(msg, 0, sizeof *msg);
    msg->hdr.request = request;
    msg->hdr.flags = VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_MASK;
    msg->hdr.size = size;
}

/* Sends 'msg' and returns the reply's u64, -1 if there was no reply, or -2
 * if the device wants the connection dropped. */
static int64_t
send_msg(struct vhu_dev *dev, struct vhu_msg *msg)
{
    struct vhu_msg reply;

    if (vhu_dev_handle_msg(dev, msg, &reply)) {
        return -2;
    }
    CHECK(!msg->n_fds);
    if (!reply.hdr.request) {
        return -1;
    }
    CHECK(reply.hdr.request == msg->hdr.request);
    CHECK(reply.hdr.flags & VHOST_USER_REPLY_MASK);
    if (msg->hdr.request == VHOST_USER_SET_LOG_BASE) {
        /* What QEMU waits for: an empty reply. */
        CHECK(reply.hdr.size == 0);
        return 0;
    }
    CHECK(reply.hdr.size == 8);
    return (msg->hdr.request == VHOST_USER_GET_VRING_BASE
            ? reply.payload.state.num : (int64_t) reply.payload.u64);
}

static int64_t
send_u64(struct vhu_dev *dev, uint32_t request, uint64_t value)
{
    struct vhu_msg msg;

    msg_init(&msg, request, 8);
    msg.payload.u64 = value;
    return send_msg(dev, &msg);
}

static int64_t
send_state(struct vhu_dev *dev, uint32_t request, uint32_t index,
           uint32_t num)
{
    struct vhu_msg msg;

    msg_init(&msg, request, sizeof msg.payload.state);
    msg.payload.state.index = index;
    msg.payload.state.num = num;
    return send_msg(dev, &msg);
}

static int64_t
send_fd(struct vhu_dev *dev, uint32_t request, uint32_t index, int fd)
{
    struct vhu_msg msg;

    msg_init(&msg, request, 8);
    msg.payload.u64 = index | (fd < 0 ? VHOST_USER_VRING_NOFD_MASK : 0);
    if (fd >= 0) {
        msg.fds[0] = fd;
        msg.n_fds = 1;
    }
    return send_msg(dev, &msg);
}

static int64_t
send_mem_table(struct vhu_dev *dev, uint64_t size)
{
    struct vhu_msg msg;

    msg_init(&msg, VHOST_USER_SET_MEM_TABLE, 8 + 32);
    msg.payload.memory.nregions = 1;
    msg.payload.memory.regions[0] = (struct vhost_user_memory_region) {
        .guest_phys_addr = GPA,
        .memory_size = size,
        .userspace_addr = (uintptr_t) mem,
        .mmap_offset = 0,
    };
    msg.fds[0] = dup(mem_fd);
    msg.n_fds = 1;
    return send_msg(dev, &msg);
}

/* Sends SET_VRING_ADDR for ring 'index' of 'num' entries at offset
 * 'offset' of memory; with 'log', asks for its used ring to be logged.
 * Returns the used ring's guest-physical address. */
static uint64_t
send_ring_addr(struct vhu_dev *dev, uint32_t index, size_t offset, int num,
               bool log)
{
    static struct vdrv_desc_state state[256];
    struct vdrv_ring r;
    struct vhu_msg msg;
    uint64_t used_gpa;

    vdrv_ring_init(&r, mem + offset, num, false, state);
    used_gpa = GPA + ((uint8_t *) r.used - mem);
    msg_init(&msg, VHOST_USER_SET_VRING_ADDR, sizeof msg.payload.addr);
    msg.payload.addr.index = index;
    msg.payload.addr.desc_user_addr = (uintptr_t) r.desc;
    msg.payload.addr.avail_user_addr = (uintptr_t) r.avail;
    msg.payload.addr.used_user_addr = (uintptr_t) r.used;
    if (log) {
        msg.payload.addr.flags = 1u << VHOST_VRING_F_LOG;
        msg.payload.addr.log_guest_addr = used_gpa;
    }
    CHECK(send_msg(dev, &msg) == 0);
    return used_gpa;
}

/* Sets up ring 'index' of 'num' entries at offset 'offset' of memory.
 * Returns the used ring's guest-physical address. */
static uint64_t
setup_ring(struct vhu_dev *dev, uint32_t index, size_t offset, int num)
{
    uint64_t used_gpa;

    CHECK(send_state(dev, VHOST_USER_SET_VRING_NUM, index, num) == 0);
    CHECK(send_state(dev, VHOST_USER_SET_VRING_BASE, index, 0) == 0);
    used_gpa = send_ring_addr(dev, index, offset, num, false);
    CHECK(send_fd(dev, VHOST_USER_SET_VRING_CALL, index,
                  eventfd(0, 0)) == 0);
    return used_gpa;
}

/* Sends SET_LOG_BASE with 'fd' (kept by the caller). */
static int64_t
send_log_base(struct vhu_dev *dev, int fd, uint64_t size, uint64_t offset)
{
    struct vhu_msg msg;

    msg_init(&msg, VHOST_USER_SET_LOG_BASE, sizeof msg.payload.log);
    msg.hdr.flags &= ~VHOST_USER_NEED_REPLY_MASK;  /* As QEMU sends it. */
    msg.payload.log.mmap_size = size;
    msg.payload.log.mmap_offset = offset;
    if (fd >= 0) {
        msg.fds[0] = dup(fd);
        msg.n_fds = 1;
    }
    return send_msg(dev, &msg);
}

static void
negotiate(struct vhu_dev *dev)
{
    struct vhu_msg msg;
    int64_t features;

    msg_init(&msg, VHOST_USER_GET_FEATURES, 0);
    features = send_msg(dev, &msg);
    CHECK(features & (1ULL << VIRTIO_F_VERSION_1));
    CHECK(features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES));
    CHECK(!(features & (1ULL << VIRTIO_F_RING_PACKED)));
    msg_init(&msg, VHOST_USER_GET_PROTOCOL_FEATURES, 0);
    CHECK(send_msg(dev, &msg)
          & (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK));
    /* Acks are asked for from here on. */
    CHECK(send_u64(dev, VHOST_USER_SET_PROTOCOL_FEATURES,
                   (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK)
                   | (1ULL << VHOST_USER_PROTOCOL_F_MQ)) == 0);
    msg_init(&msg, VHOST_USER_GET_QUEUE_NUM, 0);
    CHECK(send_msg(dev, &msg) == dev->max_queue_pairs);
    /* Not logging: that is for migrations. */
    CHECK(features & (1ULL << VHOST_F_LOG_ALL));
    CHECK(send_u64(dev, VHOST_USER_SET_FEATURES,
                   features & ~(1ULL << VHOST_F_LOG_ALL)) == 0);
}

static void
test_life_cycle(void)
{
    struct observer obs = { .n_changed = 0 };
    struct vhu_dev dev;

    vhu_dev_init(&dev, &obs_ops, &obs, 2);
    obs.dev = &dev;
    negotiate(&dev);
    CHECK(send_mem_table(&dev, MEM_SIZE) == 0);

    setup_ring(&dev, 0, 0, 256);
    setup_ring(&dev, 1, 16384, 256);
    CHECK(!obs.live);
    CHECK(send_fd(&dev, VHOST_USER_SET_VRING_KICK, 0, -1) == 0);
    CHECK(send_fd(&dev, VHOST_USER_SET_VRING_KICK, 1,
                  eventfd(0, 0)) == 0);
    /* With protocol features, rings start disabled. */
    CHECK(!obs.live && vhu_dev_n_queue_pairs(&dev) == 1);
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_ENABLE, 0, 1) == 0);
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_ENABLE, 1, 1) == 0);
    CHECK(obs.live == 3 && vhu_dev_driver_ok(&dev));

    /* The same memory table again: nothing stops. */
    int sync = obs.n_synchronize;
    CHECK(send_mem_table(&dev, MEM_SIZE) == 0);
    CHECK(obs.n_synchronize == sync && obs.live == 3);

    /* A new table: rings pause (one grace period) and come back. */
    CHECK(send_mem_table(&dev, MEM_SIZE / 2) == 0);
    CHECK(obs.n_synchronize == sync + 1 && obs.live == 3);

    /* A new call descriptor for a live ring pauses just that ring. */
    CHECK(send_fd(&dev, VHOST_USER_SET_VRING_CALL, 1,
                  eventfd(0, 0)) == 0);
    CHECK(obs.n_synchronize == sync + 2 && obs.live == 3);

    /* GET_VRING_BASE stops the ring and tells where it stood. */
    dev.vrings[1].vq.last_avail_idx = 77;
    CHECK(send_state(&dev, VHOST_USER_GET_VRING_BASE, 1, 0) == 77);
    CHECK(obs.live == 1 && !dev.vrings[1].started);
    CHECK(dev.vrings[1].kick_fd == -1);

    /* Disabling the other. */
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_ENABLE, 0, 0) == 0);
    CHECK(obs.live == 0);

    /* Memory that cannot hold the rings: they stay down, with a reason. */
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_ENABLE, 0, 1) == 0);
    CHECK(obs.live == 1);
    CHECK(send_mem_table(&dev, 4096) == 0);
    CHECK(obs.live == 0 && dev.vrings[0].error == EFAULT);

    vhu_dev_disconnect(&dev);
    CHECK(!obs.live && !dev.features_acked && !dev.mem.n_regions);
    CHECK(dev.vrings[0].call_fd == -1);
    CHECK(obs.n_warnings == 1);    /* The ring that could not start. */
}

static void
test_bad_requests(void)
{
    struct observer obs = { .n_changed = 0 };
    struct vhu_dev dev;
    struct vhu_msg msg;

    vhu_dev_init(&dev, &obs_ops, &obs, 1);
    obs.dev = &dev;
    negotiate(&dev);

    /* Unknown and unsupported requests are refused, with an ack. */
    msg_init(&msg, 99, 4);
    CHECK(send_msg(&dev, &msg) == 1);
    msg_init(&msg, VHOST_USER_POSTCOPY_ADVISE, 8);
    CHECK(send_msg(&dev, &msg) == 1);
    msg_init(&msg, VHOST_USER_SET_BACKEND_REQ_FD, 8);
    msg.fds[0] = eventfd(0, 0);
    msg.n_fds = 1;
    CHECK(send_msg(&dev, &msg) == 1);

    /* Ring indexes beyond the queue pairs offered. */
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_NUM, 2, 256) == 1);
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_ENABLE, 200, 1) == 1);
    CHECK(send_fd(&dev, VHOST_USER_SET_VRING_CALL, 7, eventfd(0, 0))
          == 1);

    /* Bad sizes. */
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_NUM, 0, 0) == 1);
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_NUM, 0, 100) == 1);
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_NUM, 0, 65536) == 1);
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_BASE, 0, 70000) == 1);
    CHECK(send_u64(&dev, VHOST_USER_NET_SET_MTU, 10) == 1);

    /* Payloads of the wrong size: refused, or fatal when a reply is
     * expected. */
    msg_init(&msg, VHOST_USER_SET_FEATURES, 4);
    CHECK(send_msg(&dev, &msg) == 1);
    msg_init(&msg, VHOST_USER_GET_VRING_BASE, 4);
    CHECK(send_msg(&dev, &msg) == -2);
    msg_init(&msg, VHOST_USER_GET_VRING_BASE, 8);
    msg.payload.state.index = 9;
    CHECK(send_msg(&dev, &msg) == -2);

    /* Descriptors where none belong, or missing where one does. */
    msg_init(&msg, VHOST_USER_SET_OWNER, 0);
    msg.fds[0] = eventfd(0, 0);
    msg.n_fds = 1;
    CHECK(send_msg(&dev, &msg) == 1);
    msg_init(&msg, VHOST_USER_SET_VRING_KICK, 8);
    msg.payload.u64 = 0;
    CHECK(send_msg(&dev, &msg) == 1);

    /* Features that were not offered. */
    CHECK(send_u64(&dev, VHOST_USER_SET_FEATURES,
                   1ULL << VIRTIO_F_RING_PACKED) == 1);
    CHECK(send_u64(&dev, VHOST_USER_SET_PROTOCOL_FEATURES,
                   1ULL << VHOST_USER_PROTOCOL_F_PAGEFAULT) == 1);

    /* Memory tables: more regions than descriptors, a file too small. */
    msg_init(&msg, VHOST_USER_SET_MEM_TABLE, 8 + 2 * 32);
    msg.payload.memory.nregions = 2;
    msg.fds[0] = dup(mem_fd);
    msg.n_fds = 1;
    CHECK(send_msg(&dev, &msg) == 1);
    CHECK(send_mem_table(&dev, 2 * MEM_SIZE) == 1);
    CHECK(!dev.mem.n_regions);

    /* Removing a region that is not there. */
    msg_init(&msg, VHOST_USER_REM_MEM_REG, sizeof msg.payload.mem_reg);
    CHECK(send_msg(&dev, &msg) == 1);

    CHECK(dev.n_failed == 21 && obs.n_warnings == 21);
    CHECK(!obs.live);

    /* The device still works after all that. */
    CHECK(send_mem_table(&dev, MEM_SIZE) == 0);
    setup_ring(&dev, 0, 0, 64);
    CHECK(send_fd(&dev, VHOST_USER_SET_VRING_KICK, 0, -1) == 0);
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_ENABLE, 0, 1) == 0);
    CHECK(obs.live == 1);
    vhu_dev_disconnect(&dev);
}

static void
test_legacy(void)
{
    struct observer obs = { .n_changed = 0 };
    struct vhu_dev dev;
    struct vhu_msg msg;

    /* Without protocol features: no acks, rings enabled by the kick. */
    vhu_dev_init(&dev, &obs_ops, &obs, 1);
    obs.dev = &dev;
    CHECK(send_u64(&dev, VHOST_USER_SET_FEATURES,
                   1ULL << VIRTIO_NET_F_MRG_RXBUF) == -1);
    msg_init(&msg, VHOST_USER_SET_MEM_TABLE, 8 + 32);
    CHECK(send_mem_table(&dev, MEM_SIZE) == -1);
    CHECK(send_state(&dev, VHOST_USER_SET_VRING_NUM, 0, 64) == -1);
    CHECK(send_fd(&dev, VHOST_USER_SET_VRING_KICK, 0, -1) == -1);
    CHECK(!obs.live);  /* No address yet. */
    msg_init(&msg, VHOST_USER_SET_VRING_ADDR, sizeof msg.payload.addr);
    msg.payload.addr.desc_user_addr = (uintptr_t) mem;
    msg.payload.addr.avail_user_addr = (uintptr_t) mem + 4096;
    msg.payload.addr.used_user_addr = (uintptr_t) mem + 8192;
    CHECK(send_msg(&dev, &msg) == -1);
    CHECK(obs.live == 1 && dev.vrings[0].vq.hdr_size == 12);
    vhu_dev_disconnect(&dev);
}

/* A migration's life cycle as QEMU drives it: a log, the rings' log
 * addresses, VHOST_F_LOG_ALL on and off again; SEND_RARP on the
 * destination. */
static void
test_dirty_log(void)
{
    struct observer obs = { .n_changed = 0 };
    uint64_t log_all = 1ULL << VHOST_F_LOG_ALL;
    uint64_t used_gpa[2];
    struct vhu_msg msg;
    struct vhu_dev dev;
    int log_fd;

    /* A log that covers the guest's memory, after a page of something
     * else. */
    const uint64_t log_size = (GPA + MEM_SIZE) / 4096 / 8;
    log_fd = memfd_create("test-log", 0);
    CHECK(log_fd >= 0 && !ftruncate(log_fd, 4096 + log_size));
    vhu_dev_init(&dev, &obs_ops, &obs, 1);
    obs.dev = &dev;
    negotiate(&dev);
    msg_init(&msg, VHOST_USER_GET_PROTOCOL_FEATURES, 0);
    CHECK(send_msg(&dev, &msg) & (1ULL << VHOST_USER_PROTOCOL_F_LOG_SHMFD));
    CHECK(send_u64(&dev, VHOST_USER_SET_PROTOCOL_FEATURES,
                   (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK)
                   | (1ULL << VHOST_USER_PROTOCOL_F_LOG_SHMFD)) == 0);
    CHECK(send_mem_table(&dev, MEM_SIZE) == 0);
    for (int i = 0; i < 2; i++) {
        used_gpa[i] = setup_ring(&dev, i, i * 16384, 256);
        CHECK(send_fd(&dev, VHOST_USER_SET_VRING_KICK, i, -1) == 0);
        CHECK(send_state(&dev, VHOST_USER_SET_VRING_ENABLE, i, 1) == 0);
    }
    CHECK(obs.live == 3 && !dev.vrings[0].vq.log);

    /* Logging with nothing to log into: the rings stop rather than write
     * guest memory unmarked, and say so once. */
    uint64_t features = dev.features;
    int warnings = obs.n_warnings;
    CHECK(send_u64(&dev, VHOST_USER_SET_FEATURES, features | log_all) == 0);
    CHECK(vhu_dev_logging(&dev) && obs.live == 0);
    CHECK(obs.n_warnings == warnings + 2);

    /* A log, but no log address for the used rings yet, as QEMU does it
     * (features, then addresses): the memory table tells where the used
     * rings are. */
    CHECK(send_log_base(&dev, log_fd, log_size, 4096) == 0);
    CHECK(dev.log.bits && dev.log.size == log_size);
    CHECK(obs.live == 3);
    for (int i = 0; i < 2; i++) {
        struct vhu_virtq *vq = &dev.vrings[i].vq;
        uint64_t page = used_gpa[i] / 4096;
        uint8_t byte;

        CHECK(vq->log == &dev.log && vq->log_used_gpa == used_gpa[i]);
        /* Starting wrote the used ring's flags: marked, in the file. */
        CHECK(pread(log_fd, &byte, 1, 4096 + page / 8) == 1);
        CHECK(byte & (1u << (page % 8)));
        CHECK(vq->stats.log_pages >= 1);
    }

    /* Then the log addresses. */
    for (int i = 0; i < 2; i++) {
        CHECK(send_ring_addr(&dev, i, i * 16384, 256, true) == used_gpa[i]);
        CHECK(dev.vrings[i].vq.log_used_gpa == used_gpa[i]);
    }
    CHECK(obs.live == 3 && dev.vrings[1].vq.log == &dev.log);

    /* Logging off: the rings go on without the log. */
    CHECK(send_u64(&dev, VHOST_USER_SET_FEATURES, features) == 0);
    CHECK(obs.live == 3 && !dev.vrings[0].vq.log && !dev.vrings[1].vq.log);

    /* Logs that cannot be mapped end the connection: QEMU waits for the
     * reply. */
    int pipe_fds[2];
    CHECK(!pipe(pipe_fds));
    CHECK(send_log_base(&dev, log_fd, 0, 0) == -2);
    CHECK(send_log_base(&dev, log_fd, 4096, log_size + 1) == -2);
    CHECK(send_log_base(&dev, log_fd, 4096, UINT64_MAX - 10) == -2);
    CHECK(send_log_base(&dev, -1, 4096, 0) == -2);
    CHECK(send_log_base(&dev, pipe_fds[0], 4096, 0) == -2);
    msg_init(&msg, VHOST_USER_SET_LOG_BASE, 8);
    CHECK(send_msg(&dev, &msg) == -2);

    /* SET_LOG_FD: an eventfd is kept, anything else refused. */
    msg_init(&msg, VHOST_USER_SET_LOG_FD, 0);
    msg.fds[0] = eventfd(0, 0);
    msg.n_fds = 1;
    CHECK(send_msg(&dev, &msg) == 0 && dev.log_fd >= 0);
    msg_init(&msg, VHOST_USER_SET_LOG_FD, 0);
    msg.fds[0] = dup(pipe_fds[1]);
    msg.n_fds = 1;
    CHECK(send_msg(&dev, &msg) == 1);
    close(pipe_fds[0]);
    close(pipe_fds[1]);

    /* SEND_RARP: only with the protocol feature; the MAC is kept and
     * the user told. */
    static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0xaa };
    msg_init(&msg, VHOST_USER_SEND_RARP, 8);
    memcpy(msg.payload.bytes, mac, 6);
    CHECK(send_msg(&dev, &msg) == 1 && !dev.n_rarps);
    CHECK(send_u64(&dev, VHOST_USER_SET_PROTOCOL_FEATURES,
                   (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK)
                   | (1ULL << VHOST_USER_PROTOCOL_F_RARP)) == 0);
    int changed = obs.n_changed;
    msg_init(&msg, VHOST_USER_SEND_RARP, 8);
    memcpy(msg.payload.bytes, mac, 6);
    CHECK(send_msg(&dev, &msg) == 0);
    CHECK(dev.n_rarps == 1 && !memcmp(dev.rarp_mac, mac, 6));
    CHECK(obs.n_changed == changed + 1);

    vhu_dev_disconnect(&dev);
    CHECK(!dev.log.bits && dev.log_fd == -1);
    close(log_fd);
}

/* Page 'i' of memory as a region of its own. */
static struct vhost_user_memory_region
page_region(int i)
{
    return (struct vhost_user_memory_region) {
        .guest_phys_addr = GPA + i * 4096,
        .memory_size = 4096,
        .userspace_addr = (uintptr_t) mem + i * 4096,
        .mmap_offset = i * 4096,
    };
}

/* Sends SET_MEM_TABLE with pages 0 to 'n' - 1 of memory as regions, and
 * their descriptors, as many as one message carries. */
static int64_t
send_page_table(struct vhu_dev *dev, uint32_t n)
{
    uint32_t n_fds = MIN(n, VHOST_USER_MAX_RAM_SLOTS);
    struct vhu_msg msg;

    msg_init(&msg, VHOST_USER_SET_MEM_TABLE,
             8 + n * sizeof msg.payload.memory.regions[0]);
    msg.payload.memory.nregions = n;
    for (uint32_t i = 0; i < n_fds; i++) {
        msg.payload.memory.regions[i] = page_region(i);
        msg.fds[i] = dup(mem_fd);
    }
    msg.n_fds = n_fds;
    return send_msg(dev, &msg);
}

/* Sends ADD_MEM_REG or REM_MEM_REG for page 'i' of memory. */
static int64_t
send_mem_reg(struct vhu_dev *dev, uint32_t request, int i)
{
    struct vhu_msg msg;

    msg_init(&msg, request, sizeof msg.payload.mem_reg);
    msg.payload.mem_reg.region = page_region(i);
    msg.fds[0] = dup(mem_fd);
    msg.n_fds = 1;
    return send_msg(dev, &msg);
}

/* Checks that the device's table holds pages 'first' to 'first' + 'n' - 1
 * of memory, each where it belongs. */
static void
check_pages(const struct vhu_dev *dev, int first, int n)
{
    uint32_t hint = 0;

    CHECK(dev->mem.n_regions == n);
    for (int i = first; i < first + n; i++) {
        uint64_t size = 4096;
        uint8_t *p = vhu_mem_gpa_to_hva(&dev->mem, GPA + i * 4096, &size,
                                        &hint);

        mem[i * 4096] = i + 1;
        CHECK(p && size == 4096 && p[0] == i + 1);
    }
}

/* The memory slots a front-end is told of, VHU_MEM_MAX_REGIONS (32), are
 * what it gets: a table of 8 (as many as one SET_MEM_TABLE carries) and 24
 * ADD_MEM_REG are accepted, a 33rd region is refused, and a slot freed can
 * be used again. */
static void
test_mem_slots(void)
{
    struct observer obs = { .n_changed = 0 };
    struct vhu_dev dev;
    struct vhu_msg msg;

    vhu_dev_init(&dev, &obs_ops, &obs, 1);
    obs.dev = &dev;
    negotiate(&dev);
    msg_init(&msg, VHOST_USER_GET_MAX_MEM_SLOTS, 0);
    CHECK(send_msg(&dev, &msg) == VHU_MEM_MAX_REGIONS);
    CHECK(VHU_MEM_MAX_REGIONS == 32);

    CHECK(send_page_table(&dev, VHOST_USER_MAX_RAM_SLOTS) == 0);
    for (int i = VHOST_USER_MAX_RAM_SLOTS; i < 32; i++) {
        CHECK(send_mem_reg(&dev, VHOST_USER_ADD_MEM_REG, i) == 0);
    }
    check_pages(&dev, 0, 32);
    CHECK(!dev.n_failed && !obs.n_warnings);

    /* A 33rd, refused; the table is as it was. */
    CHECK(send_mem_reg(&dev, VHOST_USER_ADD_MEM_REG, 32) == 1);
    check_pages(&dev, 0, 32);
    CHECK(dev.n_failed == 1 && obs.n_warnings == 1);

    /* A slot freed takes it. */
    CHECK(send_mem_reg(&dev, VHOST_USER_REM_MEM_REG, 0) == 0);
    CHECK(send_mem_reg(&dev, VHOST_USER_ADD_MEM_REG, 32) == 0);
    check_pages(&dev, 1, 32);

    /* A table of more than one message carries, refused, changes nothing
     * either. */
    CHECK(send_page_table(&dev, VHOST_USER_MAX_RAM_SLOTS + 1) == 1);
    check_pages(&dev, 1, 32);
    CHECK(dev.n_failed == 2 && obs.n_warnings == 2);

    vhu_dev_disconnect(&dev);
    CHECK(!dev.mem.n_regions);
}

static void
test_vhost_user_dev_main(int argc OVS_UNUSED, char *argv[] OVS_UNUSED)
{
    mem_fd = memfd_create("test-vhost-user-dev", 0);
    CHECK(mem_fd >= 0 && !ftruncate(mem_fd, MEM_SIZE));
    mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mem_fd, 0);
    CHECK(mem != MAP_FAILED);

    test_life_cycle();
    test_bad_requests();
    test_legacy();
    test_dirty_log();
    test_mem_slots();
    printf("PASS\n");
}

OVSTEST_REGISTER("test-vhost-user-dev", test_vhost_user_dev_main);
