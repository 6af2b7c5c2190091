/* SPDX-License-Identifier: MIT */
/*
 * PID 1 of a sandbox: builds the sandbox in the fixed order of STYLE.md
 * (namespaces -> mounts -> Landlock -> uid/gid/groups -> capabilities ->
 * no_new_privs -> seccomp -> execve), starts the command as its only child,
 * forwards signals to the command's process group, reaps every orphan, and
 * reports the command's status to the daemon before exiting.  Its exit
 * tears down the PID namespace, which kills every process the command left
 * behind (setsid and double-fork included).
 *
 * Process: sandbox child only.  Everything it reads was prepared by the
 * daemon before clone3(); it makes system calls only (no malloc, no stdio,
 * no locks).
 */
#ifndef CX_SANDBOX_INIT_H
#define CX_SANDBOX_INIT_H

#include <linux/filter.h>
#include <stdint.h>

#include "common/macro.h"
#include "daemon/landlock.h"
#include "daemon/mounts.h"
#include "daemon/privdrop.h"

struct sandbox_spec {
	char *const *argv;
	const char *program; /* execve() this path; NULL: execvpe(argv[0]) (PATH search) */
	char *const *envp;
	const char *cwd;
	struct privdrop priv;
	int stdio[3];      /* become the command's 0, 1, 2 */
	int status_fd;     /* write end of the status pipe (struct sandbox_msg) */
	int lifeline_fd;   /* read end of the daemon's lifeline pipe */
	/*
	 * With wait_go, go_fd is the read end of a pipe PID 1 reads one byte
	 * from before it starts the command: the daemon writes it once the
	 * exec.start audit record is durable ([audit] fsync = "always"), so
	 * the sandbox is built while the record is synced but the command
	 * never runs before its record is on disk.  End of file (the daemon
	 * refused or went away): PID 1 exits without starting it.
	 */
	bool wait_go;
	int go_fd;
	int carrier_signal; /* real-time signal carrying a signal number to forward */
	const struct mount_plan *mounts; /* NULL: the host's filesystem view (danger-full-access) */
	const char *hostname;            /* set in a new UTS namespace, or NULL */
	const struct landlock_plan *landlock;  /* applied after the mounts, or NULL */
	const struct sock_fprog *seccomp;      /* installed by the command last, or NULL */
	int cgroup_procs[3];   /* v1 cgroup.procs to join first (-1: none) */
	/*
	 * CLONE_NEW* flags PID 1 unshares itself right after joining its
	 * cgroups (daemon/spawn.c clones with CLONE_NEWPID only): building a
	 * network namespace costs about as much as everything else together,
	 * and done here it runs in the sandbox's process, in parallel with
	 * other sandboxes, instead of serially in the daemon's one thread.
	 */
	uint64_t unshare_flags;
	/*
	 * With have_netns, netns_fd is a network namespace made ahead of
	 * demand by the spawner (daemon/spawner.h): new, never entered by
	 * anything else, and entered here instead of unsharing one (the
	 * biggest kernel cost of a sandbox, paid while nothing waits for it).
	 * Set by the spawner only, never sent by the daemon.
	 */
	bool have_netns;
	int netns_fd;
	int tty_sock;          /* tty mode: socket for the pty master, else -1 */
	/*
	 * Proxied network: PID 1 brings up loopback in the new network
	 * namespace, creates the proxy's listening sockets there (before
	 * Landlock, which would refuse the binds) and sends them on this
	 * socket (proxy_proto.h order); else -1.
	 */
	int net_sock;
	/*
	 * danger-full-access with a proxied network (no mount plan): PID 1
	 * binds the DNS stub's resolv.conf in a mount namespace of its own
	 * (daemon/resolv_stub.h; unshare_flags has CLONE_NEWNS).
	 */
	bool resolv_stub;
	unsigned short tty_rows, tty_cols;
	/* Resource limits set before the command starts (lowering never fails). */
	uint64_t rlimit_fsize; /* 0: unchanged */
	uint64_t rlimit_nofile;
	uint64_t rlimit_nofile_soft; /* without rlimit_nofile: lower the soft limit to this (0: no) */
	bool no_core;
	/*
	 * The notify (or notify+fs) variant of seccomp, or NULL.  When set, the
	 * command installs it with a listener and hands the listener to PID 1,
	 * which supervises it (daemon/supervisor.h) and reports the refusals;
	 * if that cannot be set up the command installs seccomp instead.
	 */
	const struct sock_fprog *seccomp_notify;
	bool seccomp_notify_fs; /* seccomp_notify notifies write-intent file calls too */
	/*
	 * What the supervisor enforces beyond reporting ([sandbox] deny_read,
	 * tmp = "host"), or NULL.  When its features are not 0, seccomp_notify
	 * notifies them and must be installed with its listener handed to PID 1:
	 * there is no falling back to the plain program, which would drop
	 * the checks (the command does not start instead).
	 */
	const struct supervisor_rules *supervise;
};

_noreturn_ void sandbox_init_run(const struct sandbox_spec *spec);

#endif
