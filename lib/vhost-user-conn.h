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

#ifndef VHOST_USER_CONN_H
#define VHOST_USER_CONN_H 1

/* The client end of a vhost-user socket: connecting to the unix socket a
 * front-end (QEMU) serves, and trying again while it is absent.  It has no
 * event loop of its own: the caller passes the time in, polls the
 * descriptor and asks when the next attempt is due.
 *
 * When: at once after a session that got the guest's driver running ends
 * (a restarted QEMU is back soon), then every retry interval while
 * connecting fails.  A session that ends before the driver ran (a peer that
 * accepts and closes, say) makes the next attempt wait twice as long as
 * after the previous such session, up to VHU_CONN_MAX_BACKOFF intervals, so
 * that no peer can make us spin.  Meanwhile the caller may watch the
 * socket's directory (vhu_conn_watch()) and retry as soon as the socket is
 * created there, instead of at the next interval. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

struct inotify_event;

/* Most retry intervals to wait after sessions that keep failing early. */
#define VHU_CONN_MAX_BACKOFF 64

/* A socket that just appeared may refuse connections until its server
 * listens: retried this many times, this many ms apart. */
#define VHU_CONN_APPEARED_RETRIES 50
#define VHU_CONN_APPEARED_DELAY 10

enum vhu_conn_state {
    VHU_CONN_CONNECTING,        /* Not connected; retrying. */
    VHU_CONN_CONNECTED,         /* 'fd' is a connected socket. */
};

struct vhu_conn {
    char path[sizeof ((struct sockaddr_un *) 0)->sun_path];
    int fd;                     /* Connected socket, or -1. */
    enum vhu_conn_state state;
    long long int since;        /* When 'state' was entered (ms). */
    long long int retry_interval;   /* Between attempts (ms). */
    long long int next_attempt; /* When to try next (ms). */
    int last_error;             /* errno of the last failure, or 0. */
    uint64_t n_attempts;        /* Failed attempts since connected. */
    unsigned int n_early_ends;  /* Sessions in a row that ended before the
                                 * guest's driver ran. */
    int watch;                  /* inotify watch of the socket's directory,
                                 * or -1. */
    unsigned int appeared_retries;  /* Quick retries left after the socket
                                     * appeared (vhu_conn_appeared()). */
    uint64_t n_connects;        /* Successful connects. */
    uint64_t n_disconnects;     /* Connections that ended. */
};

int vhu_conn_check_path(const char *path);
void vhu_conn_init(struct vhu_conn *, const char *path,
                   long long int retry_interval, long long int now);
int vhu_conn_run(struct vhu_conn *, long long int now);
void vhu_conn_close(struct vhu_conn *, int error, bool driver_ran,
                    long long int now);
void vhu_conn_watch(struct vhu_conn *, int inotify_fd);
bool vhu_conn_appeared(struct vhu_conn *, const struct inotify_event *,
                       long long int now);
const char *vhu_conn_state_name(enum vhu_conn_state);

#endif /* vhost-user-conn.h */
