/* SPDX-License-Identifier: MIT */
/*
 * Who is on the other end of a connection, from the kernel only:
 * SO_PEERCRED (uid, gid, pid at connect time) and SO_PEERGROUPS
 * (supplementary groups).  Nothing a client says is ever used as identity.
 *
 * Process: main.
 */
#ifndef CX_PEER_H
#define CX_PEER_H

#include <stdint.h>

#include "daemon/daemon.h"

/* Returns 0 with *ret filled (release with peer_done()), or -errno. */
int peer_read(int fd, struct peer *ret);
void peer_done(struct peer *p);

/*
 * Inode of the PID namespace of the process behind pidfd (0 if unknown).
 * Used to recognise sandboxed processes: each sandbox has its own.
 */
uint64_t pidfd_pidns_ino(int pidfd);
/*
 * The peer's PID namespace and every ancestor of it (NS_GET_PARENT), as
 * inodes, innermost first: a process in a namespace nested inside a
 * sandbox's is recognised too.  Returns how many were stored (<= max).
 */
size_t peer_pidns_chain(int sock, pid_t pid, uint64_t *inos, size_t max);

#endif
