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

#ifndef VHOST_GUEST_H
#define VHOST_GUEST_H 1

/* vhost-guest's device, shared by its driver (vhost-guest.c) and its
 * hostile modes (vhost-guest-hostile.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "vhost-guest-frames.h"
#include "virtio-driver.h"

#define BIT(N) (1ULL << (N))

/* Guest-physical address of the first byte of guest memory.  Not 0, so that
 * a back-end mixing up address spaces gets caught. */
#define VG_GPA_BASE 0x100000000ULL

/* Largest packet we send or accept, virtio-net header excluded. */
#define VG_MAX_PKT 65536

/* Bytes of each transmit slot: header plus the largest frame. */
#define VG_TX_SLOT (VG_MAX_PKT + 4096)

/* Descriptors an indirect table (or a transmit chain) may have. */
#define VG_MAX_SEGS 128

/* Packets rx_process() takes from a queue before it looks at the others. */
#define VG_RX_BUDGET 64

/* Received packets kept for vhost-guest/dump-rx. */
#define VG_MAX_KEPT 4096

enum vg_tx_mode {
    VG_TX_SINGLE,               /* Header and frame in one descriptor. */
    VG_TX_SPLIT,                /* Header, then frame. */
    VG_TX_CHAIN,                /* Header, then the frame in small pieces. */
    VG_TX_INDIRECT,             /* As VG_TX_CHAIN, in an indirect table. */
};

/* Command-line settings. */
struct vg_config {
    char *socket_path;          /* --socket: the socket to serve. */
    char *unixctl_path;         /* --unixctl, or NULL for the default. */
    unsigned int n_qp;          /* Queue pairs. */
    uint32_t ring_size;         /* Entries per ring. */
    uint32_t rx_buf_size;       /* Bytes per receive descriptor. */
    unsigned int rx_buf_segs;   /* Descriptors per receive buffer. */
    enum vg_tx_mode tx_mode;
    uint32_t tx_seg_size;       /* Bytes per piece in chains and tables. */
    unsigned int n_regions;     /* Guest memory regions. */
    bool use_mem_slots;         /* Send memory with ADD_MEM_REG. */
    uint64_t features_off;      /* Features not to negotiate. */
    bool no_protocol_features;  /* Legacy set-up. */
    uint16_t guest_mtu;         /* MTU to tell the back-end, or 0. */
    struct eth_addr guest_mac;  /* Source of generated frames. */
    bool manual_start;          /* Start rings only on vhost-guest/start. */
    bool unsealed_memory;       /* Leave guest memory shrinkable. */
};

/* What receive buffers the driver posts (vhost-guest/rx-buffers). */
enum vg_rx_buffers {
    VG_RX_NORMAL,               /* Device-writable, of --rx-buf-size. */
    VG_RX_READONLY,             /* Not marked device-writable. */
    VG_RX_EMPTY,                /* Of zero bytes. */
};

/* One virtqueue and its share of guest memory. */
struct vg_queue {
    unsigned int index;         /* Virtqueue number. */
    struct vdrv_ring ring;
    uint8_t *ring_hva;
    uint64_t ring_gpa;
    uint8_t *bufs_hva;          /* Slot per descriptor head. */
    uint64_t bufs_gpa;
    size_t slot_size;
    uint8_t *tables_hva;        /* Indirect table per head. */
    uint64_t tables_gpa;
    int kick_fd;
    int call_fd;
    uint32_t next_seq;          /* Transmit queue: the number of the next
                                 * generated frame (vhost-guest-frames.h). */
    bool rx_pending;            /* Receive queue: packets may be waiting
                                 * that rx_process() left for later. */

    uint64_t packets;
    uint64_t bytes;
    uint64_t kicks;
    uint64_t interrupts;
};

struct vg_queue_pair {
    struct vg_queue rx;         /* Virtqueue 2N: the back-end sends here. */
    struct vg_queue tx;         /* Virtqueue 2N + 1. */
};

/* A vhost-guest/blast under way. */
struct vg_blast {
    struct unixctl_conn *conn;  /* To reply to at the end, or NULL if no
                                 * blast runs. */
    unsigned int qp;
    unsigned int size;          /* Bytes per frame. */
    unsigned int window;        /* Most frames out at once, or 0. */
    long long int start;
    long long int deadline;
    long long int progress;     /* When the switch last took a frame. */
    long long int longest_stall;
    uint64_t sent;
    uint64_t sent_before;       /* 'sent' when progress was last seen. */
    uint64_t rx_packets_before; /* The receive queue's count at start. */
};

/* The guest: its device, guest memory and driver state. */
struct vg_device {
    const struct vg_config *cfg;  /* Command-line settings. */

    int listen_fd;
    int conn_fd;                /* Connected back-end, or -1. */
    int mem_fd;
    uint8_t *mem_hva;
    size_t mem_size;
    size_t region_starts[4];    /* Offsets where regions begin. */
    bool remapped;              /* Boundaries moved by remap-memory. */

    /* Set-up requests: this session's so far, and a complete set-up's. */
    unsigned int n_session_requests;
    unsigned int n_setup_requests;
    int cut_after;              /* Cut this set-up after so many, or -1. */

    /* vhost-guest/churn. */
    unsigned int churn_left;    /* Cycles to go. */
    unsigned int churn_step;    /* Cycles done, for the next cut. */
    bool churn_cut_done;        /* This cycle's cut set-up happened. */

    uint64_t backend_features;
    uint64_t features;          /* Negotiated. */
    uint64_t protocol_features; /* Negotiated. */
    size_t hdr_size;
    struct vg_queue_pair qps[8];

    bool echo;                  /* Send every received frame back. */
    bool refill;                /* Keep giving receive buffers. */
    bool sink;                  /* Poll receive rings, only count. */
    bool started;               /* Rings started. */
    enum vg_rx_buffers rx_buffers;
    bool calls_blocked;         /* vhost-guest/block-calls: ignore them. */
    bool kicks_readable;        /* vhost-guest/kick-hostile readable. */
    struct vg_blast blast;

    /* Stream id of generated frames, less the queue pair. */
    uint32_t stream_base;

    /* Every received frame is checked here. */
    struct vg_rx_check rx_check;

    /* vhost-guest-migrate.c's state, for its check of the dirty log. */
    struct vg_migration *migration;

    /* Received packets, for dump-rx. */
    struct ds kept[VG_MAX_KEPT];
    unsigned int n_kept;

    /* Counters. */
    uint64_t n_connects;
    uint64_t n_disconnects;
    uint64_t rx_errors;         /* Used entries that hold no packet. */
    uint64_t rx_empty_written;  /* Of those, buffers that are not all
                                 * poison: written, yet handed back empty. */
    uint64_t tx_dropped;
    uint64_t backend_nacks;
    uint64_t rx_cross_region;   /* Packets whose buffers span regions. */
    uint64_t tx_cross_region;

    /* Where rx_process() gathers a received packet. */
    uint8_t rx_buf[VG_MAX_PKT + 4096];
};

uint64_t vg_gpa_of(const struct vg_device *, const void *hva);
void vg_kick(struct vg_queue *);
void vg_tx_reclaim(struct vg_queue *);
void vg_hostile_register(struct vg_device *);
void vg_hostile_run(struct vg_device *);
void vg_migrate_register(struct vg_device *);
void vg_migrate_fill(struct vg_device *, uint8_t *hva, uint8_t byte,
                     size_t len);
struct vhu_msg;
int vg_request(struct vg_device *, struct vhu_msg *, bool has_reply,
               struct vhu_msg *reply);
int vg_recv_reply(const struct vg_device *, struct vhu_msg *reply);
int vg_make_fd(const struct vg_device *, const char *kind);
bool vg_parse_hex(const char *hex, uint8_t *bytes, size_t n);

#endif /* vhost-guest.h */
