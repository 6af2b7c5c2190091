/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cxlimits.h"
#include "daemon/landlock.h"

static long ll_create_ruleset(const struct cx_landlock_ruleset_attr *attr, size_t size,
			      uint32_t flags)
{
	return syscall(CX_NR_landlock_create_ruleset, attr, size, flags);
}

static long ll_add_rule(int ruleset_fd, int type, const void *attr)
{
	return syscall(CX_NR_landlock_add_rule, ruleset_fd, type, attr, 0U);
}

static long ll_restrict_self(int ruleset_fd, uint32_t flags)
{
	return syscall(CX_NR_landlock_restrict_self, ruleset_fd, flags);
}

int landlock_probe_abi(void)
{
	long r = ll_create_ruleset(NULL, 0, CX_LANDLOCK_CREATE_RULESET_VERSION);

	if (r < 0)
		return errno > 0 ? -errno : -EIO;
	if (r == 0)
		return -EOPNOTSUPP;
	return (int)r;
}

int landlock_probe_errata(void)
{
	long r = ll_create_ruleset(NULL, 0, CX_LANDLOCK_CREATE_RULESET_ERRATA);

	if (r >= 0)
		return (int)r;
	/* Kernels before the errata query reject the flag: nothing to report. */
	if (errno == EINVAL)
		return 0;
	return errno > 0 ? -errno : -EIO;
}

uint64_t landlock_fs_access_for_abi(int abi)
{
	uint64_t a;

	if (abi < 1)
		return 0;
	a = CX_LANDLOCK_ACCESS_FS_ABI1;
	if (abi >= 2)
		a |= CX_LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		a |= CX_LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		a |= CX_LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return a;
}

int landlock_plan_init(struct landlock_plan *plan, int abi, unsigned flags)
{
	if (!plan)
		return -EINVAL;
	if (flags & ~(unsigned)(LANDLOCK_PLAN_NET | LANDLOCK_PLAN_SCOPE_ALL))
		return -EINVAL;
	if (abi < 1)
		return -EOPNOTSUPP;
	if (abi > LANDLOCK_ABI_MAX)
		abi = LANDLOCK_ABI_MAX;

	memset(plan, 0, sizeof(*plan));
	plan->abi = abi;
	plan->flags = flags;
	plan->handled_fs = landlock_fs_access_for_abi(abi);
	if ((flags & LANDLOCK_PLAN_NET) && abi >= 4)
		plan->handled_net = LANDLOCK_NET_BIND | LANDLOCK_NET_CONNECT;
	if (abi >= 6) {
		if (flags & LANDLOCK_PLAN_SCOPE_ABSTRACT_UNIX)
			plan->scoped |= CX_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
		if (flags & LANDLOCK_PLAN_SCOPE_SIGNAL)
			plan->scoped |= CX_LANDLOCK_SCOPE_SIGNAL;
	}
	return 0;
}

int landlock_plan_add_path(struct landlock_plan *plan, const char *path, uint64_t access,
			   bool optional)
{
	struct landlock_path_rule *rule;
	uint64_t masked;
	size_t len;
	char *copy;

	if (!plan || plan->abi < 1 || !path)
		return -EINVAL;
	len = strnlen(path, CX_MAX_PATH + 1);
	if (path[0] != '/' || len > CX_MAX_PATH)
		return -EINVAL;
	if (access == 0 || (access & ~landlock_fs_access_for_abi(LANDLOCK_ABI_MAX)))
		return -EINVAL;

	masked = access & plan->handled_fs;
	if (masked == 0)
		return 0; /* nothing this kernel can grant: already denied */
	if (plan->n_paths >= LANDLOCK_MAX_PATH_RULES)
		return -E2BIG;

	copy = strndup(path, len);
	if (!copy)
		return -ENOMEM;
	rule = &plan->paths[plan->n_paths++];
	*rule = (struct landlock_path_rule){.path = copy, .access = masked, .optional = optional};
	return 0;
}

int landlock_plan_add_port(struct landlock_plan *plan, uint16_t port, uint64_t access)
{
	if (!plan || plan->abi < 1 || !(plan->flags & LANDLOCK_PLAN_NET))
		return -EINVAL;
	if (access == 0 || (access & ~(uint64_t)(LANDLOCK_NET_BIND | LANDLOCK_NET_CONNECT)))
		return -EINVAL;
	if (plan->handled_net == 0)
		return 0; /* ABI < 4: the kernel cannot filter TCP at all */
	if (plan->n_ports >= LANDLOCK_MAX_PORT_RULES)
		return -E2BIG;
	plan->ports[plan->n_ports++] =
		(struct landlock_port_rule){.port = port, .access = access & plan->handled_net};
	return 0;
}

void landlock_plan_done(struct landlock_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_paths && i < LANDLOCK_MAX_PATH_RULES; i++) {
		free(plan->paths[i].path);
		plan->paths[i].path = NULL;
	}
	plan->n_paths = 0;
	plan->n_ports = 0;
}

static int close_keep_errno(int fd)
{
	int saved = errno;

	(void)close(fd);
	errno = saved;
	return -1;
}

/* Add one PATH_BENEATH rule; 0 also when the rule is skipped. */
static int add_path_rule(int ruleset_fd, const struct landlock_plan *plan,
			 const struct landlock_path_rule *rule)
{
	struct cx_landlock_path_beneath_attr attr;
	struct stat st;
	uint64_t access;
	int fd, r = 0;

	fd = open(rule->path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (rule->optional && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		return errno > 0 ? -errno : -EIO;
	}
	if (fstat(fd, &st) < 0) {
		r = errno > 0 ? -errno : -EIO;
		close_keep_errno(fd);
		return r;
	}

	/* Directory-only rights on a file make the kernel answer EINVAL. */
	access = rule->access & plan->handled_fs;
	if (!S_ISDIR(st.st_mode))
		access &= CX_LANDLOCK_ACCESS_FS_FILE;
	if (access != 0) {
		attr = (struct cx_landlock_path_beneath_attr){.allowed_access = access,
							      .parent_fd = fd};
		if (ll_add_rule(ruleset_fd, CX_LANDLOCK_RULE_PATH_BENEATH, &attr) < 0)
			r = errno > 0 ? -errno : -EIO;
	}
	close_keep_errno(fd);
	return r;
}

/*
 * Runs in the sandbox child, normally as root before the identity change,
 * on a plan the daemon built from its configuration and a validated
 * request.  It only removes access: a path rule can grant no more than the
 * Landlock domain would otherwise deny, and the client's own uid, the
 * mounts and the DAC checks still apply after the identity change.  The
 * O_PATH opens run with root's credentials but read nothing and leave no
 * descriptor behind.
 */
int landlock_apply(const struct landlock_plan *plan, bool log)
{
	struct cx_landlock_ruleset_attr attr;
	uint32_t restrict_flags = 0;
	int ruleset_fd, r = 0;

	if (!plan)
		return -EINVAL;
	if (plan->abi < 1)
		return -EOPNOTSUPP;
	if (plan->n_paths > LANDLOCK_MAX_PATH_RULES || plan->n_ports > LANDLOCK_MAX_PORT_RULES)
		return -EINVAL;

	attr = (struct cx_landlock_ruleset_attr){
		.handled_access_fs = plan->handled_fs,
		.handled_access_net = plan->abi >= 4 ? plan->handled_net : 0,
		.scoped = plan->abi >= 6 ? plan->scoped : 0,
	};
	ruleset_fd = (int)ll_create_ruleset(&attr, sizeof(attr), 0);
	if (ruleset_fd < 0)
		return errno > 0 ? -errno : -EIO;

	for (size_t i = 0; i < plan->n_paths; i++) {
		r = add_path_rule(ruleset_fd, plan, &plan->paths[i]);
		if (r < 0)
			goto out;
	}

	for (size_t i = 0; i < plan->n_ports && attr.handled_access_net; i++) {
		struct cx_landlock_net_port_attr np = {
			.allowed_access = plan->ports[i].access & attr.handled_access_net,
			.port = plan->ports[i].port,
		};

		if (np.allowed_access == 0)
			continue;
		if (ll_add_rule(ruleset_fd, CX_LANDLOCK_RULE_NET_PORT, &np) < 0) {
			r = errno > 0 ? -errno : -EIO;
			goto out;
		}
	}

	if (log && plan->abi >= 7)
		restrict_flags |= CX_LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON;

	if (ll_restrict_self(ruleset_fd, restrict_flags) < 0) {
		r = errno > 0 ? -errno : -EIO;
		/*
		 * Without CAP_SYS_ADMIN the kernel wants no_new_privs first.
		 * Set it only in that case (codexd, as root, never gets here).
		 */
		if (r == -EPERM && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				goto out;
			r = 0;
			if (ll_restrict_self(ruleset_fd, restrict_flags) < 0)
				r = errno > 0 ? -errno : -EIO;
		}
	}
out:
	close_keep_errno(ruleset_fd);
	return r;
}
