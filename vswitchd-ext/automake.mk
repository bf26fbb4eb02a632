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

# ovs-vswitchd: OVS's own daemon, from its unmodified objects, with our
# netdev class registered by hook.c.  The OVS test macros run it by this
# name, so it keeps it; it installs outside $PATH, in pkglibexecdir, and a
# systemd drop-in points OVS's ovs-ctl at it.
pkglibexec_PROGRAMS += vswitchd-ext/ovs-vswitchd
vswitchd_ext_ovs_vswitchd_CPPFLAGS = $(OVS_CPPFLAGS)
vswitchd_ext_ovs_vswitchd_CFLAGS = $(AM_CFLAGS)
vswitchd_ext_ovs_vswitchd_SOURCES = vswitchd-ext/hook.c
vswitchd_ext_ovs_vswitchd_LDFLAGS = \
	-Wl,--wrap=bridge_init -Wl,--wrap=ovs_print_version \
	-Wl,--wrap=dpdk_init -Wl,--wrap=ovs_get_program_version
vswitchd_ext_ovs_vswitchd_LDADD = \
	$(OVS_BUILDDIR)/vswitchd/ovs-vswitchd.o \
	$(OVS_BUILDDIR)/vswitchd/bridge.o \
	$(OVS_BUILDDIR)/vswitchd/system-stats.o \
	datapath-ext/libnetdev-vhu.la \
	$(OVS_LIBS)

# systemd drop-in for the stock ovs-vswitchd.service (Debian and Fedora):
# ovs-ctl starts $OVS_SBINDIR/ovs-vswitchd.
systemddropindir = $(prefix)/lib/systemd/system/ovs-vswitchd.service.d
systemddropin_DATA = vswitchd-ext/50-vhostuser.conf
CLEANFILES += vswitchd-ext/50-vhostuser.conf
vswitchd-ext/50-vhostuser.conf: Makefile
	$(AM_V_GEN)printf '%s\n' \
	  '# Installed by ovs-vhostuser: run its ovs-vswitchd.' \
	  '[Service]' \
	  'Environment=OVS_SBINDIR=$(pkglibexecdir)' > $@

# ovs-vhostuser(8): the port type, its options and the vhostuser/* commands
# (from datapath-ext/netdev-vhu-unixctl.man).
man_MANS = vswitchd-ext/ovs-vhostuser.8
EXTRA_DIST += vswitchd-ext/ovs-vhostuser.8.in
CLEANFILES += vswitchd-ext/ovs-vhostuser.8
vswitchd-ext/ovs-vhostuser.8: vswitchd-ext/ovs-vhostuser.8.in \
		datapath-ext/netdev-vhu-unixctl.man Makefile
	$(AM_V_GEN)$(MKDIR_P) vswitchd-ext && \
	  sed -e 's|@VERSION@|$(VERSION)|g' \
	      -e 's|@pkglibexecdir@|$(pkglibexecdir)|g' \
	      $(srcdir)/vswitchd-ext/ovs-vhostuser.8.in > $@.tmp && \
	  cat $(srcdir)/datapath-ext/netdev-vhu-unixctl.man >> $@.tmp && \
	  mv $@.tmp $@
