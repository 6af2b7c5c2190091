/* SPDX-License-Identifier: MIT */
/*
 * Kernel features the sandbox relies on, probed once at start-up and
 * reported by hello, daemon/status and --check-config.
 *
 * Process: main.
 */
#ifndef CX_PROBE_H
#define CX_PROBE_H

#include <jansson.h>
#include <stdbool.h>

struct probe_features {
	int landlock_abi;       /* 0 when Landlock is unavailable */
	int landlock_errata;
	bool seccomp;           /* SECCOMP_MODE_FILTER usable */
	bool seccomp_notify;    /* SECCOMP_RET_USER_NOTIF */
	bool pidfd;             /* pidfd_open / CLONE_PIDFD */
	bool clone3;
	bool close_range;
	bool ns_mount, ns_pid, ns_net, ns_ipc, ns_uts, ns_cgroup, ns_user;
	char cgroup[16];        /* "v2", "hybrid", "v1", "none" */
	bool cgroup_v2_controllers; /* memory/pids usable in the v2 hierarchy */
	char kernel[65];
};

void probe_features(struct probe_features *ret);
/* New JSON object describing f (for hello / daemon/status). */
json_t *probe_features_to_json(const struct probe_features *f);

#endif
