/* SPDX-License-Identifier: MIT */
/*
 * User-files helpers kept alive (see daemon/user_files.h).
 *
 * Forking a helper per request cost a fork of the daemon, a privilege drop
 * and extra scheduler hand-offs on every exec.  Instead a helper is forked
 * once for an identity -- uid, gid and supplementary groups exactly as
 * SO_PEERCRED/SO_PEERGROUPS reported them -- drops to it for good (no
 * capabilities, no_new_privs, not dumpable after the uid change) and then
 * answers requests over a socketpair, one at a time, reading every file
 * afresh each time.  It serves only requests of that identity; a client
 * whose groups differ gets another helper.
 *
 * Bounds: USER_FILES_HELPERS_PER_ID helpers per identity (further requests
 * wait in a FIFO), USER_FILES_MAX_HELPERS kept alive in all (past that an
 * idle helper of another identity is retired, or a helper is used for one
 * request only), USER_FILES_TIMEOUT_MS per request (then the helper is
 * killed), USER_FILES_HELPER_IDLE_MS idle (then it is retired).  A helper
 * that dies, is killed by its user or answers something malformed fails
 * the request it was serving (-EPROTO) and is replaced on demand.
 *
 * Process: main.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/list.h"
#include "common/log.h"
#include "daemon/child.h"
#include "daemon/privdrop.h"
#include "daemon/user_files.h"

struct uf_id {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t n_groups;
};

struct uf_helper;

/* One request (the handle callers hold). */
struct user_files_loader {
	struct list_node node; /* pool.queue while waiting */
	struct user_files_pool *pool;
	struct uf_helper *helper; /* serving it, or NULL */
	struct uf_id id;
	user_files_cb cb;
	void *userdata;
	char *req;
	size_t req_len;
	bool cancelled;
};

struct uf_helper {
	struct list_node node; /* pool.helpers */
	struct user_files_pool *pool;
	struct uf_id id;
	pid_t pid;
	int pidfd, fd;
	uv_poll_t poll;
	uv_timer_t timer;
	int poll_events;
	int open_handles;
	bool dead;
	bool keep;                   /* stays for further requests */
	struct user_files_loader *cur; /* the request being answered */
	size_t out_off;              /* bytes of cur->req written */
	char *in;
	size_t in_len, in_cap;
};

struct user_files_pool {
	struct daemon *d;
	struct list_node helpers;
	unsigned n_helpers; /* kept ones (keep == true, not dead) */
	struct list_node queue;
};

static void pump(struct user_files_pool *p, const struct uf_id *id);

/* ------------------------------------------------------------ identities */

static int id_copy(struct uf_id *dst, const struct user_files_request *req)
{
	*dst = (struct uf_id){ .uid = req->uid, .gid = req->gid, .n_groups = req->n_groups };
	if (req->n_groups) {
		dst->groups = malloc(req->n_groups * sizeof(gid_t));
		if (!dst->groups)
			return -ENOMEM;
		memcpy(dst->groups, req->groups, req->n_groups * sizeof(gid_t));
	}
	return 0;
}

static bool id_eq(const struct uf_id *a, const struct uf_id *b)
{
	return a->uid == b->uid && a->gid == b->gid && a->n_groups == b->n_groups &&
	       (a->n_groups == 0 || memcmp(a->groups, b->groups, a->n_groups * sizeof(gid_t)) == 0);
}

/* ------------------------------------------------------------ requests */

static void loader_free(struct user_files_loader *l)
{
	list_del(&l->node);
	free(l->id.groups);
	free(l->req);
	free(l);
}

/* Hand the answer (or the error) to the caller and forget the request. */
static void loader_complete(struct user_files_loader *l, struct user_files *f, int err)
{
	user_files_cb cb = l->cb;
	void *userdata = l->userdata;
	bool cancelled = l->cancelled;

	loader_free(l);
	if (cancelled)
		user_files_free(f);
	else
		cb(userdata, f, err);
}

/* ------------------------------------------------------------ helpers */

static void on_helper_closed(uv_handle_t *h)
{
	struct uf_helper *x = h->data;

	if (--x->open_handles > 0)
		return;
	free(x->id.groups);
	free(x->in);
	free(x);
}

/*
 * Kill, reap, close.  The request being served (if any) fails with err;
 * queued requests of the identity go to another helper.
 */
static void helper_retire(struct uf_helper *x, int err)
{
	struct user_files_pool *p = x->pool;
	struct user_files_loader *cur = x->cur;
	struct uf_id id = x->id;

	if (x->dead)
		return;
	x->dead = true;
	if (x->keep)
		p->n_helpers--;
	list_del(&x->node);
	(void)child_signal(x->pidfd, x->pid, SIGKILL, NULL);
	(void)waitid(P_PIDFD, (id_t)x->pidfd, &(siginfo_t){ 0 }, WEXITED);
	x->pidfd = safe_close(x->pidfd);
	x->fd = safe_close(x->fd);
	x->cur = NULL;
	x->open_handles = 2;
	uv_close((uv_handle_t *)&x->poll, on_helper_closed);
	uv_close((uv_handle_t *)&x->timer, on_helper_closed);
	if (cur) {
		cur->helper = NULL;
		loader_complete(cur, NULL, err);
	}
	/* x->id stays valid until the close callbacks run. */
	pump(p, &id);
}

static void on_helper_timer(uv_timer_t *t)
{
	struct uf_helper *x = t->data;

	if (x->cur)
		log_warning("uid %u: the user-files helper did not answer in time",
			    (unsigned)x->id.uid);
	helper_retire(x, -ETIMEDOUT);
}

static void set_events(struct uf_helper *x, int events);

static void helper_write(struct uf_helper *x)
{
	struct user_files_loader *l = x->cur;

	while (l && x->out_off < l->req_len) {
		ssize_t n = send(x->fd, l->req + x->out_off, l->req_len - x->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			helper_retire(x, -EPROTO);
			return;
		}
		x->out_off += (size_t)n;
	}
	set_events(x, UV_READABLE | (l && x->out_off < l->req_len ? UV_WRITABLE : 0));
}

/* The answer to x->cur is complete in x->in[0, n). */
static void helper_answered(struct uf_helper *x, size_t n)
{
	struct user_files_loader *l = x->cur;
	struct user_files *f = calloc(1, sizeof(*f));
	struct uf_id id;
	int err;

	if (n != x->in_len || !l) {
		/* Bytes nobody asked for. */
		helper_retire(x, -EPROTO);
		return;
	}
	err = f ? user_files_parse(x->in, n, f) : -ENOMEM;
	if (err < 0) {
		free(f);
		f = NULL;
	}
	x->in_len = 0;
	x->cur = NULL;
	l->helper = NULL;
	uv_timer_stop(&x->timer);
	if (!x->keep) {
		loader_complete(l, f, err);
		helper_retire(x, 0);
		return;
	}
	uv_timer_start(&x->timer, on_helper_timer, USER_FILES_HELPER_IDLE_MS, 0);
	id = x->id;
	loader_complete(l, f, err);
	/* The callback may have queued more for this identity; x may be gone after pump. */
	pump(x->pool, &id);
}

static void helper_read(struct uf_helper *x)
{
	for (;;) {
		ssize_t n, end;

		if (x->in_len == x->in_cap) {
			size_t ncap = x->in_cap ? x->in_cap * 2 : 65536;
			char *t;
			if (ncap > USER_FILES_MAX_BYTES + 131072) {
				helper_retire(x, -E2BIG);
				return;
			}
			t = realloc(x->in, ncap);
			if (!t) {
				helper_retire(x, -ENOMEM);
				return;
			}
			x->in = t;
			x->in_cap = ncap;
		}
		n = read(x->fd, x->in + x->in_len, x->in_cap - x->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* Died, or was killed (its user may signal it). */
			helper_retire(x, -EPROTO);
			return;
		}
		x->in_len += (size_t)n;
		end = user_files_frame_len(x->in, x->in_len);
		if (end < 0) {
			helper_retire(x, (int)end);
			return;
		}
		if (end > 0) {
			helper_answered(x, (size_t)end);
			return;
		}
	}
}

static void on_helper_io(uv_poll_t *h, int status, int events)
{
	struct uf_helper *x = h->data;

	if (status < 0) {
		helper_retire(x, -EPROTO);
		return;
	}
	if (events & UV_WRITABLE) {
		helper_write(x);
		if (x->dead)
			return;
	}
	if (events & (UV_READABLE | UV_DISCONNECT))
		helper_read(x);
}

static void set_events(struct uf_helper *x, int events)
{
	if (x->dead || x->poll_events == events)
		return;
	x->poll_events = events;
	uv_poll_start(&x->poll, events, on_helper_io);
}

static void helper_start_request(struct uf_helper *x, struct user_files_loader *l)
{
	list_del(&l->node);
	l->helper = x;
	x->cur = l;
	x->out_off = 0;
	x->in_len = 0;
	uv_timer_start(&x->timer, on_helper_timer, USER_FILES_TIMEOUT_MS, 0);
	/* Written from the loop: nothing here calls back into the requester. */
	set_events(x, UV_READABLE | UV_WRITABLE);
}

/*
 * In the child: become the user for good, then execute codexd afresh
 * (codexd --user-files-helper), so that the long-lived helper holds
 * nothing of the daemon's memory (configuration, audit key, other users'
 * requests) - only what it reads as the user.  The binary is opened as
 * root and executed by descriptor: no path the user controls is involved.
 * Should that fail (a binary the user may not execute), it serves from
 * this fork, as before, not dumpable and so unreadable to the user.
 */
_noreturn_ static void helper_child(int fd, const struct uf_id *id, unsigned last_cap,
				    pid_t parent)
{
	static char *const argv[] = { (char *)"codexd-files", (char *)"--user-files-helper",
				      NULL };
	static char *const envp[] = { NULL };
	struct privdrop pd = { .uid = id->uid, .gid = id->gid, .groups = id->groups,
			       .n_groups = id->n_groups, .cap_last_cap = last_cap };
	enum sandbox_stage stage;
	int self;

	if (dup2(fd, 3) < 0)
		_exit(1);
	(void)syscall(SYS_close_range, 4, ~0U, 0);
	self = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (chdir("/") < 0 || privdrop_apply(&pd, &stage) < 0)
		_exit(1);
	/* The uid change cleared the parent-death signal (daemon/child.h). */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(0);
	if (self >= 0)
		(void)syscall(SYS_execveat, self, "", argv, envp, AT_EMPTY_PATH);
	user_files_helper_serve(3);
	_exit(0);
}

static int helper_spawn(struct user_files_pool *p, const struct uf_id *id, bool keep,
			struct uf_helper **ret)
{
	struct uf_helper *x;
	pid_t parent = getpid(), pid;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	pid = child_fork("codexd-files");
	if (pid == 0)
		helper_child(sv[1], id, p->d->cap_last_cap, parent);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return pid;
	}
	x = calloc(1, sizeof(*x));
	if (!x || (x->pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0 ||
	    id_copy(&x->id, &(struct user_files_request){ .uid = id->uid, .gid = id->gid,
							   .groups = id->groups,
							   .n_groups = id->n_groups }) < 0) {
		int e = x && x->pidfd < 0 ? negative_errno() : -ENOMEM;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (x && x->pidfd > 0)
			close(x->pidfd);
		free(x);
		close(sv[0]);
		return e;
	}
	x->pool = p;
	x->pid = pid;
	x->fd = sv[0];
	x->keep = keep;
	(void)fd_set_nonblock(x->fd, true);
	uv_poll_init(p->d->loop, &x->poll, x->fd);
	uv_timer_init(p->d->loop, &x->timer);
	x->poll.data = x->timer.data = x;
	/* Helpers never keep the loop alive: their requesters (clients) do. */
	uv_unref((uv_handle_t *)&x->poll);
	uv_unref((uv_handle_t *)&x->timer);
	list_add_tail(&p->helpers, &x->node);
	if (keep)
		p->n_helpers++;
	set_events(x, UV_READABLE);
	*ret = x;
	return 0;
}

/* ------------------------------------------------------------ scheduling */

/*
 * Start l (queued) on an idle helper of its identity, else on a new one
 * (kept while the bounds allow, else used once).  Returns 0 (started), 1
 * (stays queued: the identity's helpers are all busy) or -errno (no helper
 * could be started; l stays queued).
 */
static int dispatch(struct user_files_pool *p, struct user_files_loader *l)
{
	struct uf_helper *idle = NULL, *x;
	struct list_node *hp, *ht;
	unsigned mine = 0;
	int r;

	LIST_FOREACH_SAFE(hp, ht, &p->helpers)
	{
		x = list_entry(hp, struct uf_helper, node);
		if (!id_eq(&x->id, &l->id))
			continue;
		mine++;
		if (!x->cur && !idle)
			idle = x;
	}
	if (idle) {
		helper_start_request(idle, l);
		return 0;
	}
	if (mine >= USER_FILES_HELPERS_PER_ID)
		return 1;
	if (p->n_helpers >= USER_FILES_MAX_HELPERS) {
		/* Retire an idle helper (of another identity) to make room. */
		LIST_FOREACH_SAFE(hp, ht, &p->helpers)
		{
			x = list_entry(hp, struct uf_helper, node);
			if (!x->cur && x->keep) {
				helper_retire(x, 0);
				break;
			}
		}
	}
	r = helper_spawn(p, &l->id, p->n_helpers < USER_FILES_MAX_HELPERS, &x);
	if (r < 0)
		return r;
	helper_start_request(x, l);
	return 0;
}

/* Start what can start of identity id's queued requests (from the loop). */
static void pump(struct user_files_pool *p, const struct uf_id *id)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &p->queue)
	{
		struct user_files_loader *l = list_entry(pos, struct user_files_loader, node);
		int r;

		if (!id_eq(&l->id, id))
			continue;
		r = dispatch(p, l);
		if (r == 1)
			return;
		if (r < 0) {
			log_warning("uid %u: cannot start the user-files helper: %s",
				    (unsigned)id->uid, strerror(-r));
			loader_complete(l, NULL, r);
			/* The callback may have changed the queue: start over. */
			pump(p, id);
			return;
		}
		tmp = p->queue.next; /* dispatch may have retired helpers: rescan */
	}
}

/* ------------------------------------------------------------ entry points */

static struct user_files_pool *pool_get(struct daemon *d)
{
	if (!d->uf_pool) {
		d->uf_pool = calloc(1, sizeof(*d->uf_pool));
		if (!d->uf_pool)
			return NULL;
		d->uf_pool->d = d;
		list_init(&d->uf_pool->helpers);
		list_init(&d->uf_pool->queue);
	}
	return d->uf_pool;
}

int user_files_load(struct daemon *d, const struct user_files_request *req, user_files_cb cb,
		    void *userdata, struct user_files_loader **ret)
{
	struct user_files_pool *p = pool_get(d);
	struct user_files_loader *l;
	int r;

	if (!p)
		return -ENOMEM;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->pool = p;
	l->cb = cb;
	l->userdata = userdata;
	r = id_copy(&l->id, req);
	if (r == 0)
		r = user_files_request_encode(req, &l->req, &l->req_len);
	if (r < 0) {
		free(l->id.groups);
		free(l);
		return r;
	}
	list_add_tail(&p->queue, &l->node);
	/* Never calls cb from here: answers and errors come from the loop. */
	r = dispatch(p, l);
	if (r < 0) {
		loader_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

void user_files_cancel(struct user_files_loader *l)
{
	if (!l)
		return;
	if (l->helper) {
		/* Its answer is read and dropped; the helper stays useful. */
		l->cancelled = true;
		return;
	}
	loader_free(l);
}

void user_files_pool_free(struct daemon *d)
{
	struct user_files_pool *p = d->uf_pool;
	struct list_node *pos, *tmp;

	if (!p)
		return;
	LIST_FOREACH_SAFE(pos, tmp, &p->queue)
	{
		loader_complete(list_entry(pos, struct user_files_loader, node), NULL, -ECANCELED);
	}
	while (!list_empty(&p->helpers))
		helper_retire(list_entry(p->helpers.next, struct uf_helper, node), -ECANCELED);
	free(p);
	d->uf_pool = NULL;
}
