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

#include "vhost-log.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "vhost-mem-guard.h"

void
vhu_log_init(struct vhu_log *log)
{
    memset(log, 0, sizeof *log);
    log->guard = -1;
}

/* Maps the 'size' bytes at 'offset' in 'fd' (which the caller still owns)
 * as 'log''s bitmap, replacing any it had.  The file must be shared memory
 * holding that range, as guest memory must (see vhu_guard_map_fd()).
 * Returns 0 or a positive errno, and then leaves 'log' as it was. */
int
vhu_log_map(struct vhu_log *log, int fd, uint64_t size, uint64_t offset)
{
    struct vhu_guarded_map map;
    int error;

    if (!size || size > VHU_LOG_MAX_SIZE) {
        return EINVAL;
    }
    error = vhu_guard_map_fd(fd, offset, size, SIZE_MAX, &map);
    if (error) {
        return error;
    }
    vhu_log_clear(log);
    log->bits = map.data;
    log->size = size;
    log->map = map.base;
    log->map_size = map.size;
    log->guard = map.slot;
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
