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

/* "vhubenchnull" ports, for benchmarks only: what dpif-netdev itself costs
 * per packet.  Receiving hands out pool packets that already hold a frame
 * (only its Ethernet header is written again), sending recycles them, and
 * neither touches a ring: the PMD cycles per packet of a flow between two
 * such ports are OVS's floor, below which no port can go.
 *
 * Registered only when ovs-vswitchd starts with VHU_BENCH_NULL_PORTS=yes in
 * its environment (utilities/vhu-bench-compare.sh --floor does that), so
 * that no deployment ever has it.  options:rx-size=BYTES makes a port
 * receive a burst of frames of that size at every poll; 0 (the default)
 * receives nothing. */

#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "netdev-provider.h"
#include "netdev-vhu-pool.h"
#include "netdev-vhu.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_vhu_null);

struct netdev_vhu_null {
    struct netdev up;
    atomic_uint32_t rx_size;    /* options:rx-size. */
    struct eth_addr hwaddr;     /* Main thread only. */
};

static struct netdev_vhu_null *
netdev_vhu_null_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct netdev_vhu_null, up);
}

static struct netdev *
netdev_vhu_null_alloc(void)
{
    struct netdev_vhu_null *dev = xzalloc(sizeof *dev);

    return &dev->up;
}

static int
netdev_vhu_null_construct(struct netdev *netdev OVS_UNUSED)
{
    return 0;
}

static void
netdev_vhu_null_destruct(struct netdev *netdev OVS_UNUSED)
{
}

static void
netdev_vhu_null_dealloc(struct netdev *netdev)
{
    free(netdev_vhu_null_cast(netdev));
}

static int
netdev_vhu_null_set_config(struct netdev *netdev, const struct smap *args,
                           char **errp)
{
    struct netdev_vhu_null *dev = netdev_vhu_null_cast(netdev);
    unsigned long long size = smap_get_ullong(args, "rx-size", 0);

    if (size && (size < ETH_HEADER_LEN || size > VHU_POOL_DATA_CAPACITY)) {
        *errp = xasprintf("%s: rx-size must be 0 or from %d to %d",
                          netdev_get_name(netdev), ETH_HEADER_LEN,
                          VHU_POOL_DATA_CAPACITY);
        return EINVAL;
    }
    atomic_store_relaxed(&dev->rx_size, size);
    return 0;
}

static int
netdev_vhu_null_set_etheraddr(struct netdev *netdev,
                              const struct eth_addr mac)
{
    netdev_vhu_null_cast(netdev)->hwaddr = mac;
    return 0;
}

static int
netdev_vhu_null_get_etheraddr(const struct netdev *netdev,
                              struct eth_addr *mac)
{
    *mac = netdev_vhu_null_cast(netdev)->hwaddr;
    return 0;
}

static int
netdev_vhu_null_update_flags(struct netdev *netdev OVS_UNUSED,
                             enum netdev_flags off OVS_UNUSED,
                             enum netdev_flags on OVS_UNUSED,
                             enum netdev_flags *old_flagsp)
{
    *old_flagsp = NETDEV_UP | NETDEV_PROMISC;
    return 0;
}

static struct netdev_rxq *
netdev_vhu_null_rxq_alloc(void)
{
    return xzalloc(sizeof(struct netdev_rxq));
}

static int
netdev_vhu_null_rxq_construct(struct netdev_rxq *rxq OVS_UNUSED)
{
    return 0;
}

static void
netdev_vhu_null_rxq_destruct(struct netdev_rxq *rxq OVS_UNUSED)
{
}

static void
netdev_vhu_null_rxq_dealloc(struct netdev_rxq *rxq)
{
    free(rxq);
}

static int
netdev_vhu_null_rxq_recv(struct netdev_rxq *rxq,
                         struct dp_packet_batch *batch, int *qfill)
{
    static const uint8_t eth[ETH_HEADER_LEN] = {
        0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5,
    };
    struct netdev_vhu_null *dev = netdev_vhu_null_cast(rxq->netdev);
    struct vhu_pool_stack *stack;
    uint32_t size;

    atomic_read_relaxed(&dev->rx_size, &size);
    if (qfill) {
        *qfill = 0;
    }
    if (!size) {
        return EAGAIN;
    }
    stack = &vhu_pool_stacks_get()[VHU_POOL_SMALL];
    vhu_pool_reserve(stack, NETDEV_MAX_BURST);
    for (int i = 0; i < NETDEV_MAX_BURST; i++) {
        struct dp_packet *packet = stack->pkts[--stack->n];
        uint8_t *data = vhu_pool_data(packet);

        memcpy(data, eth, sizeof eth);
        vhu_pool_prepare(packet, data, size);
        batch->packets[i] = packet;
    }
    batch->count = NETDEV_MAX_BURST;
    return 0;
}

static int
netdev_vhu_null_send(struct netdev *netdev OVS_UNUSED, int qid OVS_UNUSED,
                     struct dp_packet_batch *batch,
                     bool concurrent_txq OVS_UNUSED)
{
    struct vhu_pool_stack *stacks = vhu_pool_stacks_get();
    struct dp_packet *packet;

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        vhu_pool_release(stacks, packet);
    }
    return 0;
}

static const struct netdev_class netdev_vhu_null_class = {
    .type = "vhubenchnull",
    .is_pmd = true,
    .alloc = netdev_vhu_null_alloc,
    .construct = netdev_vhu_null_construct,
    .destruct = netdev_vhu_null_destruct,
    .dealloc = netdev_vhu_null_dealloc,
    .set_config = netdev_vhu_null_set_config,
    .send = netdev_vhu_null_send,
    .set_etheraddr = netdev_vhu_null_set_etheraddr,
    .get_etheraddr = netdev_vhu_null_get_etheraddr,
    .update_flags = netdev_vhu_null_update_flags,
    .rxq_alloc = netdev_vhu_null_rxq_alloc,
    .rxq_construct = netdev_vhu_null_rxq_construct,
    .rxq_destruct = netdev_vhu_null_rxq_destruct,
    .rxq_dealloc = netdev_vhu_null_rxq_dealloc,
    .rxq_recv = netdev_vhu_null_rxq_recv,
};

/* Registers "vhubenchnull" if VHU_BENCH_NULL_PORTS=yes. */
void
netdev_vhu_null_register(void)
{
    const char *env = getenv("VHU_BENCH_NULL_PORTS");

    if (env && !strcmp(env, "yes")) {
        int error = netdev_register_provider(&netdev_vhu_null_class);

        if (error) {
            VLOG_ERR("cannot register netdev type %s: %s",
                     netdev_vhu_null_class.type, ovs_strerror(error));
        } else {
            VLOG_WARN("benchmark port type %s registered "
                      "(VHU_BENCH_NULL_PORTS=yes)",
                      netdev_vhu_null_class.type);
        }
    }
}
