/* SPDX-License-Identifier: MIT */
/*
 * Runs as root in the main process.  Nothing here comes from a client: the
 * names are "codexd-p<daemon pid>-<serial>" (ours alone, never an exec id,
 * which starts with "x"), the limits are the configuration's.  A pooled
 * cgroup has never held a process; it is handed to one exec, renamed to
 * that exec's usual name where the hierarchy allows renaming (v1), and
 * removed with the exec like any other.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "common/log.h"
#include "common/macro.h"
#include "daemon/cgroup_pool.h"
#include "daemon/daemon.h"
#include "daemon/exec.h"

struct cgroup_pool {
	struct daemon *d;
	uv_idle_t idle;
	bool idle_on;
	bool broken; /* making one failed: make them on demand from now on */
	struct cgroup_limits lim;
	struct exec_cgroup slot[CGROUP_POOL_SIZE];
	unsigned n;
	unsigned long long serial;
};

static bool same_limits(const struct cgroup_limits *a, const struct cgroup_limits *b)
{
	return a->memory_bytes == b->memory_bytes && a->pids == b->pids &&
	       a->cpu_percent == b->cpu_percent;
}

static void pool_drain(struct cgroup_pool *p)
{
	while (p->n > 0)
		cgroup_remove(&p->d->cgroups, &p->slot[--p->n], NULL);
}

/* A sandbox being built: its PID 1 joins its cgroups under the lock mkdir takes. */
static bool any_starting(struct daemon *d)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &d->execs)
	{
		if (list_entry(pos, struct exec, node)->state == EXEC_STARTING)
			return true;
	}
	return false;
}

/*
 * One per loop iteration, so a request that comes meanwhile waits for one
 * mkdir at most; none while a sandbox is being built (the next exec's end
 * resumes).
 */
static void on_idle(uv_idle_t *h)
{
	struct cgroup_pool *p = h->data;
	char id[40];
	int r;

	if (p->d->shutting_down || p->broken || p->n >= CGROUP_POOL_SIZE ||
	    any_starting(p->d)) {
		uv_idle_stop(h);
		p->idle_on = false;
		return;
	}
	snprintf(id, sizeof(id), "p%ld-%llu", (long)getpid(), ++p->serial);
	r = cgroup_create(&p->d->cgroups, id, &p->lim, &p->slot[p->n]);
	if (r < 0) {
		log_debug_errno(r, "cgroup pool: cannot make a cgroup ahead; making them on demand");
		p->broken = true;
		return;
	}
	/* No descriptors kept meanwhile: they are opened again when taken. */
	cgroup_close_child_fds(&p->slot[p->n]);
	p->slot[p->n].v2_fd = safe_close(p->slot[p->n].v2_fd);
	p->n++;
}

static void pool_refill(struct cgroup_pool *p)
{
	if (!p)
		return;
	if (p->idle_on || p->broken || p->d->shutting_down || p->n >= CGROUP_POOL_SIZE)
		return;
	p->idle_on = true;
	uv_idle_start(&p->idle, on_idle);
}

/*
 * Pooled cgroups a codexd left behind when it was killed (SIGKILL, a
 * crash): empty directories named codexd-p<pid>-<n> below our base whose
 * pid is no process any more.  A cgroup that holds a process cannot be
 * removed (rmdir fails), a pid in use is left alone, and only names of
 * exactly that form are touched.
 */
static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static void sweep_stale(const struct cgroup_setup *cg)
{
	for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
		_cleanup_(closedirp) DIR *dir = NULL;
		struct dirent *de;
		bool seen = false;

		if (!cg->has[c])
			continue;
		for (int e = 0; e < c; e++)
			seen |= cg->has[e] && strcmp(cg->base[e], cg->base[c]) == 0;
		if (seen || !(dir = opendir(cg->base[c])))
			continue;
		while ((de = readdir(dir))) {
			long pid;
			unsigned long long n;
			int end = 0;
			char path[sizeof(cg->base[c]) + 300];

			if (sscanf(de->d_name, "codexd-p%ld-%llu%n", &pid, &n, &end) != 2 ||
			    de->d_name[end] != '\0' || pid <= 0 || pid == (long)getpid())
				continue;
			if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", cg->base[c], de->d_name) >=
			    (int)sizeof(path))
				continue;
			if (rmdir(path) == 0)
				log_debug("cgroup pool: removed %s, left by a codexd that is gone", path);
		}
	}
}

static struct cgroup_pool *pool_get(struct daemon *d)
{
	struct cgroup_pool *p = d->cgroup_pool;

	if (p || d->shutting_down)
		return p;
	sweep_stale(&d->cgroups);
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->d = d;
	uv_idle_init(d->loop, &p->idle);
	p->idle.data = p;
	d->cgroup_pool = p;
	return p;
}

int cgroup_pool_create(struct daemon *d, const char *id, const struct cgroup_limits *lim,
		       struct exec_cgroup *ret)
{
	struct cgroup_pool *p;
	if (d->cgroups.mode == CGROUP_NONE)
		return cgroup_create(&d->cgroups, id, lim, ret);
	p = pool_get(d);
	if (!p)
		return cgroup_create(&d->cgroups, id, lim, ret);
	if (!same_limits(&p->lim, lim)) {
		pool_drain(p);
		p->lim = *lim;
	}
	while (p->n > 0) {
		struct exec_cgroup x = p->slot[--p->n];

		cgroup_adopt(&d->cgroups, &x, id);
		if (cgroup_open_child_fds(&d->cgroups, &x) == 0) {
			*ret = x;
			return 0;
		}
		cgroup_remove(&d->cgroups, &x, NULL);
	}
	return cgroup_create(&d->cgroups, id, lim, ret);
}

void cgroup_pool_refill(struct daemon *d)
{
	pool_refill(d->cgroup_pool);
}

static void on_idle_closed(uv_handle_t *h)
{
	free(h->data);
}

void cgroup_pool_free(struct daemon *d)
{
	struct cgroup_pool *p = d->cgroup_pool;

	if (!p)
		return;
	d->cgroup_pool = NULL;
	pool_drain(p);
	uv_close((uv_handle_t *)&p->idle, on_idle_closed);
}
