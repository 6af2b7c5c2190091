/* SPDX-License-Identifier: MIT */
/*
 * Giving freed heap memory back to the system once the daemon is quiet.
 *
 * A burst of clients (hundreds of connections, their frames and output
 * buffers) leaves glibc's heap with megabytes of free chunks that it keeps:
 * the top of the heap is pinned by whatever long-lived allocation came
 * last, so free() alone does not shrink it.  After a burst, when no
 * request arrived and no output was relayed for one interval, the daemon
 * calls malloc_trim(0) once, so its resident memory returns to its
 * starting level (make stress checks it).
 *
 * Process: main.
 */
#ifndef CX_MEMTRIM_H
#define CX_MEMTRIM_H

#include "daemon/daemon.h"

#define MEMTRIM_INTERVAL_MS 1000

/* Start the idle check (a timer that does not keep the loop alive). */
void memtrim_start(struct daemon *d);
/* Close the timer; safe to call twice and without a start. */
void memtrim_stop(struct daemon *d);
/* Trims done so far (daemon/status could show it; tests read the log). */
uint64_t memtrim_count(void);

#endif
