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

# libvhu: the vhost-user back-end as a pure C library.  It is compiled
# without any OVS include path, so it cannot depend on OVS by accident.
noinst_LTLIBRARIES += lib/libvhu.la
lib_libvhu_la_CPPFLAGS = -I$(top_srcdir)/lib
lib_libvhu_la_CFLAGS = $(AM_CFLAGS)
lib_libvhu_la_SOURCES = \
	lib/vhost-call-watch.c \
	lib/vhost-call-watch.h \
	lib/vhost-log.c \
	lib/vhost-log.h \
	lib/vhost-mem.c \
	lib/vhost-mem.h \
	lib/vhost-mem-guard.c \
	lib/vhost-mem-guard.h \
	lib/vhost-user-conn.c \
	lib/vhost-user-conn.h \
	lib/vhost-user-dev.c \
	lib/vhost-user-dev.h \
	lib/vhost-user-msg.c \
	lib/vhost-user-msg.h \
	lib/vhost-user-proto.h \
	lib/virtio-defs.h \
	lib/virtq-split.c \
	lib/virtq.h
