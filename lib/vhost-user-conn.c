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

/* Client side of a vhost-user socket.  See vhost-user-conn.h. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1           /* O_PATH */
#endif

#include "vhost-user-conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Returns 0 if 'path' can name the front-end's socket: absolute, and short
 * enough for a unix socket address.  Otherwise EINVAL or ENAMETOOLONG. */
int
vhu_conn_check_path(const char *path)
{
    if (!path || path[0] != '/') {
        return EINVAL;
    }
    if (strlen(path) >= sizeof ((struct sockaddr_un *) 0)->sun_path) {
        return ENAMETOOLONG;
    }
    return 0;
}

/* Initializes 'conn' to connect to 'path' (already checked with
 * vhu_conn_check_path()), first at 'now' and then every 'retry_interval'
 * milliseconds until it succeeds (see vhost-user-conn.h for later). */
void
vhu_conn_init(struct vhu_conn *conn, const char *path,
              long long int retry_interval, long long int now)
{
    memset(conn, 0, sizeof *conn);
    memcpy(conn->path, path, strnlen(path, sizeof conn->path - 1));
    conn->fd = -1;
    conn->state = VHU_CONN_CONNECTING;
    conn->since = now;
    conn->retry_interval = retry_interval;
    conn->next_attempt = now;
    conn->watch = -1;
}

/* Connects the non-blocking socket 'fd' to the socket at exactly 'path':
 * whoever can write in its directory may put a symlink there, to another
 * tenant's socket say, at any moment, and connect() follows symlinks.  So
 * the path's last component is opened without following it, a symlink is
 * refused (ELOOP), and the connection goes through /proc/self/fd, which
 * reaches the very inode opened, whatever the path names by then.  Returns
 * 0 or an errno value. */
static int
vhu_conn_connect_exactly(int fd, const char *path)
{
    struct sockaddr_un sun;
    struct stat st;
    int error = 0;

    int path_fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (path_fd < 0) {
        return errno;
    }
    if (fstat(path_fd, &st)) {
        error = errno;
    } else if (S_ISLNK(st.st_mode)) {
        error = ELOOP;
    } else {
        memset(&sun, 0, sizeof sun);
        sun.sun_family = AF_UNIX;
        snprintf(sun.sun_path, sizeof sun.sun_path, "/proc/self/fd/%d",
                 path_fd);
        if (connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
            error = errno;
        }
    }
    close(path_fd);
    return error;
}

/* Makes a connection attempt if one is due at 'now'.  Returns 0 if 'conn'
 * just connected, EAGAIN if nothing was due (or it is connected already),
 * otherwise the errno of the failed attempt (ELOOP if the path is a
 * symlink); the next one is then scheduled. */
int
vhu_conn_run(struct vhu_conn *conn, long long int now)
{
    int error;
    int fd;

    if (conn->state == VHU_CONN_CONNECTED || now < conn->next_attempt) {
        return EAGAIN;
    }

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = errno;
    } else if ((error = vhu_conn_connect_exactly(fd, conn->path))) {
        /* A unix socket connects at once; EAGAIN means a full backlog,
         * which is as good as absent. */
        close(fd);
    } else {
        conn->fd = fd;
        conn->state = VHU_CONN_CONNECTED;
        conn->since = now;
        conn->last_error = 0;
        conn->n_attempts = 0;
        conn->appeared_retries = 0;
        conn->n_connects++;
        return 0;
    }

    conn->last_error = error;
    conn->n_attempts++;
    if (conn->appeared_retries && error == ECONNREFUSED) {
        /* The server binds its socket (which we saw appear) before it
         * listens on it: try again in a moment. */
        conn->appeared_retries--;
        conn->next_attempt = now + VHU_CONN_APPEARED_DELAY;
    } else {
        conn->appeared_retries = 0;
        conn->next_attempt = now + conn->retry_interval;
    }
    return error;
}

/* Drops the connection, if any, because of 'error' (0 for none), and
 * schedules the next attempt: at once if the guest's driver ran during the
 * session ('driver_ran'), otherwise after a backoff that doubles with each
 * such session in a row. */
void
vhu_conn_close(struct vhu_conn *conn, int error, bool driver_ran,
               long long int now)
{
    long long int delay = 0;

    if (conn->fd >= 0) {
        close(conn->fd);
        conn->fd = -1;
        conn->n_disconnects++;
        if (driver_ran) {
            conn->n_early_ends = 0;
        } else {
            unsigned int shift = conn->n_early_ends++;
            unsigned int max_shift = __builtin_ctz(VHU_CONN_MAX_BACKOFF);

            delay = conn->retry_interval << (shift < max_shift ? shift
                                             : max_shift);
        }
    }
    conn->state = VHU_CONN_CONNECTING;
    conn->since = now;
    conn->last_error = error;
    conn->next_attempt = now + delay;
}

/* Watches the directory of the socket with 'inotify_fd', the caller's
 * inotify instance (one can serve many connections), so that the caller
 * learns when the socket is created there.  Without a watch (the directory
 * does not exist yet, say) attempts are made every retry interval. */
void
vhu_conn_watch(struct vhu_conn *conn, int inotify_fd)
{
    char dir[sizeof conn->path];
    char *slash;

    if (conn->watch >= 0 || inotify_fd < 0) {
        return;
    }
    memcpy(dir, conn->path, sizeof dir);
    slash = strrchr(dir, '/');
    if (!slash) {
        return;
    }
    if (slash == dir) {
        slash++;                /* The root directory. */
    }
    *slash = '\0';
    conn->watch = inotify_add_watch(inotify_fd, dir,
                                    IN_CREATE | IN_MOVED_TO | IN_ATTRIB);
}

/* Tells 'conn' about inotify event 'ev': if it names the socket 'conn' is
 * trying to reach, the next attempt is made at once.  Returns true in that
 * case. */
bool
vhu_conn_appeared(struct vhu_conn *conn, const struct inotify_event *ev,
                  long long int now)
{
    const char *name = strrchr(conn->path, '/') + 1;

    if (conn->state != VHU_CONN_CONNECTING || ev->wd != conn->watch
        || !ev->len || strcmp(ev->name, name)) {
        return false;
    }
    /* Even during a backoff: a new socket is the peer's own work, and our
     * reconnection may have raced with the old one going away. */
    if (conn->next_attempt > now) {
        conn->next_attempt = now;
    }
    conn->appeared_retries = VHU_CONN_APPEARED_RETRIES;
    return true;
}

const char *
vhu_conn_state_name(enum vhu_conn_state state)
{
    switch (state) {
    case VHU_CONN_CONNECTING:
        return "connecting";
    case VHU_CONN_CONNECTED:
        return "connected";
    }
    return "unknown";
}
