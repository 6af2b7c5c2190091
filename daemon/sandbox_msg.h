/* SPDX-License-Identifier: MIT */
/*
 * Records the sandbox's PID 1 writes to the daemon over the status pipe.
 * Every record has the same fixed size, well under PIPE_BUF, so each
 * write() is atomic and each read() of sizeof(struct sandbox_msg) returns
 * exactly one record.
 *
 * Order: STARTED or FAILED; then, once the command has ended, one DENIAL
 * per entry of PID 1's denial table (daemon/supervisor.h), then EXITED.
 *
 * Process: written by the sandbox child, read by main.
 */
#ifndef CX_SANDBOX_MSG_H
#define CX_SANDBOX_MSG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define SANDBOX_MSG_MAGIC 0x63786d31u /* "cxm1" */

enum sandbox_msg_type {
	SANDBOX_MSG_STARTED = 1, /* the command was exec'd */
	SANDBOX_MSG_FAILED,      /* setup failed at `stage` with `err` */
	SANDBOX_MSG_EXITED,      /* the command ended; status below */
	SANDBOX_MSG_DENIAL,      /* one refusal the sandbox made (before EXITED) */
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
	STAGE_NETWORK, /* the proxy's listeners in the sandbox's network namespace */
	STAGE_NAMESPACES, /* unshare() of the namespaces beyond PID (appended: numbers are stable) */
	_STAGE_MAX,
};

#define SANDBOX_EXIT_BASE 200

enum sandbox_exit_kind {
	SANDBOX_EXITED_CODE = 1,
	SANDBOX_EXITED_SIGNAL,
};

/* What a DENIAL record describes. */
enum sandbox_denial_kind {
	SANDBOX_DENIAL_SYSCALL = 1, /* a call the seccomp filter refuses (EPERM) */
	SANDBOX_DENIAL_FILE,        /* a file call (or a connect) the supervisor refused */
	_SANDBOX_DENIAL_KIND_MAX,
};

/* The operation of a FILE denial (names: sandbox_file_op_to_string()). */
enum sandbox_file_op {
	SANDBOX_FILE_OPEN = 1, /* open/openat/openat2/creat (for writing, or a deny-read path) */
	SANDBOX_FILE_MKDIR,
	SANDBOX_FILE_MKNOD,
	SANDBOX_FILE_SYMLINK,
	SANDBOX_FILE_LINK,
	SANDBOX_FILE_UNLINK,
	SANDBOX_FILE_RMDIR,
	SANDBOX_FILE_RENAME,
	SANDBOX_FILE_TRUNCATE,
	SANDBOX_FILE_CHMOD,
	SANDBOX_FILE_CHOWN,
	SANDBOX_FILE_UTIMES,
	SANDBOX_FILE_SETXATTR,
	SANDBOX_FILE_REMOVEXATTR,
	SANDBOX_FILE_EXEC,    /* execve/execveat of a deny-read path */
	SANDBOX_FILE_CONNECT, /* connect to a Unix socket the sandbox may not reach */
	SANDBOX_FILE_BIND,    /* bind of a Unix socket (decoding only, never refused) */
	_SANDBOX_FILE_OP_MAX,
};

/* Bytes of a FILE denial's path carried in the record (a longer one is cut). */
#define SANDBOX_DENIAL_PATH 256

/* sandbox_denial.flags */
#define SANDBOX_DENIAL_PATH_CUT 0x1u /* path holds the first SANDBOX_DENIAL_PATH bytes */
#define SANDBOX_DENIAL_READ 0x2u     /* refused by [sandbox] deny_read, not by a write check */

struct sandbox_denial {
	uint32_t kind;     /* enum sandbox_denial_kind */
	uint32_t arch;     /* AUDIT_ARCH_* of the call */
	int32_t nr;        /* system call number */
	uint32_t count;    /* times seen; saturates at UINT32_MAX */
	int32_t pid;       /* the first caller, in the sandbox's PID namespace */
	int32_t err;       /* FILE: positive errno the call was answered with */
	uint32_t op;       /* FILE: enum sandbox_file_op */
	uint32_t flags;    /* SANDBOX_DENIAL_* */
	uint64_t arg;      /* SYSCALL: the argument that decided (see supervisor.h), else 0 */
	uint32_t path_len; /* FILE: bytes used in path (no NUL) */
	uint32_t pad;
	char path[SANDBOX_DENIAL_PATH]; /* FILE: absolute path in the sandbox's view */
};

/* EXITED: sandbox_msg.denial_flags, why the DENIAL records may be incomplete. */
#define SANDBOX_DENIALS_UNSUPERVISED 0x1u /* no seccomp listener: refusals not observed */
#define SANDBOX_DENIALS_OVERFLOW 0x2u     /* a table was full: distinct refusals dropped */
#define SANDBOX_DENIALS_UNCHECKED 0x4u    /* a file call could not be checked (path unreadable) */

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
	uint32_t denial_flags;        /* EXITED: SANDBOX_DENIALS_* */
	uint32_t pad2;
	struct sandbox_denial denial; /* DENIAL */
};

_Static_assert(sizeof(struct sandbox_msg) < PIPE_BUF, "a status record must be written atomically");

const char *sandbox_stage_to_string(enum sandbox_stage s);

/* "open", "mkdir" ... for enum sandbox_file_op, or NULL.  Process: any. */
const char *sandbox_file_op_to_string(uint32_t op);

/*
 * Check a DENIAL record from PID 1 before using it (the daemon trusts PID 1
 * but not blindly): known kind, FILE fields in range, path_len within the
 * buffer and no NUL in the path.  Returns 0 or -EBADMSG.  Process: any.
 */
int sandbox_denial_check(const struct sandbox_denial *d);

#endif
