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

/* vhost-guest as a migration checker: it plays QEMU's part in a live
 * migration (a dirty log of its own, logging on and off) and checks that
 * the back-end marked every page it wrote.
 *
 * The check is exact, not sampled: log-start takes a copy of guest memory
 * once logging is on, and log-check compares every byte of what only the
 * back-end writes (receive buffers and used rings) with that copy.  A page
 * that changed must be marked.  Run it once traffic has stopped: the
 * back-end marks a page after writing it.
 *
 * The driver writes into receive buffers too, once it took their frames:
 * it poisons them (vhost-guest-frames.h).  Before it does, vg_migrate_fill()
 * checks those bytes against the copy then and there (the back-end marked
 * them before it returned the buffers), remembers what it found for
 * log-check, and writes the poison into the copy as well. */

#define _GNU_SOURCE 1           /* memfd_create() */

#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bitmap.h"
#include "openvswitch/dynamic-string.h"
#include "unixctl.h"
#include "util.h"
#include "vhost-guest.h"
#include "vhost-user-msg.h"
#include "vhost-user-proto.h"
#include "virtio-defs.h"

#define VG_LOG_PAGE 4096

/* A device's migration log. */
struct vg_migration {
    int fd;                     /* memfd of the log, or -1. */
    uint8_t *bits;
    size_t size;
    uint8_t *snapshot;          /* Guest memory when logging began. */

    /* Pages of guest memory that vg_migrate_fill() found changed, and
     * changed but not marked, a bit each. */
    unsigned long *changed;
    unsigned long *unmarked;
};

static bool
page_marked(const struct vg_migration *mig, uint64_t gpa)
{
    uint64_t page = gpa / VG_LOG_PAGE;

    return page / 8 < mig->size && mig->bits[page / 8] & (1u << (page % 8));
}

static size_t
count_marked(const struct vg_migration *mig)
{
    size_t n = 0;

    for (size_t i = 0; i < mig->size; i++) {
        n += __builtin_popcount(mig->bits[i]);
    }
    return n;
}

/* Clears the log and copies guest memory: what log-check compares with. */
static void
restart_log(const struct vg_device *dev)
{
    struct vg_migration *mig = dev->migration;
    size_t n_pages = DIV_ROUND_UP(dev->mem_size, VG_LOG_PAGE);

    memset(mig->bits, 0, mig->size);
    free(mig->snapshot);
    mig->snapshot = xmemdup(dev->mem_hva, dev->mem_size);
    bitmap_free(mig->changed);
    bitmap_free(mig->unmarked);
    mig->changed = bitmap_allocate(n_pages);
    mig->unmarked = bitmap_allocate(n_pages);
}

/* Compares 'len' bytes at guest memory offset 'ofs' with the snapshot, page
 * by page, and calls 'found(mig, gpa, marked, aux)' for each page that
 * changed. */
static void
compare_area(const struct vg_device *dev, size_t ofs, size_t len,
             void (*found)(struct vg_migration *, uint64_t gpa, void *aux),
             void *aux)
{
    struct vg_migration *mig = dev->migration;
    size_t end = ofs + len;

    while (ofs < end) {
        uint64_t gpa = VG_GPA_BASE + ofs;
        size_t n = MIN(end - ofs, VG_LOG_PAGE - gpa % VG_LOG_PAGE);

        if (memcmp(dev->mem_hva + ofs, mig->snapshot + ofs, n)) {
            found(mig, gpa, aux);
        }
        ofs += n;
    }
}

static void
remember_change(struct vg_migration *mig, uint64_t gpa, void *aux OVS_UNUSED)
{
    size_t page = (gpa - VG_GPA_BASE) / VG_LOG_PAGE;

    bitmap_set1(mig->changed, page);
    if (!page_marked(mig, gpa)) {
        bitmap_set1(mig->unmarked, page);
    }
}

/* Fills 'len' bytes of guest memory at 'hva' with 'byte', for the driver.
 * While logging, what the back-end wrote there is checked first. */
void
vg_migrate_fill(struct vg_device *dev, uint8_t *hva, uint8_t byte,
                size_t len)
{
    struct vg_migration *mig = dev->migration;

    if (mig->snapshot) {
        size_t ofs = hva - dev->mem_hva;

        compare_area(dev, ofs, len, remember_change, NULL);
        memset(mig->snapshot + ofs, byte, len);
    }
    memset(hva, byte, len);
}

/* Sends SET_VRING_ADDR for queue 'q' as setup_queue() does, with its used
 * ring logged if 'log'. */
static int
set_vring_addr(struct vg_device *dev, struct vg_queue *q, bool log)
{
    struct vhu_msg msg;

    vhu_msg_init(&msg, VHOST_USER_SET_VRING_ADDR, sizeof msg.payload.addr);
    memset(&msg.payload.addr, 0, sizeof msg.payload.addr);
    msg.payload.addr.index = q->index;
    msg.payload.addr.desc_user_addr = (uintptr_t) q->ring.desc;
    msg.payload.addr.avail_user_addr = (uintptr_t) q->ring.avail;
    msg.payload.addr.used_user_addr = (uintptr_t) q->ring.used;
    if (log) {
        msg.payload.addr.flags = 1u << VHOST_VRING_F_LOG;
        msg.payload.addr.log_guest_addr = vg_gpa_of(dev, q->ring.used);
    }
    return vg_request(dev, &msg, false, NULL);
}

static int
set_features(struct vg_device *dev, uint64_t features)
{
    struct vhu_msg msg;

    vhu_msg_init(&msg, VHOST_USER_SET_FEATURES, sizeof msg.payload.u64);
    msg.payload.u64 = features;
    return vg_request(dev, &msg, false, NULL);
}

/* Maps a log that covers guest memory and hands it to the back-end. */
static int
send_log_base(struct vg_device *dev)
{
    struct vhu_msg msg, reply;
    size_t pages = (VG_GPA_BASE + dev->mem_size) / VG_LOG_PAGE;
    size_t size = ROUND_UP(DIV_ROUND_UP(pages, 8), VG_LOG_PAGE);
    struct vg_migration *mig = dev->migration;
    int error;

    if (mig->fd < 0) {
        mig->fd = memfd_create("vhost-guest-log", MFD_CLOEXEC);
        if (mig->fd < 0 || ftruncate(mig->fd, size)) {
            return errno;
        }
        mig->bits = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
                        mig->fd, 0);
        if (mig->bits == MAP_FAILED) {
            mig->bits = NULL;
            return errno;
        }
        mig->size = size;
    }
    vhu_msg_init(&msg, VHOST_USER_SET_LOG_BASE, sizeof msg.payload.log);
    msg.payload.log.mmap_size = mig->size;
    msg.payload.log.mmap_offset = 0;
    msg.fds[0] = mig->fd;
    msg.n_fds = 1;
    /* QEMU waits for an empty reply. */
    error = vg_request(dev, &msg, true, &reply);
    if (!error && reply.hdr.size) {
        error = EPROTO;
    }
    return error;
}

/* vhost-guest/log-start: as QEMU starting a migration: SET_LOG_BASE, every
 * ring's used ring logged (SET_VRING_ADDR), VHOST_F_LOG_ALL. */
static void
vg_log_start(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;
    int error = 0;

    if (dev->conn_fd < 0 || !dev->started) {
        unixctl_command_reply_error(conn, "back-end not connected");
        return;
    }
    if (!(dev->protocol_features & BIT(VHOST_USER_PROTOCOL_F_LOG_SHMFD))
        || !(dev->backend_features & BIT(VHOST_F_LOG_ALL))) {
        unixctl_command_reply_error(conn, "back-end cannot log");
        return;
    }
    error = send_log_base(dev);
    for (unsigned int qp = 0; !error && qp < dev->cfg->n_qp; qp++) {
        error = set_vring_addr(dev, &dev->qps[qp].rx, true);
        if (!error) {
            error = set_vring_addr(dev, &dev->qps[qp].tx, true);
        }
    }
    if (!error) {
        error = set_features(dev, dev->features | BIT(VHOST_F_LOG_ALL));
    }
    if (error) {
        unixctl_command_reply_error(conn, ovs_retval_to_string(error));
        return;
    }
    /* Everything the back-end writes from now on is marked. */
    restart_log(dev);

    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "logging on: %"PRIuSIZE" bytes of log",
                  dev->migration->size);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* vhost-guest/log-stop: VHOST_F_LOG_ALL off again, as at the end of a
 * migration; the log stays mapped. */
static void
vg_log_stop(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;
    int error;

    if (dev->conn_fd < 0) {
        unixctl_command_reply_error(conn, "back-end not connected");
        return;
    }
    error = set_features(dev, dev->features);
    if (error) {
        unixctl_command_reply_error(conn, ovs_retval_to_string(error));
        return;
    }
    unixctl_command_reply(conn, "logging off");
}

/* vhost-guest/log-check: every page of receive buffers and used rings that
 * changed since log-start must be marked. */
static void
vg_log_check(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;
    struct vg_migration *mig = dev->migration;
    uint32_t ring_size = dev->cfg->ring_size;
    size_t n_pages = DIV_ROUND_UP(dev->mem_size, VG_LOG_PAGE);

    if (!mig->snapshot) {
        unixctl_command_reply_error(conn, "no log-start yet");
        return;
    }
    for (unsigned int qp = 0; qp < dev->cfg->n_qp; qp++) {
        const struct vg_queue *qs[2] = { &dev->qps[qp].rx, &dev->qps[qp].tx };

        compare_area(dev, dev->qps[qp].rx.bufs_hva - dev->mem_hva,
                     ring_size * dev->qps[qp].rx.slot_size,
                     remember_change, NULL);
        for (int i = 0; i < 2; i++) {
            compare_area(dev, (uint8_t *) qs[i]->ring.used - dev->mem_hva,
                         vring_used_size(ring_size), remember_change, NULL);
        }
    }

    size_t changed = bitmap_count1(mig->changed, n_pages);
    size_t unmarked = bitmap_count1(mig->unmarked, n_pages);
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "%"PRIuSIZE" pages changed, %"PRIuSIZE" not marked, "
                  "%"PRIuSIZE" marked in all", changed, unmarked,
                  count_marked(mig));
    if (unmarked) {
        size_t first = bitmap_scan(mig->unmarked, true, 0, n_pages);

        ds_put_format(&s, " (first unmarked: page at %#"PRIx64")",
                      (uint64_t) (VG_GPA_BASE + first * VG_LOG_PAGE));
        unixctl_command_reply_error(conn, ds_cstr(&s));
    } else {
        unixctl_command_reply(conn, ds_cstr(&s));
    }
    ds_destroy(&s);
}

/* vhost-guest/log-clear: clears the log and takes a new snapshot, as QEMU
 * does after each round of copying. */
static void
vg_log_clear(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;

    if (!dev->migration->bits) {
        unixctl_command_reply_error(conn, "no log-start yet");
        return;
    }
    restart_log(dev);
    unixctl_command_reply(conn, NULL);
}

/* vhost-guest/log-count: how many pages the log has marked. */
static void
vg_log_count(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *dev_)
{
    const struct vg_device *dev = dev_;
    const struct vg_migration *mig = dev->migration;
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "%"PRIuSIZE, mig->bits ? count_marked(mig) : 0);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* vhost-guest/log-truncate: shrinks the log's file to nothing under the
 * back-end, as a hostile front-end could: its next mark faults. */
static void
vg_log_truncate(struct unixctl_conn *conn, int argc OVS_UNUSED,
                const char *argv[] OVS_UNUSED, void *dev_)
{
    struct vg_device *dev = dev_;
    struct vg_migration *mig = dev->migration;

    if (mig->fd < 0) {
        unixctl_command_reply_error(conn, "no log-start yet");
        return;
    }
    /* Our own view of it goes too. */
    munmap(mig->bits, mig->size);
    if (ftruncate(mig->fd, 0)) {
        unixctl_command_reply_error(conn, ovs_strerror(errno));
        return;
    }
    close(mig->fd);
    mig->fd = -1;
    mig->bits = NULL;
    mig->size = 0;
    free(mig->snapshot);
    mig->snapshot = NULL;
    unixctl_command_reply(conn, NULL);
}

void
vg_migrate_register(struct vg_device *dev)
{
    dev->migration = xzalloc(sizeof *dev->migration);
    dev->migration->fd = -1;

    unixctl_command_register("vhost-guest/log-start", "", 0, 0,
                             vg_log_start, dev);
    unixctl_command_register("vhost-guest/log-stop", "", 0, 0,
                             vg_log_stop, dev);
    unixctl_command_register("vhost-guest/log-check", "", 0, 0,
                             vg_log_check, dev);
    unixctl_command_register("vhost-guest/log-clear", "", 0, 0,
                             vg_log_clear, dev);
    unixctl_command_register("vhost-guest/log-count", "", 0, 0,
                             vg_log_count, dev);
    unixctl_command_register("vhost-guest/log-truncate", "", 0, 0,
                             vg_log_truncate, dev);
}
