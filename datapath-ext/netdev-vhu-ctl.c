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

/* The vhost-user control thread.
 *
 * One thread, "vhost_ctl", serves the control sockets of all vhostuserclient
 * ports: it connects (and reconnects), reads the front-end's requests and
 * answers them through lib/'s struct vhu_dev.  A thread of its own, rather
 * than the main loop, because the front-end waits for some answers (QEMU
 * stalls a vCPU on GET_VRING_BASE) while the main loop can be busy for long
 * stretches with OpenFlow or the database.  Even a request that pauses a
 * ring (GET_VRING_BASE, a new memory table or call descriptor) waits only
 * for the threads that use that port's rings to step out of them, which
 * takes a PMD thread one poll (see vhu_port_synchronize()).
 *
 * Guest rings reach PMD threads through an RCU-protected struct vhu_dp_view
 * per port.  When lib/ takes a ring out of service it calls our changed()
 * hook, which publishes a view without the ring, and then synchronize(),
 * which waits until no thread that was using the port's rings still does
 * (struct vhu_ring_users), so that lib/ may change the ring or read its
 * positions safely.  Guest memory is unmapped, and old views freed, only
 * after an RCU grace period (ovsrcu_postpone()), for which nobody waits.
 * The thread holds no mutex while it waits, and nothing else waits for
 * it. */

#include <config.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <string.h>

#include "coverage.h"
#include "netdev-vhu-private.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "seq.h"
#include "timeval.h"
#include "util.h"
#include "vhost-call-watch.h"
#include "vhost-mem-guard.h"

VLOG_DEFINE_THIS_MODULE(netdev_vhu_ctl);

COVERAGE_DEFINE(vhostuser_connect);
COVERAGE_DEFINE(vhostuser_connect_fail);
COVERAGE_DEFINE(vhostuser_disconnect);
COVERAGE_DEFINE(vhostuser_msg);
COVERAGE_DEFINE(vhostuser_proto_error);

/* Requests handled per port per wake-up, so that one busy front-end cannot
 * starve the others. */
#define VHU_MSGS_PER_RUN 64

/* See vhu_port_renotify(). */
#define VHU_RENOTIFY_DELAY 1000



static struct ovs_mutex vhu_ports_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list vhu_ports OVS_GUARDED_BY(vhu_ports_mutex)
    = OVS_LIST_INITIALIZER(&vhu_ports);

/* Changed to wake the control thread. */
static struct seq *vhu_ctl_seq;

/* The control thread's inotify instance: it watches the directories of
 * sockets that ports wait for (see lib/vhost-user-conn.h). */
static int vhu_inotify_fd = -1;

static void *vhu_ctl_main(void *);
static vhu_mem_unmap_func vhu_port_unmap;
static void vhu_port_run(struct vhu_port *, long long int now);
static void vhu_port_wait(struct vhu_port *);
static void vhu_port_unref(struct vhu_port *);
static const struct vhu_dev_ops vhu_port_dev_ops;

static void
vhu_ctl_start(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        vhu_ctl_seq = seq_create();
        ovs_thread_create("vhost_ctl", vhu_ctl_main, NULL);
        ovsthread_once_done(&once);
    }
}

static void
vhu_ctl_wake(void)
{
    seq_change(vhu_ctl_seq);
}

/* Creates the vhost-user side of 'netdev'.  It stays idle until
 * vhu_port_configure() gives it a socket path. */
struct vhu_port *
vhu_port_create(struct netdev *netdev)
{
    struct vhu_port *port = xzalloc(sizeof *port);

    vhu_ctl_start();

    /* One reference for the netdev, one for the control thread's list. */
    ovs_refcount_init(&port->ref_cnt);
    ovs_refcount_ref(&port->ref_cnt);
    port->name = xstrdup(netdev_get_name(netdev));
    ovs_mutex_init(&port->mutex);
    ovs_mutex_lock(&port->mutex);
    port->netdev = netdev;
    port->created = time_msec();
    port->status.state = VHU_CONN_CONNECTING;
    port->status.since = port->created;
    ovs_mutex_unlock(&port->mutex);
    port->log_rl = (struct vlog_rate_limit) VLOG_RATE_LIMIT_INIT(5, 20);
    port->retry_rl = (struct vlog_rate_limit) VLOG_RATE_LIMIT_INIT(1, 1);
    vhu_dev_init(&port->dev, &vhu_port_dev_ops, port, VHU_MAX_QUEUE_PAIRS);
    vhu_mem_set_unmap(&port->dev.mem, vhu_port_unmap, NULL);
    for (int i = 0; i < VHU_MAX_VRINGS; i++) {
        atomic_init(&port->kicks[i], 0);
    }
    vhu_msg_reader_init(&port->reader);
    ovsrcu_set_hidden(&port->view, xzalloc(sizeof(struct vhu_dp_view)));
    atomic_init(&port->tx_dropped_down, 0);

    ovs_mutex_lock(&vhu_ports_mutex);
    ovs_list_push_back(&vhu_ports, &port->list_node);
    ovs_mutex_unlock(&vhu_ports_mutex);
    vhu_ctl_wake();
    return port;
}

/* Detaches 'port' from its netdev, which is going away.  The control thread
 * closes the connection and frees the port later. */
void
vhu_port_destroy(struct vhu_port *port)
{
    if (port) {
        ovs_mutex_lock(&port->mutex);
        port->netdev = NULL;
        ovs_mutex_unlock(&port->mutex);
        vhu_ctl_wake();
        vhu_port_unref(port);
    }
}

/* Sets the socket 'port' connects to ('path', or NULL for none) and how many
 * milliseconds it waits between attempts.  A change drops any connection
 * and starts over. */
void
vhu_port_configure(struct vhu_port *port, const char *path,
                   long long int reconnect_interval)
{
    ovs_mutex_lock(&port->mutex);
    if (!nullable_string_is_equal(path, port->path)
        || reconnect_interval != port->reconnect_interval) {
        free(port->path);
        port->path = nullable_xstrdup(path);
        port->reconnect_interval = reconnect_interval;
        port->reconnect = true;
        vhu_ctl_wake();
    }
    ovs_mutex_unlock(&port->mutex);
}

/* Copies the connection's status into '*status'. */
void
vhu_port_get_status(struct vhu_port *port, struct vhu_port_status *status)
{
    ovs_mutex_lock(&port->mutex);
    *status = port->status;
    ovs_mutex_unlock(&port->mutex);
}

static void
vhu_port_free(struct vhu_port *port)
{
    ovs_mutex_lock(&port->mutex);
    free(port->path);
    ovs_mutex_unlock(&port->mutex);
    ovs_mutex_destroy(&port->mutex);
    free(ovsrcu_get_protected(struct vhu_dp_view *, &port->view));
    free(port->name);
    free(port);
}

static void
vhu_port_unref(struct vhu_port *port)
{
    if (ovs_refcount_unref(&port->ref_cnt) == 1) {
        /* PMD threads stopped using the port before its netdev went away,
         * but RCU readers may still hold its last view. */
        ovsrcu_postpone(vhu_port_free, port);
    }
}

/* The control thread. */

/* Hands the events of the control thread's inotify instance to the 'n'
 * ports in 'ports': a port whose socket was just created tries it at
 * once. */
static void
vhu_ctl_read_inotify(struct vhu_port **ports, size_t n)
{
    char buf[4096] OVS_ALIGNED_VAR(8);
    long long int now = time_msec();
    ssize_t len;

    while (vhu_inotify_fd >= 0
           && (len = read(vhu_inotify_fd, buf, sizeof buf)) > 0) {
        ssize_t off = 0;

        while (off < len) {
            const struct inotify_event *ev = (const void *) (buf + off);

            for (size_t i = 0; i < n; i++) {
                if (ports[i]->has_conn) {
                    vhu_conn_appeared(&ports[i]->conn, ev, now);
                }
            }
            off += sizeof *ev + ev->len;
        }
    }
}

static void *
vhu_ctl_main(void *arg OVS_UNUSED)
{
    int error = vhu_guard_init();

    vhu_inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (vhu_inotify_fd < 0) {
        VLOG_WARN("inotify_init1 failed (%s): ports will notice sockets "
                  "only at their reconnect interval",
                  ovs_strerror(errno));
    }
    if (error) {
        VLOG_ERR("cannot contain faults in guest memory (%s): a front-end "
                 "that shrinks its memory file will crash ovs-vswitchd",
                 ovs_strerror(error));
    }
    for (;;) {
        uint64_t seqno = seq_read(vhu_ctl_seq);
        struct vhu_port **ports;
        struct vhu_port *port;
        size_t n = 0;

        /* Each port checks its own mappings in vhu_port_run(). */
        vhu_guard_drain();

        ovs_mutex_lock(&vhu_ports_mutex);
        ports = xmalloc(ovs_list_size(&vhu_ports) * sizeof *ports + 1);
        LIST_FOR_EACH (port, list_node, &vhu_ports) {
            ovs_refcount_ref(&port->ref_cnt);
            ports[n++] = port;
        }
        ovs_mutex_unlock(&vhu_ports_mutex);

        vhu_ctl_read_inotify(ports, n);
        for (size_t i = 0; i < n; i++) {
            vhu_port_run(ports[i], time_msec());
        }
        for (size_t i = 0; i < n; i++) {
            vhu_port_wait(ports[i]);
            vhu_port_unref(ports[i]);
        }
        free(ports);

        if (vhu_guard_fd() >= 0) {
            poll_fd_wait(vhu_guard_fd(), POLLIN);
        }
        if (vhu_inotify_fd >= 0) {
            poll_fd_wait(vhu_inotify_fd, POLLIN);
        }
        seq_wait(vhu_ctl_seq, seqno);
        poll_block();
    }
    return NULL;
}

/* Copies what the main thread may see into the port's status and tells OVS
 * about changes. */
static void
vhu_port_publish_status(struct vhu_port *port)
{
    const struct vhu_dev *dev = &port->dev;
    struct vhu_port_status s;

    memset(&s, 0, sizeof s);
    s.state = port->conn.state;
    s.since = port->conn.since;
    s.last_error = port->conn.last_error;
    s.n_connects = port->conn.n_connects;
    s.n_disconnects = port->conn.n_disconnects;
    if (!port->has_conn) {
        s.state = VHU_CONN_CONNECTING;
        s.since = port->created;
    }
    s.features = dev->features;
    s.protocol_features = dev->protocol_features;
    s.n_queue_pairs = vhu_dev_n_queue_pairs(dev);
    for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
        const struct vhu_vring *vr = &dev->vrings[i];

        s.enabled_vrings |= (uint32_t) vr->enabled << i;
        s.live_vrings |= (uint32_t) vr->live << i;
        s.vring_sizes[i] = vr->num;
    }
    s.driver_ok = vhu_dev_driver_ok(dev);
    port->driver_ran |= s.driver_ok;
    s.guest_mtu = dev->mtu;
    s.logging = vhu_dev_logging(dev);
    s.log_size = dev->log.size;
    s.n_rarps = dev->n_rarps;
    s.n_requests = port->n_requests;
    s.n_request_rounds = port->n_request_rounds;
    s.last_rarp = port->last_rarp;
    memcpy(s.rarp_mac, dev->rarp_mac, sizeof s.rarp_mac);
    s.max_queue_pairs = dev->max_queue_pairs;
    s.n_regions = dev->mem.n_regions;
    memcpy(s.regions, dev->mem.regions,
           dev->mem.n_regions * sizeof *s.regions);

    ovs_mutex_lock(&port->mutex);
    if (memcmp(&s, &port->status, sizeof s)) {
        unsigned int old_n_qp = port->status.n_queue_pairs;

        port->status = s;
        if (port->netdev) {
            if (s.n_queue_pairs && s.n_queue_pairs != old_n_qp) {
                netdev_request_reconfigure(port->netdev);
            }
            netdev_change_seq_changed(port->netdev);
        }
        port->renotify_at = time_msec() + VHU_RENOTIFY_DELAY;
    }
    ovs_mutex_unlock(&port->mutex);
}

/* Tells OVS about the port's status once more, a while after it last
 * changed.  The bridge skips writing a status column whose new value equals
 * what its database view shows, and while its own first transaction after a
 * restart is in flight, that view is still the previous run's: a port that
 * reconnects quickly to a running guest would keep the stale "down" the
 * first transaction wrote.  A second notice, after that transaction has
 * completed, corrects it. */
static void
vhu_port_renotify(struct vhu_port *port, long long int now)
{
    ovs_mutex_lock(&port->mutex);
    if (port->renotify_at && now >= port->renotify_at) {
        port->renotify_at = 0;
        if (port->netdev) {
            netdev_change_seq_changed(port->netdev);
        }
    }
    ovs_mutex_unlock(&port->mutex);
}

/* Publishes a datapath view with the rings that are live now. */
static void
vhu_port_publish_view(struct vhu_port *port)
{
    struct vhu_dp_view *old = ovsrcu_get_protected(struct vhu_dp_view *,
                                                   &port->view);
    struct vhu_dp_view *view = xzalloc(sizeof *view);

    for (unsigned int qp = 0; qp < VHU_MAX_QUEUE_PAIRS; qp++) {
        struct vhu_vring *rx = &port->dev.vrings[vhu_rx_vring(qp)];
        struct vhu_vring *tx = &port->dev.vrings[vhu_tx_vring(qp)];

        if (rx->live) {
            view->rx[qp] = &rx->vq;
            view->rx_avail_idx[qp] = vhu_virtq_avail_idx(&rx->vq);
        }
        if (tx->live) {
            view->tx[qp] = &tx->vq;
            view->tx_map[view->n_tx++] = qp;
        }
    }
    if (memcmp(view, old, sizeof *view)) {
        ovsrcu_set(&port->view, view);
        ovsrcu_postpone(free, old);
    } else {
        free(view);
    }
}

/* lib/ hooks. */

/* Hands a new SEND_RARP to the PMD thread that polls queue 0, which
 * injects the RARP as if the guest had sent it (see
 * netdev_vhu_rxq_recv()). */
static void
vhu_port_request_rarp(struct vhu_port *port)
{
    const uint8_t *mac = port->dev.rarp_mac;
    uint64_t request = VHU_RARP_PENDING;

    if (port->dev.n_rarps == port->rarps_seen) {
        return;
    }
    port->rarps_seen = port->dev.n_rarps;
    port->last_rarp = time_msec();
    for (int i = 0; i < 6; i++) {
        request |= (uint64_t) mac[i] << (40 - 8 * i);
    }
    atomic_store(&port->rarp_request, request);
}

static void
vhu_port_changed(void *port_)
{
    struct vhu_port *port = port_;

    vhu_port_publish_view(port);
    vhu_port_request_rarp(port);
    vhu_port_publish_status(port);
}

/* Waits until no thread uses a ring that the last published view left out
 * (see struct vhu_ring_users).  A PMD thread leaves within a poll; the main
 * thread within one ovs-appctl command. */
static void
vhu_port_synchronize(void *port_)
{
    struct vhu_port *port = port_;
    unsigned int old, count;

    /* Orders the view published before against the count read below. */
    atomic_thread_fence(memory_order_seq_cst);
    atomic_read(&port->users.epoch, &old);
    old &= 1;
    atomic_store(&port->users.epoch, old ^ 1);
    for (int i = 0; ; i++) {
        atomic_read(&port->users.count[old], &count);
        if (!count) {
            break;
        }
        if (i < 1000) {
            sched_yield();
        } else {
            xnanosleep(100 * 1000);
        }
    }
}

static void
vhu_port_log(void *port_, enum vhu_log_level level, int error,
             const char *message)
{
    struct vhu_port *port = port_;
    struct vlog_rate_limit *rl = &port->log_rl;
    const char *sep = error ? ": " : "";
    const char *error_s = error ? ovs_strerror(error) : "";

    switch (level) {
    case VHU_LOG_WARN:
        COVERAGE_INC(vhostuser_proto_error);
        VLOG_WARN_RL(rl, "%s: %s%s%s", port->name, message, sep, error_s);
        break;
    case VHU_LOG_INFO:
        VLOG_INFO_RL(rl, "%s: %s%s%s", port->name, message, sep, error_s);
        break;
    case VHU_LOG_DBG:
    default:
        VLOG_DBG_RL(rl, "%s: %s%s%s", port->name, message, sep, error_s);
        break;
    }
}

/* A guest memory mapping to remove once no thread can be reading it. */
struct vhu_unmap {
    void *base;
    size_t size;
};

static void
vhu_unmap_now(struct vhu_unmap *unmap)
{
    vhu_guard_unmap(unmap->base, unmap->size);
    free(unmap);
}

/* PMD threads stopped using guest memory before lib/ unmaps it, but
 * vhostuser/ring-show may be reading a ring on the main thread: the unmap
 * waits for an RCU grace period. */
static void
vhu_port_unmap(void *aux OVS_UNUSED, void *base, size_t size)
{
    struct vhu_unmap *unmap = xmalloc(sizeof *unmap);

    unmap->base = base;
    unmap->size = size;
    ovsrcu_postpone(vhu_unmap_now, unmap);
}

static const struct vhu_dev_ops vhu_port_dev_ops = {
    .changed = vhu_port_changed,
    .synchronize = vhu_port_synchronize,
    .log = vhu_port_log,
};

/* Connection handling. */

static void
vhu_port_disconnect(struct vhu_port *port, int error, long long int now)
{
    if (port->conn.state == VHU_CONN_CONNECTED) {
        COVERAGE_INC(vhostuser_disconnect);
        VLOG_INFO("%s: disconnected from %s (%s)", port->name,
                  port->conn.path,
                  error == EOF ? "closed by peer"
                  : error ? ovs_strerror(error) : "port reconfigured");
    }
    vhu_dev_disconnect(&port->dev);
    vhu_msg_reader_reset(&port->reader);
    vhu_conn_close(&port->conn, error == EOF ? 0 : error, port->driver_ran,
                   now);
    port->driver_ran = false;
    vhu_port_publish_status(port);
}

/* Handles requests from the front-end until none is left or enough were
 * handled for this round. */
static void
vhu_port_serve(struct vhu_port *port, long long int now)
{
    int n;

    for (n = 0; n < VHU_MSGS_PER_RUN; n++) {
        int error = vhu_msg_recv(port->conn.fd, &port->reader);

        if (error == EAGAIN) {
            break;
        } else if (error) {
            if (error == EPROTO) {
                COVERAGE_INC(vhostuser_proto_error);
                VLOG_WARN("%s: malformed vhost-user message from %s",
                          port->name, port->conn.path);
            }
            vhu_port_disconnect(port, error, now);
            return;
        }

        struct vhu_msg *msg = &port->reader.msg;
        COVERAGE_INC(vhostuser_msg);
        VLOG_DBG("%s: %s (flags %#"PRIx32", %"PRIu32" bytes, %u fds)",
                 port->name, vhu_request_name(msg->hdr.request),
                 msg->hdr.flags, msg->hdr.size, msg->n_fds);
        error = vhu_dev_handle_msg(&port->dev, msg, &port->reply);
        vhu_msg_reader_init(&port->reader);
        if (!error && port->reply.hdr.request) {
            error = vhu_msg_send(port->conn.fd, &port->reply);
        }
        if (error) {
            vhu_port_disconnect(port, error, now);
            return;
        }
    }
    if (n) {
        port->n_requests += n;
        port->n_request_rounds++;
        vhu_port_publish_status(port);
    }
    if (n == VHU_MSGS_PER_RUN) {
        /* More may be waiting: come back at once. */
        poll_immediate_wake();
    }
}

static void
vhu_port_try_connect(struct vhu_port *port, long long int now)
{
    int error = vhu_conn_run(&port->conn, now);

    if (!error) {
        COVERAGE_INC(vhostuser_connect);
        VLOG_INFO("%s: connected to vhost-user server %s", port->name,
                  port->conn.path);
        vhu_msg_reader_init(&port->reader);
        vhu_port_publish_status(port);
    } else if (error != EAGAIN) {
        COVERAGE_INC(vhostuser_connect_fail);
        if (port->conn.n_attempts == 1) {
            VLOG_INFO("%s: cannot connect to %s (%s), retrying every %lld "
                      "ms", port->name, port->conn.path,
                      ovs_strerror(error), port->conn.retry_interval);
        } else {
            VLOG_INFO_RL(&port->retry_rl, "%s: still cannot connect to %s "
                         "(%s) after %"PRIu64" attempts", port->name,
                         port->conn.path, ovs_strerror(error),
                         port->conn.n_attempts);
        }
        vhu_port_publish_status(port);
    }
}

/* Counts the kicks the guest sent since we last looked.  We poll the
 * rings, so kicks only say how well the guest heeds our request not to
 * send them: they are counted whenever the thread runs anyway, never waited
 * for, so that a front-end cannot keep us busy with them.  RWF_NOWAIT: the
 * front-end shares the eventfd and may clear its O_NONBLOCK. */
static void
vhu_port_count_kicks(struct vhu_port *port)
{
    for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
        int fd = port->dev.vrings[i].kick_fd;
        uint64_t count;
        struct iovec iov = { &count, sizeof count };

        if (fd >= 0
            && preadv2(fd, &iov, 1, -1, RWF_NOWAIT) == sizeof count) {
            uint64_t kicks;

            atomic_read_relaxed(&port->kicks[i], &kicks);
            atomic_store_relaxed(&port->kicks[i], kicks + count);
        }
    }
}

/* Disconnects 'port' if one of its guest memory mappings or its dirty log
 * faulted: the fault was contained (see lib/vhost-mem-guard.h), but the
 * memory is gone. */
static void
vhu_port_check_memory(struct vhu_port *port, long long int now)
{
    int region = vhu_mem_faulted(&port->dev.mem);

    if (region >= 0) {
        VLOG_WARN("%s: guest memory region %d faulted (its file shrank or "
                  "its filesystem could not supply a page): disconnecting",
                  port->name, region);
        vhu_port_disconnect(port, EFAULT, now);
    } else if (port->dev.log.map && vhu_guard_faults(port->dev.log.guard)) {
        VLOG_WARN("%s: the dirty log faulted (its file shrank or its "
                  "filesystem could not supply a page): disconnecting",
                  port->name);
        vhu_port_disconnect(port, EFAULT, now);
    }
}

/* Disconnects 'port' if a PMD thread got stuck writing one of its call
 * eventfds, which lib/vhost-call-watch.h then unblocked. */
static void
vhu_port_check_calls(struct vhu_port *port, long long int now)
{
    for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
        const struct vhu_virtq *vq = &port->dev.vrings[i].vq;

        if (vhu_call_watch_fired(vq->call_watch)) {
            VLOG_WARN("%s: a PMD thread was blocked writing the call eventfd "
                      "of vring %u, which the front-end made blocking: "
                      "disconnecting", port->name, i);
            vhu_port_disconnect(port, EDEADLK, now);
            return;
        }
    }
}

/* Does the control thread's work for 'port'. */
static void
vhu_port_run(struct vhu_port *port, long long int now)
{
    bool gone, reconnect;
    char *path = NULL;
    long long int interval = 0;

    ovs_mutex_lock(&port->mutex);
    gone = !port->netdev;
    reconnect = port->reconnect;
    if (reconnect) {
        path = nullable_xstrdup(port->path);
        interval = port->reconnect_interval;
        port->reconnect = false;
    }
    ovs_mutex_unlock(&port->mutex);

    if (gone || reconnect) {
        if (port->has_conn) {
            vhu_port_disconnect(port, 0, now);
            port->has_conn = false;
        }
        if (gone) {
            ovs_mutex_lock(&vhu_ports_mutex);
            ovs_list_remove(&port->list_node);
            ovs_mutex_unlock(&vhu_ports_mutex);
            vhu_port_unref(port);
            free(path);
            return;
        }
        if (path) {
            vhu_conn_init(&port->conn, path, interval, now);
            port->has_conn = true;
        }
        free(path);
        vhu_port_publish_status(port);
    }

    vhu_port_renotify(port, now);
    if (!port->has_conn) {
        return;
    }
    if (port->conn.state == VHU_CONN_CONNECTING) {
        /* Whether the last attempt failed or the last session ended, the
         * socket may be created anew: watch for it. */
        vhu_conn_watch(&port->conn, vhu_inotify_fd);
        vhu_port_try_connect(port, now);
    }
    if (port->conn.state == VHU_CONN_CONNECTED) {
        vhu_port_check_memory(port, now);
    }
    if (port->conn.state == VHU_CONN_CONNECTED) {
        vhu_port_check_calls(port, now);
    }
    if (port->conn.state == VHU_CONN_CONNECTED) {
        vhu_port_serve(port, now);
        vhu_port_count_kicks(port);
    }
}

static void
vhu_port_wait(struct vhu_port *port)
{
    ovs_mutex_lock(&port->mutex);
    if (port->renotify_at) {
        poll_timer_wait_until(port->renotify_at);
    }
    ovs_mutex_unlock(&port->mutex);

    if (!port->has_conn) {
        return;
    }
    if (port->conn.state == VHU_CONN_CONNECTED) {
        poll_fd_wait(port->conn.fd, POLLIN);
        if (vhu_dev_driver_ok(&port->dev)) {
            /* For vhu_port_check_calls(). */
            poll_timer_wait(VHU_CALL_WATCH_INTERVAL);
        }
    } else {
        poll_timer_wait_until(port->conn.next_attempt);
    }
}
