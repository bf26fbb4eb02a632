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

# VHU_CHECK_OVS
# -------------
# Finds the Open vSwitch 3.1.x tree we build against.  OVS's internal
# headers are not installed, so we need a full source and build tree.
#
# --with-ovs=DIR   use an already built OVS tree (source and build in DIR).
# default          unpack --with-ovs-tarball (Debian's openvswitch-source)
#                  into ovs-cache/ in the build tree and configure it there;
#                  "make" builds it once, and only again if it goes missing
#                  or is configured differently.
#
# --with-ovs-layout=distro (default) configures the cached OVS with the
# directories of the distributions' Open vSwitch packages (Debian's and
# RHEL's alike: prefix /usr, /etc/openvswitch, /var/run/openvswitch,
# /var/log/openvswitch), which ovs-vswitchd compiles in, so that our daemon
# finds the database, sockets and logs of the OVS it is installed beside;
# "prefix" keeps OVS's own defaults under our --prefix.  OVS_CONFIGURE_FLAGS
# come last and so can override single directories (--with-rundir=...).
#
# Substitutes OVS_SRCDIR, OVS_BUILDDIR and OVS_VERSION.
AC_DEFUN([VHU_CHECK_OVS], [
  AC_ARG_WITH([ovs],
    [AS_HELP_STRING([--with-ovs=DIR],
       [use the built Open vSwitch 3.1.x tree in DIR])],
    [], [with_ovs=no])
  AC_ARG_WITH([ovs-tarball],
    [AS_HELP_STRING([--with-ovs-tarball=FILE],
       [OVS 3.1.x source tarball to build into ovs-cache/
        @<:@/usr/src/openvswitch/openvswitch.tar.gz@:>@])],
    [], [with_ovs_tarball=/usr/src/openvswitch/openvswitch.tar.gz])
  AC_ARG_VAR([OVS_CONFIGURE_FLAGS],
    [extra arguments for the configure of the cached OVS build])
  AC_ARG_WITH([ovs-layout],
    [AS_HELP_STRING([--with-ovs-layout=distro|prefix],
       [run-time directories of the cached OVS build: those of Debian's
        and RHEL's packages (/etc/openvswitch, /var/run/openvswitch,
        /var/log/openvswitch), or OVS's defaults under --prefix
        @<:@distro@:>@])],
    [], [with_ovs_layout=distro])
  case $with_ovs_layout in
    distro)
      vhu_ovs_layout="--prefix=/usr --localstatedir=/var --sysconfdir=/etc" ;;
    prefix)
      vhu_ovs_layout="--prefix=`test "$prefix" = NONE \
                                 && echo $ac_default_prefix || echo $prefix`" ;;
    *)
      AC_MSG_ERROR([--with-ovs-layout must be distro or prefix]) ;;
  esac

  if test "$with_ovs" != no && test "$with_ovs" != yes; then
    vhu_ovs_cache=false
    OVS_SRCDIR=`cd "$with_ovs" && pwd` \
      || AC_MSG_ERROR([--with-ovs: $with_ovs is not a directory])
    OVS_BUILDDIR=$OVS_SRCDIR
    if test ! -f "$OVS_BUILDDIR/lib/libopenvswitch.la" \
       || test ! -f "$OVS_BUILDDIR/vswitchd/bridge.o"; then
      AC_MSG_ERROR([$OVS_BUILDDIR is not a built OVS tree (run make there)])
    fi
  else
    vhu_ovs_cache=:
    OVS_BUILDDIR=`pwd`/ovs-cache
    OVS_SRCDIR=$OVS_BUILDDIR
    vhu_ovs_flags="--enable-libcapng $vhu_ovs_layout $OVS_CONFIGURE_FLAGS"
    if test -f "$OVS_BUILDDIR/config.h" \
       && test "`cat "$OVS_BUILDDIR/.vhu-configure-flags" 2>/dev/null`" \
               != "$vhu_ovs_flags"; then
      AC_MSG_NOTICE([ovs-cache/ was configured differently: redoing it])
      rm -f "$OVS_BUILDDIR/config.h"
    fi
    if test ! -f "$OVS_BUILDDIR/config.h"; then
      AC_MSG_NOTICE([unpacking $with_ovs_tarball into ovs-cache/])
      test -f "$with_ovs_tarball" || AC_MSG_ERROR(
        [$with_ovs_tarball not found: apt-get install openvswitch-source, or
         use --with-ovs=DIR or --with-ovs-tarball=FILE])
      rm -rf ovs-cache && mkdir ovs-cache \
        && tar -xzf "$with_ovs_tarball" -C ovs-cache --strip-components=1 \
        || AC_MSG_ERROR([cannot unpack $with_ovs_tarball])
      dnl Configured in place: OVS's build and test files record their
      dnl absolute paths.
      AC_MSG_NOTICE([configuring OVS in ovs-cache/ (takes a minute)])
      AC_MSG_NOTICE([OVS configure flags: $vhu_ovs_flags])
      (cd ovs-cache && ./configure $vhu_ovs_flags \
         CC="$CC" PYTHON3="$PYTHON3") \
         > ovs-cache.log 2>&1 \
        || { rm -f ovs-cache/config.h
             AC_MSG_ERROR([OVS configure failed, see ovs-cache.log]); }
      echo "$vhu_ovs_flags" > ovs-cache/.vhu-configure-flags
    fi
  fi

  for f in vswitchd/bridge.c vswitchd/vswitch.ovsschema tests/ovs-macros.at \
           tests/ovstest.c utilities/checkpatch.py; do
    test -f "$OVS_SRCDIR/$f" || AC_MSG_ERROR([$OVS_SRCDIR/$f is missing])
  done
  test -f "$OVS_BUILDDIR/config.h" \
    || AC_MSG_ERROR([$OVS_BUILDDIR/config.h is missing])

  AC_MSG_CHECKING([Open vSwitch version])
  OVS_VERSION=`sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
                 "$OVS_BUILDDIR/config.h"`
  AC_MSG_RESULT([$OVS_VERSION])
  case $OVS_VERSION in
    3.1.*) ;;
    *) AC_MSG_ERROR([need Open vSwitch 3.1.x, found "$OVS_VERSION"]) ;;
  esac

  AC_ARG_WITH([guest-kernel],
    [AS_HELP_STRING([--with-guest-kernel=DIR],
       [unpacked Debian kernel for the QEMU guest tests, from
        utilities/install-deps.sh --guest-kernel DIR
        @<:@/var/cache/ovs-vhostuser/guest-kernel@:>@])],
    [GUEST_KERNEL_DIR=$withval],
    [GUEST_KERNEL_DIR=/var/cache/ovs-vhostuser/guest-kernel])
  AC_SUBST([GUEST_KERNEL_DIR])

  AM_CONDITIONAL([VHU_OVS_CACHE], [$vhu_ovs_cache])
  AC_SUBST([OVS_SRCDIR])
  AC_SUBST([OVS_BUILDDIR])
  AC_SUBST([OVS_VERSION])
])
