/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/probe.h"

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_CREATE_RULESET_ERRATA
#define LANDLOCK_CREATE_RULESET_ERRATA (1U << 1)
#endif

static bool ns_available(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	return access(path, F_OK) == 0;
}

static bool file_contains(const char *path, const char *word)
{
	char buf[512];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, word) != NULL;
}

void probe_features(struct probe_features *f)
{
	struct utsname u;
	long r;

	*f = (struct probe_features){ 0 };

	r = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	f->landlock_abi = r > 0 ? (int)r : 0;
	if (f->landlock_abi > 0) {
		r = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_ERRATA);
		f->landlock_errata = r > 0 ? (int)r : 0;
	}

	/* prctl(PR_GET_SECCOMP) works whenever CONFIG_SECCOMP is built in. */
	f->seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
		     syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0,
			     &(unsigned){ SECCOMP_RET_ERRNO }) == 0;
	f->seccomp_notify = f->seccomp && syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0,
						  &(unsigned){ SECCOMP_RET_USER_NOTIF }) == 0;

	r = syscall(SYS_pidfd_open, getpid(), 0);
	f->pidfd = r >= 0;
	if (r >= 0)
		close((int)r);
	/* clone3 with an invalid size fails with EINVAL when it exists, ENOSYS when not. */
	r = syscall(SYS_clone3, NULL, 0);
	f->clone3 = !(r < 0 && errno == ENOSYS);

	/* Closing one impossible descriptor number: 0 where close_range exists. */
	f->close_range = syscall(SYS_close_range, ~0U, ~0U, 0) == 0;

	f->ns_mount = ns_available("mnt");
	f->ns_pid = ns_available("pid");
	f->ns_net = ns_available("net");
	f->ns_ipc = ns_available("ipc");
	f->ns_uts = ns_available("uts");
	f->ns_cgroup = ns_available("cgroup");
	f->ns_user = ns_available("user");

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
		snprintf(f->cgroup, sizeof(f->cgroup), "v2");
		f->cgroup_v2_controllers =
			file_contains("/sys/fs/cgroup/cgroup.controllers", "memory") &&
			file_contains("/sys/fs/cgroup/cgroup.controllers", "pids");
	} else if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0) {
		snprintf(f->cgroup, sizeof(f->cgroup), "hybrid");
		f->cgroup_v2_controllers =
			file_contains("/sys/fs/cgroup/unified/cgroup.controllers", "memory") &&
			file_contains("/sys/fs/cgroup/unified/cgroup.controllers", "pids");
	} else if (access("/sys/fs/cgroup/memory", F_OK) == 0)
		snprintf(f->cgroup, sizeof(f->cgroup), "v1");
	else
		snprintf(f->cgroup, sizeof(f->cgroup), "none");

	if (uname(&u) == 0)
		snprintf(f->kernel, sizeof(f->kernel), "%s", u.release);
}

json_t *probe_features_to_json(const struct probe_features *f)
{
	return json_pack("{s:s, s:i, s:i, s:b, s:b, s:b, s:b, s:{s:b, s:b, s:b, s:b, s:b, s:b, s:b},"
			 " s:s, s:b}",
			 "kernel", f->kernel, "landlock_abi", f->landlock_abi, "landlock_errata",
			 f->landlock_errata, "seccomp", f->seccomp, "seccomp_notify",
			 f->seccomp_notify, "pidfd", f->pidfd, "clone3", f->clone3, "namespaces",
			 "mount", f->ns_mount, "pid", f->ns_pid, "net", f->ns_net, "ipc", f->ns_ipc,
			 "uts", f->ns_uts, "cgroup", f->ns_cgroup, "user", f->ns_user, "cgroup",
			 f->cgroup, "cgroup_v2_controllers", f->cgroup_v2_controllers);
}
