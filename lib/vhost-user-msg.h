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

#ifndef VHOST_USER_MSG_H
#define VHOST_USER_MSG_H 1

/* Framing of vhost-user messages on a non-blocking unix stream socket:
 * reading a message in as many pieces as the socket delivers it, together
 * with the file descriptors that travel with it, and writing one.  Used by
 * both ends: the back-end in ovs-vswitchd and the test front-end.  Also
 * what is safe to do with a received descriptor without calling into its
 * file: tell an eventfd, and close it without risking to block
 * (vhu_fd_close_untrusted()). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost-user-proto.h"

/* One message, header and payload, with its file descriptors. */
struct vhu_msg {
    struct vhost_user_header hdr;
    union {
        uint64_t u64;
        struct vhost_vring_state state;
        struct vhost_vring_addr addr;
        struct vhost_user_memory memory;
        struct vhost_user_memory_single mem_reg;
        struct vhost_user_log log;
        uint8_t bytes[VHOST_USER_MAX_PAYLOAD];
    } payload;
    int fds[VHOST_USER_MAX_FDS];
    unsigned int n_fds;
};

/* A message being received. */
struct vhu_msg_reader {
    struct vhu_msg msg;
    size_t have;                /* Bytes of header and payload so far. */
};

void vhu_msg_reader_init(struct vhu_msg_reader *);
void vhu_msg_reader_reset(struct vhu_msg_reader *);
int vhu_msg_recv(int fd, struct vhu_msg_reader *);

void vhu_msg_init(struct vhu_msg *, uint32_t request, uint32_t size);
int vhu_msg_send(int fd, const struct vhu_msg *);
void vhu_msg_close_fds(struct vhu_msg *);
int vhu_msg_take_fd(struct vhu_msg *, unsigned int i);
bool vhu_fd_is_eventfd(int fd);
void vhu_fd_close_untrusted(int fd);

const char *vhu_request_name(uint32_t request);

#endif /* vhost-user-msg.h */
