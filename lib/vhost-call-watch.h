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

#ifndef VHOST_CALL_WATCH_H
#define VHOST_CALL_WATCH_H 1

/* Unblocking datapath threads stuck writing a guest's call eventfd.
 *
 * Writing 1 to an eventfd blocks when its counter is saturated and the file
 * is not O_NONBLOCK.  The front-end shares the file with us, so it can clear
 * O_NONBLOCK and saturate the counter at any time, and Linux has no flag
 * that makes one write non-blocking.  So a thread of its own watches every
 * live ring: a ring whose datapath thread was inside the write (an odd
 * sequence number, see struct vhu_virtq) at two looks in a row, one
 * interval apart, has its eventfd emptied with a read that cannot block
 * (preadv2() with RWF_NOWAIT), which lets the write finish, and is marked
 * for its owner, who drops the front-end.  This thread never waits on
 * anything but its timer and its own mutex, and it keeps a duplicate of
 * each descriptor, so that it never reads one that was closed and reused.
 */

#include <stdbool.h>
#include <stdint.h>

/* Rings watched at once; more are not watched. */
#define VHU_CALL_WATCH_MAX 4096

/* How often the watch looks, in milliseconds. */
#define VHU_CALL_WATCH_INTERVAL 100

int vhu_call_watch_add(const uint32_t *seq, int call_fd);
void vhu_call_watch_remove(int slot);
bool vhu_call_watch_fired(int slot);

#endif /* vhost-call-watch.h */
