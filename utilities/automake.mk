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

# Tools for users and tests.

# vhost-guest: the vhost-user front-end and virtio-net driver that tests
# (and users) run against a vhostuserclient port.
bin_PROGRAMS += utilities/vhost-guest
utilities_vhost_guest_CPPFLAGS = $(OVS_CPPFLAGS) -I$(top_srcdir)/utilities
utilities_vhost_guest_CFLAGS = $(AM_CFLAGS)
utilities_vhost_guest_SOURCES = \
	utilities/vhost-guest.c \
	utilities/vhost-guest.h \
	utilities/vhost-guest-frames.c \
	utilities/vhost-guest-frames.h \
	utilities/vhost-guest-hostile.c \
	utilities/vhost-guest-migrate.c \
	utilities/virtio-driver.c \
	utilities/virtio-driver.h
utilities_vhost_guest_LDADD = lib/libvhu.la $(OVS_BUILDDIR)/lib/libopenvswitch.la

# make demo: the README's sandbox demonstration.
EXTRA_DIST += utilities/vhu-demo.sh utilities/install-deps.sh \
	utilities/vhu-sandbox.sh utilities/vhu-bench.sh
demo: all
	$(SHELL) $(srcdir)/utilities/vhu-demo.sh '$(abs_builddir)' \
	  '$(OVS_BUILDDIR)' '$(OVS_SRCDIR)' $(DEMOFLAGS)

# make bench [BENCHFLAGS='--seconds 10 --runs 5 --vswitchd PATH']
bench: all
	$(SHELL) $(srcdir)/utilities/vhu-bench.sh '$(abs_builddir)' \
	  '$(OVS_BUILDDIR)' '$(OVS_SRCDIR)' $(BENCHFLAGS)

# vhu-flood: the cheap polling peer of make bench-compare.
bin_PROGRAMS += utilities/vhu-flood
utilities_vhu_flood_CPPFLAGS = $(OVS_CPPFLAGS)
utilities_vhu_flood_CFLAGS = $(AM_CFLAGS)
utilities_vhu_flood_SOURCES = utilities/vhu-flood.c
utilities_vhu_flood_LDADD = lib/libvhu.la $(OVS_BUILDDIR)/lib/libopenvswitch.la

# make bench-compare [BENCHFLAGS='--runs 5 --sizes "64 1518" --floor']:
# ours side by side with OVS-DPDK (BENCHMARKS.md).  Needs root.
EXTRA_DIST += utilities/vhu-bench-compare.sh
bench-compare: all
	$(SHELL) $(srcdir)/utilities/vhu-bench-compare.sh '$(abs_builddir)' \
	  '$(OVS_BUILDDIR)' '$(OVS_SRCDIR)' $(BENCHFLAGS)
