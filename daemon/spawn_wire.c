/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "daemon/spawn_wire.h"
#include "daemon/supervisor.h"

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* ---------------------------------------------------------------- encoding */

struct enc {
	struct spawn_wire *w;
	int err;
};

/* Copy n bytes of p at the next 8-byte boundary; its offset, 0 for NULL or on error. */
static uintptr_t put(struct enc *e, const void *p, size_t n)
{
	struct spawn_wire *w = e->w;
	size_t off = ALIGN8(w->len);

	if (!p || e->err)
		return 0;
	if (n > SPAWN_WIRE_MAX_BYTES || off + n > SPAWN_WIRE_MAX_BYTES) {
		e->err = -E2BIG;
		return 0;
	}
	if (off + n > w->cap) {
		size_t cap = w->cap ? w->cap : 16384;
		uint8_t *b;

		while (cap < off + n)
			cap *= 2;
		b = realloc(w->buf, cap);
		if (!b) {
			e->err = -ENOMEM;
			return 0;
		}
		w->buf = b;
		w->cap = cap;
	}
	memset(w->buf + w->len, 0, off - w->len);
	memcpy(w->buf + off, p, n);
	w->len = off + n;
	return off;
}

static uintptr_t put_str(struct enc *e, const char *s)
{
	return s ? put(e, s, strlen(s) + 1) : 0;
}

/* n strings (n + 1 offsets with terminate: the last one 0). */
static uintptr_t put_strs(struct enc *e, const char *const *a, size_t n, bool terminate)
{
	_cleanup_free_ uintptr_t *offs = NULL;
	size_t m = n + (terminate ? 1 : 0);

	if (!a || e->err)
		return 0;
	offs = calloc(m ? m : 1, sizeof(*offs));
	if (!offs) {
		e->err = -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		offs[i] = put_str(e, a[i]);
	return put(e, offs, m * sizeof(*offs));
}

static uintptr_t put_strv(struct enc *e, char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return put_strs(e, (const char *const *)v, n, true);
}

static uintptr_t put_prog(struct enc *e, const struct sock_fprog *p)
{
	struct sock_fprog f;

	if (!p)
		return 0;
	f = *p;
	f.filter = (struct sock_filter *)put(e, p->filter, (size_t)p->len * sizeof(*p->filter));
	return put(e, &f, sizeof(f));
}

static int fd_index(struct spawn_wire *w, int fd, int *ret)
{
	if (fd < 0) {
		*ret = -1;
		return 0;
	}
	if (w->n_fds >= SPAWN_WIRE_MAX_FDS)
		return -E2BIG;
	w->fds[w->n_fds] = fd;
	*ret = (int)w->n_fds++;
	return 0;
}

/* Offsets stored in pointer fields: the same size on both ends. */
#define AS_PTR(type, off) ((type)(uintptr_t)(off))

static uintptr_t put_mounts(struct enc *e, const struct mount_plan *p)
{
	struct mount_plan m;

	if (!p)
		return 0;
	if (p->n_roots > ARRAY_SIZE(m.roots) || p->n_masks > ARRAY_SIZE(m.masks) ||
	    p->n_scan > ARRAY_SIZE(m.scan) || p->n_deny > ARRAY_SIZE(m.deny) ||
	    p->n_readonly > ARRAY_SIZE(m.readonly) || p->n_deny_globs > ARRAY_SIZE(m.deny_globs) ||
	    p->n_run_keep > ARRAY_SIZE(m.run_keep)) {
		e->err = -EINVAL;
		return 0;
	}
	m = *p;
	m.cwd = AS_PTR(const char *, put_str(e, p->cwd));
#define PUT_ARRAY(field, n)                                                                        \
	for (size_t i = 0; i < ARRAY_SIZE(m.field); i++)                                           \
		m.field[i] = AS_PTR(const char *, i < p->n ? put_str(e, p->field[i]) : 0);
	PUT_ARRAY(roots, n_roots)
	PUT_ARRAY(masks, n_masks)
	PUT_ARRAY(scan, n_scan)
	PUT_ARRAY(deny, n_deny)
	PUT_ARRAY(readonly, n_readonly)
	PUT_ARRAY(deny_globs, n_deny_globs)
	PUT_ARRAY(run_keep, n_run_keep)
#undef PUT_ARRAY
	m.groups = AS_PTR(const gid_t *, put(e, p->groups, p->n_groups * sizeof(gid_t)));
	return put(e, &m, sizeof(m));
}

static uintptr_t put_landlock(struct enc *e, const struct landlock_plan *p)
{
	struct landlock_plan l;

	if (!p)
		return 0;
	if (p->n_paths > ARRAY_SIZE(l.paths) || p->n_ports > ARRAY_SIZE(l.ports)) {
		e->err = -EINVAL;
		return 0;
	}
	l = *p;
	for (size_t i = 0; i < ARRAY_SIZE(l.paths); i++)
		l.paths[i].path = AS_PTR(char *, i < p->n_paths ? put_str(e, p->paths[i].path) : 0);
	return put(e, &l, sizeof(l));
}

static uintptr_t put_rules(struct enc *e, const struct supervisor_rules *p)
{
	struct supervisor_rules r;

	if (!p)
		return 0;
	r = *p;
	r.deny = AS_PTR(const char *const *, put_strs(e, p->deny, p->n_deny, false));
	r.deny_globs = AS_PTR(const char *const *, put_strs(e, p->deny_globs, p->n_deny_globs, false));
	r.roots = AS_PTR(const char *const *, put_strs(e, p->roots, p->n_roots, false));
	r.socket_dirs =
		AS_PTR(const char *const *, put_strs(e, p->socket_dirs, p->n_socket_dirs, false));
	r.unix_allow = AS_PTR(const char *const *, put_strs(e, p->unix_allow, p->n_unix_allow, false));
	r.unix_allow_fds = NULL; /* PID 1 opens them */
	return put(e, &r, sizeof(r));
}

int spawn_wire_encode(const struct sandbox_spec *spec, uint64_t clone_flags, int cgroup_fd,
		      struct spawn_wire *ret)
{
	struct spawn_wire_header h = { .magic = SPAWN_WIRE_MAGIC, .clone_flags = clone_flags };
	struct enc e = { .w = ret };
	struct sandbox_spec s = *spec;
	int r = 0;

	*ret = (struct spawn_wire){ 0 };
	(void)put(&e, &h, sizeof(h)); /* offset 0: no object is ever there */

	s.argv = AS_PTR(char *const *, put_strv(&e, spec->argv));
	s.program = AS_PTR(const char *, put_str(&e, spec->program));
	s.envp = AS_PTR(char *const *, put_strv(&e, spec->envp));
	s.cwd = AS_PTR(const char *, put_str(&e, spec->cwd));
	s.hostname = AS_PTR(const char *, put_str(&e, spec->hostname));
	s.priv.groups = AS_PTR(const gid_t *, put(&e, spec->priv.groups,
						  spec->priv.n_groups * sizeof(gid_t)));
	s.mounts = AS_PTR(const struct mount_plan *, put_mounts(&e, spec->mounts));
	s.landlock = AS_PTR(const struct landlock_plan *, put_landlock(&e, spec->landlock));
	s.seccomp = AS_PTR(const struct sock_fprog *, put_prog(&e, spec->seccomp));
	s.seccomp_notify = AS_PTR(const struct sock_fprog *, put_prog(&e, spec->seccomp_notify));
	s.supervise = AS_PTR(const struct supervisor_rules *, put_rules(&e, spec->supervise));

	s.status_fd = -1;
	s.have_netns = false; /* the spawner's own (daemon/spawner.h) */
	s.netns_fd = -1;
	if (!spec->wait_go)
		s.go_fd = -1;
	for (int i = 0; i < 3 && r == 0; i++)
		r = fd_index(ret, spec->stdio[i], &s.stdio[i]);
	for (int i = 0; i < 3 && r == 0; i++)
		r = fd_index(ret, spec->cgroup_procs[i], &s.cgroup_procs[i]);
	if (r == 0)
		r = fd_index(ret, spec->lifeline_fd, &s.lifeline_fd);
	if (r == 0)
		r = fd_index(ret, s.go_fd, &s.go_fd);
	if (r == 0)
		r = fd_index(ret, spec->tty_sock, &s.tty_sock);
	if (r == 0)
		r = fd_index(ret, spec->net_sock, &s.net_sock);
	if (r == 0)
		r = fd_index(ret, cgroup_fd, &h.cgroup_fd);
	else
		h.cgroup_fd = -1;

	h.spec = put(&e, &s, sizeof(s));
	if (r == 0)
		r = e.err;
	if (r == 0 && !h.spec)
		r = -ENOMEM;
	if (r < 0) {
		spawn_wire_done(ret);
		return r;
	}
	h.n_fds = ret->n_fds;
	h.size = (uint32_t)ret->len;
	memcpy(ret->buf, &h, sizeof(h));
	return 0;
}

void spawn_wire_done(struct spawn_wire *w)
{
	free(w->buf);
	*w = (struct spawn_wire){ 0 };
}

/* ---------------------------------------------------------------- decoding */

struct dec {
	uint8_t *base;
	size_t len;
	const int *fds;
	unsigned n_fds;
};

static bool span_ok(const struct dec *d, uintptr_t off, size_t size, size_t align)
{
	return off >= sizeof(struct spawn_wire_header) && off % align == 0 && off <= d->len &&
	       size <= d->len - off;
}

/* A pointer field holding an offset to size bytes becomes a pointer (NULL stays). */
static int fix(const struct dec *d, void *field, size_t size, size_t align)
{
	uintptr_t off;
	void *p;

	memcpy(&off, field, sizeof(off));
	if (off == 0)
		return 0;
	if (!span_ok(d, off, size, align))
		return -EBADMSG;
	p = d->base + off;
	memcpy(field, &p, sizeof(p));
	return 0;
}

static int fix_str(const struct dec *d, void *field)
{
	uintptr_t off;

	memcpy(&off, field, sizeof(off));
	if (off == 0)
		return 0;
	if (!span_ok(d, off, 1, 1) || !memchr(d->base + off, '\0', d->len - off))
		return -EBADMSG;
	return fix(d, field, 1, 1);
}

/* A field pointing to n string offsets (n + 1 with terminated, the last 0). */
static int fix_strs(const struct dec *d, void *field, size_t n, bool terminated)
{
	uintptr_t off;
	uint8_t *a;

	memcpy(&off, field, sizeof(off));
	if (off == 0)
		return 0;
	if (terminated) {
		/* Count up to the 0 entry, which must be inside the message. */
		for (n = 0;; n++) {
			uintptr_t v;

			if (!span_ok(d, off + n * sizeof(uintptr_t), sizeof(uintptr_t), 8))
				return -EBADMSG;
			memcpy(&v, d->base + off + n * sizeof(uintptr_t), sizeof(v));
			if (v == 0)
				break;
		}
	}
	if (n > d->len / sizeof(uintptr_t) || fix(d, field, n * sizeof(uintptr_t), 8) < 0)
		return -EBADMSG;
	a = d->base + off;
	for (size_t i = 0; i < n; i++) {
		uintptr_t v;

		memcpy(&v, a + i * sizeof(uintptr_t), sizeof(v));
		if (v == 0 || fix_str(d, a + i * sizeof(uintptr_t)) < 0)
			return -EBADMSG;
	}
	return 0;
}

/* A bool from the wire is read as a byte first: any other value than 0 or 1 is not a bool. */
static int check_bool(const void *field)
{
	unsigned char c;

	memcpy(&c, field, 1);
	return c <= 1 ? 0 : -EBADMSG;
}

static int fix_fd(const struct dec *d, int *fd)
{
	if (*fd == -1)
		return 0;
	if (*fd < 0 || (unsigned)*fd >= d->n_fds)
		return -EBADMSG;
	*fd = d->fds[*fd];
	return 0;
}

static int fix_prog(const struct dec *d, const struct sock_fprog **field)
{
	struct sock_fprog *f;

	if (fix(d, field, sizeof(**field), 8) < 0)
		return -EBADMSG;
	f = (struct sock_fprog *)*field;
	if (!f)
		return 0;
	if (f->len == 0 || !f->filter)
		return -EBADMSG;
	return fix(d, &f->filter, (size_t)f->len * sizeof(*f->filter), 8);
}

static int fix_mounts(const struct dec *d, const struct mount_plan **field)
{
	struct mount_plan *m;
	int r = 0;

	if (fix(d, field, sizeof(**field), 8) < 0)
		return -EBADMSG;
	m = (struct mount_plan *)*field;
	if (!m)
		return 0;
	r |= check_bool(&m->protect_metadata) | check_bool(&m->create_codex_dir) |
	     check_bool(&m->allow_git_writes) | check_bool(&m->private_tmp) |
	     check_bool(&m->private_tmp_readonly) | check_bool(&m->proxy_dns);
	if (m->n_roots > ARRAY_SIZE(m->roots) || m->n_masks > ARRAY_SIZE(m->masks) ||
	    m->n_scan > ARRAY_SIZE(m->scan) || m->n_deny > ARRAY_SIZE(m->deny) ||
	    m->n_readonly > ARRAY_SIZE(m->readonly) || m->n_deny_globs > ARRAY_SIZE(m->deny_globs) ||
	    m->n_run_keep > ARRAY_SIZE(m->run_keep) || m->n_groups > d->len / sizeof(gid_t))
		return -EBADMSG;
	r |= fix_str(d, &m->cwd);
#define FIX_ARRAY(field, n)                                                                        \
	for (size_t i = 0; i < m->n; i++)                                                          \
		r |= m->field[i] ? fix_str(d, &m->field[i]) : -EBADMSG;
	FIX_ARRAY(roots, n_roots)
	FIX_ARRAY(masks, n_masks)
	FIX_ARRAY(scan, n_scan)
	FIX_ARRAY(deny, n_deny)
	FIX_ARRAY(readonly, n_readonly)
	FIX_ARRAY(deny_globs, n_deny_globs)
	FIX_ARRAY(run_keep, n_run_keep)
#undef FIX_ARRAY
	r |= fix(d, &m->groups, m->n_groups * sizeof(gid_t), _Alignof(gid_t));
	return r ? -EBADMSG : 0;
}

static int fix_landlock(const struct dec *d, const struct landlock_plan **field)
{
	struct landlock_plan *l;

	if (fix(d, field, sizeof(**field), 8) < 0)
		return -EBADMSG;
	l = (struct landlock_plan *)*field;
	if (!l)
		return 0;
	if (l->n_paths > ARRAY_SIZE(l->paths) || l->n_ports > ARRAY_SIZE(l->ports))
		return -EBADMSG;
	for (size_t i = 0; i < l->n_paths; i++)
		if (!l->paths[i].path || fix_str(d, &l->paths[i].path) < 0 ||
		    check_bool(&l->paths[i].optional) < 0)
			return -EBADMSG;
	return 0;
}

static int fix_rules(const struct dec *d, const struct supervisor_rules **field)
{
	struct supervisor_rules *r;
	int bad = 0;

	if (fix(d, field, sizeof(**field), 8) < 0)
		return -EBADMSG;
	r = (struct supervisor_rules *)*field;
	if (!r)
		return 0;
	bad |= check_bool(&r->unix_allowlist);
	bad |= fix_strs(d, &r->deny, r->n_deny, false);
	bad |= fix_strs(d, &r->deny_globs, r->n_deny_globs, false);
	bad |= fix_strs(d, &r->roots, r->n_roots, false);
	bad |= fix_strs(d, &r->socket_dirs, r->n_socket_dirs, false);
	bad |= fix_strs(d, &r->unix_allow, r->n_unix_allow, false);
	/* Counts without their array would be followed through NULL. */
	if ((r->n_deny && !r->deny) || (r->n_deny_globs && !r->deny_globs) ||
	    (r->n_roots && !r->roots) || (r->n_socket_dirs && !r->socket_dirs) ||
	    (r->n_unix_allow && !r->unix_allow) || r->unix_allow_fds)
		return -EBADMSG;
	return bad ? -EBADMSG : 0;
}

int spawn_wire_decode(void *buf, size_t len, const int *fds, unsigned n_fds,
		      const struct sandbox_spec **ret_spec, uint64_t *ret_clone_flags,
		      int *ret_cgroup_fd)
{
	struct dec d = { .base = buf, .len = len, .fds = fds, .n_fds = n_fds };
	struct spawn_wire_header h;
	struct sandbox_spec *s;
	uintptr_t off;
	int bad = 0;

	if (len < sizeof(h) || (uintptr_t)buf % 8)
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != SPAWN_WIRE_MAGIC || h.size != len || h.n_fds != n_fds)
		return -EBADMSG;
	off = (uintptr_t)h.spec;
	if (!span_ok(&d, off, sizeof(*s), 8))
		return -EBADMSG;
	s = (struct sandbox_spec *)(d.base + off);
	if (check_bool(&s->wait_go) | check_bool(&s->resolv_stub) | check_bool(&s->no_core) |
	    check_bool(&s->seccomp_notify_fs) | check_bool(&s->have_netns))
		return -EBADMSG;
	if (s->have_netns || s->netns_fd != -1)
		return -EBADMSG;

	bad |= fix_strs(&d, &s->argv, 0, true);
	bad |= fix_str(&d, &s->program);
	bad |= fix_strs(&d, &s->envp, 0, true);
	bad |= fix_str(&d, &s->cwd);
	bad |= fix_str(&d, &s->hostname);
	if (s->priv.n_groups > len / sizeof(gid_t))
		return -EBADMSG;
	bad |= fix(&d, &s->priv.groups, s->priv.n_groups * sizeof(gid_t), _Alignof(gid_t));
	bad |= fix_mounts(&d, &s->mounts);
	bad |= fix_landlock(&d, &s->landlock);
	bad |= fix_prog(&d, &s->seccomp);
	bad |= fix_prog(&d, &s->seccomp_notify);
	bad |= fix_rules(&d, &s->supervise);
	if (bad || !s->argv || !s->argv[0] || !s->envp || !s->cwd ||
	    (s->priv.n_groups && !s->priv.groups))
		return -EBADMSG;
	if (s->mounts && s->mounts->n_groups && !s->mounts->groups)
		return -EBADMSG;

	for (int i = 0; i < 3; i++)
		bad |= fix_fd(&d, &s->stdio[i]) | fix_fd(&d, &s->cgroup_procs[i]);
	bad |= fix_fd(&d, &s->lifeline_fd) | fix_fd(&d, &s->go_fd) | fix_fd(&d, &s->tty_sock) |
	       fix_fd(&d, &s->net_sock);
	bad |= fix_fd(&d, &h.cgroup_fd);
	if (bad || s->status_fd != -1 || (s->wait_go && s->go_fd < 0))
		return -EBADMSG;

	*ret_spec = s;
	*ret_clone_flags = h.clone_flags;
	*ret_cgroup_fd = h.cgroup_fd;
	return 0;
}
