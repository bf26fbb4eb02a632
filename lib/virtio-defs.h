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

#ifndef VIRTIO_DEFS_H
#define VIRTIO_DEFS_H 1

/* Virtio definitions that a virtio-net device needs: feature bits, the split
 * virtqueue layout in guest memory and the virtio-net packet header, from the
 * OASIS virtio 1.2 specification.  Pure definitions, no code.
 *
 * Everything in guest memory is little-endian.  We only build for
 * little-endian hosts (see the check below), so legacy (pre-VERSION_1) guests
 * of the same endianness need no byte swapping either. */

#include <stdbool.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ovs-vhostuser supports little-endian hosts only"
#endif

/* Device-independent feature bits. */
enum {
    VIRTIO_F_NOTIFY_ON_EMPTY = 24,
    VIRTIO_F_ANY_LAYOUT = 27,
    VIRTIO_RING_F_INDIRECT_DESC = 28,
    VIRTIO_RING_F_EVENT_IDX = 29,
    VIRTIO_F_VERSION_1 = 32,
    VIRTIO_F_ACCESS_PLATFORM = 33,
    VIRTIO_F_RING_PACKED = 34,
    VIRTIO_F_IN_ORDER = 35,
};

/* virtio-net feature bits. */
enum {
    VIRTIO_NET_F_CSUM = 0,
    VIRTIO_NET_F_GUEST_CSUM = 1,
    VIRTIO_NET_F_CTRL_GUEST_OFFLOADS = 2,
    VIRTIO_NET_F_MTU = 3,
    VIRTIO_NET_F_MAC = 5,
    VIRTIO_NET_F_GUEST_TSO4 = 7,
    VIRTIO_NET_F_GUEST_TSO6 = 8,
    VIRTIO_NET_F_GUEST_ECN = 9,
    VIRTIO_NET_F_GUEST_UFO = 10,
    VIRTIO_NET_F_HOST_TSO4 = 11,
    VIRTIO_NET_F_HOST_TSO6 = 12,
    VIRTIO_NET_F_HOST_ECN = 13,
    VIRTIO_NET_F_HOST_UFO = 14,
    VIRTIO_NET_F_MRG_RXBUF = 15,
    VIRTIO_NET_F_STATUS = 16,
    VIRTIO_NET_F_CTRL_VQ = 17,
    VIRTIO_NET_F_CTRL_RX = 18,
    VIRTIO_NET_F_CTRL_VLAN = 19,
    VIRTIO_NET_F_GUEST_ANNOUNCE = 21,
    VIRTIO_NET_F_MQ = 22,
    VIRTIO_NET_F_CTRL_MAC_ADDR = 23,
};

/* Not a virtio bit: vhost uses it to ask for dirty page logging. */
#define VHOST_F_LOG_ALL 26

/* Device status bits (virtio 1.2, 2.1). */
enum {
    VIRTIO_CONFIG_S_ACKNOWLEDGE = 1,
    VIRTIO_CONFIG_S_DRIVER = 2,
    VIRTIO_CONFIG_S_DRIVER_OK = 4,
    VIRTIO_CONFIG_S_FEATURES_OK = 8,
    VIRTIO_CONFIG_S_NEEDS_RESET = 0x40,
    VIRTIO_CONFIG_S_FAILED = 0x80,
};

/* Split virtqueue: descriptor table entry. */
struct vring_desc {
    uint64_t addr;              /* Guest-physical address of the buffer. */
    uint32_t len;               /* Buffer length in bytes. */
    uint16_t flags;             /* VRING_DESC_F_*. */
    uint16_t next;              /* Next descriptor if VRING_DESC_F_NEXT. */
};

enum {
    VRING_DESC_F_NEXT = 1,      /* Chain continues at 'next'. */
    VRING_DESC_F_WRITE = 2,     /* Device writes (else reads) the buffer. */
    VRING_DESC_F_INDIRECT = 4,  /* Buffer is a table of descriptors. */
};

/* Split virtqueue: the driver's available ring.  'ring' has 'num' entries
 * and is followed by 'used_event' when EVENT_IDX is negotiated. */
struct vring_avail {
    uint16_t flags;             /* VRING_AVAIL_F_NO_INTERRUPT. */
    uint16_t idx;               /* Where the driver puts the next entry. */
    uint16_t ring[];
};

#define VRING_AVAIL_F_NO_INTERRUPT 1

/* Split virtqueue: one entry of the device's used ring. */
struct vring_used_elem {
    uint32_t id;                /* Head of the completed chain. */
    uint32_t len;               /* Bytes written into the chain. */
};

/* Split virtqueue: the device's used ring.  'ring' has 'num' entries and is
 * followed by 'avail_event' when EVENT_IDX is negotiated. */
struct vring_used {
    uint16_t flags;             /* VRING_USED_F_NO_NOTIFY. */
    uint16_t idx;               /* Where the device puts the next entry. */
    struct vring_used_elem ring[];
};

#define VRING_USED_F_NO_NOTIFY 1

/* Bytes a split ring of 'num' entries occupies, event fields included. */
static inline uint64_t
vring_desc_size(uint32_t num)
{
    return (uint64_t) num * sizeof(struct vring_desc);
}

static inline uint64_t
vring_avail_size(uint32_t num)
{
    return sizeof(struct vring_avail) + (uint64_t) num * 2 + 2;
}

static inline uint64_t
vring_used_size(uint32_t num)
{
    return sizeof(struct vring_used)
           + (uint64_t) num * sizeof(struct vring_used_elem) + 2;
}

/* Largest queue size a split ring may have. */
#define VRING_MAX_SIZE 32768

/* The header in front of every virtio-net packet.  Legacy devices without
 * MRG_RXBUF use only the first 10 bytes. */
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;       /* Buffers used, with MRG_RXBUF or V1. */
};

#define VIRTIO_NET_HDR_LEGACY_SIZE 10

/* The virtio-net device configuration status bit. */
#define VIRTIO_NET_S_LINK_UP 1

/* Returns true if the 'event' index lies in the window of indexes
 * ('old', 'new'] that moved since the last check, i.e. the other side asked
 * to be notified about one of them (virtio 1.2, 2.7.10). */
static inline bool
vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t) (new_idx - event - 1) < (uint16_t) (new_idx - old_idx);
}

#endif /* virtio-defs.h */
