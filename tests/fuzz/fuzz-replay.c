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

/* Replays saved inputs of the lib/ fuzz target without libFuzzer: the test
 * suite builds it with ASan and UBSan (tests/automake.mk), so inputs once
 * found interesting keep being checked for memory errors and undefined
 * behaviour, not only for crashes.  Inputs are hex strings, one per line.
 *
 * usage: fuzz-replay FILE...     prints "N inputs"
 *        fuzz-replay --check-asan  reads past a heap block and
 *        fuzz-replay --check-ubsan overflows an int: either must kill it,
 *                                  which proves that the build is sanitized */

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A heap block of exactly 'size' bytes, so that ASan catches a read past
 * its end, as with libFuzzer's own copies of inputs.  (This program links
 * nothing of OVS, so there is no xmalloc().) */
static void *
alloc_exact(size_t size)
{
    void *block;

    if (posix_memalign(&block, sizeof(void *), size ? size : 1)) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return block;
}

static int
hex_value(int c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Decodes the hex string 'line' (without its newline) into 'out'.  Returns
 * the number of bytes, or -1 if it is not hex. */
static long
decode_hex(const char *line, size_t len, uint8_t *out)
{
    if (len % 2) {
        return -1;
    }
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_value(line[i]);
        int lo = hex_value(line[i + 1]);

        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i / 2] = hi << 4 | lo;
    }
    return len / 2;
}

static int
replay_file(const char *name, size_t *n_inputs)
{
    FILE *file = fopen(name, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;

    if (!file) {
        perror(name);
        return -1;
    }
    while ((len = getline(&line, &cap, file)) >= 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            len--;
        }

        uint8_t *input = alloc_exact(len / 2);
        long size = decode_hex(line, len, input);

        if (size < 0) {
            fprintf(stderr, "%s: input %zu is not hex\n", name,
                    *n_inputs + 1);
            free(input);
            free(line);
            fclose(file);
            return -1;
        }
        LLVMFuzzerTestOneInput(input, size);
        free(input);
        (*n_inputs)++;
    }
    free(line);
    fclose(file);
    return 0;
}

int
main(int argc, char *argv[])
{
    size_t n_inputs = 0;

    if (argc == 2 && !strcmp(argv[1], "--check-asan")) {
        size_t size = strlen(argv[1]);      /* Unknown at compile time. */
        char *block = alloc_exact(size);

        printf("read past the end: %d\n", block[size]);
        free(block);
        return 0;
    } else if (argc == 2 && !strcmp(argv[1], "--check-ubsan")) {
        int big = INT_MAX;

        big += argc;
        printf("signed overflow: %d\n", big);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (replay_file(argv[i], &n_inputs)) {
            return 1;
        }
    }
    printf("%zu inputs\n", n_inputs);
    return 0;
}
