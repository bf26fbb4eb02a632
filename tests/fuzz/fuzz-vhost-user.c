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

/* Fuzz target for lib/: arbitrary message sequences and arbitrary guest
 * memory against the vhost-user back-end and its split rings.
 *
 * The input is a program of records.  Each starts with an opcode byte:
 *   0  a message: request, flags, payload length (up to 64), payload; a
 *      descriptor is attached according to the flags' top bits: an
 *      eventfd (non-blocking or not), a pipe, a socket, guest memory's
 *      memfd or a regular file;
 *   1  a write to guest memory: 16-bit offset, length, bytes;
 *   2  a helper that sets up ring N properly at an offset, so that the
 *      datapath is reached often: ring, 16-bit offset, size exponent;
 *   3  the datapath: a dequeue burst from ring N, or an enqueue burst of
 *      packets of the given size into it.
 * Guest memory is set up at the start: a small region that the records
 * write, and a sparse one of realistic size (256 MiB) that descriptors can
 * point into.  Build with
 * "make fuzz" (clang, libFuzzer and ASan); tests/fuzz/fuzz-replay, built
 * with ASan and UBSan, runs saved inputs in the test suite. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1           /* memfd_create() */
#endif

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vhost-user-dev.h"
#include "vhost-user-msg.h"
#include "vhost-user-proto.h"
#include "virtio-defs.h"
#include "virtq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MEM_SIZE 65536
#define FUZZ_GPA 0x10000
#define FUZZ_BIG_SIZE (256 * 1024 * 1024)
#define FUZZ_BIG_GPA 0x100000000ULL

/* The rings the datapath may use, as a switch's datapath threads see them:
 * what the device last published through changed().  The datapath records
 * use these, not the rings' own 'live' flags, so that a ring the device
 * changed without taking it out of the view first would be caught using
 * stale state (unmapped memory, say). */
static uint32_t fuzz_view;

static void
fuzz_changed(void *dev_)
{
    const struct vhu_dev *dev = dev_;

    fuzz_view = 0;
    for (int i = 0; i < VHU_MAX_VRINGS; i++) {
        if (dev->vrings[i].live) {
            fuzz_view |= 1u << i;
        }
    }
}

/* The datapath runs on this thread, between messages, so once changed()
 * returned no datapath call can still hold the previous view. */
static void
fuzz_synchronize(void *dev_)
{
    (void) dev_;
}

static void
fuzz_log(void *aux, enum vhu_log_level level, int error, const char *msg)
{
    (void) aux;
    (void) level;
    (void) error;
    (void) msg;
}

static const struct vhu_dev_ops fuzz_ops = {
    .changed = fuzz_changed,
    .synchronize = fuzz_synchronize,
    .log = fuzz_log,
};

/* Reads 'n' bytes of input, or fails. */
struct input {
    const uint8_t *p;
    size_t left;
};

static int
take(struct input *in, void *dst, size_t n)
{
    if (in->left < n) {
        return 0;
    }
    memcpy(dst, in->p, n);
    in->p += n;
    in->left -= n;
    return 1;
}

static void
send_msg(struct vhu_dev *dev, struct vhu_msg *msg)
{
    struct vhu_msg reply;

    vhu_dev_handle_msg(dev, msg, &reply);
    vhu_msg_close_fds(msg);
}

static void
send_simple(struct vhu_dev *dev, uint32_t request, const void *payload,
            uint32_t size, int fd)
{
    struct vhu_msg msg;

    memset(&msg.hdr, 0, sizeof msg.hdr);
    msg.hdr.request = request;
    msg.hdr.flags = VHOST_USER_VERSION;
    msg.hdr.size = size;
    memcpy(msg.payload.bytes, payload, size);
    msg.n_fds = 0;
    if (fd >= 0) {
        msg.fds[0] = fd;
        msg.n_fds = 1;
    }
    send_msg(dev, &msg);
}

/* A descriptor of the kind that the flags of a message record ask for.
 * Bit 0x40: memory (the guest memory's memfd, or with 0x10 a regular file);
 * otherwise bits 0x30: a non-blocking eventfd, a blocking one, a pipe or a
 * socket. */
static int
fuzz_make_fd(uint8_t flags, int mem_fd)
{
    int fds[2];

    if (flags & 0x40) {
        static int file_fd = -1;

        if (!(flags & 0x10)) {
            return dup(mem_fd);
        }
        if (file_fd < 0) {
            char name[] = "/tmp/fuzz-vhost-user.XXXXXX";

            file_fd = mkstemp(name);
            if (file_fd < 0 || ftruncate(file_fd, FUZZ_MEM_SIZE)) {
                __builtin_trap();
            }
            unlink(name);
        }
        return dup(file_fd);
    }
    switch ((flags >> 4) & 3) {
    case 0:
        return eventfd(0, EFD_NONBLOCK);
    case 1:
        return eventfd(0, 0);
    case 2:
        if (pipe(fds)) {
            __builtin_trap();
        }
        close(fds[0]);
        return fds[1];
    default:
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds)) {
            __builtin_trap();
        }
        close(fds[1]);
        return fds[0];
    }
}

/* The switch's side of a dequeue, for packets the small buffer it offers
 * does not hold: a buffer as large as a packet can be. */
static bool
fuzz_alloc(void *aux, struct vhu_buf *buf, uint32_t size)
{
    static uint8_t buffer[VHU_VIRTQ_MAX_PKT_SIZE];

    (void) aux;
    if (size > sizeof buffer) {
        __builtin_trap();
    }
    buf->data = buffer;
    buf->capacity = sizeof buffer;
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int mem_fd = -1, big_fd = -1;
    static uint8_t *mem, *big;
    struct input in = { data, size };
    struct vhu_dev dev;
    uint8_t op;

    if (mem_fd < 0) {
        mem_fd = memfd_create("fuzz", 0);
        if (mem_fd < 0 || ftruncate(mem_fd, FUZZ_MEM_SIZE)) {
            __builtin_trap();
        }
        mem = mmap(NULL, FUZZ_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                   mem_fd, 0);
        if (mem == MAP_FAILED) {
            __builtin_trap();
        }
        big_fd = memfd_create("fuzz-big", 0);
        if (big_fd < 0 || ftruncate(big_fd, FUZZ_BIG_SIZE)) {
            __builtin_trap();
        }
        big = mmap(NULL, FUZZ_BIG_SIZE, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_NORESERVE, big_fd, 0);
        if (big == MAP_FAILED) {
            __builtin_trap();
        }
    }
    memset(mem, 0, FUZZ_MEM_SIZE);

    vhu_dev_init(&dev, &fuzz_ops, &dev, 2);
    /* Not logging: with no log, rings would not start.  The input may
     * still turn it on. */
    uint64_t features = dev.offered_features & ~(1ULL << VHOST_F_LOG_ALL);
    send_simple(&dev, VHOST_USER_SET_FEATURES, &features, 8, -1);
    struct vhost_user_memory table = {
        .nregions = 2,
        .regions = {
            {
                .guest_phys_addr = FUZZ_GPA,
                .memory_size = FUZZ_MEM_SIZE,
                .userspace_addr = (uintptr_t) mem,
            }, {
                .guest_phys_addr = FUZZ_BIG_GPA,
                .memory_size = FUZZ_BIG_SIZE,
                .userspace_addr = (uintptr_t) big,
            },
        },
    };
    struct vhu_msg table_msg;

    memset(&table_msg.hdr, 0, sizeof table_msg.hdr);
    table_msg.hdr.request = VHOST_USER_SET_MEM_TABLE;
    table_msg.hdr.flags = VHOST_USER_VERSION;
    table_msg.hdr.size = 8 + 2 * 32;
    memcpy(table_msg.payload.bytes, &table, table_msg.hdr.size);
    table_msg.fds[0] = dup(mem_fd);
    table_msg.fds[1] = dup(big_fd);
    table_msg.n_fds = 2;
    send_msg(&dev, &table_msg);

    while (take(&in, &op, 1)) {
        switch (op % 4) {
        case 0: {
            uint8_t hdr[3];
            struct vhu_msg msg;

            if (!take(&in, hdr, 3)) {
                goto out;
            }
            memset(&msg.hdr, 0, sizeof msg.hdr);
            msg.hdr.request = hdr[0];
            msg.hdr.flags = VHOST_USER_VERSION | (hdr[1] & 0x0c);
            msg.hdr.size = hdr[2] % 65;
            memset(msg.payload.bytes, 0, 64);
            if (!take(&in, msg.payload.bytes, msg.hdr.size)) {
                goto out;
            }
            msg.n_fds = 0;
            if (hdr[1] & 0x80) {
                msg.fds[msg.n_fds++] = fuzz_make_fd(hdr[1], mem_fd);
            }
            send_msg(&dev, &msg);
            break;
        }
        case 1: {
            uint16_t offset;
            uint8_t len;

            if (!take(&in, &offset, 2) || !take(&in, &len, 1)
                || in.left < len) {
                goto out;
            }
            memcpy(mem + offset % (FUZZ_MEM_SIZE - 256), in.p, len);
            in.p += len;
            in.left -= len;
            break;
        }
        case 2: {
            uint8_t args[4];

            if (!take(&in, args, 4)) {
                goto out;
            }
            uint32_t ring = args[0] % 4;
            uint32_t offset = ((args[1] | args[2] << 8) & ~63u)
                              % (FUZZ_MEM_SIZE / 2);
            uint32_t num = 1u << (args[3] % 9);
            struct vhost_vring_state st = { ring, num };
            struct vhost_vring_addr addr = {
                .index = ring,
                .desc_user_addr = (uintptr_t) mem + offset,
                .avail_user_addr = (uintptr_t) mem + offset + 16 * num,
                .used_user_addr = (uintptr_t) mem + offset + 20 * num + 64,
            };
            uint64_t u64 = ring;

            send_simple(&dev, VHOST_USER_SET_VRING_NUM, &st, 8, -1);
            st.num = 0;
            send_simple(&dev, VHOST_USER_SET_VRING_BASE, &st, 8, -1);
            send_simple(&dev, VHOST_USER_SET_VRING_ADDR, &addr, sizeof addr,
                        -1);
            send_simple(&dev, VHOST_USER_SET_VRING_CALL, &u64, 8,
                        eventfd(0, EFD_NONBLOCK));
            send_simple(&dev, VHOST_USER_SET_VRING_KICK, &u64, 8,
                        eventfd(0, EFD_NONBLOCK));
            st.num = 1;
            send_simple(&dev, VHOST_USER_SET_VRING_ENABLE, &st, 8, -1);
            break;
        }
        case 3: {
            uint8_t args[2];

            if (!take(&in, args, 2)) {
                goto out;
            }
            struct vhu_vring *vr = &dev.vrings[args[0] % 4];

            if (!(fuzz_view & (1u << (args[0] % 4)))) {
                break;
            }
            if (args[0] % 2) {
                /* A small buffer, so that both the fast path and the
                 * allocation callback run. */
                static uint8_t small[2048];
                struct vhu_buf bufs[2] = {
                    { .data = small, .capacity = args[1] * 8 },
                    { .data = NULL },
                };

                vhu_virtq_dequeue_burst(&vr->vq, bufs, 2, fuzz_alloc, NULL,
                                        NULL);
            } else {
                static uint8_t frame[9000];
                struct vhu_pkt pkts[4];

                for (int i = 0; i < 4; i++) {
                    pkts[i].data = frame;
                    pkts[i].size = (args[1] * 37 + i * 1000) % sizeof frame;
                }
                vhu_virtq_enqueue_burst(&vr->vq, pkts, 4);
            }
            break;
        }
        }
    }
out:
    vhu_dev_disconnect(&dev);
    return 0;
}
