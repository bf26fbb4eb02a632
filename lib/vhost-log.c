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

/* The dirty-page log.  See vhost-log.h. */

#define _GNU_SOURCE 1           /* F_GET_SEALS */

#include "vhost-log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "vhost-mem-guard.h"

void
vhu_log_init(struct vhu_log *log)
{
    memset(log, 0, sizeof *log);
    log->guard = -1;
}

/* Maps the 'size' bytes at 'offset' in 'fd' (which the caller still owns)
 * as 'log''s bitmap, replacing any it had.  The file must be shared memory
 * (a memfd or on tmpfs or hugetlbfs, as guest memory must) holding that
 * range; if it shrinks later, vhost-mem-guard.h contains the fault.
 * Returns 0 or a positive errno, and then leaves 'log' as it was. */
int
vhu_log_map(struct vhu_log *log, int fd, uint64_t size, uint64_t offset)
{
    struct stat st;
    void *map;
    int guard;

    if (!size || size > VHU_LOG_MAX_SIZE || offset > UINT64_MAX - size) {
        return EINVAL;
    }
    /* As for guest memory: only shmem and hugetlbfs files have seals to
     * report, and only then is fstat() sure not to block. */
    if (fcntl(fd, F_GET_SEALS) < 0) {
        return EBADF;
    }
    if (fstat(fd, &st)) {
        return errno;
    }
    if (!S_ISREG(st.st_mode) || offset + size > (uint64_t) st.st_size) {
        return EINVAL;
    }

    /* mmap() wants a page-aligned offset (a huge page on hugetlbfs). */
    uint64_t align = st.st_blksize > 0 ? st.st_blksize : 4096;
    if (align & (align - 1)) {
        align = 4096;
    }
    uint64_t start = offset & ~(align - 1);
    uint64_t end = (offset + size + align - 1) & ~(align - 1);

    map = mmap(NULL, end - start, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
               start);
    if (map == MAP_FAILED) {
        return errno;
    }
    guard = vhu_guard_add(map, end - start);
    if (guard < 0) {
        munmap(map, end - start);
        return ENOSPC;
    }

    vhu_log_clear(log);
    log->bits = (uint8_t *) map + (offset - start);
    log->size = size;
    log->map = map;
    log->map_size = end - start;
    log->guard = guard;
    return 0;
}

/* Makes the 'size' bytes at 'bits', which the caller keeps mapped, 'log''s
 * bitmap.  For tests and fuzzers. */
void
vhu_log_set_mapped(struct vhu_log *log, void *bits, uint64_t size)
{
    vhu_log_clear(log);
    log->bits = bits;
    log->size = size;
}

/* Unmaps 'log''s bitmap, if it has one.  No ring may be using it. */
void
vhu_log_clear(struct vhu_log *log)
{
    if (log->map) {
        vhu_guard_unmap(log->map, log->map_size);
    }
    vhu_log_init(log);
}
