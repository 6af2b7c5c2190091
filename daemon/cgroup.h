/* SPDX-License-Identifier: MIT */
/*
 * Per-exec resource limits in a cgroup of its own: pids.max (fork bombs),
 * memory, CPU share.  cgroup v2 when the unified hierarchy has the
 * controllers (the sandbox is cloned straight into its cgroup with
 * CLONE_INTO_CGROUP); otherwise the v1 hierarchies (PID 1 joins through
 * descriptors opened before the clone).  Hosts with neither run without
 * these limits, and daemon/status and exec/exited say so.
 *
 * Process: main (set-up, create, remove); the sandbox child only writes
 * "0" to the descriptors it is given.
 */
#ifndef CX_CGROUP_H
#define CX_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum cgroup_mode {
	CGROUP_NONE,
	CGROUP_V1,
	CGROUP_V2,
};

enum cgroup_controller {
	CGROUP_PIDS,
	CGROUP_MEMORY,
	CGROUP_CPU,
	_CGROUP_CONTROLLER_MAX,
};

struct cgroup_setup {
	enum cgroup_mode mode;
	bool has[_CGROUP_CONTROLLER_MAX];
	/* v2: the parent directory of per-exec cgroups; v1: one per controller. */
	char base[_CGROUP_CONTROLLER_MAX][4096];
	char reason[160]; /* why something is unavailable */
};

struct cgroup_limits {
	uint64_t memory_bytes; /* 0: none */
	uint32_t pids;         /* 0: none */
	uint32_t cpu_percent;  /* 0: none; 100 = one CPU */
};

struct exec_cgroup {
	char name[48];
	bool created[_CGROUP_CONTROLLER_MAX];
	unsigned applied;      /* bit per controller whose limit was written */
	int v2_fd;             /* O_PATH|O_DIRECTORY of the v2 cgroup (CLONE_INTO_CGROUP), or -1 */
	int procs_fd[_CGROUP_CONTROLLER_MAX]; /* v1 cgroup.procs, or -1 */
};

/* Probe at start-up (and prepare v2 delegation).  Always succeeds; mode may be NONE. */
void cgroup_setup_init(struct cgroup_setup *cg);

/*
 * Create the cgroup(s) for exec `id` and write the limits.  Returns 0 with
 * *ret (close/remove with cgroup_remove()), or -errno (nothing left behind).
 */
int cgroup_create(const struct cgroup_setup *cg, const char *id, const struct cgroup_limits *lim,
		  struct exec_cgroup *ret);

/*
 * After the sandbox is gone: read what happened (into *ret_report unless
 * NULL), then rmdir.
 */
struct cgroup_report {
	bool oom_killed;
	bool pids_limited; /* a fork was refused by pids.max */
};
void cgroup_remove(const struct cgroup_setup *cg, struct exec_cgroup *x,
		   struct cgroup_report *ret_report);

/* What the limits saw so far, without removing anything. */
void cgroup_read_report(const struct cgroup_setup *cg, const struct exec_cgroup *x,
			struct cgroup_report *ret_report);

/*
 * Is pid (in our PID namespace) the only process in the exec's cgroup?
 * 1 yes, 0 no (others are there, or not even pid), -errno when this cannot
 * be told (no cgroup on this host, unreadable).  Threads count with their
 * process; a process that has passed the point of its exit where it leaves
 * the cgroup no longer runs anything.
 */
int cgroup_holds_only(const struct cgroup_setup *cg, const struct exec_cgroup *x, pid_t pid);

/*
 * Give a cgroup made ahead of demand (daemon/cgroup_pool.c) the name
 * cgroup_create() would have given exec id.  Where the hierarchy cannot
 * rename (v2) or a rename fails, it keeps its name, which only people
 * reading the hierarchy see; it stays usable either way.
 */
void cgroup_adopt(const struct cgroup_setup *cg, struct exec_cgroup *x, const char *id);

/*
 * Open again the descriptors cgroup_create() opened for the child (v1
 * "tasks", the v2 directory), after cgroup_close_child_fds() and
 * cgroup_adopt() (the pool keeps no descriptors).  0, or -errno with none
 * open.
 */
int cgroup_open_child_fds(const struct cgroup_setup *cg, struct exec_cgroup *x);

/* Close the descriptors only the child needs (after the clone). */
void cgroup_close_child_fds(struct exec_cgroup *x);

json_t *cgroup_setup_to_json(const struct cgroup_setup *cg);
const char *cgroup_controller_name(enum cgroup_controller c);

#endif
