/* SPDX-License-Identifier: MIT */
/*
 * The daemon's shared state: one struct daemon per process, the client
 * connections it serves and the execs it runs.  Everything here lives in
 * the main process and is touched only from the libuv loop thread (the
 * main process is single-threaded, STYLE.md "Shape").
 */
#ifndef CX_DAEMON_H
#define CX_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "common/cxlimits.h"
#include "common/frame.h"
#include "common/jsonrpc.h"
#include "common/list.h"
#include "daemon/cgroup.h"
#include "daemon/probe.h"
#include "daemon/seccomp.h"
#include "daemon/spawner.h"
#include "policy/roles.h"

struct audit;
struct daemon_config;
struct exec;
struct exec_stream;
struct sessions;
struct proxy;
struct user_files_pool;
struct cgroup_pool;
struct rules_set;

/* Counters reported by daemon/status. */
struct daemon_stats {
	uint64_t connections_accepted;
	uint64_t connections_refused;   /* limits, no role */
	uint64_t requests;
	uint64_t errors_sent;
	uint64_t bad_frames;
	uint64_t execs_started;
	uint64_t execs_failed;          /* could not start */
	uint64_t execs_timed_out;
	uint64_t execs_killed;          /* disconnect, shutdown, signal KILL */
	uint64_t output_bytes;
	uint64_t reloads;
	uint64_t reload_failures;
	uint64_t net_allowed;           /* proxy decisions (daemon/net_events.c) */
	uint64_t net_denied;
};

struct listener {
	int fd;
	uv_poll_t poll;
	bool active;
	bool activated; /* inherited from systemd: never unlink it */
	char *path;
};

struct daemon {
	uv_loop_t *loop;
	struct daemon_config *cfg; /* current configuration, replaced whole on reload */
	struct rules_set *rules;   /* managed rules (rules.d), replaced with cfg */
	char **rules_files;
	char *rules_dir;
	uint64_t cfg_generation;
	char *last_reload_error;   /* NULL after a good reload */

	/* Command-line choices; they override the configuration file. */
	const char *config_path;
	const char *opt_socket;
	const char *opt_state_dir;
	bool foreground;
	bool opt_log_level_set; /* --log-level given: reloads keep it */
	int opt_log_level;

	struct listener listener;
	struct list_node conns;
	unsigned n_conns;
	struct list_node execs;
	unsigned n_execs;
	uint64_t conn_serial;
	struct list_node jobs;      /* exec/start requests being decided (daemon/decide.c) */
	unsigned n_jobs;
	struct list_node approvals; /* pending approvals (daemon/approvals.c) */
	unsigned n_approvals;
	uint64_t approval_rpc_serial;
	struct list_node session_grants; /* approve_for_session answers (daemon/decide.c) */
	unsigned n_session_grants;

	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t watchdog;
	bool watchdog_on;
	uv_timer_t shutdown_timer;
	bool shutdown_timer_on;

	/*
	 * The write end stays in this process only; sandbox children hold the
	 * read end and see POLLHUP if the daemon dies before their
	 * PR_SET_PDEATHSIG is armed (closes that race).
	 */
	int lifeline[2];
	unsigned cap_last_cap;
	gid_t tty_gid; /* owner group of /dev/pts entries in sandboxes */
	/* Compiled once at start-up; only installed in sandbox children. */
	struct seccomp_programs seccomp;
	struct spawner spawner; /* clones sandboxes (daemon/spawner.h); pid 0 when not running */
	struct cgroup_setup cgroups;
	bool seccomp_ok;
	char seccomp_error[160];

	uint64_t started_realtime_usec;
	uint64_t started_hrtime;
	bool shutting_down;
	struct daemon_stats stats;
	struct probe_features features;

	struct audit *audit;       /* daemon/audit.h; NULL with [audit] enabled = false */
	struct sessions *sessions; /* daemon/sessions.h */
	struct proxy *proxy; /* the network proxy worker (daemon/proxy.c) */
	struct user_files_pool *uf_pool; /* user-files helpers (daemon/user_files_pool.c) */
	struct cgroup_pool *cgroup_pool; /* cgroups made ahead (daemon/cgroup_pool.c) */
};

/* A queued outgoing line. */
struct wbuf {
	struct wbuf *next;
	size_t len, off;
	/*
	 * Owed bytes (daemon/output_splice.c): once data is written, splice_left
	 * more come from the pipe splice_fd (-1: none), spliced, never copied.
	 * splice_src is told when they are out (NULL once the stream is gone;
	 * the wbuf then owns splice_fd).
	 */
	int splice_fd;
	bool splice_fd_owned;
	size_t splice_left;
	struct exec_stream *splice_src;
	char data[];
};

/* What SO_PEERCRED / SO_PEERGROUPS said when the client connected. */
struct peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	gid_t *groups;
	size_t n_groups;
	char user[64]; /* from the passwd database, or the uid in decimal */
	char home[256]; /* from the passwd database, "" if unknown */
};

struct conn {
	struct list_node node; /* in daemon.conns */
	struct daemon *d;
	uint64_t serial;
	int fd;
	uv_poll_t poll;
	int poll_events;
	uv_timer_t frame_timer;
	bool frame_timer_on;
	int open_handles;

	struct peer peer;
	enum role role; /* recomputed from the current configuration per request */

	struct frame_reader rd;
	struct wbuf *wq_head, *wq_tail;
	size_t wq_bytes;
	bool output_blocked; /* wq above the high watermark: execs stop reading */

	int fds[CX_MAX_PENDING_FDS];
	size_t n_fds;

	unsigned bad_frames;
	bool read_paused;
	bool draining; /* close once the write queue is empty */
	bool half_closed; /* peer shut down its sending side: serve its execs, then close */
	bool dead;     /* handles are closing; no more I/O */
	bool in_send;  /* inside conn_send_wbuf(): a close must wait for the loop */
	bool close_pending; /* closing from the loop (why: close_why) */
	const char *close_why;

	/* From hello. */
	char *client_name;
	char *client_version;
	bool can_approve;
	bool watching_approvals; /* approval/watch: sent every approval of its uid */

	struct list_node execs; /* execs this connection owns (exec.conn_node) */
	struct list_node jobs;  /* its exec/start requests still being decided */
};

/* daemon/main.c */
uint64_t daemon_uptime_ms(const struct daemon *d);
/* Start an orderly shutdown: stop listening, kill execs, exit the loop when idle. */
void daemon_shutdown(struct daemon *d, const char *why);
/* Re-read the configuration; keeps the old one on error. Returns 0 or -errno with err. */
int daemon_reload(struct daemon *d, char *err, size_t errsz);

#endif
