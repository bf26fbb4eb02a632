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

#ifndef NETDEV_VHU_H
#define NETDEV_VHU_H 1

/* The "vhostuserclient" netdev provider: ports that connect, as the
 * vhost-user back-end, to a virtio-net device served by QEMU or DPDK's
 * virtio-user, and move packets between the guest's rings and dpif-netdev's
 * PMD threads. */

#include <stdbool.h>

struct smap;

void netdev_vhu_register(void);
void netdev_vhu_null_register(void);
void netdev_vhu_dpdk_alias_run(const struct smap *other_config);
bool netdev_vhu_dpdk_alias_active(void);

#endif /* netdev-vhu.h */
