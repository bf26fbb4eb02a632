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

/* Hooks that turn OVS's own, unmodified ovs-vswitchd into ours.
 *
 * The binary is linked from OVS's vswitchd objects with -Wl,--wrap= for
 * each of the functions below, so the linker sends their calls here: we
 * register our netdev class after the command line is parsed and before the
 * bridge first reads the database, name our version next to OVS's in
 * --version and in "ovs-appctl version" (the only caller of
 * ovs_get_program_version()), and see the Open_vSwitch record's
 * other_config each time the bridge reads it, before it configures ports.
 * The double underscores are what GNU ld's --wrap requires. */

#include <config.h>

#include <stdint.h>
#include <stdio.h>

#include "netdev-vhu.h"
#include "util.h"

void __real_bridge_init(const char *remote);
void __wrap_bridge_init(const char *remote);
void __real_ovs_print_version(uint8_t min_ofp, uint8_t max_ofp);
void __wrap_ovs_print_version(uint8_t min_ofp, uint8_t max_ofp);
void __real_dpdk_init(const struct smap *ovs_other_config);
void __wrap_dpdk_init(const struct smap *ovs_other_config);
const char *__real_ovs_get_program_version(void);
const char *__wrap_ovs_get_program_version(void);

void
__wrap_bridge_init(const char *remote)
{
    netdev_vhu_register();
    __real_bridge_init(remote);
}

void
__wrap_ovs_print_version(uint8_t min_ofp, uint8_t max_ofp)
{
    __real_ovs_print_version(min_ofp, max_ofp);
    printf("ovs-vhostuser %s\n", VHU_VERSION);
}

void
__wrap_dpdk_init(const struct smap *ovs_other_config)
{
    __real_dpdk_init(ovs_other_config);
    netdev_vhu_dpdk_alias_run(ovs_other_config);
}

const char *
__wrap_ovs_get_program_version(void)
{
    static char *version;

    if (!version) {
        /* OVS's ends in a new-line. */
        version = xasprintf("%sovs-vhostuser %s\n",
                            __real_ovs_get_program_version(), VHU_VERSION);
    }
    return version;
}
