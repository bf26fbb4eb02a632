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

/* Unblocking datapath threads stuck on a call eventfd.  See
 * vhost-call-watch.h. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1           /* preadv2() */
#endif

#include "vhost-call-watch.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

struct vhu_call_watch {
    const uint32_t *seq;        /* The ring's call sequence, NULL if free. */
    int fd;                     /* Our duplicate of its call eventfd. */
    uint32_t last_seen;         /* 'seq' at the previous look. */
    bool fired;                 /* Emptied because a write was stuck. */
};

/* The watch thread sleeps with one timespec's tv_nsec, which must stay
 * under a second: nanosleep() refuses it otherwise, and the thread would
 * spin. */
_Static_assert(VHU_CALL_WATCH_INTERVAL < 1000,
               "VHU_CALL_WATCH_INTERVAL is too long for tv_nsec");

static struct vhu_call_watch watches[VHU_CALL_WATCH_MAX];
static pthread_mutex_t watches_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;

static void
vhu_call_watch_look(struct vhu_call_watch *w)
{
    uint32_t seq = __atomic_load_n(w->seq, __ATOMIC_RELAXED);

    if (seq & 1 && seq == w->last_seen) {
        uint64_t count;
        struct iovec iov = { &count, sizeof count };

        if (preadv2(w->fd, &iov, 1, -1, RWF_NOWAIT) < 0) {
            /* Empty already: the write is about to finish. */
        }
        w->fired = true;
    }
    w->last_seen = seq;
}

static void *
vhu_call_watch_main(void *arg)
{
    const struct timespec interval = {
        .tv_nsec = VHU_CALL_WATCH_INTERVAL * 1000 * 1000,
    };

    (void) arg;
    for (;;) {
        nanosleep(&interval, NULL);
        pthread_mutex_lock(&watches_mutex);
        for (int i = 0; i < VHU_CALL_WATCH_MAX; i++) {
            if (watches[i].seq) {
                vhu_call_watch_look(&watches[i]);
            }
        }
        pthread_mutex_unlock(&watches_mutex);
    }
    return NULL;
}

static void
vhu_call_watch_start(void)
{
    pthread_t thread;

    if (!pthread_create(&thread, NULL, vhu_call_watch_main, NULL)) {
        pthread_detach(thread);
    }
}

/* Watches the writes of the ring whose call sequence is '*seq' to
 * 'call_fd' (which the caller keeps).  Returns a slot for
 * vhu_call_watch_fired() and vhu_call_watch_remove(), or -1 if it cannot be
 * watched. */
int
vhu_call_watch_add(const uint32_t *seq, int call_fd)
{
    int fd = fcntl(call_fd, F_DUPFD_CLOEXEC, 0);
    int slot = -1;

    if (fd < 0) {
        return -1;
    }
    pthread_once(&watch_once, vhu_call_watch_start);
    pthread_mutex_lock(&watches_mutex);
    for (int i = 0; i < VHU_CALL_WATCH_MAX; i++) {
        if (!watches[i].seq) {
            watches[i] = (struct vhu_call_watch) {
                .seq = seq,
                .fd = fd,
                .last_seen = __atomic_load_n(seq, __ATOMIC_RELAXED),
            };
            slot = i;
            break;
        }
    }
    pthread_mutex_unlock(&watches_mutex);
    if (slot < 0) {
        close(fd);
    }
    return slot;
}

/* Stops watching 'slot' (-1 is ignored). */
void
vhu_call_watch_remove(int slot)
{
    if (slot >= 0 && slot < VHU_CALL_WATCH_MAX) {
        pthread_mutex_lock(&watches_mutex);
        close(watches[slot].fd);
        watches[slot].seq = NULL;
        pthread_mutex_unlock(&watches_mutex);
    }
}

/* Returns true if the ring in 'slot' had a write stuck on its call eventfd:
 * its front-end made it block on purpose. */
bool
vhu_call_watch_fired(int slot)
{
    bool fired = false;

    if (slot >= 0 && slot < VHU_CALL_WATCH_MAX) {
        pthread_mutex_lock(&watches_mutex);
        fired = watches[slot].fired;
        pthread_mutex_unlock(&watches_mutex);
    }
    return fired;
}
