/* SPDX-License-Identifier: MIT */
/*
 * Logging for the daemon and the client.  Messages go to stderr with a
 * "<N>" syslog priority prefix that journald parses when codexd runs under
 * systemd (PLATFORM.md §1.2); the client prints plain "codexctl: ..." lines.
 *
 * Rules (STYLE.md): log once, where the failure is handled; common/ and
 * policy/ never log above debug; user-controlled strings go through
 * log_quote() (escaped and cut short), never into a format string.
 *
 * Process: any, except sandbox children after clone (no stdio there).
 */
#ifndef CX_LOG_H
#define CX_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include "common/macro.h"

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

enum log_style {
	LOG_STYLE_DAEMON,  /* "<6>message" (journald-friendly) */
	LOG_STYLE_PLAIN,   /* "progname: message" */
	LOG_STYLE_SYSLOG,  /* syslog(3), facility daemon (a backgrounded codexd) */
};

void log_setup(const char *progname, enum log_style style, enum log_level max_level);
void log_set_max_level(enum log_level level);
enum log_level log_get_max_level(void);
/* Parses "err", "warning", "notice", "info", "debug"; -EINVAL otherwise. */
int log_level_from_string(const char *s, enum log_level *ret);
const char *log_level_to_string(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) _printf_(2, 3);
void log_msgv(enum log_level level, const char *fmt, va_list ap) _printf_(2, 0);

/* Log and return err (a -errno), so "return log_error_errno(r, ...)" reads well. */
int log_errno(enum log_level level, int err, const char *fmt, ...) _printf_(3, 4);

#define log_error(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_get_max_level() >= LOG_LEVEL_DEBUG)                                        \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                                     \
	} while (0)
#define log_error_errno(err, ...) log_errno(LOG_LEVEL_ERR, (err), __VA_ARGS__)
#define log_warning_errno(err, ...) log_errno(LOG_LEVEL_WARNING, (err), __VA_ARGS__)
#define log_debug_errno(err, ...) log_errno(LOG_LEVEL_DEBUG, (err), __VA_ARGS__)

/*
 * Quote an untrusted string for a log line: wrapped in double quotes,
 * control characters, quotes, backslashes and non-ASCII bytes escaped as
 * \xNN, cut to at most max_in input bytes with "..." appended.  Writes into
 * buf (always NUL-terminated) and returns buf.  A buffer of
 * 4 * max_in + 8 bytes is always enough.
 */
char *log_quote(char *buf, size_t bufsz, const char *s, size_t len, size_t max_in);

/* Convenience: quote a NUL-terminated string into a thread-local static buffer
 * (at most 64 input bytes).  Two calls in one statement need log_quote(). */
const char *log_q(const char *s);

#endif
