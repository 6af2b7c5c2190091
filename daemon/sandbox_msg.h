/* SPDX-License-Identifier: MIT */
/*
 * Records the sandbox's PID 1 writes to the daemon over the status pipe.
 * Fixed size, well under PIPE_BUF, so each write() is atomic.
 *
 * Process: written by the sandbox child, read by main.
 */
#ifndef CX_SANDBOX_MSG_H
#define CX_SANDBOX_MSG_H

#include <stdint.h>

#define SANDBOX_MSG_MAGIC 0x63786d31u /* "cxm1" */

enum sandbox_msg_type {
	SANDBOX_MSG_STARTED = 1, /* the command was exec'd */
	SANDBOX_MSG_FAILED,      /* setup failed at `stage` with `err` */
	SANDBOX_MSG_EXITED,      /* the command ended; status below */
};

/*
 * Every step of building a sandbox has a stage number: a failure is
 * reported (and audited) with it, and PID 1 exits with
 * SANDBOX_EXIT_BASE + stage when it cannot even report.
 */
enum sandbox_stage {
	STAGE_NONE,
	STAGE_SIGNALS,
	STAGE_CGROUP,
	STAGE_RLIMITS,
	STAGE_SESSION,
	STAGE_PDEATHSIG,
	STAGE_LIFELINE,
	STAGE_MOUNTS,
	STAGE_LANDLOCK,
	STAGE_SECUREBITS,
	STAGE_BOUNDING_SET,
	STAGE_GROUPS,
	STAGE_GID,
	STAGE_UID,
	STAGE_CAPS,
	STAGE_CAPS_VERIFY,
	STAGE_NO_NEW_PRIVS,
	STAGE_FORK,
	STAGE_STDIO,
	STAGE_CHDIR,
	STAGE_SECCOMP,
	STAGE_EXEC,
	_STAGE_MAX,
};

#define SANDBOX_EXIT_BASE 200

enum sandbox_exit_kind {
	SANDBOX_EXITED_CODE = 1,
	SANDBOX_EXITED_SIGNAL,
};

struct sandbox_msg {
	uint32_t magic;
	uint32_t type;  /* enum sandbox_msg_type */
	int32_t stage;  /* FAILED */
	int32_t err;    /* FAILED: positive errno */
	int32_t kind;   /* EXITED: enum sandbox_exit_kind */
	int32_t status; /* exit code or signal number */
	int32_t core_dumped;
	int32_t detail;       /* FAILED at STAGE_MOUNTS: enum mounts_what */
	int32_t detail_index; /* which root / mask / deny path, or -1 */
	int32_t detail_name;  /* which protected name, or -1 */
	int32_t pad;
	uint64_t utime_usec; /* EXITED: every process PID 1 reaped */
	uint64_t stime_usec;
	uint64_t maxrss_kib;
};

const char *sandbox_stage_to_string(enum sandbox_stage s);

#endif
