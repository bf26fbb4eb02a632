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

/* Replays inputs of the lib/ fuzz targets (tests/fuzz/) without libFuzzer,
 * so that the test suite checks that inputs once found interesting still
 * run cleanly.  Inputs are hex strings, one per line. */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "ovstest.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
test_fuzz_replay_main(int argc, char *argv[])
{
    struct ds line = DS_EMPTY_INITIALIZER;
    size_t n_inputs = 0;

    for (int i = 1; i < argc; i++) {
        FILE *file = fopen(argv[i], "r");

        if (!file) {
            ovs_fatal(errno, "%s: open failed", argv[i]);
        }
        while (!ds_get_line(&line, file)) {
            size_t len = line.length / 2;
            uint8_t *input = xmalloc(len + 1);
            bool ok;

            for (size_t j = 0; j < len; j++) {
                input[j] = hexits_value(&line.string[2 * j], 2, &ok);
                if (!ok) {
                    ovs_fatal(0, "%s: bad hex", argv[i]);
                }
            }
            LLVMFuzzerTestOneInput(input, len);
            free(input);
            n_inputs++;
        }
        fclose(file);
    }
    ds_destroy(&line);
    printf("%"PRIuSIZE" inputs\n", n_inputs);
}

OVSTEST_REGISTER("fuzz-replay", test_fuzz_replay_main);
