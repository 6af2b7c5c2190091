/* SPDX-License-Identifier: MIT */
/*
 * The control socket: inherited from systemd (LISTEN_FDS) or bound by
 * codexd itself (mode 0660, group of the member role, and POSIX ACL entries
 * so the viewer and admin groups can connect too), then accepted from the
 * loop with per-uid and global connection limits.
 *
 * Process: main.
 */
#ifndef CX_LISTEN_H
#define CX_LISTEN_H

#include <stddef.h>

#include "daemon/daemon.h"

/* Set up d->listener.  Returns 0 or -errno with err filled. */
int listen_setup(struct daemon *d, char *err, size_t errsz);
/* Apply owner group, mode and ACL to the socket path from the current config. */
int listen_apply_permissions(struct daemon *d);
/* Stop accepting (shutdown); unlinks the path only if codexd bound it. */
void listen_stop(struct daemon *d);

#endif
