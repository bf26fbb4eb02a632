# Copyright (c) 2026 The ovs-vhostuser authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# The autotest suite.  It includes OVS's own test macros straight from the
# OVS source tree (-I $(OVS_SRCDIR)), and runs with our ovs-vswitchd first
# in $PATH, OVS's other programs after it.

TESTSUITE_AT = \
	tests/testsuite.at \
	tests/vhu-macros.at \
	tests/lib.at \
	tests/netdev-vhu.at \
	tests/traffic.at \
	tests/reconnect.at \
	tests/dpdk.at \
	tests/qemu.at \
	tests/unixctl.at \
	tests/hostile.at \
	tests/faults.at \
	tests/migration.at \
	tests/install.at
TESTSUITE = $(srcdir)/tests/testsuite
EXTRA_DIST += $(TESTSUITE_AT) $(TESTSUITE) tests/atlocal.in \
	$(srcdir)/tests/package.m4
DISTCLEANFILES += tests/atconfig tests/atlocal

AUTOTEST = $(AUTOM4TE) --language=autotest
AUTOTEST_PATH = $(abs_top_builddir)/vswitchd-ext:$(abs_top_builddir)/utilities:$(abs_top_builddir)/tests:$(OVS_BUILDDIR)/utilities:$(OVS_BUILDDIR)/ovsdb:$(OVS_BUILDDIR)/tests

$(TESTSUITE): $(srcdir)/tests/package.m4 $(TESTSUITE_AT)
	$(AM_V_GEN)$(AUTOTEST) -I '$(srcdir)/tests' -I '$(srcdir)' -I '$(OVS_SRCDIR)' -o $@.tmp $@.at
	$(AM_V_at)mv $@.tmp $@

$(srcdir)/tests/package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN){ \
	  echo '# Signature of the current package.' && \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])' && \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])' && \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])' && \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])' && \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} > $@

check-local: $(TESTSUITE) tests/atconfig tests/atlocal $(FUZZ_REPLAY)
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(TESTSUITEFLAGS)

clean-local-tests:
	test ! -f '$(TESTSUITE)' || $(SHELL) '$(TESTSUITE)' -C tests --clean
CLEAN_LOCAL += clean-local-tests

# A selection of OVS's own autotests, run against our ovs-vswitchd: proof
# that registering our class leaves OVS's behaviour intact.  The test numbers
# go to tests/ovs-selection for check-all to count; an empty selection would
# run all of OVS's tests, so it is refused, and so is a PATH on which
# ovs-vswitchd is not ours.
#
# Some of OVS's tests race with ovs-vswitchd's asynchronous log (they grep
# it right after a command), in stock OVS as with ours; OVS's own CI reruns
# its failures once (RECHECK=yes), and so do we, for OVS's tests only.  The
# first run's log stays the log of record; the rerun's goes to
# tests/ovs-recheck.log, and check-all names every test that needed it.
OVS_CHECK_FILES = dpif-netdev.at pmd.at ofproto-dpif.at
OVS_CHECK_PATH = $(abs_top_builddir)/vswitchd-ext:utilities:vswitchd:ovsdb:vtep:tests:ipsec
check-ovs: all
	@set -e; \
	path=`echo '$(OVS_CHECK_PATH)' | tr ':' '\n' \
	  | sed 's|^\([^/]\)|$(OVS_BUILDDIR)/\1|' | paste -sd: -`; \
	version=`PATH="$$path:$$PATH" ovs-vswitchd --version`; \
	if ! echo "$$version" | grep -q '^ovs-vhostuser '; then \
	  echo "check-ovs: ovs-vswitchd on the tests' PATH is not ours:"; \
	  echo "$$version"; exit 1; \
	fi; \
	cd '$(OVS_BUILDDIR)/tests'; \
	$(SHELL) ./testsuite --list \
	  | sed -n 's/^ *\([0-9][0-9]*\): \([^:]*\):.*/\1 \2/p' \
	  | while read n f; do \
	      case " $(OVS_CHECK_FILES) " in *" $$f "*) echo $$n;; esac; \
	    done > '$(abs_top_builddir)/tests/ovs-selection'; \
	nums=`cat '$(abs_top_builddir)/tests/ovs-selection'`; \
	if test -z "$$nums"; then \
	  echo "check-ovs: no tests of $(OVS_CHECK_FILES) in OVS's suite"; \
	  exit 1; \
	fi; \
	echo "check-ovs: running `echo $$nums | wc -w` tests from $(OVS_CHECK_FILES)"; \
	rm -f '$(abs_top_builddir)/tests/ovs-recheck.log'; \
	$(SHELL) ./testsuite AUTOTEST_PATH='$(OVS_CHECK_PATH)' \
	  $$nums $(TESTSUITEFLAGS) && exit 0; \
	failed=`awk '/^Failed tests:$$/ { f = 1; next } \
	  /^(Skipped tests:|## )/ { f = 0 } \
	  f && /^ *[1-9][0-9]*: / { sub(":.*", ""); print $$1 }' testsuite.log`; \
	test -n "$$failed" || exit 1; \
	cp testsuite.log testsuite.log.first; \
	echo "check-ovs: running OVS's failed tests once more:" $$failed; \
	status=0; \
	$(SHELL) ./testsuite AUTOTEST_PATH='$(OVS_CHECK_PATH)' \
	  $$failed $(TESTSUITEFLAGS) || status=$$?; \
	mv testsuite.log '$(abs_top_builddir)/tests/ovs-recheck.log'; \
	mv testsuite.log.first testsuite.log; \
	exit $$status
CLEANFILES += tests/ovs-selection tests/skip-reasons tests/ovs-recheck.log

# Unit tests of lib/ and friends, run by tests/lib.at.
check_PROGRAMS += tests/vhutest
tests_vhutest_CPPFLAGS = $(OVS_CPPFLAGS) -I$(OVS_SRCDIR)/tests \
	-I$(top_srcdir)/utilities
tests_vhutest_CFLAGS = $(AM_CFLAGS)
tests_vhutest_SOURCES = \
	tests/test-check.h \
	tests/test-vhost-mem-msg.c \
	tests/test-vhost-user-conn.c \
	tests/test-vhost-user-dev.c \
	tests/test-virtq.c \
	tests/test-vg-frames.c \
	utilities/vhost-guest-frames.c \
	utilities/virtio-driver.c
tests_vhutest_LDADD = \
	$(OVS_BUILDDIR)/tests/ovstest.o \
	lib/libvhu.la \
	$(OVS_BUILDDIR)/lib/libopenvswitch.la

# Everything: our suite and the OVS selection, then one summary whose last
# line is "N passed, N failed".  The logs are deleted first, so that only
# this run's results count, and each suite's number of results is checked
# against the number of tests it selected.
# Tests spend most of their time waiting, so two at a time by default,
# except those with keyword one-at-a-time (they measure rates, which a test
# beside them would disturb): they run next, alone.  Their log is kept as
# tests/testsuite-alone.log.
#   make check-all [VHU_KEYWORDS='lib traffic'] [VHU_OVS_SELECTION=no]
# runs only our tests with any of those keywords, and not OVS's.
CHECK_ALL_FLAGS = $(or $(TESTSUITEFLAGS),-j2)
OVS_TESTSUITE_LOG = $(OVS_BUILDDIR)/tests/testsuite.log
VHU_KEYWORDS =
VHU_OVS_SELECTION = yes
check-all: all
	@rm -f tests/testsuite.log tests/testsuite-alone.log tests/skip-reasons \
	  tests/ovs-selection tests/ovs-recheck.log '$(OVS_TESTSUITE_LOG)'
	@ours=0 alone=0 theirs=0; \
	together=; by_itself=; \
	for k in $(or $(VHU_KEYWORDS),-); do \
	  case $$k in -) k=;; *) k=$$k,;; esac; \
	  together="$$together -k $$k!one-at-a-time"; \
	  by_itself="$$by_itself -k $${k}one-at-a-time"; \
	done; \
	n_ours=`$(SHELL) '$(TESTSUITE)' --list $$together \
	  | grep -c '^ *[0-9][0-9]*: '`; \
	n_alone=`$(SHELL) '$(TESTSUITE)' --list $$by_itself \
	  | grep -c '^ *[0-9][0-9]*: '`; \
	$(MAKE) $(AM_MAKEFLAGS) check \
	  TESTSUITEFLAGS="$(CHECK_ALL_FLAGS) $$together" || ours=$$?; \
	set -- "ovs-vhostuser suite" tests/testsuite.log - $$n_ours $$ours; \
	if test $$n_alone != 0 || test -z '$(VHU_KEYWORDS)'; then \
	  test ! -f tests/testsuite.log \
	    || mv tests/testsuite.log tests/testsuite-together.log; \
	  $(MAKE) $(AM_MAKEFLAGS) check TESTSUITEFLAGS="$$by_itself" \
	    || alone=$$?; \
	  test ! -f tests/testsuite.log \
	    || mv tests/testsuite.log tests/testsuite-alone.log; \
	  test ! -f tests/testsuite-together.log \
	    || mv tests/testsuite-together.log tests/testsuite.log; \
	  set -- "$$@" "ovs-vhostuser suite, one at a time" \
	    tests/testsuite-alone.log - $$n_alone $$alone; \
	fi; \
	if test '$(VHU_OVS_SELECTION)' = yes; then \
	  $(MAKE) $(AM_MAKEFLAGS) check-ovs TESTSUITEFLAGS='$(CHECK_ALL_FLAGS)' \
	    || theirs=$$?; \
	fi; \
	n_theirs=`cat tests/ovs-selection 2>/dev/null | wc -l`; \
	if test '$(VHU_OVS_SELECTION)' = yes; then \
	  set -- "$$@" "OVS selection" '$(OVS_TESTSUITE_LOG)' \
	    tests/ovs-recheck.log $$n_theirs $$theirs; \
	fi; \
	$(SHELL) $(srcdir)/tests/summarize.sh "$$@"
CLEANFILES += tests/testsuite-alone.log
EXTRA_DIST += tests/summarize.sh tests/guest/init tests/guest/mkinitramfs.sh \
	tests/qmp.py

# Fuzzing lib/ with libFuzzer, ASan and UBSan (needs clang):
#   make fuzz [FUZZ_SECONDS=60]
# New interesting inputs go to tests/fuzz/corpus-new/; to keep some, append
# them (as hex lines) to tests/fuzz/vhost-user-corpus.txt, which the test
# suite replays (lib.at).
EXTRA_DIST += tests/fuzz/vhost-user-corpus.txt
FUZZ_SECONDS = 60
FUZZ_CC = clang

# The saved inputs replay in the test suite (lib.at) through the same
# target, built with ASan and UBSan by the usual compiler: a memory error or
# undefined behaviour there fails the test, not only a crash.
SANITIZE_CFLAGS = -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_REPLAY = tests/fuzz/fuzz-replay
FUZZ_REPLAY_SRCS = tests/fuzz/fuzz-replay.c tests/fuzz/fuzz-vhost-user.c \
	$(filter %.c,$(lib_libvhu_la_SOURCES))
EXTRA_DIST += tests/fuzz/fuzz-replay.c tests/fuzz/fuzz-vhost-user.c
$(FUZZ_REPLAY): $(addprefix $(top_srcdir)/,$(FUZZ_REPLAY_SRCS)) \
		$(filter %.h,$(addprefix $(top_srcdir)/,$(lib_libvhu_la_SOURCES)))
	$(AM_V_CCLD)$(MKDIR_P) tests/fuzz && \
	$(CC) $(SANITIZE_CFLAGS) -I$(top_srcdir)/lib -o $@ \
	  $(addprefix $(top_srcdir)/,$(FUZZ_REPLAY_SRCS))
CLEANFILES += $(FUZZ_REPLAY)
tests/fuzz/fuzz-vhost-user: $(top_srcdir)/tests/fuzz/fuzz-vhost-user.c \
		$(lib_libvhu_la_SOURCES)
	$(MKDIR_P) tests/fuzz
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all \
	  -I$(top_srcdir)/lib -o $@ $(top_srcdir)/tests/fuzz/fuzz-vhost-user.c \
	  $(filter %.c,$(addprefix $(top_srcdir)/,$(lib_libvhu_la_SOURCES)))
# The run starts from the saved inputs (one file each in corpus-seed/) and
# stops at the first report of either sanitizer, with a nonzero status.
fuzz: tests/fuzz/fuzz-vhost-user
	$(MKDIR_P) tests/fuzz/corpus-new
	rm -rf tests/fuzz/corpus-seed && $(MKDIR_P) tests/fuzz/corpus-seed
	$(PYTHON3) -c 'import sys; \
	  [open("%s/%04d" % (sys.argv[2], i), "wb").write(bytes.fromhex(l)) \
	   for i, l in enumerate(open(sys.argv[1]).read().split())]' \
	  $(top_srcdir)/tests/fuzz/vhost-user-corpus.txt tests/fuzz/corpus-seed
	@echo "fuzz: $$(ls tests/fuzz/corpus-seed | wc -l) saved inputs to start from"
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	tests/fuzz/fuzz-vhost-user -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=512 tests/fuzz/corpus-new tests/fuzz/corpus-seed
CLEANFILES += tests/fuzz/fuzz-vhost-user
