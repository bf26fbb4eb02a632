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

#ifndef VHOST_GUEST_FRAMES_H
#define VHOST_GUEST_FRAMES_H 1

/* The frames vhost-guest generates, and the receiver's check of every frame.
 *
 * A generated frame has ethertype VG_GEN_ETHERTYPE and, after its Ethernet
 * header, a stream id, a sequence number and its own length (all big
 * endian), then a pattern derived from the sequence number up to its last
 * byte.  Each transmit queue of each vhost-guest process is a stream of its
 * own: the id is a number drawn at start-up with the queue pair in its low
 * byte, and the queue numbers its frames 0, 1, 2...
 *
 * The receiver poisons a receive buffer (VG_POISON in every byte) before it
 * posts it, so that a used entry the back-end returns without having
 * written the frame shows poison, and checks every frame:
 * - a frame that starts with poison was never written ("unwritten");
 * - a generated frame must have its length and pattern ("bad" otherwise),
 *   and a sequence number new on its stream ("repeated" otherwise: the
 *   mark of a buffer handed back a second time, or an old frame copied
 *   again).  One receive queue is a FIFO, so on each queue a stream's
 *   numbers must grow; across queues (a stream the switch spreads over
 *   several) they may not, and a number is new if it is not among those
 *   seen in the last VG_SEQ_WINDOW of its stream;
 * - numbers never seen between the lowest and the highest of a stream are
 *   "lost": frames the switch dropped, or has not delivered yet;
 * - anything else is "other" (ARP, frames given in hex...), for the tests
 *   that send such frames to compare them byte for byte.
 *
 * Pure C, no OVS: the unit tests check the checker. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_GEN_ETHERTYPE 0x88b5
#define VG_ETH_HEADER_LEN 14

/* Bytes before the pattern; the shortest generated frame. */
#define VG_GEN_HEADER_LEN (VG_ETH_HEADER_LEN + 10)

#define VG_POISON 0xa5

/* How far out of order a stream's frames may arrive. */
#define VG_SEQ_WINDOW 4096

/* Streams one receiver tells apart; a new one replaces the one used least
 * recently. */
#define VG_MAX_STREAMS 32

/* Receive queues a receiver tells apart. */
#define VG_MAX_RX_QUEUES 16

/* What a receiver knows of one stream. */
struct vg_stream {
    uint32_t id;
    uint32_t lowest;            /* Lowest sequence number counted. */
    uint32_t highest;           /* Highest one seen. */
    uint64_t n_seen;            /* Distinct numbers seen, lowest..highest. */
    uint64_t last_use;          /* For replacing streams. */
    uint32_t queue_last[VG_MAX_RX_QUEUES];  /* Last number on each queue, */
    uint32_t queue_seen;        /* for the queues with a bit here. */
    uint64_t window[VG_SEQ_WINDOW / 64];  /* Bit 'seq % VG_SEQ_WINDOW' set:
                                           * 'seq' seen, for the window
                                           * that ends at 'highest'. */
};

/* Counts of frames one receiver checked. */
struct vg_rx_counts {
    uint64_t ok;                /* Generated, intact and new. */
    uint64_t bad;               /* Generated, wrong length or content. */
    uint64_t repeated;          /* Generated, intact, number not new. */
    uint64_t unwritten;         /* Poison where the frame should start. */
    uint64_t other;             /* Not generated. */
};

struct vg_rx_check {
    struct vg_rx_counts counts;
    struct vg_stream streams[VG_MAX_STREAMS];
    unsigned int n_streams;
    uint64_t n_checked;
};

void vg_frame_make(uint8_t *frame, size_t len, const uint8_t dst[6],
                   const uint8_t src[6], uint32_t stream, uint32_t seq);
void vg_frame_renumber(uint8_t *frame, size_t len, uint32_t seq);

/* What vg_rx_check_frame() found. */
enum vg_rx_verdict {
    VG_RX_OK,
    VG_RX_BAD,
    VG_RX_REPEATED,
    VG_RX_UNWRITTEN,
    VG_RX_OTHER,
};

void vg_rx_check_init(struct vg_rx_check *);
enum vg_rx_verdict vg_rx_check_frame(struct vg_rx_check *, unsigned int queue,
                                     const uint8_t *frame, size_t len);
const char *vg_rx_verdict_name(enum vg_rx_verdict);
bool vg_frame_ids(const uint8_t *frame, size_t len, uint32_t *stream,
                  uint32_t *seq);
uint64_t vg_rx_check_lost(const struct vg_rx_check *);

#endif /* vhost-guest-frames.h */
