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

/* vhost-user message framing.  See vhost-user-msg.h. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1           /* pipe2(), F_GET_SEALS */
#endif

#include "vhost-user-msg.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

void
vhu_msg_reader_init(struct vhu_msg_reader *r)
{
    r->have = 0;
    r->msg.n_fds = 0;
}

/* Drops a partly received message and closes its descriptors. */
void
vhu_msg_reader_reset(struct vhu_msg_reader *r)
{
    vhu_msg_close_fds(&r->msg);
    r->have = 0;
}

/* Takes the descriptors of every SCM_RIGHTS block in 'mh' into 'msg'.
 * Returns false, having closed them all, if there are too many. */
static bool
vhu_msg_collect_fds(struct msghdr *mh, struct vhu_msg *msg)
{
    bool ok = !(mh->msg_flags & MSG_CTRUNC);

    for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
         cm = CMSG_NXTHDR(mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const uint8_t *data = CMSG_DATA(cm);

        for (size_t i = 0; i < n; i++) {
            int fd;

            memcpy(&fd, data + i * sizeof fd, sizeof fd);
            if (msg->n_fds < VHOST_USER_MAX_FDS) {
                msg->fds[msg->n_fds++] = fd;
            } else {
                vhu_fd_close_untrusted(fd);
                ok = false;
            }
        }
    }
    return ok;
}

/* Reads from socket 'fd' into 'r', without blocking.  Returns 0 when
 * 'r->msg' holds a whole message (the caller then owns its descriptors and
 * calls vhu_msg_reader_init() before reading the next), EAGAIN if more
 * bytes are needed, EOF when the peer closed the connection, or another
 * positive errno: a socket error, or EPROTO for a message we cannot frame
 * (wrong version, oversized payload, too many descriptors).  After anything
 * but 0 and EAGAIN the connection must be dropped. */
int
vhu_msg_recv(int fd, struct vhu_msg_reader *r)
{
    const size_t hdr_size = sizeof r->msg.hdr;

    if (!r->have) {
        r->msg.n_fds = 0;
    }
    for (;;) {
        size_t want = hdr_size;
        struct iovec iov;

        if (r->have >= hdr_size) {
            if ((r->msg.hdr.flags & VHOST_USER_VERSION_MASK)
                != VHOST_USER_VERSION
                || r->msg.hdr.size > VHOST_USER_MAX_PAYLOAD) {
                return EPROTO;
            }
            want += r->msg.hdr.size;
        }
        if (r->have == want) {
            return 0;
        }

        /* The header and the payload are apart in struct vhu_msg. */
        if (r->have < hdr_size) {
            iov.iov_base = (uint8_t *) &r->msg.hdr + r->have;
            iov.iov_len = hdr_size - r->have;
        } else {
            iov.iov_base = r->msg.payload.bytes + (r->have - hdr_size);
            iov.iov_len = want - r->have;
        }

        union {
            char buf[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))];
            struct cmsghdr align;
        } control;
        struct msghdr mh = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = control.buf,
            .msg_controllen = sizeof control.buf,
        };
        ssize_t n;

        do {
            n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            return errno == EWOULDBLOCK ? EAGAIN : errno;
        }
        if (!vhu_msg_collect_fds(&mh, &r->msg)) {
            return EPROTO;
        }
        if (!n) {
            return EOF;
        }
        r->have += n;
    }
}

/* Writes 'msg' (header and 'msg->hdr.size' bytes of payload) and its
 * 'n_fds' descriptors to socket 'fd'.  Returns 0 or a positive errno;
 * EAGAIN means the peer does not read, which is as bad as an error. */
int
vhu_msg_send(int fd, const struct vhu_msg *msg)
{
    union {
        char buf[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov[2] = {
        { .iov_base = (void *) &msg->hdr, .iov_len = sizeof msg->hdr },
        { .iov_base = (void *) &msg->payload, .iov_len = msg->hdr.size },
    };
    struct msghdr mh = {
        .msg_iov = iov,
        .msg_iovlen = 2,
    };

    if (msg->hdr.size > VHOST_USER_MAX_PAYLOAD
        || msg->n_fds > VHOST_USER_MAX_FDS) {
        return EINVAL;
    }
    if (msg->n_fds) {
        struct cmsghdr *cm;

        memset(control.buf, 0, sizeof control.buf);
        mh.msg_control = control.buf;
        mh.msg_controllen = CMSG_SPACE(msg->n_fds * sizeof(int));
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(msg->n_fds * sizeof(int));
        memcpy(CMSG_DATA(cm), msg->fds, msg->n_fds * sizeof(int));
    }

    while (mh.msg_iovlen) {
        ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EWOULDBLOCK ? EAGAIN : errno;
        }
        /* Descriptors went with the first byte. */
        mh.msg_control = NULL;
        mh.msg_controllen = 0;
        while (mh.msg_iovlen && (size_t) n >= mh.msg_iov->iov_len) {
            n -= mh.msg_iov->iov_len;
            mh.msg_iov++;
            mh.msg_iovlen--;
        }
        if (mh.msg_iovlen) {
            mh.msg_iov->iov_base = (uint8_t *) mh.msg_iov->iov_base + n;
            mh.msg_iov->iov_len -= n;
        }
    }
    return 0;
}

/* Starts 'msg' as a front-end's request 'request' with a payload of 'size'
 * bytes, which the caller fills in, and no descriptors. */
void
vhu_msg_init(struct vhu_msg *msg, uint32_t request, uint32_t size)
{
    memset(&msg->hdr, 0, sizeof msg->hdr);
    msg->hdr.request = request;
    msg->hdr.flags = VHOST_USER_VERSION;
    msg->hdr.size = size;
    msg->n_fds = 0;
}

/* Closes every descriptor still in 'msg'. */
void
vhu_msg_close_fds(struct vhu_msg *msg)
{
    for (unsigned int i = 0; i < msg->n_fds; i++) {
        if (msg->fds[i] >= 0) {
            vhu_fd_close_untrusted(msg->fds[i]);
        }
    }
    msg->n_fds = 0;
}

/* Takes descriptor 'i' out of 'msg': the caller now owns it.  Returns -1 if
 * there is no such descriptor. */
int
vhu_msg_take_fd(struct vhu_msg *msg, unsigned int i)
{
    int fd = -1;

    if (i < msg->n_fds) {
        fd = msg->fds[i];
        msg->fds[i] = -1;
    }
    return fd;
}

/* Closing descriptors a front-end sent.
 *
 * close() can block on some files: a FUSE or network file flushes, a socket
 * whose last reference this is may linger.  Eventfds and tmpfs or hugetlbfs
 * files never do, and they are what we keep, so they are closed at once;
 * anything else goes to a thread of its own, through a pipe, and closes
 * there.  If that thread is stuck and the pipe is full, the descriptor is
 * leaked rather than risked; 'vhu_fds_leaked' counts them. */

static int closer_pipe[2] = { -1, -1 };
static pthread_once_t closer_once = PTHREAD_ONCE_INIT;
static unsigned long long int vhu_fds_leaked;

static void *
vhu_closer_main(void *arg)
{
    int fd;

    (void) arg;
    while (read(closer_pipe[0], &fd, sizeof fd) == sizeof fd) {
        close(fd);
    }
    return NULL;
}

static void
vhu_closer_start(void)
{
    pthread_t thread;

    if (pipe2(closer_pipe, O_CLOEXEC)
        || fcntl(closer_pipe[1], F_SETFL, O_NONBLOCK)
        || pthread_create(&thread, NULL, vhu_closer_main, NULL)) {
        closer_pipe[1] = -1;
        return;
    }
    pthread_detach(thread);
}

static bool
vhu_fd_close_is_safe(int fd)
{
    return vhu_fd_is_eventfd(fd) || fcntl(fd, F_GET_SEALS) >= 0;
}

/* Closes 'fd', received from a front-end, without risking to block. */
void
vhu_fd_close_untrusted(int fd)
{
    if (vhu_fd_close_is_safe(fd)) {
        close(fd);
        return;
    }
    pthread_once(&closer_once, vhu_closer_start);
    if (closer_pipe[1] < 0
        || write(closer_pipe[1], &fd, sizeof fd) != sizeof fd) {
        __atomic_add_fetch(&vhu_fds_leaked, 1, __ATOMIC_RELAXED);
    }
}

/* Returns true if 'fd' is an eventfd.  Told from /proc, not by calling into
 * the file: a front-end can pass anything, and some files (FUSE) answer
 * slowly or never. */
bool
vhu_fd_is_eventfd(int fd)
{
    static const char eventfd_link[] = "anon_inode:[eventfd]";
    char path[64], link[sizeof eventfd_link];
    ssize_t n;

    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, link, sizeof link);
    return (n == sizeof eventfd_link - 1
            && !memcmp(link, eventfd_link, sizeof eventfd_link - 1));
}

/* Returns the name of 'request', as the specification spells it, or
 * "unknown". */
const char *
vhu_request_name(uint32_t request)
{
    static const char *const names[VHOST_USER_N_REQUESTS] = {
#define VHU_NAME(R) [VHOST_USER_##R] = #R
        VHU_NAME(NONE),
        VHU_NAME(GET_FEATURES),
        VHU_NAME(SET_FEATURES),
        VHU_NAME(SET_OWNER),
        VHU_NAME(RESET_OWNER),
        VHU_NAME(SET_MEM_TABLE),
        VHU_NAME(SET_LOG_BASE),
        VHU_NAME(SET_LOG_FD),
        VHU_NAME(SET_VRING_NUM),
        VHU_NAME(SET_VRING_ADDR),
        VHU_NAME(SET_VRING_BASE),
        VHU_NAME(GET_VRING_BASE),
        VHU_NAME(SET_VRING_KICK),
        VHU_NAME(SET_VRING_CALL),
        VHU_NAME(SET_VRING_ERR),
        VHU_NAME(GET_PROTOCOL_FEATURES),
        VHU_NAME(SET_PROTOCOL_FEATURES),
        VHU_NAME(GET_QUEUE_NUM),
        VHU_NAME(SET_VRING_ENABLE),
        VHU_NAME(SEND_RARP),
        VHU_NAME(NET_SET_MTU),
        VHU_NAME(SET_BACKEND_REQ_FD),
        VHU_NAME(IOTLB_MSG),
        VHU_NAME(SET_VRING_ENDIAN),
        VHU_NAME(GET_CONFIG),
        VHU_NAME(SET_CONFIG),
        VHU_NAME(CREATE_CRYPTO_SESSION),
        VHU_NAME(CLOSE_CRYPTO_SESSION),
        VHU_NAME(POSTCOPY_ADVISE),
        VHU_NAME(POSTCOPY_LISTEN),
        VHU_NAME(POSTCOPY_END),
        VHU_NAME(GET_INFLIGHT_FD),
        VHU_NAME(SET_INFLIGHT_FD),
        VHU_NAME(GPU_SET_SOCKET),
        VHU_NAME(RESET_DEVICE),
        VHU_NAME(VRING_KICK),
        VHU_NAME(GET_MAX_MEM_SLOTS),
        VHU_NAME(ADD_MEM_REG),
        VHU_NAME(REM_MEM_REG),
        VHU_NAME(SET_STATUS),
        VHU_NAME(GET_STATUS),
#undef VHU_NAME
    };

    return request < VHOST_USER_N_REQUESTS ? names[request] : "unknown";
}
