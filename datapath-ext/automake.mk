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

# The OVS side: the vhostuserclient netdev provider.
noinst_LTLIBRARIES += datapath-ext/libnetdev-vhu.la
datapath_ext_libnetdev_vhu_la_CPPFLAGS = $(OVS_CPPFLAGS)
datapath_ext_libnetdev_vhu_la_CFLAGS = $(AM_CFLAGS)
datapath_ext_libnetdev_vhu_la_SOURCES = \
	datapath-ext/netdev-vhu-ctl.c \
	datapath-ext/netdev-vhu-io.c \
	datapath-ext/netdev-vhu-null.c \
	datapath-ext/netdev-vhu-pool.c \
	datapath-ext/netdev-vhu-pool.h \
	datapath-ext/netdev-vhu-private.h \
	datapath-ext/netdev-vhu-unixctl.c \
	datapath-ext/netdev-vhu.c \
	datapath-ext/netdev-vhu.h
datapath_ext_libnetdev_vhu_la_LIBADD = lib/libvhu.la

# The vhostuser/* commands, documented for man pages.
EXTRA_DIST += datapath-ext/netdev-vhu-unixctl.man
