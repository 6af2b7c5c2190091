/* SPDX-License-Identifier: MIT */
/*
 * danger-full-access with network "proxy": the sandbox keeps the host's
 * filesystem view but has its own network namespace, where the only
 * resolver is the proxy's DNS stub.  PID 1 (in a mount namespace of its
 * own, made a slave of the host's so nothing propagates back) binds a
 * read-only resolv.conf naming the stub over /etc/resolv.conf (or the
 * file its symlink names), as mounts.c does for the sandboxed modes.
 *
 * Process: sandbox child only (system calls, no allocation).
 */
#ifndef CX_RESOLV_STUB_H
#define CX_RESOLV_STUB_H

/* The resolv.conf text of every proxied sandbox. */
#define RESOLV_STUB_TEXT                                                                   \
	"# codexd: the DNS stub of the network proxy\n"                                    \
	"nameserver 127.0.0.1\n"

/*
 * In a fresh mount namespace, as root: 0, or -errno.  Mounts a 4 KiB
 * tmpfs over /tmp for a moment to write the file in, clones the file's
 * mount and takes the tmpfs away again before binding the clone.
 */
int resolv_stub_bind(void);

#endif
