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

/* Unit tests of lib/vhost-user-conn: path checks and the client's
 * connect-and-retry cycle against a real unix socket. */

#include <config.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ovstest.h"
#include "test-check.h"
#include "util.h"
#include "vhost-user-conn.h"

static void
test_check_path(void)
{
    char long_path[200];
    const char *good = "/run/vm1.sock";

    CHECK(!vhu_conn_check_path(good));
    CHECK(vhu_conn_check_path(NULL) == EINVAL);
    CHECK(vhu_conn_check_path("") == EINVAL);
    CHECK(vhu_conn_check_path("vm1.sock") == EINVAL);

    memset(long_path, 'x', sizeof long_path);
    long_path[0] = '/';
    long_path[107] = '\0';
    CHECK(!vhu_conn_check_path(long_path));
    long_path[107] = 'x';
    long_path[108] = '\0';
    CHECK(vhu_conn_check_path(long_path) == ENAMETOOLONG);
}

static int
listen_unix(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    CHECK(fd >= 0);
    ovs_strlcpy(sun.sun_path, path, sizeof sun.sun_path);
    unlink(path);
    CHECK(!bind(fd, (struct sockaddr *) &sun, sizeof sun));
    CHECK(!listen(fd, 1));
    return fd;
}

static void
test_retry(const char *dir)
{
    char *path = xasprintf("%s/retry.sock", dir);
    struct vhu_conn conn;
    int lfd, afd;

    unlink(path);
    vhu_conn_init(&conn, path, 1000, 5000);
    CHECK(conn.state == VHU_CONN_CONNECTING);

    /* Nobody listens: the attempt fails, the next is a second later. */
    CHECK(vhu_conn_run(&conn, 5000) == ENOENT);
    CHECK(conn.next_attempt == 6000);
    CHECK(conn.n_attempts == 1 && conn.last_error == ENOENT);
    CHECK(vhu_conn_run(&conn, 5999) == EAGAIN);
    CHECK(conn.n_attempts == 1);

    /* The server appears: the next due attempt connects. */
    lfd = listen_unix(path);
    CHECK(vhu_conn_run(&conn, 5999) == EAGAIN);
    CHECK(vhu_conn_run(&conn, 6000) == 0);
    CHECK(conn.state == VHU_CONN_CONNECTED && conn.fd >= 0);
    CHECK(conn.n_connects == 1 && conn.n_attempts == 0);
    CHECK(vhu_conn_run(&conn, 9000) == EAGAIN);
    afd = accept(lfd, NULL, NULL);
    CHECK(afd >= 0);

    /* The peer goes away after a session that worked: the next attempt is
     * due at once. */
    vhu_conn_close(&conn, ECONNRESET, true, 7000);
    CHECK(conn.fd == -1 && conn.state == VHU_CONN_CONNECTING);
    CHECK(conn.n_disconnects == 1 && conn.next_attempt == 7000);
    CHECK(vhu_conn_run(&conn, 7000) == 0);
    CHECK(conn.n_connects == 2);

    /* Sessions that end before the driver ran: a backoff that doubles, up
     * to a limit; a session that works resets it. */
    long long int now = 10000;
    for (int i = 0; i < 10; i++) {
        long long int want = 1000LL << MIN(i, 6);

        vhu_conn_close(&conn, EOF, false, now);
        CHECK(conn.next_attempt == now + want);
        CHECK(vhu_conn_run(&conn, now + want - 1) == EAGAIN);
        now += want;
        CHECK(vhu_conn_run(&conn, now) == 0);
        CHECK(accept(lfd, NULL, NULL) >= 0);
    }
    vhu_conn_close(&conn, EOF, true, now);
    CHECK(conn.next_attempt == now && !conn.n_early_ends);

    vhu_conn_close(&conn, 0, true, now);
    close(afd);
    close(lfd);
    unlink(path);
    free(path);
}

/* The socket's directory is watched: its creation makes an attempt due at
 * once. */
static void
test_watch(const char *dir)
{
    char *path = xasprintf("%s/watch.sock", dir);
    char buf[4096] __attribute__((aligned(8)));
    int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    struct vhu_conn conn;
    bool appeared = false;
    ssize_t n;
    int lfd;

    unlink(path);
    vhu_conn_init(&conn, path, 60000, 1000);
    CHECK(vhu_conn_run(&conn, 1000) == ENOENT);
    CHECK(conn.next_attempt == 61000);
    vhu_conn_watch(&conn, ifd);
    CHECK(conn.watch >= 0);

    lfd = listen_unix(path);
    n = read(ifd, buf, sizeof buf);
    CHECK(n > 0);
    ssize_t off = 0;
    while (off < n) {
        const struct inotify_event *ev = (const void *) (buf + off);

        appeared |= vhu_conn_appeared(&conn, ev, 2000);
        off += sizeof *ev + ev->len;
    }
    CHECK(appeared && conn.next_attempt == 2000);
    CHECK(vhu_conn_run(&conn, 2000) == 0);
    vhu_conn_close(&conn, 0, true, 2500);
    close(lfd);
    unlink(path);

    /* A server binds its socket before it listens: refused at first, the
     * attempt comes again a moment later, not an interval later. */
    vhu_conn_init(&conn, path, 60000, 3000);
    CHECK(vhu_conn_run(&conn, 3000) == ENOENT);
    vhu_conn_watch(&conn, ifd);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    ovs_strlcpy(sun.sun_path, path, sizeof sun.sun_path);
    CHECK(!bind(lfd, (struct sockaddr *) &sun, sizeof sun));
    n = read(ifd, buf, sizeof buf);
    CHECK(n > 0);
    appeared = false;
    off = 0;
    while (off < n) {
        const struct inotify_event *ev = (const void *) (buf + off);

        appeared |= vhu_conn_appeared(&conn, ev, 4000);
        off += sizeof *ev + ev->len;
    }
    CHECK(appeared);
    CHECK(vhu_conn_run(&conn, 4000) == ECONNREFUSED);
    CHECK(conn.next_attempt == 4000 + VHU_CONN_APPEARED_DELAY);
    CHECK(!listen(lfd, 1));
    CHECK(vhu_conn_run(&conn, 4000 + VHU_CONN_APPEARED_DELAY) == 0);

    vhu_conn_close(&conn, 0, true, 5000);
    close(lfd);
    close(ifd);
    unlink(path);
    free(path);
}

/* Returns true if a connection waits to be accepted on 'lfd'. */
static bool
has_pending_connection(int lfd)
{
    struct pollfd pfd = { .fd = lfd, .events = POLLIN };

    return poll(&pfd, 1, 0) == 1;
}

/* A symlink at the port's path, to a neighbour's socket or to nothing, is
 * refused with ELOOP and the neighbour sees no connection; the socket that
 * replaces it is connected to. */
static void
test_symlink(const char *dir)
{
    char *neighbour = xasprintf("%s/conn-neighbour.sock", dir);
    char *path = xasprintf("%s/conn-symlink.sock", dir);
    int nfd = listen_unix(neighbour);
    struct vhu_conn conn;

    unlink(path);
    CHECK(!symlink(neighbour, path));
    vhu_conn_init(&conn, path, 1000, 0);
    CHECK(vhu_conn_run(&conn, 0) == ELOOP);
    CHECK(conn.last_error == ELOOP && conn.state == VHU_CONN_CONNECTING);
    CHECK(!has_pending_connection(nfd));

    CHECK(!unlink(path) && !symlink("conn-nowhere.sock", path));
    CHECK(vhu_conn_run(&conn, 1000) == ELOOP);

    CHECK(!unlink(path));
    int lfd = listen_unix(path);
    CHECK(vhu_conn_run(&conn, 2000) == 0);
    CHECK(has_pending_connection(lfd) && !has_pending_connection(nfd));

    vhu_conn_close(&conn, 0, true, 3000);
    close(lfd);
    close(nfd);
    unlink(path);
    unlink(neighbour);
    free(path);
    free(neighbour);
}

static void
test_vhost_user_conn_main(int argc, char *argv[])
{
    test_check_path();
    test_retry(argc > 1 ? argv[1] : ".");
    test_watch(argc > 1 ? argv[1] : ".");
    test_symlink(argc > 1 ? argv[1] : ".");
    printf("PASS\n");
}

OVSTEST_REGISTER("test-vhost-user-conn", test_vhost_user_conn_main);
