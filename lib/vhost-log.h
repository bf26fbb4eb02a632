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

#ifndef VHOST_LOG_H
#define VHOST_LOG_H 1

/* The dirty-page log of live migration.
 *
 * While the front-end migrates the guest, it asks us (VHOST_F_LOG_ALL) to
 * mark every page of guest memory we write in a bitmap it shares with us
 * (SET_LOG_BASE): bit N for the 4 KiB page at guest-physical address
 * N * 4096, bits in bytes in increasing order.  It reads and clears the
 * bitmap concurrently, so bits are set with atomic read-modify-writes, and
 * with release semantics: a page must be marked after it was written, or
 * the front-end could copy it before the write and clear the mark.
 * Pages beyond the bitmap are not ours to mark: the front-end sized it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VHU_LOG_PAGE_SHIFT 12

/* Largest bitmap we map: enough for 4 TiB of guest memory. */
#define VHU_LOG_MAX_SIZE (UINT64_C(1) << 27)

struct vhu_log {
    uint8_t *bits;              /* NULL if none is mapped. */
    uint64_t size;              /* Bytes at 'bits'. */
    void *map;                  /* The mapping 'bits' is in. */
    size_t map_size;
    int guard;                  /* vhost-mem-guard.h slot, or -1. */
};

void vhu_log_init(struct vhu_log *);
int vhu_log_map(struct vhu_log *, int fd, uint64_t size, uint64_t offset);
void vhu_log_set_mapped(struct vhu_log *, void *bits, uint64_t size);
void vhu_log_clear(struct vhu_log *);

/* Marks the pages of guest-physical range ['gpa', 'gpa' + 'len') in 'log'
 * and returns how many of them were not marked yet.  The work is bounded by
 * the bitmap, not by 'len'. */
static inline uint64_t
vhu_log_mark(const struct vhu_log *log, uint64_t gpa, uint64_t len)
{
    uint64_t n_bits = log->size * 8;
    uint64_t first = gpa >> VHU_LOG_PAGE_SHIFT;
    uint64_t last;
    uint64_t newly = 0;

    if (!len || first >= n_bits) {
        return 0;
    }
    last = (len - 1 > UINT64_MAX - gpa
            ? UINT64_MAX : gpa + len - 1) >> VHU_LOG_PAGE_SHIFT;
    if (last >= n_bits) {
        last = n_bits - 1;
    }
    for (uint64_t page = first; page <= last; page++) {
        uint8_t bit = 1u << (page & 7);

        if (!(__atomic_fetch_or(&log->bits[page >> 3], bit, __ATOMIC_RELEASE)
              & bit)) {
            newly++;
        }
    }
    return newly;
}

#endif /* vhost-log.h */
