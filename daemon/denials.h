/* SPDX-License-Identifier: MIT */
/*
 * The "denials" of exec/exited: the DENIAL records a sandbox's PID 1 sent
 * (daemon/sandbox_msg.h), named and turned into JSON objects:
 *
 *   {"kind": "syscall", "syscall": "ptrace", "count": 2, "pid": 7}
 *   {"kind": "network", "syscall": "socket", "family": "AF_INET", ...}
 *   {"kind": "syscall", "syscall": "ioctl", "request": "TIOCSTI", ...}
 *   {"kind": "file", "operation": "open", "syscall": "openat",
 *    "path": "/etc/x", "error": "EROFS", "count": 1, "pid": 2}
 *
 * The records come from PID 1, which runs as the user: they are checked
 * (sandbox_denial_check()) before use and every string put in JSON is
 * valid UTF-8 (invalid bytes of a path become U+FFFD).
 *
 * Process: main (allocates).
 */
#ifndef CX_DENIALS_H
#define CX_DENIALS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/sandbox_msg.h"

/* "AF_INET" ... for an address family, or NULL. */
const char *denials_family_name(uint64_t family);

/* "TIOCSTI", "TIOCLINUX" for the refused ioctl requests, or NULL. */
const char *denials_ioctl_name(uint64_t request);

/* "EROFS", "EACCES" ... for a positive errno, or NULL. */
const char *denials_errno_name(int err);

/*
 * Write clone flags as "CLONE_NEWUSER|CLONE_NEWNS" (unknown bits in hex)
 * into buf; "0" for none.  Returns buf.
 */
const char *denials_clone_flags(uint64_t flags, char *buf, size_t size);

/* One record as a JSON object, or NULL (allocation failure). */
json_t *denials_entry_json(const struct sandbox_denial *d);

/*
 * The array of the n records, stopped before the serialised entries would
 * exceed budget bytes; *ret_cut is set when some were left out.  Returns
 * NULL only on allocation failure.
 */
json_t *denials_to_json(const struct sandbox_denial *d, size_t n, size_t budget, bool *ret_cut);

#endif
