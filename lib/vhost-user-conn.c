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

#include "vhost-user-conn.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
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
 * milliseconds until it succeeds. */
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
}

/* Makes a connection attempt if one is due at 'now'.  Returns 0 if 'conn'
 * just connected, EAGAIN if nothing was due (or it is connected already),
 * otherwise the errno of the failed attempt; the next one is then
 * scheduled. */
int
vhu_conn_run(struct vhu_conn *conn, long long int now)
{
    struct sockaddr_un sun;
    int error;
    int fd;

    if (conn->state == VHU_CONN_CONNECTED || now < conn->next_attempt) {
        return EAGAIN;
    }

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, conn->path, sizeof sun.sun_path);

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = errno;
    } else if (connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
        /* A unix socket connects at once; EAGAIN means a full backlog,
         * which is as good as absent. */
        error = errno;
        close(fd);
    } else {
        conn->fd = fd;
        conn->state = VHU_CONN_CONNECTED;
        conn->since = now;
        conn->last_error = 0;
        conn->n_attempts = 0;
        conn->n_connects++;
        return 0;
    }

    conn->last_error = error;
    conn->n_attempts++;
    conn->next_attempt = now + conn->retry_interval;
    return error;
}

/* Drops the connection, if any, because of 'error' (0 for none) and
 * schedules the next attempt one retry interval after 'now'. */
void
vhu_conn_close(struct vhu_conn *conn, int error, long long int now)
{
    if (conn->fd >= 0) {
        close(conn->fd);
        conn->fd = -1;
        conn->n_disconnects++;
    }
    conn->state = VHU_CONN_CONNECTING;
    conn->since = now;
    conn->last_error = error;
    conn->next_attempt = now + conn->retry_interval;
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
