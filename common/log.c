/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "common/log.h"

static const char *log_progname = "codexd";
static enum log_style log_style = LOG_STYLE_PLAIN;
static enum log_level log_max_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {
	[LOG_LEVEL_ERR] = "err",   [LOG_LEVEL_WARNING] = "warning", [LOG_LEVEL_NOTICE] = "notice",
	[LOG_LEVEL_INFO] = "info", [LOG_LEVEL_DEBUG] = "debug",
};

void log_setup(const char *progname, enum log_style style, enum log_level max_level)
{
	log_progname = progname;
	log_style = style;
	log_max_level = max_level;
	if (style == LOG_STYLE_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_max_level(enum log_level level)
{
	log_max_level = level;
}

enum log_level log_get_max_level(void)
{
	return log_max_level;
}

int log_level_from_string(const char *s, enum log_level *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (level_names[i] && strcasecmp(s, level_names[i]) == 0) {
			*ret = (enum log_level)i;
			return 0;
		}
	if (strcasecmp(s, "error") == 0) {
		*ret = LOG_LEVEL_ERR;
		return 0;
	}
	return -EINVAL;
}

const char *log_level_to_string(enum log_level level)
{
	if ((size_t)level < ARRAY_SIZE(level_names) && level_names[level])
		return level_names[level];
	return "unknown";
}

void log_msgv(enum log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	int saved = errno;

	if (level > log_max_level)
		return;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_style == LOG_STYLE_SYSLOG)
		syslog((int)level, "%s", line);
	else if (log_style == LOG_STYLE_DAEMON)
		fprintf(stderr, "<%d>%s\n", (int)level, line);
	else
		fprintf(stderr, "%s: %s\n", log_progname, line);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_msgv(level, fmt, ap);
	va_end(ap);
}

int log_errno(enum log_level level, int err, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	if (level > log_max_level)
		return err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(level, "%s: %s", msg, strerror(err < 0 ? -err : err));
	return err;
}

char *log_quote(char *buf, size_t bufsz, const char *s, size_t len, size_t max_in)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (bufsz == 0)
		return buf;
	if (!s) {
		snprintf(buf, bufsz, "(null)");
		return buf;
	}
#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (o + 1 >= bufsz)                                                                \
			goto out;                                                                  \
		buf[o++] = (c);                                                            \
	} while (0)
	PUT('"');
	for (i = 0; i < len && i < max_in; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			if (o + 5 >= bufsz)
				goto out;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else
			PUT((char)c);
	}
	PUT('"');
	if (i < len) {
		PUT('.');
		PUT('.');
		PUT('.');
	}
#undef PUT
out:
	buf[o] = '\0';
	return buf;
}

const char *log_q(const char *s)
{
	static __thread char buf[4 * 64 + 8];

	return log_quote(buf, sizeof(buf), s, s ? strlen(s) : 0, 64);
}
