/* SPDX-License-Identifier: MIT */
/*
 * Runs as root in the main process.  Paths are built only from the daemon's
 * own /proc/self/cgroup and exec ids the daemon generated; nothing here
 * comes from a client.  Writing limits never fails an exec by itself: what
 * could not be applied is reported (a host without the controllers still
 * runs sandboxes, as documented).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "daemon/cgroup.h"

static const char *const controller_names[_CGROUP_CONTROLLER_MAX] = {
	[CGROUP_PIDS] = "pids",
	[CGROUP_MEMORY] = "memory",
	[CGROUP_CPU] = "cpu",
};

const char *cgroup_controller_name(enum cgroup_controller c)
{
	return (unsigned)c < _CGROUP_CONTROLLER_MAX ? controller_names[c] : "?";
}

/* dir + "/" + name into buf; false if it does not fit (never truncates). */
static bool cg_join(char *buf, size_t n, const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);

	if (dl + 1 + nl + 1 > n)
		return false;
	memcpy(buf, dir, dl);
	buf[dl] = '/';
	memcpy(buf + dl + 1, name, nl + 1);
	return true;
}

static int read_small(const char *path, char *buf, size_t n)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return negative_errno();
	r = read(fd, buf, n - 1);
	if (r < 0)
		return negative_errno();
	buf[r] = '\0';
	return (int)r;
}

static int write_str(const char *path, const char *s)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	if (write(fd, s, strlen(s)) < 0)
		return negative_errno();
	return 0;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* Our own cgroup in hierarchy `key` ("" for v2, a controller name for v1). */
static int self_cgroup(const char *key, char *ret, size_t n)
{
	char buf[4096];
	char *line, *save = NULL;

	if (read_small("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return -EIO;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		char ctrls[256];
		size_t cl;

		if (!c2)
			continue;
		cl = (size_t)(c2 - c1 - 1);
		if (cl >= sizeof(ctrls))
			continue;
		memcpy(ctrls, c1 + 1, cl);
		ctrls[cl] = '\0';
		if ((key[0] == '\0' && cl == 0) ||
		    (key[0] && (strcmp(ctrls, key) == 0 || (strstr(ctrls, key) && strchr(ctrls, ','))))) {
			snprintf(ret, n, "%s", c2 + 1);
			return 0;
		}
	}
	return -ENOENT;
}

static void setup_v2(struct cgroup_setup *cg)
{
	char self[2048], ctrl[512], path[4096 + 128];
	bool any = false;

	if (self_cgroup("", self, sizeof(self)) < 0)
		return;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.controllers",
		 strcmp(self, "/") == 0 ? "" : self);
	if (read_small(path, ctrl, sizeof(ctrl)) < 0)
		return;
	for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
		any |= word_in(ctrl, controller_names[c]);
	if (!any) {
		snprintf(cg->reason, sizeof(cg->reason), "cgroup v2 without pids/memory/cpu");
		return;
	}

	/*
	 * "No internal processes": unless we are at the root, move ourselves into
	 * a leaf first so the controllers can be enabled for our children.  Under
	 * systemd this needs Delegate=yes (codexd.service sets it).
	 */
	{
		char base[4096];
		char leaf[4096 + 64], enable[64] = "";
		snprintf(base, sizeof(base), "/sys/fs/cgroup%s", strcmp(self, "/") == 0 ? "" : self);
		if (strcmp(self, "/") != 0) {
			if (!cg_join(leaf, sizeof(leaf), base, "codexd-daemon") ||
			    (mkdir(leaf, 0755) < 0 && errno != EEXIST))
				goto fail;
			if (!cg_join(path, sizeof(path), leaf, "cgroup.procs") ||
			    write_str(path, "0") < 0)
				goto fail;
		}
		for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
			if (word_in(ctrl, controller_names[c])) {
				size_t o = strlen(enable);
				snprintf(enable + o, sizeof(enable) - o, "%s+%s", o ? " " : "",
					 controller_names[c]);
			}
		if (!cg_join(path, sizeof(path), base, "cgroup.subtree_control") ||
		    write_str(path, enable) < 0)
			goto fail;
		for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
			cg->has[c] = word_in(ctrl, controller_names[c]);
			snprintf(cg->base[c], sizeof(cg->base[c]), "%s", base);
		}
		cg->mode = CGROUP_V2;
		return;
	fail:
		snprintf(cg->reason, sizeof(cg->reason), "cannot delegate cgroup v2 controllers: %s",
			 strerror(errno));
	}
}

static void setup_v1(struct cgroup_setup *cg)
{
	for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
		char self[2048], dir[4096];
		struct stat st;

		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", controller_names[c]);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (self_cgroup(controller_names[c], self, sizeof(self)) < 0)
			continue;
		snprintf(cg->base[c], sizeof(cg->base[c]), "/sys/fs/cgroup/%s%s", controller_names[c],
			 strcmp(self, "/") == 0 ? "" : self);
		if (access(cg->base[c], W_OK) < 0)
			continue;
		cg->has[c] = true;
		cg->mode = CGROUP_V1;
	}
	if (cg->mode == CGROUP_NONE && !cg->reason[0])
		snprintf(cg->reason, sizeof(cg->reason), "no usable cgroup controllers");
}

void cgroup_setup_init(struct cgroup_setup *cg)
{
	*cg = (struct cgroup_setup){ .mode = CGROUP_NONE };
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		setup_v2(cg);
	if (cg->mode == CGROUP_NONE)
		setup_v1(cg);
	if (cg->mode == CGROUP_NONE)
		log_notice("resource limits unavailable: %s", cg->reason);
}

static int write_limit(const char *dir, const char *file, const char *value)
{
	char path[4096 + 128];

	if (!cg_join(path, sizeof(path), dir, file))
		return -ENAMETOOLONG;
	return write_str(path, value);
}

static void exec_dir(const struct cgroup_setup *cg, int c, const char *name, char *buf, size_t n)
{
	if (!cg_join(buf, n, cg->base[c], name))
		buf[0] = '\0';
}

int cgroup_create(const struct cgroup_setup *cg, const char *id, const struct cgroup_limits *lim,
		  struct exec_cgroup *ret)
{
	struct exec_cgroup x = { .v2_fd = -1 };
	char dir[4096 + 64], val[64];
	int r = 0;

	for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
		x.procs_fd[c] = -1;
	snprintf(x.name, sizeof(x.name), "codexd-%s", id);
	if (cg->mode == CGROUP_NONE) {
		*ret = x;
		return 0;
	}

	for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
		bool fresh;

		if (!cg->has[c])
			continue;
		/*
		 * v1: a cpu cgroup without a quota limits nothing and reports
		 * nothing; not making one saves a mkdir, a rmdir and PID 1's
		 * migration into it (each migration can wait for an RCU grace period).
		 */
		if (cg->mode == CGROUP_V1 && c == CGROUP_CPU && !lim->cpu_percent)
			continue;
		exec_dir(cg, c, x.name, dir, sizeof(dir));
		fresh = mkdir(dir, 0755) == 0;
		if (!fresh && errno != EEXIST) {
			r = negative_errno();
			goto fail;
		}
		x.created[c] = true;
		switch (c) {
		case CGROUP_PIDS:
			if (lim->pids) {
				snprintf(val, sizeof(val), "%u", lim->pids);
				if (write_limit(dir, "pids.max", val) == 0)
					x.applied |= 1u << c;
			}
			break;
		case CGROUP_MEMORY:
			if (lim->memory_bytes) {
				snprintf(val, sizeof(val), "%llu", (unsigned long long)lim->memory_bytes);
				if (cg->mode == CGROUP_V2) {
					if (write_limit(dir, "memory.max", val) == 0)
						x.applied |= 1u << c;
					(void)write_limit(dir, "memory.swap.max", "0");
				} else {
					if (write_limit(dir, "memory.limit_in_bytes", val) == 0)
						x.applied |= 1u << c;
					/* Where swap is accounted, swapping out must not escape the limit. */
					(void)write_limit(dir, "memory.memsw.limit_in_bytes", val);
				}
			}
			break;
		case CGROUP_CPU:
			if (lim->cpu_percent) {
				unsigned long quota = (unsigned long)lim->cpu_percent * 1000;
				if (cg->mode == CGROUP_V2) {
					snprintf(val, sizeof(val), "%lu 100000", quota);
					if (write_limit(dir, "cpu.max", val) == 0)
						x.applied |= 1u << c;
				} else {
					snprintf(val, sizeof(val), "%lu", quota);
					if (write_limit(dir, "cpu.cfs_period_us", "100000") == 0 &&
					    write_limit(dir, "cpu.cfs_quota_us", val) == 0)
						x.applied |= 1u << c;
				}
			}
			break;
		}
		if (cg->mode == CGROUP_V2) {
			/* All v2 controllers share one directory: one descriptor is enough. */
			if (x.v2_fd < 0) {
				x.v2_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (x.v2_fd < 0) {
					r = negative_errno();
					goto fail;
				}
			}
			continue;
		}
		{
			/*
			 * "tasks", not "cgroup.procs": PID 1 is single-threaded and moves
			 * itself ("0"), and moving one thread spares the kernel the global
			 * cgroup_threadgroup_rwsem, whose write side waits for an RCU grace
			 * period (the 4-15 ms tail of tests/bench/README).
			 */
			char procs[sizeof(dir) + 16];
			if (!cg_join(procs, sizeof(procs), dir, "tasks")) {
				r = -ENAMETOOLONG;
				goto fail;
			}
			x.procs_fd[c] = open(procs, O_WRONLY | O_CLOEXEC);
		}
		if (x.procs_fd[c] < 0) {
			r = negative_errno();
			goto fail;
		}
	}
	*ret = x;
	return 0;
fail:
	cgroup_remove(cg, &x, NULL);
	return r;
}

void cgroup_adopt(const struct cgroup_setup *cg, struct exec_cgroup *x, const char *id)
{
	char name[sizeof(x->name)], from[4096 + 64], to[4096 + 64];
	int c, done;

	if (snprintf(name, sizeof(name), "codexd-%s", id) >= (int)sizeof(name))
		return;
	for (c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
		if (!x->created[c])
			continue;
		exec_dir(cg, c, x->name, from, sizeof(from));
		exec_dir(cg, c, name, to, sizeof(to));
		if (!from[0] || !to[0] || rename(from, to) < 0)
			break;
	}
	if (c == _CGROUP_CONTROLLER_MAX) {
		memcpy(x->name, name, sizeof(name));
		return;
	}
	/* Put back those already renamed: one name in every hierarchy. */
	for (done = 0; done < c; done++) {
		if (!x->created[done])
			continue;
		exec_dir(cg, done, name, from, sizeof(from));
		exec_dir(cg, done, x->name, to, sizeof(to));
		if (rename(from, to) < 0)
			log_warning_errno(negative_errno(), "cannot rename cgroup %s back", from);
	}
}

int cgroup_open_child_fds(const struct cgroup_setup *cg, struct exec_cgroup *x)
{
	char dir[4096 + 64], path[4096 + 96];

	for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
		if (!x->created[c])
			continue;
		exec_dir(cg, c, x->name, dir, sizeof(dir));
		if (cg->mode == CGROUP_V2) {
			if (x->v2_fd < 0)
				x->v2_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (x->v2_fd < 0)
				goto fail;
			continue;
		}
		/* "tasks", as in cgroup_create(). */
		if (!cg_join(path, sizeof(path), dir, "tasks")) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		x->procs_fd[c] = open(path, O_WRONLY | O_CLOEXEC);
		if (x->procs_fd[c] < 0)
			goto fail;
	}
	return 0;
fail: {
	int r = negative_errno();
	cgroup_close_child_fds(x);
	x->v2_fd = safe_close(x->v2_fd);
	return r;
}
}

void cgroup_close_child_fds(struct exec_cgroup *x)
{
	for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
		x->procs_fd[c] = safe_close(x->procs_fd[c]);
}

static uint64_t read_key(const char *dir, const char *file, const char *key)
{
	char path[4096 + 128], buf[4096];
	const char *p;

	if (!cg_join(path, sizeof(path), dir, file) || read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	if (!key)
		return strtoull(buf, NULL, 10);
	for (p = buf; (p = strstr(p, key)); p++)
		if ((p == buf || p[-1] == '\n') && p[strlen(key)] == ' ')
			return strtoull(p + strlen(key) + 1, NULL, 10);
	return 0;
}

static void read_report(const struct cgroup_setup *cg, const struct exec_cgroup *x,
			struct cgroup_report *rep)
{
	char dir[4096 + 64];

	*rep = (struct cgroup_report){ 0 };
	for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
		if (!x->created[c])
			continue;
		exec_dir(cg, c, x->name, dir, sizeof(dir));
		if (c == CGROUP_MEMORY)
			rep->oom_killed = read_key(dir,
						   cg->mode == CGROUP_V2 ? "memory.events"
									 : "memory.oom_control",
						   "oom_kill") > 0;
		if (c == CGROUP_PIDS)
			rep->pids_limited = read_key(dir, "pids.events", "max") > 0;
	}
}

void cgroup_read_report(const struct cgroup_setup *cg, const struct exec_cgroup *x,
			struct cgroup_report *ret_report)
{
	read_report(cg, x, ret_report);
}

void cgroup_remove(const struct cgroup_setup *cg, struct exec_cgroup *x,
		   struct cgroup_report *ret_report)
{
	char dir[4096 + 64];

	cgroup_close_child_fds(x);
	x->v2_fd = safe_close(x->v2_fd);
	if (ret_report)
		read_report(cg, x, ret_report);
	for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
		if (!x->created[c])
			continue;
		exec_dir(cg, c, x->name, dir, sizeof(dir));
		if (rmdir(dir) < 0 && errno != ENOENT)
			log_warning_errno(negative_errno(), "cannot remove cgroup %s", dir);
		x->created[c] = false;
	}
}

/*
 * Reads cgroup.procs of a cgroup the daemon made (the name is ours).  The
 * list comes from the kernel; a process of the sandbox cannot leave the
 * cgroup (no write access to any cgroup file system) and nothing outside
 * joins it, so "only pid" stays true once seen while pid does not fork.
 */
int cgroup_holds_only(const struct cgroup_setup *cg, const struct exec_cgroup *x, pid_t pid)
{
	char dir[4096 + 64], path[4096 + 96], buf[64], want[24];
	_cleanup_close_ int fd = -1;
	ssize_t n, more;
	int c;

	if (cg->mode == CGROUP_NONE)
		return -EOPNOTSUPP;
	for (c = 0; c < _CGROUP_CONTROLLER_MAX && !x->created[c]; c++)
		;
	if (c == _CGROUP_CONTROLLER_MAX)
		return -EOPNOTSUPP;
	exec_dir(cg, c, x->name, dir, sizeof(dir));
	if (!dir[0] || !cg_join(path, sizeof(path), dir, "cgroup.procs"))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return negative_errno();
	/* Exactly "pid\n", then end of file. */
	snprintf(want, sizeof(want), "%d\n", (int)pid);
	if ((size_t)n != strlen(want) || memcmp(buf, want, (size_t)n) != 0)
		return 0;
	more = read(fd, buf, sizeof(buf));
	if (more < 0)
		return negative_errno();
	return more == 0;
}

json_t *cgroup_setup_to_json(const struct cgroup_setup *cg)
{
	json_t *o = json_object(), *ctl = json_array();

	for (int c = 0; ctl && c < _CGROUP_CONTROLLER_MAX; c++)
		if (cg->has[c])
			json_array_append_new(ctl, json_string(controller_names[c]));
	json_object_set_new(o, "mode",
			    json_string(cg->mode == CGROUP_V2   ? "v2"
					: cg->mode == CGROUP_V1 ? "v1"
								: "none"));
	json_object_set_new(o, "controllers", ctl);
	if (cg->reason[0])
		json_object_set_new(o, "reason", json_string(cg->reason));
	return o;
}
