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

#ifndef VHOST_MEM_H
#define VHOST_MEM_H 1

/* Guest memory table.
 *
 * The front-end shares guest RAM as a few regions, each a file descriptor we
 * map.  Rings are located by the front-end's virtual addresses ("uva"),
 * buffers by guest-physical addresses ("gpa"); both translate here into our
 * own addresses ("hva"), always with the length the caller wants to touch,
 * so that nothing a guest writes can make us read or write outside a
 * mapping.
 *
 * The table is changed only while no datapath thread uses it (the device
 * layer pauses live rings first), so lookups need no locking.  Every
 * mapping is registered with vhost-mem-guard.h, which contains the faults
 * of a file that shrinks under us. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vhost_user_memory_region;

/* Regions we accept (reported through GET_MAX_MEM_SLOTS). */
#define VHU_MEM_MAX_REGIONS 32

/* Bytes one table may map: 1 TiB.  A front-end could otherwise exhaust our
 * address space with sparse files of many TiB. */
#define VHU_MEM_MAX_MAPPED (1ULL << 40)

/* One mapped region. */
struct vhu_mem_region {
    uint64_t gpa;               /* Guest-physical start. */
    uint64_t size;              /* Bytes; 0 marks an unused slot. */
    uint64_t uva;               /* Front-end's virtual start. */
    uint64_t fd_offset;         /* Where the region starts in its fd. */
    uint8_t *hva;               /* Our address of 'gpa'. */
    void *map_base;             /* What mmap() returned, NULL if the caller
                                 * supplied the memory (tests, fuzzers). */
    size_t map_size;            /* Bytes mapped at 'map_base'. */
    int guard;                  /* vhost-mem-guard.h slot, or -1. */
    unsigned int refs;          /* Times added (see vhu_mem_add_fd()). */
};

/* Unmaps a region that vhu_mem_add_fd() mapped.  vhu_guard_unmap() by
 * default; a user whose other threads may still read guest memory (for
 * display, say) can defer it until they cannot, and must then call
 * vhu_guard_unmap() itself. */
typedef void vhu_mem_unmap_func(void *aux, void *base, size_t size);

/* A guest memory table.  Slots beyond 'n_regions' are zeroed, so that a
 * lookup hint may point at any slot. */
struct vhu_mem {
    unsigned int n_regions;
    struct vhu_mem_region regions[VHU_MEM_MAX_REGIONS];
    uint64_t mapped;            /* Sum of the regions' 'map_size'. */
    vhu_mem_unmap_func *unmap;  /* NULL for munmap(). */
    void *unmap_aux;
};

void vhu_mem_init(struct vhu_mem *);
void vhu_mem_set_unmap(struct vhu_mem *, vhu_mem_unmap_func *, void *aux);
void vhu_mem_clear(struct vhu_mem *);

int vhu_mem_add_fd(struct vhu_mem *, const struct vhost_user_memory_region *,
                   int fd);
int vhu_mem_add_mapped(struct vhu_mem *,
                       const struct vhost_user_memory_region *, void *hva);
int vhu_mem_remove(struct vhu_mem *, const struct vhost_user_memory_region *);
bool vhu_mem_has_region(const struct vhu_mem *,
                        const struct vhost_user_memory_region *);
bool vhu_mem_remove_unmaps(const struct vhu_mem *,
                           const struct vhost_user_memory_region *);
int vhu_mem_faulted(const struct vhu_mem *);
bool vhu_mem_equals(const struct vhu_mem *,
                    const struct vhost_user_memory_region *, unsigned int n);

void *vhu_mem_uva_to_hva(const struct vhu_mem *, uint64_t uva, uint64_t size);
bool vhu_mem_uva_to_gpa(const struct vhu_mem *, uint64_t uva, uint64_t size,
                        uint64_t *gpa);
void *vhu_mem_gpa_to_hva__(const struct vhu_mem *, uint64_t gpa,
                           uint64_t *size, uint32_t *hint);

/* Translates 'gpa' through region 'r' alone: see vhu_mem_gpa_to_hva(). */
static inline void *
vhu_mem_region_gpa_to_hva(const struct vhu_mem_region *r, uint64_t gpa,
                          uint64_t *size)
{
    uint64_t offset = gpa - r->gpa;

    if (offset >= r->size) {
        return NULL;
    }
    if (*size > r->size - offset) {
        *size = r->size - offset;
    }
    return r->hva + offset;
}

/* Translates guest-physical 'gpa' to our address.  On input '*size' is how
 * many bytes the caller wants; on success it is reduced to how many of them
 * are contiguous at the returned address (at least 1).  Returns NULL if
 * 'gpa' is not guest memory.  '*hint' caches the last region used; it must
 * start below VHU_MEM_MAX_REGIONS and stays there. */
static inline void *
vhu_mem_gpa_to_hva(const struct vhu_mem *mem, uint64_t gpa, uint64_t *size,
                   uint32_t *hint)
{
    uint32_t i = *hint;
    void *hva = vhu_mem_region_gpa_to_hva(&mem->regions[i], gpa, size);

    return hva ? hva : vhu_mem_gpa_to_hva__(mem, gpa, size, hint);
}

/* Translates the 'len' bytes at guest-physical 'gpa' if they are contiguous
 * in one region, else returns NULL (they may still be guest memory, in
 * pieces that vhu_mem_gpa_to_hva() finds one by one). */
static inline void *
vhu_mem_gpa_to_hva_whole(const struct vhu_mem *mem, uint64_t gpa,
                         uint64_t len, uint32_t *hint)
{
    uint64_t n = len;
    void *hva = vhu_mem_gpa_to_hva(mem, gpa, &n, hint);

    return n == len ? hva : NULL;
}

#endif /* vhost-mem.h */
