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

#ifndef VHOST_USER_DEV_H
#define VHOST_USER_DEV_H 1

/* Security: the front-end (QEMU, or whatever serves the socket) and the
 * guest are untrusted; see SECURITY.md.  Every field of a message is checked
 * here before use (sizes, indexes, feature bits, descriptor kinds: kick and
 * call must be eventfds, memory tmpfs or hugetlbfs files), and everything
 * in guest memory is checked by the ring code each time it is read
 * (virtq.h).  A bad request costs the front-end that request or its
 * connection, never our memory safety.
 *
 * The vhost-user back-end of one virtio-net device: the protocol state
 * machine.  It answers the front-end's requests, negotiates features, keeps
 * the guest memory table, the dirty log of a migration (vhost-log.h) and
 * the configuration of every ring, and decides which rings the datapath may
 * use ("live" rings).  While VHOST_F_LOG_ALL is acked, a ring is live only
 * with the log attached, so that no write into guest memory goes unmarked.
 *
 * Threads: everything here runs on one control thread, except the rings'
 * struct vhu_virtq, which datapath threads use while a ring is live.  Before
 * changing anything a live ring depends on (memory table, addresses, call
 * descriptor, features) or answering GET_VRING_BASE, the device takes the
 * ring out of service: it clears 'live', calls ops->changed() so that the
 * caller stops handing the ring to datapath threads, then ops->synchronize()
 * so that none still holds it.  Then it changes what it must and puts the
 * ring back.  A datapath thread therefore never sees half-updated state or
 * unmapped memory, and needs no lock.
 *
 * It knows nothing about the socket: the caller reads messages with
 * vhost-user-msg.h, passes them to vhu_dev_handle_msg() and sends replies.
 * That keeps it callable from a fuzzer with arbitrary message sequences. */

#include <stdbool.h>
#include <stdint.h>

#include "vhost-log.h"
#include "vhost-mem.h"
#include "virtq.h"

struct vhu_msg;

/* Queue pairs we offer (GET_QUEUE_NUM). */
#define VHU_MAX_QUEUE_PAIRS 8
#define VHU_MAX_VRINGS (2 * VHU_MAX_QUEUE_PAIRS)

/* Ring 2 * N is queue pair N's receive queue: the switch transmits into it.
 * Ring 2 * N + 1 is its transmit queue: the switch receives from it. */
static inline unsigned int
vhu_rx_vring(unsigned int qp)
{
    return 2 * qp + 1;
}

static inline unsigned int
vhu_tx_vring(unsigned int qp)
{
    return 2 * qp;
}

enum vhu_log_level {
    VHU_LOG_DBG,
    VHU_LOG_INFO,
    VHU_LOG_WARN,               /* The front-end did something wrong. */
};

/* How the device reaches its user.  All are called on the control thread,
 * from vhu_dev_handle_msg() or vhu_dev_disconnect(). */
struct vhu_dev_ops {
    /* Live rings, enabled rings, features, status or MTU changed. */
    void (*changed)(void *aux);
    /* Returns once no datapath thread uses a ring that stopped being live
     * before the last call to changed(). */
    void (*synchronize)(void *aux);
    /* Reports a protocol event, caused by 'error' (a positive errno) if it
     * is nonzero. */
    void (*log)(void *aux, enum vhu_log_level, int error,
                const char *message);
};

/* One ring as the front-end configured it. */
struct vhu_vring {
    struct vhu_virtq vq;        /* The datapath's part. */

    uint32_t num;               /* SET_VRING_NUM, 0 if not set. */
    bool addr_set;              /* SET_VRING_ADDR received. */
    uint64_t desc_uva;
    uint64_t avail_uva;
    uint64_t used_uva;
    bool log_addr_set;          /* SET_VRING_ADDR had VHOST_VRING_F_LOG: */
    uint64_t log_gpa;           /* the used ring's guest-physical address
                                 * (else from the memory table). */
    int kick_fd;                /* -1 if none (or polling). */
    int call_fd;                /* -1 if none: guest polls. */
    bool started;               /* From SET_VRING_KICK to GET_VRING_BASE. */
    bool ever_started;          /* Started since the connection began. */
    bool enabled;               /* SET_VRING_ENABLE, or implied. */
    bool live;                  /* Datapath may use 'vq'. */
    int error;                  /* Why it is not live though it should be,
                                 * a positive errno, or 0. */
};

/* One device. */
struct vhu_dev {
    const struct vhu_dev_ops *ops;
    void *aux;

    /* Offered to the front-end. */
    uint64_t offered_features;
    uint64_t offered_protocol_features;
    unsigned int max_queue_pairs;

    /* Negotiated. */
    uint64_t features;          /* Acked virtio features. */
    bool features_acked;        /* SET_FEATURES received. */
    uint64_t protocol_features; /* Acked protocol features. */
    uint8_t status;             /* Device status from SET_STATUS. */
    uint16_t mtu;               /* From NET_SET_MTU, 0 if none. */

    struct vhu_mem mem;
    struct vhu_vring vrings[VHU_MAX_VRINGS];

    /* Live migration: the dirty log from SET_LOG_BASE, used by the rings
     * while VHOST_F_LOG_ALL is acked, and the descriptor of SET_LOG_FD,
     * which QEMU does not send and nothing signals, kept to be closed. */
    struct vhu_log log;
    int log_fd;

    /* The last SEND_RARP: the guest, just migrated here, has this MAC. */
    uint64_t n_rarps;
    uint8_t rarp_mac[6];

    /* Counters for the curious. */
    uint64_t n_msgs;            /* Requests handled. */
    uint64_t n_failed;          /* Requests refused or unsupported. */
};

void vhu_dev_init(struct vhu_dev *, const struct vhu_dev_ops *, void *aux,
                  unsigned int max_queue_pairs);
int vhu_dev_handle_msg(struct vhu_dev *, struct vhu_msg *msg,
                       struct vhu_msg *reply);
void vhu_dev_disconnect(struct vhu_dev *);

unsigned int vhu_dev_n_queue_pairs(const struct vhu_dev *);
bool vhu_dev_driver_ok(const struct vhu_dev *);
bool vhu_dev_has_feature(const struct vhu_dev *, unsigned int bit);
bool vhu_dev_logging(const struct vhu_dev *);

const char *vhu_feature_name(unsigned int bit);
const char *vhu_protocol_feature_name(unsigned int bit);

#endif /* vhost-user-dev.h */
