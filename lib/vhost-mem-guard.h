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

#ifndef VHOST_MEM_GUARD_H
#define VHOST_MEM_GUARD_H 1

/* Containing faults in guest memory.
 *
 * Touching a file mapping beyond the end of its file raises SIGBUS, and so
 * does touching a page its filesystem cannot supply (a sparse file on a full
 * tmpfs, hugetlbfs out of pages).  A front-end may shrink a memory file it
 * did not seal after we mapped it.  Such memory is not refused, because
 * some front-ends pass it; instead every mapping of a front-end's file
 * (guest memory, a migration's dirty log) is registered here, most made by
 * vhu_guard_map_fd(), which does both.  Our SIGBUS handler, on a fault
 * inside one, replaces that whole mapping with anonymous memory, counts the
 * fault and wakes whoever polls vhu_guard_fd().  The faulting access then
 * completes on harmless memory, whatever thread made it, and the owner of
 * the mapping disconnects its front-end.  A fault anywhere else gets the
 * action it would have had without us.
 *
 * Registering and unregistering take a mutex; the handler takes nothing and
 * makes only async-signal-safe calls. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Mappings that can be guarded at once: every region of every port. */
#define VHU_GUARD_MAX 4096

int vhu_guard_init(void);
int vhu_guard_fd(void);
void vhu_guard_drain(void);

int vhu_guard_add(void *base, size_t size);
uint64_t vhu_guard_faults(int slot);
void vhu_guard_unmap(void *base, size_t size);

/* A guarded mapping of part of a front-end's shared-memory file. */
struct vhu_guarded_map {
    void *base;                 /* For vhu_guard_unmap(), with 'size'. */
    size_t size;
    uint8_t *data;              /* Where the part asked for begins. */
    int slot;                   /* For vhu_guard_faults(). */
};

int vhu_guard_map_fd(int fd, uint64_t offset, uint64_t size,
                     uint64_t max_size, struct vhu_guarded_map *);

#endif /* vhost-mem-guard.h */
