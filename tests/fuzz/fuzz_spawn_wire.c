/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the spawner's decoder (daemon/spawn_wire.h): the
 * input is a message as the spawner would receive it, with twelve
 * descriptors.  Invariants: it never crashes, and a spec it accepts can be
 * walked completely (every string, vector, plan, program and descriptor)
 * without leaving the buffer - AddressSanitizer sees the buffer's exact
 * bounds.
 */
// fuzz-sources: daemon/spawn_wire.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/spawn_wire.h"
#include "daemon/supervisor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t sink;

static void walk_str(const char *s)
{
	if (s)
		sink += strlen(s);
}

static void walk_strs(const char *const *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++)
		walk_str(a[i]);
}

static void check_fd(int fd, unsigned n)
{
	if (fd != -1 && (fd < 100 || fd >= 100 + (int)n))
		abort();
}

static void walk(const struct sandbox_spec *s, unsigned n_fds)
{
	for (char *const *p = s->argv; *p; p++)
		walk_str(*p);
	for (char *const *p = s->envp; *p; p++)
		walk_str(*p);
	walk_str(s->program);
	walk_str(s->cwd);
	walk_str(s->hostname);
	for (size_t i = 0; i < s->priv.n_groups; i++)
		sink += s->priv.groups[i];
	if (s->mounts) {
		const struct mount_plan *m = s->mounts;
		walk_str(m->cwd);
		walk_strs(m->roots, m->n_roots);
		walk_strs(m->masks, m->n_masks);
		walk_strs(m->scan, m->n_scan);
		walk_strs(m->deny, m->n_deny);
		walk_strs(m->readonly, m->n_readonly);
		walk_strs(m->deny_globs, m->n_deny_globs);
		walk_strs(m->run_keep, m->n_run_keep);
		for (size_t i = 0; i < m->n_groups; i++)
			sink += m->groups[i];
	}
	if (s->landlock)
		for (size_t i = 0; i < s->landlock->n_paths; i++)
			walk_str(s->landlock->paths[i].path);
	if (s->seccomp)
		for (size_t i = 0; i < s->seccomp->len; i++)
			sink += s->seccomp->filter[i].k;
	if (s->seccomp_notify)
		for (size_t i = 0; i < s->seccomp_notify->len; i++)
			sink += s->seccomp_notify->filter[i].k;
	if (s->supervise) {
		const struct supervisor_rules *r = s->supervise;
		walk_strs(r->deny, r->n_deny);
		walk_strs(r->deny_globs, r->n_deny_globs);
		walk_strs(r->roots, r->n_roots);
		walk_strs(r->socket_dirs, r->n_socket_dirs);
		walk_strs(r->unix_allow, r->n_unix_allow);
		if (r->unix_allow_fds)
			abort();
	}
	for (int i = 0; i < 3; i++) {
		check_fd(s->stdio[i], n_fds);
		check_fd(s->cgroup_procs[i], n_fds);
	}
	check_fd(s->lifeline_fd, n_fds);
	check_fd(s->go_fd, n_fds);
	check_fd(s->tty_sock, n_fds);
	check_fd(s->net_sock, n_fds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[SPAWN_WIRE_MAX_FDS];
	const struct sandbox_spec *s;
	struct spawn_wire_header h;
	uint64_t flags;
	unsigned n_fds;
	int cg;
	uint8_t *buf;

	if (size > 1 << 20)
		return 0;
	for (int i = 0; i < SPAWN_WIRE_MAX_FDS; i++)
		fds[i] = 100 + i;
	/* The header's size and count are what the spawner checks before decoding. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	n_fds = SPAWN_WIRE_MAX_FDS;
	if (size >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		n_fds = h.n_fds <= SPAWN_WIRE_MAX_FDS ? h.n_fds : SPAWN_WIRE_MAX_FDS;
	}
	if (spawn_wire_decode(buf, size, fds, n_fds, &s, &flags, &cg) == 0) {
		walk(s, n_fds);
		check_fd(cg, n_fds);
	}
	free(buf);
	return 0;
}
