/* SPDX-License-Identifier: MIT */
/*
 * [network] allow_unix_sockets: which host Unix sockets a sandbox may
 * connect to (Codex's allow_unix_sockets list).
 *
 * Without the key in the managed configuration, host sockets are hidden
 * by the mounts (a replaced /run, masks of the well-known agent and
 * container sockets, /tmp sockets masked or a private /tmp); a socket
 * elsewhere that the user's permissions reach stays connectable.  With
 * the key (even an empty list), the seccomp supervisor brokers every
 * connect() to a pathname socket (daemon/supervisor.h): it succeeds only
 * for a socket bound inside this sandbox or one of the listed paths, which
 * PID 1 opened before the mounts and which is then reached through that
 * descriptor, so a listed socket works even where the mounts hide it.
 *
 * Users narrow, never widen: ~/.codex/config.toml and a trusted project's
 * [network] allow_unix_sockets keep only entries that the managed list
 * has (the others are ignored with a warning), and setting the key turns
 * the allowlist on even when the administrator did not.
 *
 * Process: main.
 */
#ifndef CX_UNIX_ALLOW_H
#define CX_UNIX_ALLOW_H

#include <stdbool.h>
#include <stddef.h>

struct daemon_config;
struct conf_doc;

/*
 * The effective list.  Returns 0 with *ret_on and *ret (strv, NULL when
 * off; free with strv_free), warnings appended; -EINVAL with a
 * "file:line: ..." err for a bad user entry; -ENOMEM.
 */
int unix_allow_build(const struct daemon_config *cfg, const struct conf_doc *user,
		     const struct conf_doc *project, bool *ret_on, char ***ret, char ***warnings,
		     char *err, size_t errsz);

#endif
