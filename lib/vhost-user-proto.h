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

#ifndef VHOST_USER_PROTO_H
#define VHOST_USER_PROTO_H 1

/* The vhost-user wire protocol (QEMU docs/interop/vhost-user.rst): request
 * codes, the message header, payload layouts and protocol feature bits.
 * Definitions only.  Values are in host byte order (the protocol is
 * native-endian over a local unix socket). */

#include <stdint.h>

/* Requests from the front-end (QEMU, virtio-user) to us, the back-end. */
enum vhost_user_request {
    VHOST_USER_NONE = 0,
    VHOST_USER_GET_FEATURES = 1,
    VHOST_USER_SET_FEATURES = 2,
    VHOST_USER_SET_OWNER = 3,
    VHOST_USER_RESET_OWNER = 4,
    VHOST_USER_SET_MEM_TABLE = 5,
    VHOST_USER_SET_LOG_BASE = 6,
    VHOST_USER_SET_LOG_FD = 7,
    VHOST_USER_SET_VRING_NUM = 8,
    VHOST_USER_SET_VRING_ADDR = 9,
    VHOST_USER_SET_VRING_BASE = 10,
    VHOST_USER_GET_VRING_BASE = 11,
    VHOST_USER_SET_VRING_KICK = 12,
    VHOST_USER_SET_VRING_CALL = 13,
    VHOST_USER_SET_VRING_ERR = 14,
    VHOST_USER_GET_PROTOCOL_FEATURES = 15,
    VHOST_USER_SET_PROTOCOL_FEATURES = 16,
    VHOST_USER_GET_QUEUE_NUM = 17,
    VHOST_USER_SET_VRING_ENABLE = 18,
    VHOST_USER_SEND_RARP = 19,
    VHOST_USER_NET_SET_MTU = 20,
    VHOST_USER_SET_BACKEND_REQ_FD = 21,
    VHOST_USER_IOTLB_MSG = 22,
    VHOST_USER_SET_VRING_ENDIAN = 23,
    VHOST_USER_GET_CONFIG = 24,
    VHOST_USER_SET_CONFIG = 25,
    VHOST_USER_CREATE_CRYPTO_SESSION = 26,
    VHOST_USER_CLOSE_CRYPTO_SESSION = 27,
    VHOST_USER_POSTCOPY_ADVISE = 28,
    VHOST_USER_POSTCOPY_LISTEN = 29,
    VHOST_USER_POSTCOPY_END = 30,
    VHOST_USER_GET_INFLIGHT_FD = 31,
    VHOST_USER_SET_INFLIGHT_FD = 32,
    VHOST_USER_GPU_SET_SOCKET = 33,
    VHOST_USER_RESET_DEVICE = 34,
    VHOST_USER_VRING_KICK = 35,
    VHOST_USER_GET_MAX_MEM_SLOTS = 36,
    VHOST_USER_ADD_MEM_REG = 37,
    VHOST_USER_REM_MEM_REG = 38,
    VHOST_USER_SET_STATUS = 39,
    VHOST_USER_GET_STATUS = 40,
    VHOST_USER_N_REQUESTS
};

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
enum vhost_user_protocol_feature {
    VHOST_USER_PROTOCOL_F_MQ = 0,
    VHOST_USER_PROTOCOL_F_LOG_SHMFD = 1,
    VHOST_USER_PROTOCOL_F_RARP = 2,
    VHOST_USER_PROTOCOL_F_REPLY_ACK = 3,
    VHOST_USER_PROTOCOL_F_NET_MTU = 4,
    VHOST_USER_PROTOCOL_F_BACKEND_REQ = 5,
    VHOST_USER_PROTOCOL_F_CROSS_ENDIAN = 6,
    VHOST_USER_PROTOCOL_F_CRYPTO_SESSION = 7,
    VHOST_USER_PROTOCOL_F_PAGEFAULT = 8,
    VHOST_USER_PROTOCOL_F_CONFIG = 9,
    VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD = 10,
    VHOST_USER_PROTOCOL_F_HOST_NOTIFIER = 11,
    VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD = 12,
    VHOST_USER_PROTOCOL_F_RESET_DEVICE = 13,
    VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS = 14,
    VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS = 15,
    VHOST_USER_PROTOCOL_F_STATUS = 16,
    VHOST_USER_PROTOCOL_N_FEATURES
};

/* Feature bit in GET/SET_FEATURES that enables the protocol features. */
#define VHOST_USER_F_PROTOCOL_FEATURES 30

/* Header 'flags'. */
#define VHOST_USER_VERSION_MASK 0x3
#define VHOST_USER_VERSION 0x1
#define VHOST_USER_REPLY_MASK (1u << 2)
#define VHOST_USER_NEED_REPLY_MASK (1u << 3)

/* The fixed header in front of every message. */
struct vhost_user_header {
    uint32_t request;           /* enum vhost_user_request. */
    uint32_t flags;             /* Version and reply bits. */
    uint32_t size;              /* Payload bytes that follow. */
};

/* Payload of SET_VRING_NUM, SET_VRING_BASE, GET_VRING_BASE and
 * SET_VRING_ENABLE. */
struct vhost_vring_state {
    uint32_t index;
    uint32_t num;
};

/* Payload of SET_VRING_ADDR.  Addresses are in the front-end's virtual
 * address space, like 'userspace_addr' of a memory region. */
struct vhost_vring_addr {
    uint32_t index;
    uint32_t flags;             /* VHOST_VRING_F_LOG. */
    uint64_t desc_user_addr;
    uint64_t used_user_addr;
    uint64_t avail_user_addr;
    uint64_t log_guest_addr;
};

#define VHOST_VRING_F_LOG 0

/* Payload of SET_LOG_BASE (with VHOST_USER_PROTOCOL_F_LOG_SHMFD): where
 * the dirty log lies in the accompanying file. */
struct vhost_user_log {
    uint64_t mmap_size;
    uint64_t mmap_offset;
};

/* The u64 payload of SET_VRING_KICK/CALL/ERR: a ring index and a flag that
 * says no file descriptor accompanies the message. */
#define VHOST_USER_VRING_IDX_MASK 0xffu
#define VHOST_USER_VRING_NOFD_MASK (1u << 8)

/* One guest memory region. */
struct vhost_user_memory_region {
    uint64_t guest_phys_addr;
    uint64_t memory_size;
    uint64_t userspace_addr;    /* Front-end's virtual address. */
    uint64_t mmap_offset;       /* Offset of the region in its fd. */
};

/* Regions one SET_MEM_TABLE can carry (one fd each). */
#define VHOST_USER_MAX_RAM_SLOTS 8

/* Payload of SET_MEM_TABLE. */
struct vhost_user_memory {
    uint32_t nregions;
    uint32_t padding;
    struct vhost_user_memory_region regions[VHOST_USER_MAX_RAM_SLOTS];
};

/* Payload of ADD_MEM_REG and REM_MEM_REG. */
struct vhost_user_memory_single {
    uint64_t padding;
    struct vhost_user_memory_region region;
};

/* File descriptors one message may carry. */
#define VHOST_USER_MAX_FDS 8

/* The largest payload we accept.  The biggest request we handle is
 * SET_MEM_TABLE (264 bytes); SET_CONFIG and friends fit as well, so anything
 * larger can only come from a broken or hostile front-end. */
#define VHOST_USER_MAX_PAYLOAD 4096

#endif /* vhost-user-proto.h */
