/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/path_util.h"
#include "common/strv.h"
#include "daemon/conf.h"
#include "daemon/daemon.h"
#include "common/proxy_proto.h"
#include "daemon/sandbox_plan.h"
#include "daemon/seccomp.h"
#include "policy/pathglob.h"

/* Roots below these are never writable: the sandbox builds its own. */
static const char *const forbidden_root_prefixes[] = { "/proc", "/sys", "/dev", "/run" };

/* Sockets named by the client's environment are masked (SECURITY.md). */
static const char *const socket_env[] = { "SSH_AUTH_SOCK", "GPG_AGENT_SOCK", "DOCKER_HOST",
					  "DBUS_SESSION_BUS_ADDRESS", "PODMAN_HOST",
					  "CONTAINER_HOST" };

/* Well-known host sockets outside /run (which the sandbox replaces). */
static const char *const fixed_masks[] = { "/var/run/docker.sock", "/var/run/dbus/system_bus_socket" };

const char *sandbox_env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (char *const *e = envp; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static bool root_allowed(const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(forbidden_root_prefixes); i++)
		if (path_startswith_dir(path, forbidden_root_prefixes[i]))
			return false;
	return true;
}

static int add_root(struct sandbox_plan *p, const char *path, char *err, size_t errsz)
{
	struct mount_plan *m = &p->mount;

	if (!path || !path_is_absolute_normalized(path) || !root_allowed(path))
		return 0;
	for (size_t i = 0; i < m->n_roots; i++)
		if (strcmp(m->roots[i], path) == 0)
			return 0;
	if (m->n_roots >= MOUNTS_MAX_ROOTS) {
		snprintf(err, errsz, "too many writable roots (at most %d)", MOUNTS_MAX_ROOTS);
		return -EINVAL;
	}
	m->roots[m->n_roots++] = path;
	return 0;
}

static size_t depth(const char *p)
{
	size_t n = 0;

	for (; *p; p++)
		n += *p == '/';
	return n;
}

/*
 * Shallow roots first: a root nested in another is attached on top of it
 * (it stays a root of its own so its .git is protected too).
 */
static void sort_roots(struct mount_plan *m)
{
	for (size_t i = 1; i < m->n_roots; i++)
		for (size_t j = i; j > 0 && depth(m->roots[j]) < depth(m->roots[j - 1]); j--) {
			const char *t = m->roots[j];
			m->roots[j] = m->roots[j - 1];
			m->roots[j - 1] = t;
		}
}

static int own(struct sandbox_plan *p, char *s, const char **ret)
{
	int r;

	if (!s)
		return -ENOMEM;
	r = strv_push(&p->owned, s);
	if (r < 0) {
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

static int add_mask(struct sandbox_plan *p, const char *path)
{
	struct mount_plan *m = &p->mount;

	if (!path || path[0] != '/' || m->n_masks >= MOUNTS_MAX_MASKS)
		return 0;
	m->masks[m->n_masks++] = path;
	return 0;
}

/* "unix:path=/run/user/1000/bus,guid=..." and "unix:///var/run/docker.sock" forms. */
static int add_env_socket(struct sandbox_plan *p, const char *name, const char *value)
{
	const char *path = value;
	const char *s;
	size_t n;

	if (!value)
		return 0;
	if (strcmp(name, "DBUS_SESSION_BUS_ADDRESS") == 0) {
		s = strstr(value, "unix:path=");
		if (!s)
			return 0; /* abstract or tcp: the network namespace handles those */
		path = s + strlen("unix:path=");
	} else if (strncmp(value, "unix://", 7) == 0)
		path = value + 7;
	if (path[0] != '/')
		return 0;
	n = strcspn(path, ",;");
	if (n == 0 || n > CX_MAX_PATH)
		return 0;
	if (path[n] == '\0')
		return add_mask(p, path);
	{
		const char *copy;
		int r = own(p, strndup(path, n), &copy);
		if (r < 0)
			return r;
		return add_mask(p, copy);
	}
}

/* Keep /etc/resolv.conf working when it points into /run (systemd-resolved ...). */
static int keep_resolv_conf(struct sandbox_plan *p)
{
	char target[CX_MAX_PATH + 1];
	ssize_t n = readlink("/etc/resolv.conf", target, sizeof(target) - 1);
	const char *dir;
	int r;

	if (n <= 0)
		return 0;
	target[n] = '\0';
	if (!path_startswith_dir(target, "/run") || strcmp(target, "/run") == 0)
		return 0;
	{
		char *d = NULL;
		r = path_dirname(target, &d);
		if (r < 0)
			return r;
		if (strcmp(d, "/run") == 0) {
			free(d);
			return 0;
		}
		r = own(p, d, &dir);
		if (r < 0)
			return r;
	}
	p->mount.run_keep[p->mount.n_run_keep++] = dir;
	return 0;
}

/*
 * Landlock, the second wall behind the mounts: read and execute anywhere
 * the caller's permissions allow, write only beneath the writable roots and
 * the few devices a command needs; no TCP unless the network is the host's
 * (the proxy's port is added with the proxy); abstract sockets and signals
 * scoped to the sandbox.
 */
static int plan_landlock(struct sandbox_plan *p, const struct sandbox_plan_input *in)
{
	static const char *const rw_devices[] = { "/dev/null", "/dev/zero", "/dev/full",
						  "/dev/random", "/dev/urandom", "/dev/tty",
						  "/dev/pts", "/dev/shm" };
	struct landlock_plan *l = calloc(1, sizeof(*l));
	unsigned flags = LANDLOCK_PLAN_SCOPE_ALL;
	int r;

	if (!l)
		return -ENOMEM;
	if (in->network != NET_FULL)
		flags |= LANDLOCK_PLAN_NET;
	r = landlock_plan_init(l, in->landlock_abi, flags);
	if (r == 0)
		r = landlock_plan_add_path(l, "/", LANDLOCK_READ, false);
	for (size_t i = 0; r == 0 && i < p->mount.n_roots; i++)
		r = landlock_plan_add_path(l, p->mount.roots[i], LANDLOCK_READ | LANDLOCK_WRITE, true);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(rw_devices); i++)
		r = landlock_plan_add_path(l, rw_devices[i], LANDLOCK_READ | LANDLOCK_WRITE, true);
	if (r == 0 && p->mount.private_tmp && !p->mount.private_tmp_readonly)
		r = landlock_plan_add_path(l, "/tmp", LANDLOCK_READ | LANDLOCK_WRITE, false);
	/* Proxied: the proxy's ports (its listeners are the namespace's only way out). */
	if (r == 0 && in->network == NET_PROXY)
		r = landlock_plan_add_port(l, PROXY_PORT_HTTP, LANDLOCK_NET_CONNECT);
	if (r == 0 && in->network == NET_PROXY)
		r = landlock_plan_add_port(l, PROXY_PORT_SOCKS, LANDLOCK_NET_CONNECT);
	if (r == 0 && in->network == NET_PROXY)
		r = landlock_plan_add_port(l, PROXY_PORT_DNS, LANDLOCK_NET_CONNECT);
	if (r < 0) {
		landlock_plan_done(l);
		free(l);
		return r;
	}
	p->landlock = l;
	return 0;
}

/*
 * The supervisor's rules (pointing into p, which must not move any more):
 * deny_read checked when files are opened (SECCOMP_FEATURE_OPEN) whenever
 * anything is denied; with the host's /tmp, Unix sockets below the
 * scanned directories reachable only when bound in the sandbox
 * (SECCOMP_FEATURE_UNIX).  Relative deny entries apply below every
 * writable root and the working directory.
 */
static void plan_supervise(struct sandbox_plan *p)
{
	struct mount_plan *m = &p->mount;
	struct supervisor_rules *r = &p->supervise;
	size_t n = 0;

	*r = (struct supervisor_rules){ 0 };
	if (!p->use_mounts)
		return;
	for (size_t i = 0; i < m->n_roots; i++)
		p->glob_roots[n++] = m->roots[i];
	if (m->cwd) {
		bool have = false;
		for (size_t i = 0; i < n; i++)
			have = have || strcmp(p->glob_roots[i], m->cwd) == 0;
		if (!have)
			p->glob_roots[n++] = m->cwd;
	}
	r->deny = m->deny;
	r->n_deny = m->n_deny;
	r->deny_globs = m->deny_globs;
	r->n_deny_globs = m->n_deny_globs;
	r->roots = p->glob_roots;
	r->n_roots = n;
	if (m->n_deny + m->n_deny_globs > 0)
		r->features |= SECCOMP_FEATURE_OPEN;
	if (!m->private_tmp) {
		r->socket_dirs = m->scan;
		r->n_socket_dirs = m->n_scan;
		r->features |= SECCOMP_FEATURE_UNIX;
	}
	if (p->unix_allowlist) {
		r->unix_allowlist = true;
		r->unix_allow = (const char *const *)p->unix_sockets;
		r->n_unix_allow = p->n_unix_sockets;
		r->features |= SECCOMP_FEATURE_UNIX;
	}
}

int sandbox_plan_build(const struct daemon_config *cfg, const struct sandbox_plan_input *in,
		       struct sandbox_plan *ret, char *err, size_t errsz)
{
	struct sandbox_plan p = { .mode = in->mode, .network = in->network };
	struct mount_plan *m = &p.mount;
	int r;

	p.clone_flags = CLONE_NEWPID;
	if (in->mode == SANDBOX_DANGER_FULL_ACCESS) {
		/* Unsandboxed filesystem; the PID namespace still ends the whole tree. */
		if (in->network != NET_FULL)
			p.clone_flags |= CLONE_NEWNET;
		/*
		 * Proxied: the host's files, but the namespace's resolver is the
		 * DNS stub, bound over /etc/resolv.conf in a mount namespace of
		 * its own (daemon/resolv_stub.h).
		 */
		if (in->network == NET_PROXY)
			p.clone_flags |= CLONE_NEWNS;
		*ret = p;
		return 0;
	}

	p.use_mounts = true;
	p.clone_flags |= CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
	if (in->network != NET_FULL)
		p.clone_flags |= CLONE_NEWNET;

	m->cwd = in->cwd;
	m->uid = in->peer->uid;
	m->gid = in->peer->gid;
	m->groups = in->peer->groups;
	m->n_groups = in->peer->n_groups;
	m->tty_gid = in->tty_gid;
	m->shm_bytes = (uint64_t)cfg->shm_size_mb * 1024 * 1024;
	/*
	 * Private /tmp: writable in workspace-write; in read-only mode an empty
	 * read-only one (nothing writable, no host sockets to find).
	 */
	m->private_tmp = cfg->private_tmp;
	m->private_tmp_readonly = in->mode == SANDBOX_READ_ONLY;
	m->tmp_bytes = m->private_tmp_readonly ? 4096 : (uint64_t)cfg->tmp_size_mb * 1024 * 1024;

	if (in->mode == SANDBOX_WORKSPACE_WRITE) {
		m->protect_metadata = true;
		m->create_codex_dir = cfg->protect_codex_dir;
		m->allow_git_writes = cfg->ww_allow_git_writes;
		r = add_root(&p, in->cwd, err, errsz);
		for (char *const *s = in->config_roots; r == 0 && s && *s; s++)
			r = add_root(&p, *s, err, errsz);
		for (char *const *s = in->request_roots; r == 0 && s && *s; s++)
			r = add_root(&p, *s, err, errsz);
		if (r == 0 && !in->exclude_slash_tmp && !cfg->private_tmp)
			r = add_root(&p, "/tmp", err, errsz);
		if (r == 0 && !in->exclude_tmpdir_env_var) {
			const char *t = sandbox_env_get(in->envp, "TMPDIR");
			/* TMPDIR=/tmp adds nothing to a private /tmp. */
			if (!(cfg->private_tmp && t && strcmp(t, "/tmp") == 0))
				r = add_root(&p, t, err, errsz);
		}
		if (r < 0)
			goto fail;
		sort_roots(m);
	}
	/*
	 * The host's /tmp itself is the workspace (cwd or a writable root is
	 * exactly /tmp): a private /tmp would hide it, so this sandbox sees the
	 * host's, with its sockets masked like tmp = "host".
	 */
	if (m->private_tmp && strcmp(in->cwd, "/tmp") == 0)
		m->private_tmp = false;
	for (size_t i = 0; m->private_tmp && i < m->n_roots; i++)
		if (strcmp(m->roots[i], "/tmp") == 0)
			m->private_tmp = false;

	for (size_t i = 0; i < ARRAY_SIZE(socket_env); i++) {
		r = add_env_socket(&p, socket_env[i], sandbox_env_get(in->envp, socket_env[i]));
		if (r < 0)
			goto fail;
	}
	{
		/* GPG_AGENT_INFO is "path:pid:protocol". */
		const char *g = sandbox_env_get(in->envp, "GPG_AGENT_INFO");
		if (g && g[0] == '/') {
			const char *copy;
			r = own(&p, strndup(g, strcspn(g, ":")), &copy);
			if (r < 0)
				goto fail;
			add_mask(&p, copy);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(fixed_masks); i++)
		add_mask(&p, fixed_masks[i]);
	/* Agents that live in the home directory when there is no /run/user (gpg ...). */
	if (in->home && path_is_absolute_normalized(in->home)) {
		static const char *const dirs[] = { ".gnupg", ".ssh", ".docker", ".local/share/docker",
						    ".local/share/containers" };
		for (size_t i = 0; i < ARRAY_SIZE(dirs) && m->n_scan < MOUNTS_MAX_SCAN_DIRS; i++) {
			char *d = NULL;
			const char *copy;
			if (path_join(in->home, dirs[i], &d) < 0 || own(&p, d, &copy) < 0) {
				r = -ENOMEM;
				goto fail;
			}
			m->scan[m->n_scan++] = copy;
		}
	}
	if (!m->private_tmp && m->n_scan < MOUNTS_MAX_SCAN_DIRS)
		m->scan[m->n_scan++] = "/tmp";
	if (in->daemon_socket)
		add_mask(&p, in->daemon_socket);

	/* A runtime directory outside /run holds the same secrets: hide it whole. */
	{
		const char *xdg = sandbox_env_get(in->envp, "XDG_RUNTIME_DIR");
		if (xdg && path_is_absolute_normalized(xdg) && !path_startswith_dir(xdg, "/run") &&
		    m->n_deny < MOUNTS_MAX_DENY)
			m->deny[m->n_deny++] = xdg;
	}
	for (int pass = 0; pass < 2; pass++)
		for (char *const *s = pass == 0 ? cfg->deny_read : in->extra_deny; s && *s; s++) {
			/* Paths are masked now and checked at open; patterns only at open (and a scan). */
			bool path = (*s)[0] == '/' && !pathglob_has_wildcards(*s);

			/* Never drop one silently: an unenforced deny is worse than a refusal. */
			if ((path ? m->n_deny : m->n_deny_globs) >= MOUNTS_MAX_DENY) {
				snprintf(err, errsz, "more than %d paths or patterns to make unreadable "
						     "([sandbox] deny_read and glob rules)",
					 MOUNTS_MAX_DENY);
				r = -EINVAL;
				goto fail;
			}
			if (path)
				m->deny[m->n_deny++] = *s;
			else
				m->deny_globs[m->n_deny_globs++] = *s;
		}

	for (char *const *s = in->extra_readonly; s && *s; s++) {
		if (m->n_readonly >= MOUNTS_MAX_DENY) {
			snprintf(err, errsz, "more than %d paths to make read-only (glob rules)",
				 MOUNTS_MAX_DENY);
			r = -EINVAL;
			goto fail;
		}
		m->readonly[m->n_readonly++] = *s;
	}

	r = keep_resolv_conf(&p);
	if (r < 0)
		goto fail;
	p.unix_allowlist = in->unix_allowlist;
	p.unix_sockets = in->unix_sockets;
	for (char *const *s = in->unix_sockets; s && *s; s++)
		if (p.n_unix_sockets < SUPERVISOR_MAX_UNIX_ALLOW)
			p.n_unix_sockets++;
	m->proxy_dns = in->network == NET_PROXY;

	if (in->landlock_abi > 0) {
		r = plan_landlock(&p, in);
		if (r < 0) {
			snprintf(err, errsz, "cannot plan the Landlock ruleset: %s", strerror(-r));
			goto fail;
		}
	}

	*ret = p;
	plan_supervise(ret);
	return 0;
fail:
	sandbox_plan_done(&p);
	return r;
}

void sandbox_plan_done(struct sandbox_plan *p)
{
	strv_free(p->owned);
	p->owned = NULL;
	if (p->landlock) {
		landlock_plan_done(p->landlock);
		free(p->landlock);
		p->landlock = NULL;
	}
}
