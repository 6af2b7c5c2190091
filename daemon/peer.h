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
/* The same for the peer of a connected socket (SO_PEERPIDFD, else /proc). */
uint64_t peer_pidns_ino(int sock, pid_t pid);

#endif
