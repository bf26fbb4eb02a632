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

/* Generated frames and the receiver's check; the scheme is in
 * vhost-guest-frames.h. */

#include "vhost-guest-frames.h"

#include <string.h>

/* Offsets in a generated frame. */
#define VG_OFS_ETHERTYPE 12
#define VG_OFS_STREAM (VG_ETH_HEADER_LEN)
#define VG_OFS_SEQ (VG_ETH_HEADER_LEN + 4)
#define VG_OFS_LEN (VG_ETH_HEADER_LEN + 8)

static void
put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static uint16_t
get_be16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t
get_be32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}

static void
write_pattern(uint8_t *frame, size_t len, uint32_t seq)
{
    for (size_t i = VG_GEN_HEADER_LEN; i < len; i++) {
        frame[i] = seq + i;
    }
}

/* Builds a generated frame of 'len' bytes (at least VG_GEN_HEADER_LEN and
 * less than 65536) from 'src' to 'dst', number 'seq' of stream 'stream'. */
void
vg_frame_make(uint8_t *frame, size_t len, const uint8_t dst[6],
              const uint8_t src[6], uint32_t stream, uint32_t seq)
{
    memcpy(frame, dst, 6);
    memcpy(frame + 6, src, 6);
    put_be16(frame + VG_OFS_ETHERTYPE, VG_GEN_ETHERTYPE);
    put_be32(frame + VG_OFS_STREAM, stream);
    put_be32(frame + VG_OFS_SEQ, seq);
    put_be16(frame + VG_OFS_LEN, len);
    write_pattern(frame, len, seq);
}

/* Gives the generated 'frame' of 'len' bytes number 'seq', rewriting only
 * what changes: the pattern depends on the low byte of the number alone,
 * so a transmit slot reused every 256 frames keeps it. */
void
vg_frame_renumber(uint8_t *frame, size_t len, uint32_t seq)
{
    uint32_t old = get_be32(frame + VG_OFS_SEQ);

    put_be32(frame + VG_OFS_SEQ, seq);
    if ((old ^ seq) & 0xff) {
        write_pattern(frame, len, seq);
    }
}

void
vg_rx_check_init(struct vg_rx_check *c)
{
    memset(c, 0, sizeof *c);
}

static struct vg_stream *
find_stream(struct vg_rx_check *c, uint32_t id)
{
    struct vg_stream *oldest = NULL;

    for (unsigned int i = 0; i < c->n_streams; i++) {
        struct vg_stream *s = &c->streams[i];

        if (s->id == id) {
            return s;
        }
        if (!oldest || s->last_use < oldest->last_use) {
            oldest = s;
        }
    }

    struct vg_stream *s = (c->n_streams < VG_MAX_STREAMS
                           ? &c->streams[c->n_streams++] : oldest);
    memset(s, 0, sizeof *s);
    s->id = id;
    return s;
}

static bool
window_test(const struct vg_stream *s, uint32_t seq)
{
    uint32_t bit = seq % VG_SEQ_WINDOW;

    return s->window[bit / 64] & (UINT64_C(1) << (bit % 64));
}

static void
window_set(struct vg_stream *s, uint32_t seq, bool value)
{
    uint32_t bit = seq % VG_SEQ_WINDOW;
    uint64_t mask = UINT64_C(1) << (bit % 64);

    if (value) {
        s->window[bit / 64] |= mask;
    } else {
        s->window[bit / 64] &= ~mask;
    }
}

/* Counts 'seq' as seen on 's', on receive queue 'queue' (less than
 * VG_MAX_RX_QUEUES).  Returns false if it cannot be new: not above the last
 * number on that queue, or seen already. */
static bool
stream_take(struct vg_stream *s, unsigned int queue, uint32_t seq)
{
    uint32_t queue_bit = UINT32_C(1) << queue;
    int32_t ahead = seq - s->highest;

    if (s->queue_seen & queue_bit
        && (int32_t) (seq - s->queue_last[queue]) <= 0) {
        return false;
    }
    s->queue_seen |= queue_bit;
    s->queue_last[queue] = seq;

    if (!s->n_seen || ahead > 0) {
        if (!s->n_seen || ahead >= VG_SEQ_WINDOW) {
            memset(s->window, 0, sizeof s->window);
            if (!s->n_seen) {
                s->lowest = seq;
            }
        } else {
            /* The window moves on: the numbers it takes in are unseen. */
            for (uint32_t i = s->highest + 1; i != seq; i++) {
                window_set(s, i, false);
            }
        }
        window_set(s, seq, true);
        s->highest = seq;
    } else if (s->highest - seq < VG_SEQ_WINDOW) {
        if (window_test(s, seq)) {
            return false;
        }
        window_set(s, seq, true);
    }
    /* (Older than the window, and new on its queue: taken as new.) */
    s->n_seen++;
    if ((int32_t) (seq - s->lowest) < 0) {
        s->lowest = seq;
    }
    return true;
}

static bool
starts_with_poison(const uint8_t *frame)
{
    for (size_t i = 0; i < VG_ETH_HEADER_LEN; i++) {
        if (frame[i] != VG_POISON) {
            return false;
        }
    }
    return true;
}

static bool
pattern_ok(const uint8_t *frame, size_t len, uint32_t seq)
{
    for (size_t i = VG_GEN_HEADER_LEN; i < len; i++) {
        if (frame[i] != (uint8_t) (seq + i)) {
            return false;
        }
    }
    return true;
}

static enum vg_rx_verdict
check_frame(struct vg_rx_check *c, unsigned int queue, const uint8_t *frame,
            size_t len)
{
    if (len >= VG_ETH_HEADER_LEN && starts_with_poison(frame)) {
        return VG_RX_UNWRITTEN;
    }
    if (len < VG_ETH_HEADER_LEN
        || get_be16(frame + VG_OFS_ETHERTYPE) != VG_GEN_ETHERTYPE) {
        return VG_RX_OTHER;
    }

    uint32_t seq = len >= VG_GEN_HEADER_LEN ? get_be32(frame + VG_OFS_SEQ) : 0;
    if (len < VG_GEN_HEADER_LEN || get_be16(frame + VG_OFS_LEN) != len
        || !pattern_ok(frame, len, seq)) {
        return VG_RX_BAD;
    }

    struct vg_stream *s = find_stream(c, get_be32(frame + VG_OFS_STREAM));
    s->last_use = c->n_checked;
    return (stream_take(s, queue % VG_MAX_RX_QUEUES, seq)
            ? VG_RX_OK : VG_RX_REPEATED);
}

/* Checks one frame of 'len' bytes received on receive queue 'queue' and
 * counts it in 'c'. */
enum vg_rx_verdict
vg_rx_check_frame(struct vg_rx_check *c, unsigned int queue,
                  const uint8_t *frame, size_t len)
{
    struct vg_rx_counts *counts = &c->counts;
    enum vg_rx_verdict verdict;

    c->n_checked++;
    verdict = check_frame(c, queue, frame, len);
    switch (verdict) {
    case VG_RX_OK: counts->ok++; break;
    case VG_RX_BAD: counts->bad++; break;
    case VG_RX_REPEATED: counts->repeated++; break;
    case VG_RX_UNWRITTEN: counts->unwritten++; break;
    case VG_RX_OTHER: counts->other++; break;
    }
    return verdict;
}

const char *
vg_rx_verdict_name(enum vg_rx_verdict verdict)
{
    switch (verdict) {
    case VG_RX_OK: return "good";
    case VG_RX_BAD: return "bad";
    case VG_RX_REPEATED: return "repeated";
    case VG_RX_UNWRITTEN: return "unwritten";
    case VG_RX_OTHER: return "not generated";
    }
    return "?";
}

/* Stores the stream id and number of the generated frame of 'len' bytes
 * at 'frame', if it is long enough to have them. */
bool
vg_frame_ids(const uint8_t *frame, size_t len, uint32_t *stream,
             uint32_t *seq)
{
    if (len < VG_GEN_HEADER_LEN) {
        return false;
    }
    *stream = get_be32(frame + VG_OFS_STREAM);
    *seq = get_be32(frame + VG_OFS_SEQ);
    return true;
}

/* Numbers missing between the lowest and the highest seen, over every
 * stream. */
uint64_t
vg_rx_check_lost(const struct vg_rx_check *c)
{
    uint64_t lost = 0;

    for (unsigned int i = 0; i < c->n_streams; i++) {
        const struct vg_stream *s = &c->streams[i];

        lost += (uint64_t) (s->highest - s->lowest) + 1 - s->n_seen;
    }
    return lost;
}
