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

/* Unit tests of vhost-guest's receive check (vhost-guest-frames.h): the
 * check that the other tests' verdicts rest on must tell each kind of wrong
 * frame from a good one. */

#include <config.h>

#include <string.h>

#include "ovstest.h"
#include "test-check.h"
#include "vhost-guest-frames.h"

static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t src[6] = { 2, 0, 0, 0, 0, 1 };

/* Checks a fresh frame of 64 bytes, number 'seq' of 'stream', received on
 * queue 'queue'. */
static void
check_new(struct vg_rx_check *c, unsigned int queue, uint32_t stream,
          uint32_t seq)
{
    uint8_t frame[64];

    vg_frame_make(frame, sizeof frame, dst, src, stream, seq);
    vg_rx_check_frame(c, queue, frame, sizeof frame);
}

static void
test_content(void)
{
    struct vg_rx_check c;
    uint8_t frame[1514];

    vg_rx_check_init(&c);
    vg_frame_make(frame, sizeof frame, dst, src, 0x100, 7);
    vg_rx_check_frame(&c, 0, frame, sizeof frame);
    CHECK(c.counts.ok == 1);

    /* Its last byte changed; its length field wrong; cut short. */
    vg_frame_make(frame, sizeof frame, dst, src, 0x100, 8);
    frame[sizeof frame - 1] ^= 1;
    vg_rx_check_frame(&c, 0, frame, sizeof frame);
    vg_frame_make(frame, sizeof frame, dst, src, 0x100, 9);
    vg_rx_check_frame(&c, 0, frame, sizeof frame - 1);
    vg_rx_check_frame(&c, 0, frame, VG_GEN_HEADER_LEN - 1);
    CHECK(c.counts.bad == 3 && c.counts.ok == 1);

    /* A buffer never written: poison from its first byte.  A frame the
     * switch wrote only the start of: poison in the pattern. */
    memset(frame, VG_POISON, sizeof frame);
    vg_rx_check_frame(&c, 0, frame, 60);
    CHECK(c.counts.unwritten == 1);
    vg_frame_make(frame, 100, dst, src, 0x100, 10);
    memset(frame + 64, VG_POISON, 36);
    vg_rx_check_frame(&c, 0, frame, 100);
    CHECK(c.counts.bad == 4);

    /* Not generated: counted apart, never as good. */
    memset(frame, 0, 60);
    vg_rx_check_frame(&c, 0, frame, 60);
    vg_rx_check_frame(&c, 0, frame, 10);
    CHECK(c.counts.other == 2 && c.counts.ok == 1);
}

static void
test_numbers(void)
{
    struct vg_rx_check c;
    uint8_t frame[64];

    vg_rx_check_init(&c);
    check_new(&c, 0, 0x200, 100);

    /* The same frame again: what a used entry handed back twice, or an old
     * buffer returned without a copy, looks like. */
    vg_frame_make(frame, sizeof frame, dst, src, 0x200, 100);
    vg_rx_check_frame(&c, 0, frame, sizeof frame);
    CHECK(c.counts.ok == 1 && c.counts.repeated == 1);
    /* Also on another queue. */
    vg_rx_check_frame(&c, 1, frame, sizeof frame);
    CHECK(c.counts.ok == 1 && c.counts.repeated == 2);

    /* 101 and 102 skipped, then 103: two lost.  On one queue, numbers must
     * grow: 102 late there is not new. */
    check_new(&c, 0, 0x200, 103);
    CHECK(vg_rx_check_lost(&c) == 2);
    check_new(&c, 0, 0x200, 102);
    CHECK(c.counts.repeated == 3 && vg_rx_check_lost(&c) == 2);
    /* On another queue, it is; but only once. */
    check_new(&c, 1, 0x200, 102);
    CHECK(c.counts.ok == 3 && vg_rx_check_lost(&c) == 1);
    check_new(&c, 2, 0x200, 102);
    CHECK(c.counts.repeated == 4);

    /* Earlier than the first number seen, within the window, on a queue of
     * its own: new. */
    check_new(&c, 3, 0x200, 99);
    CHECK(c.counts.ok == 4 && vg_rx_check_lost(&c) == 1);

    /* Another stream has numbers of its own. */
    check_new(&c, 0, 0x201, 100);
    CHECK(c.counts.ok == 5 && c.counts.repeated == 4);

    /* Far ahead: everything between is lost.  A number older than the
     * window is new only if it is on a queue where it is the highest. */
    check_new(&c, 0, 0x200, 103 + VG_SEQ_WINDOW + 10);
    CHECK(vg_rx_check_lost(&c) == 1 + VG_SEQ_WINDOW + 9);
    check_new(&c, 0, 0x200, 104);
    CHECK(c.counts.repeated == 5);
    check_new(&c, 1, 0x200, 104);
    CHECK(c.counts.ok == 7 && vg_rx_check_lost(&c) == VG_SEQ_WINDOW + 9);
    check_new(&c, 1, 0x200, 103 + VG_SEQ_WINDOW + 5);
    CHECK(c.counts.ok == 8 && vg_rx_check_lost(&c) == VG_SEQ_WINDOW + 8);
    check_new(&c, 2, 0x200, 103 + VG_SEQ_WINDOW + 5);
    CHECK(c.counts.repeated == 6);

    /* Numbers wrap around. */
    check_new(&c, 0, 0x300, UINT32_MAX);
    check_new(&c, 0, 0x300, 0);
    CHECK(c.counts.ok == 10 && c.counts.repeated == 6);

    /* More streams than a receiver tracks: the oldest is forgotten. */
    for (uint32_t s = 0; s < VG_MAX_STREAMS + 2; s++) {
        check_new(&c, 0, 0x1000 + s, 0);
    }
    CHECK(c.n_streams == VG_MAX_STREAMS);
}

static void
test_renumber(void)
{
    struct vg_rx_check c;
    uint8_t frame[300];

    vg_rx_check_init(&c);
    vg_frame_make(frame, sizeof frame, dst, src, 0x400, 5);
    vg_rx_check_frame(&c, 0, frame, sizeof frame);

    /* Same low byte: the pattern stays and still fits. */
    vg_frame_renumber(frame, sizeof frame, 5 + 256);
    vg_rx_check_frame(&c, 0, frame, sizeof frame);
    /* Another low byte: rewritten. */
    vg_frame_renumber(frame, sizeof frame, 6 + 256);
    vg_rx_check_frame(&c, 0, frame, sizeof frame);
    CHECK(c.counts.ok == 3 && !c.counts.bad);
    CHECK(vg_rx_check_lost(&c) == 255);
}

static void
test_vg_frames_main(int argc OVS_UNUSED, char *argv[] OVS_UNUSED)
{
    test_content();
    test_numbers();
    test_renumber();
    printf("PASS\n");
}

OVSTEST_REGISTER("test-vg-frames", test_vg_frames_main);
