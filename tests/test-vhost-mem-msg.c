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

/* Unit tests of lib/vhost-mem.c (mapping and translating guest memory) and
 * lib/vhost-user-msg.c (framing messages on a socket). */

#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ovstest.h"
#include "test-check.h"
#include "util.h"
#include "vhost-mem.h"
#include "vhost-mem-guard.h"
#include "vhost-user-msg.h"
#include "vhost-user-proto.h"

static int
make_memfd(size_t size)
{
    int fd = memfd_create("test-vhost-mem", 0);

    CHECK(fd >= 0 && !ftruncate(fd, size));
    return fd;
}

static struct vhost_user_memory_region
region(uint64_t gpa, uint64_t size, uint64_t uva, uint64_t offset)
{
    return (struct vhost_user_memory_region) {
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = uva,
        .mmap_offset = offset,
    };
}

static void
test_mem(void)
{
    int fd = make_memfd(3 * 4096);
    struct vhu_mem mem;
    struct vhost_user_memory_region r0 = region(0x10000, 8192, 0xa0000, 0);
    struct vhost_user_memory_region r1 = region(0x12000, 4096, 0xb0000,
                                                8192);
    uint32_t hint = 0;
    uint64_t size;
    uint8_t *p;

    vhu_mem_init(&mem);
    CHECK(!vhu_mem_add_fd(&mem, &r0, fd));
    CHECK(!vhu_mem_add_fd(&mem, &r1, fd));

    /* The file's bytes are where the table says. */
    CHECK(pwrite(fd, "A", 1, 100) == 1 && pwrite(fd, "B", 1, 8192) == 1);
    size = 1;
    p = vhu_mem_gpa_to_hva(&mem, 0x10000 + 100, &size, &hint);
    CHECK(p && *p == 'A' && size == 1);
    size = 1;
    p = vhu_mem_gpa_to_hva(&mem, 0x12000, &size, &hint);
    CHECK(p && *p == 'B' && hint == 1);

    /* A range that crosses into the next region is cut at the boundary. */
    size = 100;
    CHECK(vhu_mem_gpa_to_hva(&mem, 0x12000 - 10, &size, &hint));
    CHECK(size == 10);

    /* Outside every region. */
    size = 1;
    CHECK(!vhu_mem_gpa_to_hva(&mem, 0x13000, &size, &hint));
    CHECK(!vhu_mem_gpa_to_hva(&mem, 0xffff, &size, &hint));
    CHECK(hint < VHU_MEM_MAX_REGIONS);

    /* Rings must fit in one region. */
    CHECK(vhu_mem_uva_to_hva(&mem, 0xa0000, 8192));
    CHECK(!vhu_mem_uva_to_hva(&mem, 0xa0000, 8193));
    CHECK(!vhu_mem_uva_to_hva(&mem, 0xb0fff, 2));
    CHECK(!vhu_mem_uva_to_hva(&mem, UINT64_MAX, 2));

    /* Used rings' guest-physical addresses, for the dirty log. */
    uint64_t gpa = 0;
    CHECK(vhu_mem_uva_to_gpa(&mem, 0xb0010, 16, &gpa) && gpa == 0x12010);
    CHECK(vhu_mem_uva_to_gpa(&mem, 0xa1000, 4096, &gpa) && gpa == 0x11000);
    CHECK(!vhu_mem_uva_to_gpa(&mem, 0xa1000, 4097, &gpa));
    CHECK(!vhu_mem_uva_to_gpa(&mem, UINT64_MAX, 2, &gpa));

    /* Overlaps, overflows, files too small, and full tables are refused. */
    struct vhost_user_memory_region bad;
    bad = region(0x11000, 4096, 0xc0000, 0);
    CHECK(vhu_mem_add_fd(&mem, &bad, fd) == EEXIST);
    bad = region(UINT64_MAX - 10, 4096, 0xc0000, 0);
    CHECK(vhu_mem_add_fd(&mem, &bad, fd) == EINVAL);
    bad = region(0x20000, 0, 0xc0000, 0);
    CHECK(vhu_mem_add_fd(&mem, &bad, fd) == EINVAL);
    bad = region(0x20000, 8192, 0xc0000, 8192);
    CHECK(vhu_mem_add_fd(&mem, &bad, fd) == EINVAL);
    bad = region(0x20000, 4096, 0xc0000, UINT64_MAX - 100);
    CHECK(vhu_mem_add_fd(&mem, &bad, fd) == EINVAL);
    CHECK(vhu_mem_add_fd(&mem, &bad, -1) != 0);
    CHECK(mem.n_regions == 2);

    /* An identical table is recognised, in any order. */
    struct vhost_user_memory_region both[2] = { r1, r0 };
    CHECK(vhu_mem_equals(&mem, both, 2));
    CHECK(!vhu_mem_equals(&mem, both, 1));

    /* Adding an identical region counts it again; it stays mapped until
     * the last removal. */
    CHECK(!vhu_mem_add_fd(&mem, &r0, fd) && mem.n_regions == 2);
    CHECK(!vhu_mem_remove_unmaps(&mem, &r0));
    CHECK(!vhu_mem_remove(&mem, &r0) && mem.n_regions == 2);
    CHECK(vhu_mem_remove_unmaps(&mem, &r0));

    /* Removal. */
    CHECK(vhu_mem_remove(&mem, &bad) == ENOENT);
    CHECK(!vhu_mem_remove(&mem, &r0));
    CHECK(mem.n_regions == 1);
    size = 1;
    CHECK(!vhu_mem_gpa_to_hva(&mem, 0x10000, &size, &hint));
    size = 1;
    CHECK(vhu_mem_gpa_to_hva(&mem, 0x12000, &size, &hint));

    vhu_mem_clear(&mem);
    CHECK(!mem.n_regions);
    close(fd);
}

/* Memory that faults, files of the wrong kind, and the size limit. */
static void
test_mem_hostile(void)
{
    struct vhost_user_memory_region r0 = region(0x10000, 8 * 4096, 0xa0000,
                                                0);
    int fd = make_memfd(8 * 4096);
    struct vhu_mem mem;
    uint32_t hint = 0;
    uint64_t size;
    uint8_t *p;

    CHECK(!vhu_guard_init());
    vhu_mem_init(&mem);
    CHECK(!vhu_mem_add_fd(&mem, &r0, fd));
    CHECK(vhu_mem_faulted(&mem) == -1);

    /* The front-end shrinks the file under us: touching the lost pages is
     * contained, reads zeros, and the region is reported. */
    CHECK(!ftruncate(fd, 4096));
    size = 1;
    p = vhu_mem_gpa_to_hva(&mem, 0x10000 + 5 * 4096, &size, &hint);
    CHECK(p);
    CHECK(*(volatile uint8_t *) p == 0);
    p[1] = 42;
    CHECK(vhu_mem_faulted(&mem) == 0);
    uint64_t n;
    CHECK(read(vhu_guard_fd(), &n, sizeof n) == sizeof n && n >= 1);
    vhu_mem_clear(&mem);
    close(fd);

    /* Only tmpfs and hugetlbfs files: not a pipe, not a regular file. */
    int pipe_fds[2];
    CHECK(!pipe(pipe_fds));
    CHECK(vhu_mem_add_fd(&mem, &r0, pipe_fds[0]) == EBADF);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    char name[] = "/tmp/test-vhost-mem.XXXXXX";
    fd = mkstemp(name);
    CHECK(fd >= 0 && !ftruncate(fd, 8 * 4096));
    unlink(name);
    CHECK(vhu_mem_add_fd(&mem, &r0, fd) == EBADF);
    close(fd);

    /* A sparse file larger than one table may map; one as large is
     * mapped, and then a page more is refused. */
    struct vhost_user_memory_region huge = region(0x10000,
                                                  VHU_MEM_MAX_MAPPED + 4096,
                                                  0xa0000, 0);
    fd = make_memfd(VHU_MEM_MAX_MAPPED + 4096);
    CHECK(vhu_mem_add_fd(&mem, &huge, fd) == EFBIG);
    CHECK(!mem.n_regions && !mem.mapped);
    huge.memory_size = VHU_MEM_MAX_MAPPED;
    CHECK(!vhu_mem_add_fd(&mem, &huge, fd));
    CHECK(mem.n_regions == 1 && mem.mapped == VHU_MEM_MAX_MAPPED);
    struct vhost_user_memory_region more = region(
        0x10000 + VHU_MEM_MAX_MAPPED, 4096, 0xa0000 + VHU_MEM_MAX_MAPPED,
        VHU_MEM_MAX_MAPPED);
    CHECK(vhu_mem_add_fd(&mem, &more, fd) == EFBIG);
    CHECK(mem.n_regions == 1);
    vhu_mem_clear(&mem);
    close(fd);
}

/* Checks that each of the 'n' regions in 'r' translates, whole and both
 * ways, to a page whose byte 7 tells which region it is (see
 * test_mem_max_regions()), and not a byte further. */
static void
check_regions(const struct vhu_mem *mem,
              const struct vhost_user_memory_region *r, int n)
{
    uint32_t hint = 0;

    for (int i = 0; i < n; i++) {
        uint64_t gpa = r[i].guest_phys_addr;
        uint8_t byte = (gpa - 0x100000) / 0x10000 + 1;
        uint64_t size = 8192;
        uint8_t *p = vhu_mem_gpa_to_hva(mem, gpa, &size, &hint);

        CHECK(p && size == 4096 && p[7] == byte);
        CHECK(vhu_mem_uva_to_hva(mem, r[i].userspace_addr, 4096) == p);
        CHECK(!vhu_mem_uva_to_hva(mem, r[i].userspace_addr, 4097));
        size = 1;
        CHECK(!vhu_mem_gpa_to_hva(mem, gpa + 4096, &size, &hint));
        CHECK(hint < VHU_MEM_MAX_REGIONS);
    }
}

/* A table holds VHU_MEM_MAX_REGIONS (32) regions, every one of them
 * translating, and refuses a 33rd however it comes: mapped from a file or
 * supplied already mapped.  A region already there is still only counted
 * again, and a slot freed can be used again. */
static void
test_mem_max_regions(void)
{
    enum { N = VHU_MEM_MAX_REGIONS };
    int fd = make_memfd((N + 1) * 4096);
    struct vhost_user_memory_region r[N + 1];
    struct vhu_mem mem;

    CHECK(N == 32);
    vhu_mem_init(&mem);
    for (int i = 0; i <= N; i++) {
        uint8_t byte = i + 1;

        /* Apart in guest memory and the front-end's, one page each. */
        r[i] = region(0x100000 + i * 0x10000, 4096, 0xa00000 + i * 0x20000,
                      i * 4096);
        CHECK(pwrite(fd, &byte, 1, i * 4096 + 7) == 1);
    }
    for (int i = 0; i < N; i++) {
        CHECK(!vhu_mem_add_fd(&mem, &r[i], fd));
    }
    CHECK(mem.n_regions == N && mem.mapped == N * 4096);
    check_regions(&mem, r, N);

    /* A 33rd, from the file or already mapped, is refused; the table is
     * as it was. */
    CHECK(vhu_mem_add_fd(&mem, &r[N], fd) == ENOSPC);
    static uint8_t page[4096];
    CHECK(vhu_mem_add_mapped(&mem, &r[N], page) == ENOSPC);
    CHECK(mem.n_regions == N && mem.mapped == N * 4096);
    uint32_t hint = 0;
    uint64_t size = 1;
    CHECK(!vhu_mem_gpa_to_hva(&mem, r[N].guest_phys_addr, &size, &hint));
    check_regions(&mem, r, N);

    /* One already there is counted again, not added. */
    CHECK(!vhu_mem_add_fd(&mem, &r[5], fd) && mem.n_regions == N);
    CHECK(!vhu_mem_remove(&mem, &r[5]) && mem.n_regions == N);

    /* A slot freed takes the 33rd, and then the table is full again. */
    CHECK(!vhu_mem_remove(&mem, &r[0]));
    CHECK(!vhu_mem_add_fd(&mem, &r[N], fd));
    CHECK(vhu_mem_add_fd(&mem, &r[0], fd) == ENOSPC);
    check_regions(&mem, r + 1, N);
    vhu_mem_clear(&mem);

    /* The same with regions supplied mapped (tests' and fuzzers' way). */
    static uint8_t pages[N + 1][4096];
    for (int i = 0; i < N; i++) {
        pages[i][7] = i + 1;
        CHECK(!vhu_mem_add_mapped(&mem, &r[i], pages[i]));
    }
    CHECK(vhu_mem_add_mapped(&mem, &r[N], pages[N]) == ENOSPC);
    CHECK(mem.n_regions == N);
    check_regions(&mem, r, N);
    vhu_mem_clear(&mem);
    close(fd);
}

/* Writes 'n' raw bytes to 'fd'. */
static void
write_raw(int fd, const void *p, size_t n)
{
    CHECK(write(fd, p, n) == n);
}

static void
test_msg(void)
{
    struct vhu_msg_reader r;
    struct vhu_msg msg;
    int sv[2];

    CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    vhu_msg_reader_init(&r);

    /* A whole message with two descriptors. */
    memset(&msg, 0, sizeof msg);
    msg.hdr.request = VHOST_USER_SET_VRING_KICK;
    msg.hdr.flags = VHOST_USER_VERSION;
    msg.hdr.size = 8;
    msg.payload.u64 = 0x1234;
    msg.fds[0] = make_memfd(4096);
    msg.fds[1] = make_memfd(4096);
    msg.n_fds = 2;
    CHECK(!vhu_msg_send(sv[0], &msg));
    close(msg.fds[0]);
    close(msg.fds[1]);
    CHECK(!vhu_msg_recv(sv[1], &r));
    CHECK(r.msg.hdr.request == VHOST_USER_SET_VRING_KICK);
    CHECK(r.msg.payload.u64 == 0x1234 && r.msg.n_fds == 2);
    CHECK(vhu_msg_take_fd(&r.msg, 0) >= 0);
    CHECK(vhu_msg_take_fd(&r.msg, 0) == -1);
    CHECK(vhu_msg_take_fd(&r.msg, 5) == -1);
    vhu_msg_close_fds(&r.msg);
    vhu_msg_reader_init(&r);

    /* Byte by byte: EAGAIN until the message is complete. */
    struct vhost_user_header raw_hdr = { VHOST_USER_SET_FEATURES,
                                         VHOST_USER_VERSION, 8 };
    uint64_t raw_u64 = 0xabcdef;
    uint8_t bytes[sizeof raw_hdr + sizeof raw_u64];

    memcpy(bytes, &raw_hdr, sizeof raw_hdr);
    memcpy(bytes + sizeof raw_hdr, &raw_u64, sizeof raw_u64);
    for (size_t i = 0; i < sizeof bytes - 1; i++) {
        int error;

        write_raw(sv[0], bytes + i, 1);
        error = vhu_msg_recv(sv[1], &r);
        if (error != EAGAIN) {
            ovs_fatal(0, "byte %"PRIuSIZE": %s", i,
                      ovs_retval_to_string(error));
        }
    }
    write_raw(sv[0], bytes + sizeof bytes - 1, 1);
    CHECK(!vhu_msg_recv(sv[1], &r));
    CHECK(r.msg.hdr.request == VHOST_USER_SET_FEATURES);
    CHECK(r.msg.payload.u64 == 0xabcdef && !r.msg.n_fds);
    vhu_msg_reader_init(&r);

    /* A header-only message. */
    struct vhost_user_header hdr = { VHOST_USER_GET_FEATURES,
                                     VHOST_USER_VERSION, 0 };
    write_raw(sv[0], &hdr, sizeof hdr);
    CHECK(!vhu_msg_recv(sv[1], &r));
    CHECK(r.msg.hdr.request == VHOST_USER_GET_FEATURES);
    vhu_msg_reader_init(&r);

    /* Wrong version, oversized payload: unframeable. */
    hdr.flags = 2;
    write_raw(sv[0], &hdr, sizeof hdr);
    CHECK(vhu_msg_recv(sv[1], &r) == EPROTO);
    vhu_msg_reader_reset(&r);
    hdr.flags = VHOST_USER_VERSION;
    hdr.size = VHOST_USER_MAX_PAYLOAD + 1;
    write_raw(sv[0], &hdr, sizeof hdr);
    CHECK(vhu_msg_recv(sv[1], &r) == EPROTO);
    vhu_msg_reader_reset(&r);

    /* Nothing there, then the peer goes away. */
    CHECK(vhu_msg_recv(sv[1], &r) == EAGAIN);
    close(sv[0]);
    CHECK(vhu_msg_recv(sv[1], &r) == EOF);
    close(sv[1]);

    /* A descriptor whose close() might block (here a pipe) is closed, but
     * by the closer thread: the other end sees it go. */
    int pipe_fds[2];
    struct pollfd pfd;
    CHECK(!pipe(pipe_fds));
    vhu_fd_close_untrusted(pipe_fds[0]);
    pfd = (struct pollfd) { .fd = pipe_fds[1], .events = 0 };
    for (int i = 0; i < 500 && !(pfd.revents & POLLERR); i++) {
        CHECK(poll(&pfd, 1, 10) >= 0);
    }
    CHECK(pfd.revents & POLLERR);
    close(pipe_fds[1]);

    /* Names. */
    CHECK(!strcmp(vhu_request_name(VHOST_USER_GET_VRING_BASE),
                  "GET_VRING_BASE"));
    CHECK(!strcmp(vhu_request_name(12345), "unknown"));
}

static void
test_vhost_mem_main(int argc OVS_UNUSED, char *argv[] OVS_UNUSED)
{
    test_mem();
    test_mem_hostile();
    test_mem_max_regions();
    test_msg();
    printf("PASS\n");
}

OVSTEST_REGISTER("test-vhost-mem-msg", test_vhost_mem_main);
