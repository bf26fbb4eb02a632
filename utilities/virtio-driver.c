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

/* Driver side of a split virtqueue.  See virtio-driver.h. */

#include "virtio-driver.h"

#include <string.h>

static size_t
vdrv_align(size_t n)
{
    return (n + 63) & ~(size_t) 63;
}

size_t
vdrv_ring_size(uint32_t num)
{
    return vdrv_align(vring_desc_size(num)) + vdrv_align(vring_avail_size(num))
           + vdrv_align(vring_used_size(num));
}

/* Offsets of the avail and used rings from the descriptor table. */
uint64_t
vdrv_ring_avail_offset(const struct vdrv_ring *r)
{
    return vdrv_align(vring_desc_size(r->num));
}

uint64_t
vdrv_ring_used_offset(const struct vdrv_ring *r)
{
    return vdrv_ring_avail_offset(r) + vdrv_align(vring_avail_size(r->num));
}

/* Lays out an empty ring of 'num' entries at 'mem', which must have
 * vdrv_ring_size(num) bytes.  'state' must have room for 'num' entries and
 * stay valid as long as the ring. */
void
vdrv_ring_init(struct vdrv_ring *r, void *mem, uint32_t num, bool event_idx,
               struct vdrv_desc_state *state)
{
    memset(r, 0, sizeof *r);
    r->num = num;
    r->event_idx = event_idx;
    r->desc = mem;
    r->avail = (void *) ((uint8_t *) mem + vdrv_ring_avail_offset(r));
    r->used = (void *) ((uint8_t *) mem + vdrv_ring_used_offset(r));
    r->state = state;
    vdrv_ring_reset_positions(r);
}

/* Forgets every chain in flight and empties the ring, as a driver does when
 * it resets the device. */
void
vdrv_ring_reset_positions(struct vdrv_ring *r)
{
    memset(r->desc, 0, vring_desc_size(r->num));
    memset(r->avail, 0, vring_avail_size(r->num));
    memset(r->used, 0, vring_used_size(r->num));
    for (uint32_t i = 0; i < r->num; i++) {
        r->state[i].chain_len = 0;
        r->state[i].next = i + 1 < r->num ? i + 1 : 0;
    }
    r->free_head = 0;
    r->num_free = r->num;
    r->avail_idx = 0;
    r->kick_avail_idx = 0;
    r->last_used_idx = 0;
}

/* Adds a chain of the 'n' buffers in 'segs'.  With 'indirect' nonnull the
 * chain goes into that table (at guest address 'indirect_gpa') and takes one
 * ring descriptor.  Returns the head, or -1 if the ring is full.  The chain
 * is not visible to the device before vdrv_publish(). */
int
vdrv_add(struct vdrv_ring *r, const struct vdrv_seg *segs, unsigned int n,
         struct vring_desc *indirect, uint64_t indirect_gpa)
{
    unsigned int n_descs = indirect ? 1 : n;
    uint16_t head = r->free_head;
    uint16_t idx = head;

    if (!n || n_descs > r->num_free) {
        return -1;
    }
    if (indirect) {
        for (unsigned int i = 0; i < n; i++) {
            indirect[i].addr = segs[i].gpa;
            indirect[i].len = segs[i].len;
            indirect[i].flags = ((segs[i].device_writes ? VRING_DESC_F_WRITE
                                  : 0)
                                 | (i + 1 < n ? VRING_DESC_F_NEXT : 0));
            indirect[i].next = i + 1;
        }
        r->desc[idx].addr = indirect_gpa;
        r->desc[idx].len = n * sizeof *indirect;
        r->desc[idx].flags = VRING_DESC_F_INDIRECT;
        r->desc[idx].next = 0;
        r->free_head = r->state[idx].next;
    } else {
        for (unsigned int i = 0; i < n; i++) {
            r->desc[idx].addr = segs[i].gpa;
            r->desc[idx].len = segs[i].len;
            r->desc[idx].flags = ((segs[i].device_writes ? VRING_DESC_F_WRITE
                                   : 0)
                                  | (i + 1 < n ? VRING_DESC_F_NEXT : 0));
            r->desc[idx].next = r->state[idx].next;
            idx = r->state[idx].next;
        }
        r->free_head = idx;
    }
    r->num_free -= n_descs;
    r->state[head].chain_len = n_descs;
    r->avail->ring[r->avail_idx++ & (r->num - 1)] = head;
    return head;
}

/* Makes the chains added so far visible to the device.  Returns true if the
 * device asked to be kicked about them. */
bool
vdrv_publish(struct vdrv_ring *r)
{
    uint16_t old = r->kick_avail_idx;
    uint16_t new = r->avail_idx;
    bool kick;

    __atomic_store_n(&r->avail->idx, new, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (r->event_idx) {
        uint16_t *avail_event = (uint16_t *) &r->used->ring[r->num];

        kick = vring_need_event(__atomic_load_n(avail_event,
                                                __ATOMIC_RELAXED),
                                new, old);
    } else {
        kick = !(__atomic_load_n(&r->used->flags, __ATOMIC_RELAXED)
                 & VRING_USED_F_NO_NOTIFY);
    }
    r->kick_avail_idx = new;
    return kick && new != old;
}

/* Collects the next used entry, if any, into '*id' and '*len', and returns
 * its descriptors to the free list. */
bool
vdrv_get_used(struct vdrv_ring *r, uint16_t *id, uint32_t *len)
{
    for (;;) {
        uint16_t used_idx = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);

        if (used_idx == r->last_used_idx) {
            return false;
        }
        struct vring_used_elem e = r->used->ring[r->last_used_idx++
                                                 & (r->num - 1)];

        if (e.id >= r->num || !r->state[e.id].chain_len) {
            r->bad_used_id++;
            continue;
        }

        uint16_t n = r->state[e.id].chain_len;
        uint16_t tail = e.id;

        for (uint16_t i = 1; i < n; i++) {
            tail = r->state[tail].next;
        }
        r->state[tail].next = r->free_head;
        r->free_head = e.id;
        r->num_free += n;
        r->state[e.id].chain_len = 0;

        *id = e.id;
        *len = e.len;
        return true;
    }
}

/* Asks for an interrupt when the device uses more entries.  Returns true if
 * some are already there, so that the caller does not sleep on them. */
bool
vdrv_enable_interrupts(struct vdrv_ring *r)
{
    if (r->event_idx) {
        uint16_t *used_event = &r->avail->ring[r->num];

        __atomic_store_n(used_event, r->last_used_idx, __ATOMIC_RELAXED);
    } else {
        __atomic_store_n(&r->avail->flags, 0, __ATOMIC_RELAXED);
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE)
           != r->last_used_idx;
}

/* Tells the device not to interrupt (a hint without EVENT_IDX). */
void
vdrv_disable_interrupts(struct vdrv_ring *r)
{
    if (r->event_idx) {
        uint16_t *used_event = &r->avail->ring[r->num];

        __atomic_store_n(used_event, r->last_used_idx - 1, __ATOMIC_RELAXED);
    } else {
        __atomic_store_n(&r->avail->flags, VRING_AVAIL_F_NO_INTERRUPT,
                         __ATOMIC_RELAXED);
    }
}

/* Returns the number of chains the driver has not collected back yet
 * (vdrv_get_used()). */
unsigned int
vdrv_in_flight(const struct vdrv_ring *r)
{
    unsigned int n = 0;

    for (uint32_t i = 0; i < r->num; i++) {
        n += r->state[i].chain_len != 0;
    }
    return n;
}

/* Returns the number of chains the device has not handed back yet: in
 * flight, less the used entries waiting to be collected. */
unsigned int
vdrv_device_holds(const struct vdrv_ring *r)
{
    uint16_t used = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);

    return vdrv_in_flight(r) - (uint16_t) (used - r->last_used_idx);
}
