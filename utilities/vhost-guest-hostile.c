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

/* vhost-guest's hostile modes: a front-end and a guest that misbehave on
 * purpose, so that tests can check that a back-end survives them.  Each
 * command does one bad thing and otherwise leaves the driver as it was, so
 * that a test can go on to check that good traffic still flows:
 *
 *   truncate-memory BYTES   shrink the guest memory file under the back-end
 *                           (needs --unsealed-memory)
 *   rx-buffers MODE         post receive buffers that are read-only or hold
 *                           nothing from now on ("normal" to stop)
 *   tx-hostile KIND         post one malformed transmit chain, or move the
 *                           avail index out of range and back
 *   raw-bytes HEX           write bytes to the socket as they are
 *   block-calls             make the back-end's next interrupts block
 *
 * and vg_make_fd() makes descriptors of every kind for raw-request. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "unixctl.h"
#include "util.h"
#include "vhost-guest.h"
#include "vhost-user-msg.h"

VLOG_DEFINE_THIS_MODULE(vhost_guest_hostile);

/* Returns a new descriptor of 'kind' (eventfd, memfd, pipe, file or socket),
 * or -1.  A memfd is the guest memory itself. */
int
vg_make_fd(const struct vg_device *dev, const char *kind)
{
    int fds[2];
    int fd = -1;

    if (!strcmp(kind, "eventfd")) {
        fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    } else if (!strcmp(kind, "memfd")) {
        fd = dup(dev->mem_fd);
    } else if (!strcmp(kind, "pipe")) {
        if (!pipe(fds)) {
            close(fds[0]);
            fd = fds[1];
        }
    } else if (!strcmp(kind, "file")) {
        char name[] = "/tmp/vhost-guest.XXXXXX";

        fd = mkstemp(name);
        if (fd >= 0) {
            unlink(name);
            if (ftruncate(fd, dev->mem_size)) {
                close(fd);
                fd = -1;
            }
        }
    } else if (!strcmp(kind, "socket")) {
        if (!socketpair(AF_UNIX, SOCK_STREAM, 0, fds)) {
            close(fds[1]);
            fd = fds[0];
        }
    }
    return fd;
}

/* Decodes the first 'n' bytes of 'hex' into 'bytes'.  Returns false if
 * they are not all hex digits. */
bool
vg_parse_hex(const char *hex, uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool ok;

        bytes[i] = hexits_value(&hex[2 * i], 2, &ok);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* vhost-guest/truncate-memory BYTES: shrinks the guest memory file.  Our own
 * view of what was cut off becomes private zeros, so that this process
 * keeps running; the back-end's view faults. */
static void
vg_truncate_memory(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[], void *dev_)
{
    struct vg_device *dev = dev_;
    unsigned long long int size;

    if (!str_to_ullong(argv[1], 10, &size) || size >= dev->mem_size) {
        unixctl_command_reply_error(conn, "BYTES must be less than the "
                                    "guest memory size");
        return;
    }
    size = ROUND_UP(size, 4096);
    if (ftruncate(dev->mem_fd, size)) {
        unixctl_command_reply_error(conn, ovs_strerror(errno));
        return;
    }
    if (mmap(dev->mem_hva + size, dev->mem_size - size,
             PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
             -1, 0) == MAP_FAILED) {
        ovs_fatal(errno, "cannot replace truncated guest memory");
    }
    VLOG_INFO("guest memory truncated to %llu bytes", size);
    unixctl_command_reply(conn, NULL);
}

/* vhost-guest/rx-buffers normal|readonly|empty */
static void
vg_rx_buffers(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[], void *dev_)
{
    struct vg_device *dev = dev_;

    if (!strcmp(argv[1], "normal")) {
        dev->rx_buffers = VG_RX_NORMAL;
    } else if (!strcmp(argv[1], "readonly")) {
        dev->rx_buffers = VG_RX_READONLY;
    } else if (!strcmp(argv[1], "empty")) {
        dev->rx_buffers = VG_RX_EMPTY;
    } else {
        unixctl_command_reply_error(conn, "normal, readonly or empty");
        return;
    }
    unixctl_command_reply(conn, NULL);
}

/* Posts a two-descriptor chain (header, 100-byte frame) on transmit queue 0
 * and lets 'kind' spoil it before it is published.  Returns an error
 * message for an unknown kind or a full ring, otherwise NULL. */
static const char *
vg_post_bad_chain(struct vg_device *dev, const char *kind)
{
    static const char *const kinds[] = {
        "loop", "indirect-loop", "indirect-huge", "out-of-memory",
        "past-region-end", "writable", "huge-len", "next-out-of-range",
    };
    struct vg_queue *q = &dev->qps[0].tx;
    bool known = false;

    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        known |= !strcmp(kind, kinds[i]);
    }
    if (!known) {
        return "unknown kind";
    }
    vg_tx_reclaim(q);
    if (q->ring.num_free < 2) {
        return "transmit ring full";
    }

    uint16_t head = q->ring.free_head;
    uint64_t slot = q->bufs_gpa + (uint64_t) head * q->slot_size;
    struct vring_desc *table = (struct vring_desc *)
        (q->tables_hva + (size_t) head * VG_MAX_SEGS * sizeof *table);
    uint64_t table_gpa = vg_gpa_of(dev, table);
    struct vdrv_seg segs[2] = {
        { slot, dev->hdr_size, false },
        { slot + dev->hdr_size, 100, false },
    };

    vdrv_add(&q->ring, segs, 2, NULL, 0);

    struct vring_desc *d = &q->ring.desc[head];
    struct vring_desc *second = &q->ring.desc[d->next];
    if (!strcmp(kind, "loop")) {
        /* The last descriptor leads back to the first. */
        second->flags |= VRING_DESC_F_NEXT;
        second->next = head;
    } else if (!strcmp(kind, "indirect-loop")) {
        table[0] = (struct vring_desc) { slot, 100, VRING_DESC_F_NEXT, 1 };
        table[1] = (struct vring_desc) { slot, 100, VRING_DESC_F_NEXT, 0 };
        *d = (struct vring_desc) { table_gpa, 2 * sizeof *table,
                                   VRING_DESC_F_INDIRECT, 0 };
    } else if (!strcmp(kind, "indirect-huge")) {
        /* A table with more entries than the ring. */
        *d = (struct vring_desc) { table_gpa,
                                   (q->ring.num + 1) * sizeof *table,
                                   VRING_DESC_F_INDIRECT, 0 };
    } else if (!strcmp(kind, "out-of-memory")) {
        second->addr = VG_GPA_BASE + dev->mem_size + 4096;
    } else if (!strcmp(kind, "past-region-end")) {
        second->addr = VG_GPA_BASE + dev->mem_size - 50;
    } else if (!strcmp(kind, "writable")) {
        second->flags |= VRING_DESC_F_WRITE;
    } else if (!strcmp(kind, "huge-len")) {
        second->len = UINT32_MAX;
    } else if (!strcmp(kind, "next-out-of-range")) {
        d->next = q->ring.num + 7;
    }
    vg_kick(q);
    return NULL;
}

/* vhost-guest/tx-hostile KIND: one malformed chain on transmit queue 0 (see
 * vg_post_bad_chain()), or "avail-jump" (the avail index far beyond what
 * the ring holds) and "avail-restore" (back to where it was). */
static void
vg_tx_hostile(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[], void *dev_)
{
    struct vg_device *dev = dev_;
    struct vg_queue *q = &dev->qps[0].tx;
    const char *error = NULL;

    if (dev->conn_fd < 0 || !dev->started) {
        unixctl_command_reply_error(conn, "rings not running");
        return;
    }
    if (!strcmp(argv[1], "avail-jump")) {
        __atomic_store_n(&q->ring.avail->idx,
                         (uint16_t) (q->ring.avail_idx + q->ring.num + 5),
                         __ATOMIC_RELEASE);
    } else if (!strcmp(argv[1], "avail-restore")) {
        __atomic_store_n(&q->ring.avail->idx, q->ring.avail_idx,
                         __ATOMIC_RELEASE);
    } else {
        error = vg_post_bad_chain(dev, argv[1]);
    }
    if (error) {
        unixctl_command_reply_error(conn, error);
    } else {
        unixctl_command_reply(conn, NULL);
    }
}

/* vhost-guest/raw-bytes HEX [N-REPLIES]: writes HEX, decoded, to the socket
 * in one write; then, with N-REPLIES, reads that many replies and says how
 * many came.  A header that promises more than follows leaves the back-end
 * waiting for the rest. */
static void
vg_raw_bytes(struct unixctl_conn *conn, int argc, const char *argv[],
             void *dev_)
{
    struct vg_device *dev = dev_;
    size_t len = strlen(argv[1]) / 2;
    uint8_t *bytes = xmalloc(len + 1);
    unsigned int n_replies = 0;

    if (!vg_parse_hex(argv[1], bytes, len)
        || (argc > 2 && !str_to_uint(argv[2], 10, &n_replies))) {
        unixctl_command_reply_error(conn, "bad arguments");
    } else if (dev->conn_fd < 0) {
        unixctl_command_reply_error(conn, "back-end not connected");
    } else if (write(dev->conn_fd, bytes, len) != len) {
        unixctl_command_reply_error(conn, ovs_strerror(errno));
    } else {
        unsigned int n = 0;
        struct vhu_msg reply;

        while (n < n_replies && !vg_recv_reply(dev, &reply)) {
            vhu_msg_close_fds(&reply);
            n++;
        }
        char *s = argc > 2 ? xasprintf("%u replies", n) : NULL;
        unixctl_command_reply(conn, s);
        free(s);
    }
    free(bytes);
}

/* vhost-guest/block-calls: the call eventfds of our receive queues, which
 * the back-end shares, lose O_NONBLOCK and get a saturated counter, and we
 * stop reading them, so that the back-end's next write to one blocks. */
static void
vg_block_calls(struct unixctl_conn *conn, int argc OVS_UNUSED,
               const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;

    dev->calls_blocked = true;
    for (unsigned int i = 0; i < dev->cfg->n_qp; i++) {
        int fd = dev->qps[i].rx.call_fd;
        uint64_t value;

        /* Empty first, while a read cannot block us: a write that would
         * overflow the counter would block us too. */
        if (read(fd, &value, sizeof value) < 0) {
            /* Empty already. */
        }
        value = UINT64_MAX - 1;
        if (write(fd, &value, sizeof value) != sizeof value
            || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
            unixctl_command_reply_error(conn, ovs_strerror(errno));
            return;
        }
    }
    unixctl_command_reply(conn, NULL);
}

/* vhost-guest/kick-hostile blocking|readable: the kick eventfds of every
 * queue, which the back-end shares, lose O_NONBLOCK; "blocking" leaves
 * them empty, so that a back-end reading them the blocking way stalls;
 * "readable" has the main loop write to them every millisecond from now on
 * (vg_hostile_run()), so that a back-end waiting for them wakes up all
 * the time. */
static void
vg_kick_hostile(struct unixctl_conn *conn, int argc OVS_UNUSED,
                const char *argv[], void *dev_)
{
    struct vg_device *dev = dev_;
    bool readable = !strcmp(argv[1], "readable");

    if (!readable && strcmp(argv[1], "blocking")) {
        unixctl_command_reply_error(conn, "blocking or readable");
        return;
    }

    for (unsigned int i = 0; i < 2 * dev->cfg->n_qp; i++) {
        struct vg_queue_pair *qp = &dev->qps[i / 2];
        int fd = (i % 2 ? &qp->tx : &qp->rx)->kick_fd;

        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
            unixctl_command_reply_error(conn, ovs_strerror(errno));
            return;
        }
    }
    dev->kicks_readable = readable;
    if (readable) {
        /* This round's vg_hostile_run() is over: it must not sleep. */
        poll_immediate_wake();
    }
    unixctl_command_reply(conn, NULL);
}

/* The hostile guest's share of each round of the main loop. */
void
vg_hostile_run(struct vg_device *dev)
{
    if (dev->kicks_readable) {
        for (unsigned int i = 0; i < 2 * dev->cfg->n_qp; i++) {
            struct vg_queue_pair *qp = &dev->qps[i / 2];
            uint64_t one = 1;

            /* Far from saturating the counter: this write cannot block. */
            ignore(write((i % 2 ? &qp->tx : &qp->rx)->kick_fd, &one,
                         sizeof one));
        }
        poll_timer_wait(1);
    }
}

void
vg_hostile_register(struct vg_device *dev)
{
    unixctl_command_register("vhost-guest/truncate-memory", "BYTES", 1, 1,
                             vg_truncate_memory, dev);
    unixctl_command_register("vhost-guest/rx-buffers",
                             "normal|readonly|empty", 1, 1, vg_rx_buffers,
                             dev);
    unixctl_command_register("vhost-guest/tx-hostile", "KIND", 1, 1,
                             vg_tx_hostile, dev);
    unixctl_command_register("vhost-guest/raw-bytes", "HEX [N-REPLIES]", 1,
                             2, vg_raw_bytes, dev);
    unixctl_command_register("vhost-guest/block-calls", "", 0, 0,
                             vg_block_calls, dev);
    unixctl_command_register("vhost-guest/kick-hostile",
                             "blocking|readable", 1, 1, vg_kick_hostile,
                             dev);
}
