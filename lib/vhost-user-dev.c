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

/* vhost-user back-end state machine.  See vhost-user-dev.h. */

#include "vhost-user-dev.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vhost-user-msg.h"
#include "vhost-user-proto.h"
#include "virtio-defs.h"

#define BIT(N) (1ULL << (N))
#define VHU_UNUSED __attribute__((__unused__))

/* What we offer.  Offloads and packed rings come later.  GUEST_ANNOUNCE
 * costs us nothing: the front-end's control queue carries it, and with it
 * QEMU has the migrated guest announce all of its addresses itself rather
 * than ask us for SEND_RARP, which knows only one MAC. */
static const uint64_t vhu_offered_features =
    BIT(VIRTIO_F_VERSION_1)
    | BIT(VIRTIO_F_ANY_LAYOUT)
    | BIT(VIRTIO_NET_F_MRG_RXBUF)
    | BIT(VIRTIO_RING_F_INDIRECT_DESC)
    | BIT(VIRTIO_RING_F_EVENT_IDX)
    | BIT(VIRTIO_NET_F_MQ)
    | BIT(VIRTIO_NET_F_MTU)
    | BIT(VIRTIO_NET_F_GUEST_ANNOUNCE)
    | BIT(VHOST_F_LOG_ALL)
    | BIT(VHOST_USER_F_PROTOCOL_FEATURES);

static const uint64_t vhu_offered_protocol_features =
    BIT(VHOST_USER_PROTOCOL_F_MQ)
    | BIT(VHOST_USER_PROTOCOL_F_LOG_SHMFD)
    | BIT(VHOST_USER_PROTOCOL_F_RARP)
    | BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK)
    | BIT(VHOST_USER_PROTOCOL_F_NET_MTU)
    | BIT(VHOST_USER_PROTOCOL_F_RESET_DEVICE)
    | BIT(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS)
    | BIT(VHOST_USER_PROTOCOL_F_STATUS);

/* What a request handler reports. */
enum vhu_result {
    VHU_OK,                     /* Done; acknowledge if asked to. */
    VHU_REPLY,                  /* Done; the reply is filled in. */
    VHU_FAIL,                   /* Refused; the connection goes on. */
    VHU_FATAL,                  /* The connection must be dropped. */
};

static void vhu_dev_log(struct vhu_dev *, enum vhu_log_level, int error,
                        const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Ring state. */

/* Forgets everything about 'vr' but its ring counters, which other threads
 * may be reading. */
static void
vhu_vring_clear(struct vhu_vring *vr)
{
    vhu_virtq_reset(&vr->vq);
    memset((char *) vr + sizeof vr->vq, 0, sizeof *vr - sizeof vr->vq);
    vr->kick_fd = -1;
    vr->call_fd = -1;
}

static void
vhu_close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Forgets everything about 'vr' but its counters.  It must not be live. */
static void
vhu_vring_reset(struct vhu_vring *vr)
{
    vhu_close_fd(&vr->kick_fd);
    vhu_close_fd(&vr->call_fd);
    vhu_vring_clear(vr);
}

/* Stores in '*gpa' the guest-physical address of ring 'vr''s used ring, for
 * the dirty log.  Returns false if it is unknown. */
static bool
vhu_vring_log_gpa(const struct vhu_dev *dev, const struct vhu_vring *vr,
                  uint64_t *gpa)
{
    /* QEMU acks VHOST_F_LOG_ALL before it gives the rings' log addresses
     * (SET_VRING_ADDR with VHOST_VRING_F_LOG).  Meanwhile the memory table
     * tells where the used ring is, so the rings need not stop. */
    if (vr->log_addr_set) {
        *gpa = vr->log_gpa;
        return true;
    }
    return vhu_mem_uva_to_gpa(&dev->mem, vr->used_uva,
                              vring_used_size(vr->num), gpa);
}

/* Whether ring 'vr' can mark its writes in the dirty log, which it must
 * while the front-end migrates. */
static bool
vhu_vring_can_log(const struct vhu_dev *dev, const struct vhu_vring *vr)
{
    uint64_t gpa;

    return dev->log.bits && vhu_vring_log_gpa(dev, vr, &gpa);
}

static bool
vhu_vring_should_be_live(const struct vhu_dev *dev,
                         const struct vhu_vring *vr)
{
    return (vr->started && vr->enabled && vr->num && vr->addr_set
            && dev->features_acked
            && (!vhu_dev_logging(dev) || vhu_vring_can_log(dev, vr)));
}

/* Takes the rings in 'mask' (bit N for ring N) out of the datapath's hands
 * and waits until no datapath thread uses them. */
static void
vhu_dev_pause(struct vhu_dev *dev, uint32_t mask)
{
    bool paused = false;

    for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
        struct vhu_vring *vr = &dev->vrings[i];

        if (mask & (1u << i) && vr->live) {
            vr->live = false;
            paused = true;
        }
    }
    if (paused) {
        dev->ops->changed(dev->aux);
        dev->ops->synchronize(dev->aux);
    }
}

static void
vhu_dev_pause_all(struct vhu_dev *dev)
{
    vhu_dev_pause(dev, UINT32_MAX);
}

/* Brings every ring into the state its configuration asks for: rings that
 * should be live and are not get (re)started, rings that should not be live
 * are paused.  Reports changes through ops->changed(). */
static void
vhu_dev_update_rings(struct vhu_dev *dev)
{
    uint32_t stop = 0;

    for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
        if (dev->vrings[i].live
            && !vhu_vring_should_be_live(dev, &dev->vrings[i])) {
            stop |= 1u << i;
        }
    }
    vhu_dev_pause(dev, stop);

    for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
        struct vhu_vring *vr = &dev->vrings[i];

        if (vr->live) {
            continue;
        }
        if (!vhu_vring_should_be_live(dev, vr)) {
            if (vr->started && vhu_dev_logging(dev)
                && !vhu_vring_can_log(dev, vr) && vr->error != EINVAL) {
                /* Writing guest memory unmarked would corrupt the migrated
                 * guest: the ring waits for a log. */
                vhu_dev_log(dev, VHU_LOG_WARN, 0, "vring %u stays stopped: "
                            "logging is on without a log base", i);
                vr->error = EINVAL;
            }
            continue;
        }
        uint16_t base = vr->vq.last_avail_idx;
        int error = vhu_virtq_start(&vr->vq, &dev->mem, vr->desc_uva,
                                    vr->avail_uva, vr->used_uva, vr->num,
                                    base, dev->features, vr->call_fd);
        if (error) {
            if (error != vr->error) {
                vhu_dev_log(dev, VHU_LOG_WARN, error,
                            "vring %u cannot start: ring of %"PRIu32
                            " entries at desc %#"PRIx64" avail %#"PRIx64
                            " used %#"PRIx64" is not in guest memory or "
                            "misaligned", i, vr->num,
                            vr->desc_uva, vr->avail_uva, vr->used_uva);
            }
            vr->error = error;
            continue;
        }
        if (vr->vq.last_avail_idx != base) {
            /* The ring goes on where the guest's memory says; the front-end
             * lost track, or memory and index did not travel together. */
            vhu_dev_log(dev, VHU_LOG_INFO, 0, "vring %u continues at used "
                        "index %"PRIu16", not at the front-end's base %"
                        PRIu16, i, vr->vq.last_avail_idx, base);
        }
        uint64_t log_gpa = 0;
        bool logging = (vhu_dev_logging(dev)
                        && vhu_vring_log_gpa(dev, vr, &log_gpa));
        vhu_virtq_set_log(&vr->vq, logging ? &dev->log : NULL, log_gpa);
        vr->error = 0;
        vr->live = true;
    }
    dev->ops->changed(dev->aux);
}

/* Request handlers. */

static struct vhu_vring *
vhu_dev_vring(struct vhu_dev *dev, uint32_t index)
{
    if (index >= 2 * dev->max_queue_pairs) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "vring index %"PRIu32" out of range "
                    "(%u queue pairs)", index, dev->max_queue_pairs);
        return NULL;
    }
    return &dev->vrings[index];
}

static void
vhu_reply_u64(struct vhu_msg *reply, uint64_t value)
{
    reply->hdr.size = sizeof reply->payload.u64;
    reply->payload.u64 = value;
}

/* Returns true if the front-end acked only 'offered' bits of 'what' in
 * 'acked', otherwise logs it and returns false. */
static bool
vhu_check_acked(struct vhu_dev *dev, const char *what, uint64_t acked,
                uint64_t offered)
{
    if (acked & ~offered) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "front-end acked %s %#"PRIx64
                    " that were not offered", what, acked & ~offered);
        return false;
    }
    return true;
}

static enum vhu_result
vhu_get_features(struct vhu_dev *dev, struct vhu_msg *msg VHU_UNUSED,
                 struct vhu_msg *reply)
{
    vhu_reply_u64(reply, dev->offered_features);
    return VHU_REPLY;
}

static enum vhu_result
vhu_set_features(struct vhu_dev *dev, struct vhu_msg *msg,
                 struct vhu_msg *reply VHU_UNUSED)
{
    uint64_t features = msg->payload.u64;

    if (!vhu_check_acked(dev, "features", features, dev->offered_features)) {
        return VHU_FAIL;
    }
    if (!dev->features_acked || features != dev->features) {
        /* The header size and ring options derive from the features. */
        vhu_dev_pause_all(dev);
        dev->features = features;
        dev->features_acked = true;
        vhu_dev_update_rings(dev);
    }
    return VHU_OK;
}

static enum vhu_result
vhu_set_owner(struct vhu_dev *dev VHU_UNUSED,
              struct vhu_msg *msg VHU_UNUSED,
              struct vhu_msg *reply VHU_UNUSED)
{
    return VHU_OK;
}

/* Stops every ring and forgets the negotiation, but not the memory table or
 * the protocol features, which the front-end does not send again. */
static enum vhu_result
vhu_reset_device(struct vhu_dev *dev, struct vhu_msg *msg VHU_UNUSED,
                 struct vhu_msg *reply VHU_UNUSED)
{
    vhu_dev_pause_all(dev);
    for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
        vhu_vring_reset(&dev->vrings[i]);
    }
    dev->features = 0;
    dev->features_acked = false;
    dev->status = 0;
    dev->ops->changed(dev->aux);
    return VHU_OK;
}

/* Replaces the whole memory table. */
static enum vhu_result
vhu_set_mem_table(struct vhu_dev *dev, struct vhu_msg *msg,
                  struct vhu_msg *reply VHU_UNUSED)
{
    const struct vhost_user_memory *table = &msg->payload.memory;
    uint32_t n = table->nregions;
    struct vhu_mem mem;

    if (n > VHOST_USER_MAX_RAM_SLOTS
        || msg->hdr.size < offsetof(struct vhost_user_memory, regions)
                           + n * sizeof table->regions[0]
        || msg->n_fds != n) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "bad memory table: %"PRIu32
                    " regions, %"PRIu32" bytes, %u descriptors",
                    n, msg->hdr.size, msg->n_fds);
        return VHU_FAIL;
    }
    if (vhu_mem_equals(&dev->mem, table->regions, n)) {
        return VHU_OK;
    }

    vhu_mem_init(&mem);
    vhu_mem_set_unmap(&mem, dev->mem.unmap, dev->mem.unmap_aux);
    for (uint32_t i = 0; i < n; i++) {
        int error = vhu_mem_add_fd(&mem, &table->regions[i], msg->fds[i]);

        if (error) {
            vhu_dev_log(dev, VHU_LOG_WARN, error, "cannot map memory region %"
                        PRIu32" (guest %#"PRIx64", %"PRIu64" bytes, offset %"
                        PRIu64")", i, table->regions[i].guest_phys_addr,
                        table->regions[i].memory_size,
                        table->regions[i].mmap_offset);
            vhu_mem_clear(&mem);
            return VHU_FAIL;
        }
    }

    vhu_dev_pause_all(dev);
    vhu_mem_clear(&dev->mem);
    dev->mem = mem;
    vhu_dev_update_rings(dev);
    return VHU_OK;
}

static enum vhu_result
vhu_get_max_mem_slots(struct vhu_dev *dev VHU_UNUSED,
                      struct vhu_msg *msg VHU_UNUSED, struct vhu_msg *reply)
{
    vhu_reply_u64(reply, VHU_MEM_MAX_REGIONS);
    return VHU_REPLY;
}

static enum vhu_result
vhu_add_mem_reg(struct vhu_dev *dev, struct vhu_msg *msg,
                struct vhu_msg *reply VHU_UNUSED)
{
    const struct vhost_user_memory_region *region
        = &msg->payload.mem_reg.region;
    int error;

    if (msg->n_fds != 1) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "ADD_MEM_REG with %u descriptors",
                    msg->n_fds);
        return VHU_FAIL;
    }
    /* Rings may be translating through the table: they pause while it
     * changes (adding a region already there changes nothing). */
    if (!vhu_mem_has_region(&dev->mem, region)) {
        vhu_dev_pause_all(dev);
    }
    error = vhu_mem_add_fd(&dev->mem, region, msg->fds[0]);
    if (error) {
        vhu_dev_log(dev, VHU_LOG_WARN, error, "cannot add memory region "
                    "(guest %#"PRIx64", %"PRIu64" bytes)",
                    region->guest_phys_addr, region->memory_size);
    }
    vhu_dev_update_rings(dev);
    return error ? VHU_FAIL : VHU_OK;
}

static enum vhu_result
vhu_rem_mem_reg(struct vhu_dev *dev, struct vhu_msg *msg,
                struct vhu_msg *reply VHU_UNUSED)
{
    const struct vhost_user_memory_region *region
        = &msg->payload.mem_reg.region;
    int error;

    if (vhu_mem_remove_unmaps(&dev->mem, region)) {
        vhu_dev_pause_all(dev);
    }
    error = vhu_mem_remove(&dev->mem, region);
    if (error) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "cannot remove memory region "
                    "(guest %#"PRIx64", %"PRIu64" bytes): not in the table",
                    region->guest_phys_addr, region->memory_size);
    }
    vhu_dev_update_rings(dev);
    return error ? VHU_FAIL : VHU_OK;
}

static enum vhu_result
vhu_set_vring_num(struct vhu_dev *dev, struct vhu_msg *msg,
                  struct vhu_msg *reply VHU_UNUSED)
{
    const struct vhost_vring_state *s = &msg->payload.state;
    struct vhu_vring *vr = vhu_dev_vring(dev, s->index);

    if (!vr) {
        return VHU_FAIL;
    }
    if (!s->num || s->num > VRING_MAX_SIZE || s->num & (s->num - 1)
        || vr->started) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "vring %"PRIu32": bad size %"PRIu32
                    "%s", s->index, s->num,
                    vr->started ? " for a started ring" : "");
        return VHU_FAIL;
    }
    vr->num = s->num;
    return VHU_OK;
}

static enum vhu_result
vhu_set_vring_addr(struct vhu_dev *dev, struct vhu_msg *msg,
                   struct vhu_msg *reply VHU_UNUSED)
{
    const struct vhost_vring_addr *a = &msg->payload.addr;
    struct vhu_vring *vr = vhu_dev_vring(dev, a->index);

    if (!vr) {
        return VHU_FAIL;
    }
    vhu_dev_pause(dev, 1u << a->index);
    vr->desc_uva = a->desc_user_addr;
    vr->avail_uva = a->avail_user_addr;
    vr->used_uva = a->used_user_addr;
    vr->addr_set = true;
    vr->log_addr_set = a->flags & (1u << VHOST_VRING_F_LOG);
    vr->log_gpa = vr->log_addr_set ? a->log_guest_addr : 0;
    vhu_dev_update_rings(dev);
    return VHU_OK;
}

/* Maps the dirty log.  QEMU waits for an empty reply, so a log that cannot
 * be mapped ends the connection rather than leaving it waiting. */
static enum vhu_result
vhu_set_log_base(struct vhu_dev *dev, struct vhu_msg *msg,
                 struct vhu_msg *reply)
{
    const struct vhost_user_log *l = &msg->payload.log;
    struct vhu_log log;
    int error;

    if (msg->n_fds != 1) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "SET_LOG_BASE with %u descriptors",
                    msg->n_fds);
        return VHU_FATAL;
    }
    vhu_log_init(&log);
    error = vhu_log_map(&log, msg->fds[0], l->mmap_size, l->mmap_offset);
    if (error) {
        vhu_dev_log(dev, VHU_LOG_WARN, error, "cannot map the dirty log (%"
                    PRIu64" bytes at offset %"PRIu64")", l->mmap_size,
                    l->mmap_offset);
        return VHU_FATAL;
    }
    vhu_dev_pause_all(dev);
    vhu_log_clear(&dev->log);
    dev->log = log;
    vhu_dev_log(dev, VHU_LOG_INFO, 0, "dirty log of %"PRIu64" bytes mapped",
                l->mmap_size);
    vhu_dev_update_rings(dev);
    reply->hdr.size = 0;
    return VHU_REPLY;
}

/* After a live migration, the front-end on this side asks us to announce
 * the guest (its MAC is the payload's first 6 bytes): our user injects a
 * RARP from it, so that switches learn where it is now. */
static enum vhu_result
vhu_send_rarp(struct vhu_dev *dev, struct vhu_msg *msg,
              struct vhu_msg *reply VHU_UNUSED)
{
    const uint8_t *mac = msg->payload.bytes;

    if (!(dev->protocol_features & BIT(VHOST_USER_PROTOCOL_F_RARP))) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "SEND_RARP without the RARP "
                    "protocol feature");
        return VHU_FAIL;
    }
    memcpy(dev->rarp_mac, mac, sizeof dev->rarp_mac);
    dev->n_rarps++;
    vhu_dev_log(dev, VHU_LOG_INFO, 0, "SEND_RARP for %02x:%02x:%02x:%02x:"
                "%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    dev->ops->changed(dev->aux);
    return VHU_OK;
}

static enum vhu_result
vhu_set_log_fd(struct vhu_dev *dev, struct vhu_msg *msg,
               struct vhu_msg *reply VHU_UNUSED)
{
    if (msg->n_fds != 1 || !vhu_fd_is_eventfd(msg->fds[0])) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "SET_LOG_FD without an eventfd");
        return VHU_FAIL;
    }
    vhu_close_fd(&dev->log_fd);
    dev->log_fd = vhu_msg_take_fd(msg, 0);
    return VHU_OK;
}

static enum vhu_result
vhu_set_vring_base(struct vhu_dev *dev, struct vhu_msg *msg,
                   struct vhu_msg *reply VHU_UNUSED)
{
    const struct vhost_vring_state *s = &msg->payload.state;
    struct vhu_vring *vr = vhu_dev_vring(dev, s->index);

    if (!vr) {
        return VHU_FAIL;
    }
    if (s->num > UINT16_MAX || vr->started) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "vring %"PRIu32": bad base %"PRIu32
                    "%s", s->index, s->num,
                    vr->started ? " for a started ring" : "");
        return VHU_FAIL;
    }
    vr->vq.last_avail_idx = s->num;
    return VHU_OK;
}

static enum vhu_result
vhu_get_vring_base(struct vhu_dev *dev, struct vhu_msg *msg,
                   struct vhu_msg *reply)
{
    const struct vhost_vring_state *s = &msg->payload.state;
    struct vhu_vring *vr = vhu_dev_vring(dev, s->index);

    if (!vr) {
        return VHU_FATAL;
    }
    vhu_dev_pause(dev, 1u << s->index);
    reply->hdr.size = sizeof reply->payload.state;
    reply->payload.state.index = s->index;
    reply->payload.state.num = vr->vq.last_avail_idx;
    vhu_dev_log(dev, VHU_LOG_DBG, 0, "vring %"PRIu32" stops at avail index "
                "%"PRIu16", used index %"PRIu16, s->index,
                vr->vq.last_avail_idx, vr->vq.last_used_idx);

    vhu_virtq_stop(&vr->vq);
    vr->started = false;
    vhu_close_fd(&vr->kick_fd);
    dev->ops->changed(dev->aux);
    return VHU_REPLY;
}

/* Parses the payload of SET_VRING_KICK/CALL/ERR.  Stores the ring in
 * '*vrp' and its new descriptor (or -1 for none) in '*fd'. */
static bool
vhu_parse_vring_fd(struct vhu_dev *dev, struct vhu_msg *msg,
                   struct vhu_vring **vrp, int *fd)
{
    uint64_t u64 = msg->payload.u64;
    bool nofd = u64 & VHOST_USER_VRING_NOFD_MASK;

    *vrp = vhu_dev_vring(dev, u64 & VHOST_USER_VRING_IDX_MASK);
    if (!*vrp || msg->n_fds != (nofd ? 0 : 1)) {
        if (*vrp) {
            vhu_dev_log(dev, VHU_LOG_WARN, 0, "%s with %u descriptors",
                        vhu_request_name(msg->hdr.request), msg->n_fds);
        }
        return false;
    }
    if (!nofd && !vhu_fd_is_eventfd(msg->fds[0])) {
        /* Kick and call descriptors are read and written by our threads:
         * anything but an eventfd could block them. */
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "%s with a descriptor that is not "
                    "an eventfd", vhu_request_name(msg->hdr.request));
        return false;
    }
    *fd = nofd ? -1 : vhu_msg_take_fd(msg, 0);
    return true;
}

static enum vhu_result
vhu_set_vring_kick(struct vhu_dev *dev, struct vhu_msg *msg,
                   struct vhu_msg *reply VHU_UNUSED)
{
    struct vhu_vring *vr;
    int fd;

    if (!vhu_parse_vring_fd(dev, msg, &vr, &fd)) {
        return VHU_FAIL;
    }
    /* We poll the rings, so the kick descriptor is only kept to be closed
     * when the ring stops. */
    vhu_close_fd(&vr->kick_fd);
    vr->kick_fd = fd;
    vr->started = true;
    vr->ever_started = true;
    if (!(dev->features & BIT(VHOST_USER_F_PROTOCOL_FEATURES))) {
        vr->enabled = true;
    }
    vhu_dev_update_rings(dev);
    return VHU_OK;
}

static enum vhu_result
vhu_set_vring_call(struct vhu_dev *dev, struct vhu_msg *msg,
                   struct vhu_msg *reply VHU_UNUSED)
{
    struct vhu_vring *vr;
    int fd;

    if (!vhu_parse_vring_fd(dev, msg, &vr, &fd)) {
        return VHU_FAIL;
    }
    vhu_dev_pause(dev, 1u << (vr - dev->vrings));
    vhu_close_fd(&vr->call_fd);
    vr->call_fd = fd;
    vhu_dev_update_rings(dev);
    return VHU_OK;
}

static enum vhu_result
vhu_set_vring_err(struct vhu_dev *dev, struct vhu_msg *msg,
                  struct vhu_msg *reply VHU_UNUSED)
{
    struct vhu_vring *vr;
    int fd;

    if (!vhu_parse_vring_fd(dev, msg, &vr, &fd)) {
        return VHU_FAIL;
    }
    /* We never report ring errors this way. */
    vhu_close_fd(&fd);
    return VHU_OK;
}

static enum vhu_result
vhu_get_protocol_features(struct vhu_dev *dev, struct vhu_msg *msg VHU_UNUSED,
                          struct vhu_msg *reply)
{
    vhu_reply_u64(reply, dev->offered_protocol_features);
    return VHU_REPLY;
}

static enum vhu_result
vhu_set_protocol_features(struct vhu_dev *dev, struct vhu_msg *msg,
                          struct vhu_msg *reply VHU_UNUSED)
{
    uint64_t features = msg->payload.u64;

    if (!vhu_check_acked(dev, "protocol features", features,
                         dev->offered_protocol_features)) {
        return VHU_FAIL;
    }
    dev->protocol_features = features;
    return VHU_OK;
}

static enum vhu_result
vhu_get_queue_num(struct vhu_dev *dev, struct vhu_msg *msg VHU_UNUSED,
                  struct vhu_msg *reply)
{
    vhu_reply_u64(reply, dev->max_queue_pairs);
    return VHU_REPLY;
}

static enum vhu_result
vhu_set_vring_enable(struct vhu_dev *dev, struct vhu_msg *msg,
                     struct vhu_msg *reply VHU_UNUSED)
{
    const struct vhost_vring_state *s = &msg->payload.state;
    struct vhu_vring *vr = vhu_dev_vring(dev, s->index);

    if (!vr || s->num > 1) {
        return VHU_FAIL;
    }
    if (vr->enabled != (s->num == 1)) {
        vr->enabled = s->num == 1;
        vhu_dev_update_rings(dev);
    }
    return VHU_OK;
}

static enum vhu_result
vhu_net_set_mtu(struct vhu_dev *dev, struct vhu_msg *msg,
                struct vhu_msg *reply VHU_UNUSED)
{
    uint64_t mtu = msg->payload.u64;

    if (mtu < 68 || mtu > UINT16_MAX) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "bad MTU %"PRIu64, mtu);
        return VHU_FAIL;
    }
    dev->mtu = mtu;
    dev->ops->changed(dev->aux);
    return VHU_OK;
}

static enum vhu_result
vhu_set_status(struct vhu_dev *dev, struct vhu_msg *msg,
               struct vhu_msg *reply VHU_UNUSED)
{
    if (msg->payload.u64 > UINT8_MAX) {
        return VHU_FAIL;
    }
    dev->status = msg->payload.u64;
    dev->ops->changed(dev->aux);
    return VHU_OK;
}

static enum vhu_result
vhu_get_status(struct vhu_dev *dev, struct vhu_msg *msg VHU_UNUSED,
               struct vhu_msg *reply)
{
    vhu_reply_u64(reply, dev->status);
    return VHU_REPLY;
}

/* How each request is handled.  'size' is the exact payload size required,
 * or with 'min_size' the least; 'replies' marks requests that always get a
 * reply, so failing them has to end the connection. */
struct vhu_request_type {
    enum vhu_result (*handler)(struct vhu_dev *, struct vhu_msg *,
                               struct vhu_msg *reply);
    uint32_t size;
    bool min_size;
    unsigned int max_fds;
    bool replies;
};

static const struct vhu_request_type vhu_request_types[] = {
#define U64 sizeof(uint64_t)
#define STATE sizeof(struct vhost_vring_state)
#define REQ(R, HANDLER, SIZE, MIN, FDS, REPLIES) \
    [VHOST_USER_##R] = { HANDLER, SIZE, MIN, FDS, REPLIES }
    REQ(GET_FEATURES, vhu_get_features, 0, true, 0, true),
    REQ(SET_FEATURES, vhu_set_features, U64, false, 0, false),
    REQ(SET_OWNER, vhu_set_owner, 0, true, 0, false),
    REQ(RESET_OWNER, vhu_reset_device, 0, true, 0, false),
    REQ(SET_MEM_TABLE, vhu_set_mem_table, 8, true,
        VHOST_USER_MAX_RAM_SLOTS, false),
    REQ(SET_LOG_BASE, vhu_set_log_base, sizeof(struct vhost_user_log), false,
        1, true),
    REQ(SET_LOG_FD, vhu_set_log_fd, 0, true, 1, false),
    REQ(SET_VRING_NUM, vhu_set_vring_num, STATE, false, 0, false),
    REQ(SET_VRING_ADDR, vhu_set_vring_addr,
        sizeof(struct vhost_vring_addr), false, 0, false),
    REQ(SET_VRING_BASE, vhu_set_vring_base, STATE, false, 0, false),
    REQ(GET_VRING_BASE, vhu_get_vring_base, STATE, false, 0, true),
    REQ(SET_VRING_KICK, vhu_set_vring_kick, U64, false, 1, false),
    REQ(SET_VRING_CALL, vhu_set_vring_call, U64, false, 1, false),
    REQ(SET_VRING_ERR, vhu_set_vring_err, U64, false, 1, false),
    REQ(GET_PROTOCOL_FEATURES, vhu_get_protocol_features, 0, true, 0, true),
    REQ(SET_PROTOCOL_FEATURES, vhu_set_protocol_features, U64, false, 0,
        false),
    REQ(GET_QUEUE_NUM, vhu_get_queue_num, 0, true, 0, true),
    REQ(SET_VRING_ENABLE, vhu_set_vring_enable, STATE, false, 0, false),
    REQ(SEND_RARP, vhu_send_rarp, U64, false, 0, false),
    REQ(NET_SET_MTU, vhu_net_set_mtu, U64, false, 0, false),
    REQ(RESET_DEVICE, vhu_reset_device, 0, true, 0, false),
    REQ(GET_MAX_MEM_SLOTS, vhu_get_max_mem_slots, 0, true, 0, true),
    REQ(ADD_MEM_REG, vhu_add_mem_reg,
        sizeof(struct vhost_user_memory_single), false, 1, false),
    REQ(REM_MEM_REG, vhu_rem_mem_reg,
        sizeof(struct vhost_user_memory_single), false, 1, false),
    REQ(SET_STATUS, vhu_set_status, U64, false, 0, false),
    REQ(GET_STATUS, vhu_get_status, 0, true, 0, true),
#undef REQ
#undef STATE
#undef U64
};

/* Public functions. */

/* Initializes 'dev' to offer up to 'max_queue_pairs' queue pairs (at most
 * VHU_MAX_QUEUE_PAIRS) and to report to 'ops' with 'aux'. */
void
vhu_dev_init(struct vhu_dev *dev, const struct vhu_dev_ops *ops, void *aux,
             unsigned int max_queue_pairs)
{
    memset(dev, 0, sizeof *dev);
    dev->ops = ops;
    dev->aux = aux;
    dev->offered_features = vhu_offered_features;
    dev->offered_protocol_features = vhu_offered_protocol_features;
    dev->max_queue_pairs = (max_queue_pairs && max_queue_pairs
                            < VHU_MAX_QUEUE_PAIRS
                            ? max_queue_pairs : VHU_MAX_QUEUE_PAIRS);
    vhu_mem_init(&dev->mem);
    vhu_log_init(&dev->log);
    dev->log_fd = -1;
    for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
        vhu_virtq_init(&dev->vrings[i].vq);
        vhu_vring_clear(&dev->vrings[i]);
    }
}

/* Handles request 'msg' from the front-end.  If a reply is due, fills in
 * 'reply' (its 'hdr.request' nonzero); otherwise sets 'reply->hdr.request'
 * to 0.  Closes the descriptors of 'msg' that it does not keep.  Returns 0,
 * or a positive errno if the connection must be dropped. */
int
vhu_dev_handle_msg(struct vhu_dev *dev, struct vhu_msg *msg,
                   struct vhu_msg *reply)
{
    uint32_t request = msg->hdr.request;
    const struct vhu_request_type *type = NULL;
    enum vhu_result result;

    memset(&reply->hdr, 0, sizeof reply->hdr);
    reply->n_fds = 0;
    dev->n_msgs++;

    if (request < sizeof vhu_request_types / sizeof vhu_request_types[0]
        && vhu_request_types[request].handler) {
        type = &vhu_request_types[request];
    }

    if (!type) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "unsupported request %s (%"PRIu32")",
                    vhu_request_name(request), request);
        result = VHU_FAIL;
    } else if (type->min_size ? msg->hdr.size < type->size
                              : msg->hdr.size != type->size) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "%s with %"PRIu32" bytes of payload",
                    vhu_request_name(request), msg->hdr.size);
        result = type->replies ? VHU_FATAL : VHU_FAIL;
    } else if (msg->n_fds > type->max_fds) {
        vhu_dev_log(dev, VHU_LOG_WARN, 0, "%s with %u descriptors",
                    vhu_request_name(request), msg->n_fds);
        result = type->replies ? VHU_FATAL : VHU_FAIL;
    } else {
        /* Payload bytes beyond what was received are stale: clear them, so
         * that a short payload reads as zeros. */
        if (msg->hdr.size < sizeof msg->payload) {
            memset(msg->payload.bytes + msg->hdr.size, 0,
                   sizeof msg->payload - msg->hdr.size);
        }
        result = type->handler(dev, msg, reply);
    }
    vhu_msg_close_fds(msg);

    if (result == VHU_FAIL || result == VHU_FATAL) {
        dev->n_failed++;
    }
    if (result == VHU_FATAL) {
        return EPROTO;
    }
    if (result == VHU_OK || result == VHU_FAIL) {
        if (!(msg->hdr.flags & VHOST_USER_NEED_REPLY_MASK)
            || !(dev->protocol_features
                 & BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK))) {
            return 0;
        }
        vhu_reply_u64(reply, result == VHU_OK ? 0 : 1);
    }
    reply->hdr.request = request;
    reply->hdr.flags = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK;
    return 0;
}

/* The connection ended: stops every ring and forgets everything the
 * front-end told us.  Ring counters survive. */
void
vhu_dev_disconnect(struct vhu_dev *dev)
{
    vhu_dev_pause_all(dev);
    for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
        vhu_vring_reset(&dev->vrings[i]);
    }
    vhu_mem_clear(&dev->mem);
    vhu_log_clear(&dev->log);
    vhu_close_fd(&dev->log_fd);
    dev->features = 0;
    dev->features_acked = false;
    dev->protocol_features = 0;
    dev->status = 0;
    dev->mtu = 0;
    dev->ops->changed(dev->aux);
}

/* Returns the number of queue pairs the front-end has started rings of
 * since it connected, 0 if none. */
unsigned int
vhu_dev_n_queue_pairs(const struct vhu_dev *dev)
{
    for (unsigned int i = VHU_MAX_VRINGS; i > 0; i--) {
        if (dev->vrings[i - 1].ever_started) {
            return (i + 1) / 2;
        }
    }
    return 0;
}

/* Returns true if the guest driver is up: it set DRIVER_OK, or, with a
 * front-end that does not send the status, some ring is live. */
bool
vhu_dev_driver_ok(const struct vhu_dev *dev)
{
    if (dev->protocol_features & BIT(VHOST_USER_PROTOCOL_F_STATUS)
        && dev->status) {
        return dev->status & VIRTIO_CONFIG_S_DRIVER_OK;
    }
    for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
        if (dev->vrings[i].live) {
            return true;
        }
    }
    return false;
}

/* Whether the front-end asked for every write into guest memory to be
 * logged: it is migrating the guest. */
bool
vhu_dev_logging(const struct vhu_dev *dev)
{
    return dev->features_acked && dev->features & BIT(VHOST_F_LOG_ALL);
}

bool
vhu_dev_has_feature(const struct vhu_dev *dev, unsigned int bit)
{
    return bit < 64 && dev->features & BIT(bit);
}

/* Returns the name of virtio feature 'bit', or NULL if we have none. */
const char *
vhu_feature_name(unsigned int bit)
{
    switch (bit) {
    case VIRTIO_NET_F_CSUM: return "CSUM";
    case VIRTIO_NET_F_GUEST_CSUM: return "GUEST_CSUM";
    case VIRTIO_NET_F_CTRL_GUEST_OFFLOADS: return "CTRL_GUEST_OFFLOADS";
    case VIRTIO_NET_F_MTU: return "MTU";
    case VIRTIO_NET_F_MAC: return "MAC";
    case VIRTIO_NET_F_GUEST_TSO4: return "GUEST_TSO4";
    case VIRTIO_NET_F_GUEST_TSO6: return "GUEST_TSO6";
    case VIRTIO_NET_F_GUEST_ECN: return "GUEST_ECN";
    case VIRTIO_NET_F_GUEST_UFO: return "GUEST_UFO";
    case VIRTIO_NET_F_HOST_TSO4: return "HOST_TSO4";
    case VIRTIO_NET_F_HOST_TSO6: return "HOST_TSO6";
    case VIRTIO_NET_F_HOST_ECN: return "HOST_ECN";
    case VIRTIO_NET_F_HOST_UFO: return "HOST_UFO";
    case VIRTIO_NET_F_MRG_RXBUF: return "MRG_RXBUF";
    case VIRTIO_NET_F_STATUS: return "STATUS";
    case VIRTIO_NET_F_CTRL_VQ: return "CTRL_VQ";
    case VIRTIO_NET_F_CTRL_RX: return "CTRL_RX";
    case VIRTIO_NET_F_CTRL_VLAN: return "CTRL_VLAN";
    case VIRTIO_NET_F_GUEST_ANNOUNCE: return "GUEST_ANNOUNCE";
    case VIRTIO_NET_F_MQ: return "MQ";
    case VIRTIO_NET_F_CTRL_MAC_ADDR: return "CTRL_MAC_ADDR";
    case VIRTIO_F_NOTIFY_ON_EMPTY: return "NOTIFY_ON_EMPTY";
    case VHOST_F_LOG_ALL: return "LOG_ALL";
    case VIRTIO_F_ANY_LAYOUT: return "ANY_LAYOUT";
    case VIRTIO_RING_F_INDIRECT_DESC: return "INDIRECT_DESC";
    case VIRTIO_RING_F_EVENT_IDX: return "EVENT_IDX";
    case VHOST_USER_F_PROTOCOL_FEATURES: return "PROTOCOL_FEATURES";
    case VIRTIO_F_VERSION_1: return "VERSION_1";
    case VIRTIO_F_ACCESS_PLATFORM: return "ACCESS_PLATFORM";
    case VIRTIO_F_RING_PACKED: return "RING_PACKED";
    case VIRTIO_F_IN_ORDER: return "IN_ORDER";
    }
    return NULL;
}

/* Returns the name of vhost-user protocol feature 'bit', or NULL. */
const char *
vhu_protocol_feature_name(unsigned int bit)
{
    static const char *const names[VHOST_USER_PROTOCOL_N_FEATURES] = {
#define VHU_NAME(F) [VHOST_USER_PROTOCOL_F_##F] = #F
        VHU_NAME(MQ),
        VHU_NAME(LOG_SHMFD),
        VHU_NAME(RARP),
        VHU_NAME(REPLY_ACK),
        VHU_NAME(NET_MTU),
        VHU_NAME(BACKEND_REQ),
        VHU_NAME(CROSS_ENDIAN),
        VHU_NAME(CRYPTO_SESSION),
        VHU_NAME(PAGEFAULT),
        VHU_NAME(CONFIG),
        VHU_NAME(BACKEND_SEND_FD),
        VHU_NAME(HOST_NOTIFIER),
        VHU_NAME(INFLIGHT_SHMFD),
        VHU_NAME(RESET_DEVICE),
        VHU_NAME(INBAND_NOTIFICATIONS),
        VHU_NAME(CONFIGURE_MEM_SLOTS),
        VHU_NAME(STATUS),
#undef VHU_NAME
    };

    return bit < VHOST_USER_PROTOCOL_N_FEATURES ? names[bit] : NULL;
}

/* Helpers. */

static void
vhu_dev_log(struct vhu_dev *dev, enum vhu_log_level level, int error,
            const char *format, ...)
{
    char message[256];
    va_list args;

    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    dev->ops->log(dev->aux, level, error, message);
}
