/* SPDX-License-Identifier: MIT */
/*
 * Sandbox modes and network modes (SECURITY.md, CODEX-MODEL.md §2), with
 * their fixed protocol/configuration spellings.
 *
 * Pure; process: any.
 */
#ifndef CX_MODES_H
#define CX_MODES_H

enum sandbox_mode {
	SANDBOX_READ_ONLY,
	SANDBOX_WORKSPACE_WRITE,
	SANDBOX_DANGER_FULL_ACCESS,
	_SANDBOX_MODE_MAX,
};

enum net_mode {
	NET_OFF,
	NET_PROXY,
	NET_FULL,
	_NET_MODE_MAX,
};

enum stdio_mode {
	STDIO_PIPE,
	STDIO_FDS,
	_STDIO_MODE_MAX,
};

/* NULL-terminated name tables, indexed by the enums (for jd_decode JD_ENUM). */
extern const char *const sandbox_mode_names[_SANDBOX_MODE_MAX + 1];
extern const char *const net_mode_names[_NET_MODE_MAX + 1];
extern const char *const stdio_mode_names[_STDIO_MODE_MAX + 1];

const char *sandbox_mode_to_string(enum sandbox_mode m);
/* -EINVAL for unknown names. */
int sandbox_mode_from_string(const char *s, enum sandbox_mode *ret);
const char *net_mode_to_string(enum net_mode m);
int net_mode_from_string(const char *s, enum net_mode *ret);

#endif
