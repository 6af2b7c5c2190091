/* SPDX-License-Identifier: MIT */
/*
 * systemd service notifications (Type=notify): READY, STATUS, RELOADING
 * with MONOTONIC_USEC, STOPPING, and the watchdog keep-alive.  Harmless
 * no-ops without NOTIFY_SOCKET.
 *
 * Process: main.
 */
#ifndef CX_NOTIFY_H
#define CX_NOTIFY_H

#include "daemon/daemon.h"

void notify_ready(const char *status);
void notify_reloading(void);
void notify_stopping(void);
/* Start the watchdog timer if systemd asked for one (WATCHDOG_USEC). */
void notify_watchdog_start(struct daemon *d);
void notify_watchdog_stop(struct daemon *d);

#endif
