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

#ifndef TEST_CHECK_H
#define TEST_CHECK_H 1

/* The assertion of our unit tests.  ovs_assert() and assert() turn into
 * nothing in a -DNDEBUG build, and then a unit test passes whatever the code
 * under test does; CHECK() checks in every build. */

#include "util.h"

#define CHECK(CONDITION)                                        \
    ((CONDITION)                                                \
     ? (void) 0                                                 \
     : check_failed(__FILE__, __LINE__, #CONDITION))

static inline void OVS_NO_RETURN
check_failed(const char *file, int line, const char *condition)
{
    ovs_abort(0, "%s:%d: check failed: %s", file, line, condition);
}

#endif /* test-check.h */
