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

#ifndef VIRTIO_DRIVER_H
#define VIRTIO_DRIVER_H 1

/* The driver side of a split virtqueue, as a guest's virtio driver runs it:
 * adding descriptor chains, publishing them, collecting used entries and
 * asking for (or not) interrupts.  For our test front-end and for unit
 * tests of the device side; pure C, no OVS.  It trusts its own memory: the
 * device is the one under test. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio-defs.h"

/* One buffer of a chain, by guest-physical address. */
struct vdrv_seg {
    uint64_t gpa;
    uint32_t len;
    bool device_writes;         /* VRING_DESC_F_WRITE. */
};

/* What the driver keeps of each descriptor, apart from the ring: the
 * descriptors themselves may be rewritten (by tests that spoil chains, or a
 * bad device), so the free list does not run through them. */
struct vdrv_desc_state {
    uint16_t chain_len;         /* Descriptors of the chain this one heads,
                                 * 0 if it heads none in flight. */
    uint16_t next;              /* Next descriptor, free or of its chain. */
};

struct vdrv_ring {
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    uint32_t num;
    bool event_idx;             /* VIRTIO_RING_F_EVENT_IDX negotiated. */

    uint16_t free_head;         /* Free descriptors, linked by 'next'. */
    uint32_t num_free;
    uint16_t avail_idx;         /* Our next avail entry. */
    uint16_t kick_avail_idx;    /* avail_idx when we last decided to kick. */
    uint16_t last_used_idx;     /* Next used entry to collect. */
    struct vdrv_desc_state *state;  /* One per descriptor. */

    /* Errors of the device, seen from here. */
    uint64_t bad_used_id;       /* Used entry for a head not in flight. */
};

/* Bytes a ring of 'num' entries needs, each part aligned to 64 bytes. */
size_t vdrv_ring_size(uint32_t num);
void vdrv_ring_init(struct vdrv_ring *, void *mem, uint32_t num,
                    bool event_idx, struct vdrv_desc_state *);
void vdrv_ring_reset_positions(struct vdrv_ring *);
uint64_t vdrv_ring_avail_offset(const struct vdrv_ring *);
uint64_t vdrv_ring_used_offset(const struct vdrv_ring *);

int vdrv_add(struct vdrv_ring *, const struct vdrv_seg *, unsigned int n,
             struct vring_desc *indirect, uint64_t indirect_gpa);
bool vdrv_publish(struct vdrv_ring *);
bool vdrv_get_used(struct vdrv_ring *, uint16_t *id, uint32_t *len);
bool vdrv_enable_interrupts(struct vdrv_ring *);
void vdrv_disable_interrupts(struct vdrv_ring *);
unsigned int vdrv_in_flight(const struct vdrv_ring *);
unsigned int vdrv_device_holds(const struct vdrv_ring *);

#endif /* virtio-driver.h */
