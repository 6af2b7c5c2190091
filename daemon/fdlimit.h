/* SPDX-License-Identifier: MIT */
/*
 * The daemon's descriptor limit.  systemd starts services with a soft
 * RLIMIT_NOFILE of 1024 and a high hard limit, and asks daemons that need
 * more to raise the soft limit themselves and to give their children the
 * original one back (systemd.exec(5), LimitNOFILE=): programs using
 * select(2) break above 1024.  codexd holds several descriptors per client
 * and per command, so it raises its soft limit to the hard one at start-up,
 * and each command starts with the soft limit codexd was started with.
 *
 * Process: main (fdlimit_raise at start-up, fdlimit_commands_soft any time).
 */
#ifndef CX_FDLIMIT_H
#define CX_FDLIMIT_H

#include <stdint.h>

/* Raise the soft limit to the hard limit.  Returns 0 or -errno (nothing changed). */
int fdlimit_raise(void);

/* The soft limit to give commands back, or 0 when fdlimit_raise() changed nothing. */
uint64_t fdlimit_commands_soft(void);

#endif
