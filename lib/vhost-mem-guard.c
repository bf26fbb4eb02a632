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

/* Containing faults in guest memory.  See vhost-mem-guard.h. */

#define _GNU_SOURCE 1           /* F_GET_SEALS */

#include "vhost-mem-guard.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A guarded mapping; 'base' is 0 in a free slot.  The handler reads slots
 * while they change, so each field is accessed atomically, and 'base' is
 * set last and cleared first. */
struct vhu_guard_slot {
    uintptr_t base;
    size_t size;
    uint64_t faults;
};

static struct vhu_guard_slot slots[VHU_GUARD_MAX];
static pthread_mutex_t slots_mutex = PTHREAD_MUTEX_INITIALIZER;
static int notify_fd = -1;
static struct sigaction old_action;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_error;

/* Gives SIGBUS the treatment it would have had without us. */
static void
vhu_guard_pass_on(int sig, siginfo_t *info, void *context)
{
    if (old_action.sa_flags & SA_SIGINFO) {
        old_action.sa_sigaction(sig, info, context);
    } else if (old_action.sa_handler != SIG_DFL
               && old_action.sa_handler != SIG_IGN) {
        old_action.sa_handler(sig);
    } else {
        /* Returning re-runs a faulting access, which now gets the default
         * action; a signal that someone sent needs sending again. */
        signal(sig, SIG_DFL);
        if (info->si_code <= 0) {
            raise(sig);
        }
    }
}

static void
vhu_guard_sigbus(int sig, siginfo_t *info, void *context)
{
    uintptr_t addr = (uintptr_t) info->si_addr;
    int saved_errno = errno;

    for (size_t i = 0; info->si_code > 0 && i < VHU_GUARD_MAX; i++) {
        struct vhu_guard_slot *slot = &slots[i];
        uintptr_t base = __atomic_load_n(&slot->base, __ATOMIC_ACQUIRE);
        size_t size = __atomic_load_n(&slot->size, __ATOMIC_RELAXED);

        if (!base || addr - base >= size) {
            continue;
        }
        /* Anonymous memory in place of the whole mapping: one fault per
         * mapping, however many pages are bad, and one mapping to unmap. */
        if (mmap((void *) base, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
                 -1, 0) == MAP_FAILED) {
            break;
        }
        __atomic_add_fetch(&slot->faults, 1, __ATOMIC_RELEASE);

        uint64_t one = 1;
        if (write(notify_fd, &one, sizeof one) < 0) {
            /* Saturated: the owner has a wake-up pending anyway. */
        }
        errno = saved_errno;
        return;
    }
    errno = saved_errno;
    vhu_guard_pass_on(sig, info, context);
}

static void
vhu_guard_init__(void)
{
    struct sigaction sa;

    notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (notify_fd < 0) {
        init_error = errno;
        return;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = vhu_guard_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &old_action)) {
        init_error = errno;
    }
}

/* Installs the SIGBUS handler, once per process.  Returns 0 or a positive
 * errno.  Mappings are registered even without it, but then nothing
 * contains their faults. */
int
vhu_guard_init(void)
{
    pthread_once(&init_once, vhu_guard_init__);
    return init_error;
}

/* A descriptor that becomes readable when a guarded mapping faults, or -1
 * before vhu_guard_init().  Read it with vhu_guard_drain(). */
int
vhu_guard_fd(void)
{
    return notify_fd;
}

/* Clears what vhu_guard_fd() signalled. */
void
vhu_guard_drain(void)
{
    uint64_t n;

    if (notify_fd >= 0 && read(notify_fd, &n, sizeof n) < 0) {
        /* Nothing pending. */
    }
}

/* Guards the mapping at 'base' of 'size' bytes.  Returns its slot, for
 * vhu_guard_faults(), or -1 if every slot is taken. */
int
vhu_guard_add(void *base, size_t size)
{
    int found = -1;

    pthread_mutex_lock(&slots_mutex);
    for (int i = 0; i < VHU_GUARD_MAX; i++) {
        struct vhu_guard_slot *slot = &slots[i];

        if (!__atomic_load_n(&slot->base, __ATOMIC_RELAXED)) {
            __atomic_store_n(&slot->faults, 0, __ATOMIC_RELAXED);
            __atomic_store_n(&slot->size, size, __ATOMIC_RELAXED);
            __atomic_store_n(&slot->base, (uintptr_t) base,
                             __ATOMIC_RELEASE);
            found = i;
            break;
        }
    }
    pthread_mutex_unlock(&slots_mutex);
    return found;
}

/* How many times the mapping in 'slot' faulted: nonzero means that it is
 * now anonymous memory and its front-end must go. */
uint64_t
vhu_guard_faults(int slot)
{
    return (slot >= 0 && slot < VHU_GUARD_MAX
            ? __atomic_load_n(&slots[slot].faults, __ATOMIC_ACQUIRE)
            : 0);
}

/* Stops guarding the mapping at 'base' and unmaps it.  Nothing may touch it
 * any more. */
void
vhu_guard_unmap(void *base, size_t size)
{
    pthread_mutex_lock(&slots_mutex);
    for (int i = 0; i < VHU_GUARD_MAX; i++) {
        struct vhu_guard_slot *slot = &slots[i];

        if (__atomic_load_n(&slot->base, __ATOMIC_RELAXED)
            == (uintptr_t) base) {
            __atomic_store_n(&slot->base, 0, __ATOMIC_RELEASE);
            break;
        }
    }
    pthread_mutex_unlock(&slots_mutex);
    munmap(base, size);
}

/* Maps bytes ['offset', 'offset' + 'size') of 'fd' (which the caller still
 * owns and may close afterwards) and guards the mapping, which may take at
 * most 'max_size' bytes.  The file must be on tmpfs or hugetlbfs, which is
 * told without calling into its filesystem (a FUSE file could block us
 * there), and hold the whole range; if it shrinks later, the guard
 * contains the fault.  Returns 0 or a positive errno. */
int
vhu_guard_map_fd(int fd, uint64_t offset, uint64_t size, uint64_t max_size,
                 struct vhu_guarded_map *map)
{
    struct stat st;

    if (offset > UINT64_MAX - size) {
        return EINVAL;
    }
    /* Only shmem (tmpfs, memfd) and hugetlbfs files have seals to report.
     * Stat them only then: it is a filesystem call. */
    if (fcntl(fd, F_GET_SEALS) < 0) {
        return EBADF;
    }
    if (fstat(fd, &st)) {
        return errno;
    }
    if (!S_ISREG(st.st_mode) || offset + size > (uint64_t) st.st_size) {
        return EINVAL;
    }

    /* hugetlbfs needs offset and length in whole huge pages; st_blksize is
     * the huge page size there and the page size elsewhere. */
    uint64_t align = st.st_blksize > 0 ? st.st_blksize : 4096;
    if (align & (align - 1)) {
        align = 4096;
    }
    uint64_t start = offset & ~(align - 1);
    uint64_t end = ((offset + size + align - 1) & ~(align - 1));
    if (end - start > SIZE_MAX) {
        return EINVAL;
    }
    if (end - start > max_size) {
        return EFBIG;
    }

    void *base = mmap(NULL, end - start, PROT_READ | PROT_WRITE, MAP_SHARED,
                      fd, start);
    if (base == MAP_FAILED) {
        return errno;
    }
    int slot = vhu_guard_add(base, end - start);
    if (slot < 0) {
        munmap(base, end - start);
        return ENOSPC;
    }
    map->base = base;
    map->size = end - start;
    map->data = (uint8_t *) base + (offset - start);
    map->slot = slot;
    return 0;
}
