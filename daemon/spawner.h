/* SPDX-License-Identifier: MIT */
/*
 * The spawner: a small process, codexd executed afresh as
 * `codexd --spawner`, that clones every sandbox's PID 1 for the daemon.
 *
 * Why a separate image rather than clone3() in the daemon:
 *  - it never held the daemon's heap (clients' requests, the audit key,
 *    configuration): PID 1 and the command are copies of a process of a
 *    few hundred KiB, not of the daemon, and take no copy-on-write faults
 *    on the daemon's pages afterwards;
 *  - it is executed, so it runs natively when the daemon itself runs
 *    under valgrind (which does not follow execve, and has no seccomp,
 *    Landlock or clone3): the kernel features are probed and used here,
 *    and the daemon can be checked under valgrind for the whole test
 *    suite (tests/integration/README.valgrind).
 *
 * The daemon sends a struct sandbox_spec flattened by daemon/spawn_wire.h
 * with the descriptors it names (SCM_RIGHTS) over a stream socket at
 * fd 3, and waits for the answer: an errno or PID 1's pid, with its pidfd
 * and the read end of its status pipe.  PID 1 is cloned with CLONE_PARENT,
 * so it is the daemon's child exactly as before: the daemon waits for it
 * through the pidfd and gets its exit status; the spawner keeps nothing.
 * The spawner is single-threaded and serves one request at a time; it
 * dies with the daemon (parent-death signal, end of file on its socket).
 * If it dies first, the daemon starts another at the next exec.
 *
 * Process: main (client side), spawner (spawner_main).
 */
#ifndef CX_SPAWNER_H
#define CX_SPAWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/probe.h"
#include "daemon/spawn.h"

struct spawner {
	pid_t pid;      /* 0: not running */
	int pidfd;      /* -1 when not running */
	int sock;       /* blocking stream socket to it, or -1 */
	int self_exe;   /* O_PATH of the codexd binary, opened at start-up */
	/* What the spawner found at its start (the kernel as it is, natively). */
	struct probe_features features;
	int seccomp_api; /* libseccomp's API level there */
	unsigned starts; /* how many were started (1 when none died) */
};

/* Open the binary (before anything can replace it); no process yet. */
int spawner_init(struct spawner *s);
/*
 * Start the spawner and read its hello (features).  Returns 0 or -errno
 * (the spawner could not be executed or said nothing within 10 s).
 */
int spawner_start(struct spawner *s);
/* Kill and reap it (if running); a later spawner_spawn() starts another. */
void spawner_stop(struct spawner *s);
/* spawner_stop() and close the binary. */
void spawner_done(struct spawner *s);
/* Reap the spawner if it has exited (its pidfd became readable); true if it had. */
bool spawner_reap(struct spawner *s);

/*
 * spawn_sandbox() through the spawner (started again first if it is not
 * running).  The descriptors in spec stay the caller's.  Returns 0 with
 * *ret filled (pid is the daemon's child), or -errno.
 */
int spawner_spawn(struct spawner *s, const struct sandbox_spec *spec, uint64_t clone_flags,
		  int cgroup_fd, struct spawn_result *ret);

/* `codexd --spawner`: fd 3 is the socket to the daemon.  Returns the exit status. */
int spawner_main(void);

#endif
