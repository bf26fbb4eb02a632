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

/* Guest memory table: mapping the front-end's region fds and translating
 * guest addresses.  See vhost-mem.h. */

#include "vhost-mem.h"

#include <errno.h>
#include <string.h>

#include "vhost-mem-guard.h"
#include "vhost-user-proto.h"

void
vhu_mem_init(struct vhu_mem *mem)
{
    memset(mem, 0, sizeof *mem);
}

/* Makes 'mem' unmap regions with 'unmap', passing it 'aux'. */
void
vhu_mem_set_unmap(struct vhu_mem *mem, vhu_mem_unmap_func *unmap, void *aux)
{
    mem->unmap = unmap;
    mem->unmap_aux = aux;
}

static void
vhu_mem_unmap_region(struct vhu_mem *mem, struct vhu_mem_region *r)
{
    if (r->map_base) {
        if (mem->unmap) {
            mem->unmap(mem->unmap_aux, r->map_base, r->map_size);
        } else {
            vhu_guard_unmap(r->map_base, r->map_size);
        }
        mem->mapped -= r->map_size;
    }
    memset(r, 0, sizeof *r);
}

/* Unmaps every region. */
void
vhu_mem_clear(struct vhu_mem *mem)
{
    for (unsigned int i = 0; i < mem->n_regions; i++) {
        vhu_mem_unmap_region(mem, &mem->regions[i]);
    }
    mem->n_regions = 0;
}

/* Returns the index of the region of 'mem' identical to 'desc', or -1. */
static int
vhu_mem_find__(const struct vhu_mem *mem,
               const struct vhost_user_memory_region *desc)
{
    for (unsigned int i = 0; i < mem->n_regions; i++) {
        const struct vhu_mem_region *r = &mem->regions[i];

        if (r->gpa == desc->guest_phys_addr
            && r->size == desc->memory_size
            && r->uva == desc->userspace_addr
            && r->fd_offset == desc->mmap_offset) {
            return i;
        }
    }
    return -1;
}

static struct vhu_mem_region *
vhu_mem_find(struct vhu_mem *mem, const struct vhost_user_memory_region *desc)
{
    int i = vhu_mem_find__(mem, desc);

    return i >= 0 ? &mem->regions[i] : NULL;
}

/* Returns true if 'mem' has a region identical to 'desc'. */
bool
vhu_mem_has_region(const struct vhu_mem *mem,
                   const struct vhost_user_memory_region *desc)
{
    return vhu_mem_find__(mem, desc) >= 0;
}

/* Checks 'desc' for sanity and against the regions already in 'mem'.
 * Returns 0 or a positive errno. */
static int
vhu_mem_check_new(const struct vhu_mem *mem,
                  const struct vhost_user_memory_region *desc)
{
    uint64_t size = desc->memory_size;

    if (!size
        || desc->guest_phys_addr + size < desc->guest_phys_addr
        || desc->userspace_addr + size < desc->userspace_addr
        || desc->mmap_offset + size < desc->mmap_offset
        || size > SIZE_MAX) {
        return EINVAL;
    }
    if (mem->n_regions >= VHU_MEM_MAX_REGIONS) {
        return ENOSPC;
    }
    for (unsigned int i = 0; i < mem->n_regions; i++) {
        const struct vhu_mem_region *r = &mem->regions[i];

        if (desc->guest_phys_addr < r->gpa + r->size
            && r->gpa < desc->guest_phys_addr + size) {
            return EEXIST;
        }
    }
    return 0;
}

static void
vhu_mem_append(struct vhu_mem *mem,
               const struct vhost_user_memory_region *desc, uint8_t *hva,
               void *map_base, size_t map_size, int guard)
{
    struct vhu_mem_region *r = &mem->regions[mem->n_regions++];

    r->gpa = desc->guest_phys_addr;
    r->size = desc->memory_size;
    r->uva = desc->userspace_addr;
    r->fd_offset = desc->mmap_offset;
    r->hva = hva;
    r->map_base = map_base;
    r->map_size = map_size;
    r->guard = guard;
    r->refs = 1;
    mem->mapped += map_size;
}

/* Maps the region 'desc' from 'fd' (which the caller still owns and may
 * close afterwards) and adds it to 'mem'.  The file must be shared memory
 * large enough for the whole region (see vhu_guard_map_fd()).
 *
 * Adding a region identical to one in 'mem' only counts it again: QEMU runs
 * one vhost device per queue pair over a single socket, and each of them
 * adds (and later removes) every region.  Returns 0 or a positive errno. */
int
vhu_mem_add_fd(struct vhu_mem *mem,
               const struct vhost_user_memory_region *desc, int fd)
{
    struct vhu_mem_region *same = vhu_mem_find(mem, desc);
    struct vhu_guarded_map map;
    int error;

    if (same) {
        same->refs++;
        return 0;
    }
    error = vhu_mem_check_new(mem, desc);
    if (!error) {
        error = vhu_guard_map_fd(fd, desc->mmap_offset, desc->memory_size,
                                 VHU_MEM_MAX_MAPPED - mem->mapped, &map);
    }
    if (!error) {
        vhu_mem_append(mem, desc, map.data, map.base, map.size, map.slot);
    }
    return error;
}

/* Adds region 'desc' whose guest memory the caller already has at 'hva'.
 * For tests and fuzzers; such regions are never unmapped by us. */
int
vhu_mem_add_mapped(struct vhu_mem *mem,
                   const struct vhost_user_memory_region *desc, void *hva)
{
    int error = vhu_mem_check_new(mem, desc);

    if (!error) {
        vhu_mem_append(mem, desc, hva, NULL, 0, -1);
    }
    return error;
}

/* Returns true if removing 'desc' from 'mem' would unmap it, false if it
 * would only drop one of several references (or 'desc' is not there). */
bool
vhu_mem_remove_unmaps(const struct vhu_mem *mem,
                      const struct vhost_user_memory_region *desc)
{
    int i = vhu_mem_find__(mem, desc);

    return i >= 0 && mem->regions[i].refs == 1;
}

/* Drops a reference to the region identical to 'desc' (same guest-physical
 * start, size, front-end address and offset) and unmaps it when none is
 * left.  Returns 0 or ENOENT. */
int
vhu_mem_remove(struct vhu_mem *mem,
               const struct vhost_user_memory_region *desc)
{
    struct vhu_mem_region *r = vhu_mem_find(mem, desc);

    if (!r) {
        return ENOENT;
    }
    if (!--r->refs) {
        struct vhu_mem_region *last = &mem->regions[--mem->n_regions];

        vhu_mem_unmap_region(mem, r);
        if (r != last) {
            *r = *last;
            memset(last, 0, sizeof *last);
        }
    }
    return 0;
}

/* Returns the index of a region of 'mem' whose mapping faulted (see
 * vhost-mem-guard.h), or -1 if none did. */
int
vhu_mem_faulted(const struct vhu_mem *mem)
{
    for (unsigned int i = 0; i < mem->n_regions; i++) {
        if (vhu_guard_faults(mem->regions[i].guard)) {
            return i;
        }
    }
    return -1;
}

/* Returns true if 'mem' holds exactly the 'n' regions in 'descs', in any
 * order.  Front-ends resend an unchanged table often; recognising it spares
 * remapping and pausing the rings. */
bool
vhu_mem_equals(const struct vhu_mem *mem,
               const struct vhost_user_memory_region *descs, unsigned int n)
{
    if (n != mem->n_regions) {
        return false;
    }
    for (unsigned int i = 0; i < n; i++) {
        bool found = false;

        for (unsigned int j = 0; j < mem->n_regions && !found; j++) {
            const struct vhu_mem_region *r = &mem->regions[j];

            found = (r->gpa == descs[i].guest_phys_addr
                     && r->size == descs[i].memory_size
                     && r->uva == descs[i].userspace_addr
                     && r->fd_offset == descs[i].mmap_offset);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* The region that holds all of the front-end virtual range ['uva', 'uva' +
 * 'size'), or NULL. */
static const struct vhu_mem_region *
vhu_mem_uva_region(const struct vhu_mem *mem, uint64_t uva, uint64_t size)
{
    for (unsigned int i = 0; i < mem->n_regions; i++) {
        const struct vhu_mem_region *r = &mem->regions[i];
        uint64_t offset = uva - r->uva;

        if (offset < r->size && size <= r->size - offset) {
            return r;
        }
    }
    return NULL;
}

/* Translates the front-end virtual range ['uva', 'uva' + 'size') into our
 * address space.  The whole range must lie in one region, because rings are
 * accessed as plain arrays.  Returns NULL if it does not. */
void *
vhu_mem_uva_to_hva(const struct vhu_mem *mem, uint64_t uva, uint64_t size)
{
    const struct vhu_mem_region *r = vhu_mem_uva_region(mem, uva, size);

    return r ? r->hva + (uva - r->uva) : NULL;
}

/* Stores in '*gpa' the guest-physical address of the front-end virtual
 * range ['uva', 'uva' + 'size'), which must lie in one region.  Returns
 * false if it does not. */
bool
vhu_mem_uva_to_gpa(const struct vhu_mem *mem, uint64_t uva, uint64_t size,
                   uint64_t *gpa)
{
    const struct vhu_mem_region *r = vhu_mem_uva_region(mem, uva, size);

    if (!r) {
        return false;
    }
    *gpa = r->gpa + (uva - r->uva);
    return true;
}

/* Slow path of vhu_mem_gpa_to_hva(): searches every region. */
void *
vhu_mem_gpa_to_hva__(const struct vhu_mem *mem, uint64_t gpa,
                     uint64_t *size, uint32_t *hint)
{
    for (unsigned int i = 0; i < mem->n_regions; i++) {
        void *hva = vhu_mem_region_gpa_to_hva(&mem->regions[i], gpa, size);

        if (hva) {
            *hint = i;
            return hva;
        }
    }
    return NULL;
}
