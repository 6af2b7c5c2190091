/* SPDX-License-Identifier: MIT */
/*
 * The [audit], [otel] and [sessions] sections of codexd.conf
 * (codexd.conf(5)).  daemon/conf.c reads their keys with its own key
 * table (one reader, one error format), so a reload that gets any of
 * them wrong keeps the previous configuration; this file holds the
 * defaults, the value rules and the HMAC key, which is read here (from [audit] hmac_key_file or the systemd credential
 * $CREDENTIALS_DIRECTORY/audit-key), so a missing or badly protected key
 * fails the load, not the first record.
 *
 * Process: main.
 */
#ifndef CX_AUDIT_CONF_H
#define CX_AUDIT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum audit_fsync {
	AUDIT_FSYNC_ALWAYS, /* a command starts once its record is on disk (group commit) */
	AUDIT_FSYNC_BATCH,  /* written before the command starts, synced every interval */
	AUDIT_FSYNC_NONE,   /* written before the command starts, synced by the kernel */
	_AUDIT_FSYNC_MAX,
};

enum audit_on_failure {
	AUDIT_ON_FAILURE_REFUSE,   /* no new command while the log cannot be written */
	AUDIT_ON_FAILURE_CONTINUE, /* run anyway, with a warning (records kept in memory) */
	_AUDIT_ON_FAILURE_MAX,
};

enum otel_exporter {
	OTEL_EXPORTER_NONE,
	OTEL_EXPORTER_OTLP_HTTP,
	_OTEL_EXPORTER_MAX,
};

#define AUDIT_KEY_MIN 16   /* bytes of an HMAC key */
#define AUDIT_KEY_MAX 1024
#define AUDIT_MAX_HEADERS 16

struct audit_config {
	/* [audit] */
	bool enabled;
	enum audit_on_failure on_failure;
	enum audit_fsync fsync;
	uint32_t fsync_interval_ms;
	uint64_t max_file_bytes; /* rotate past this size */
	uint32_t max_files;      /* rotated files kept (0: all) */
	uint32_t pending_max_bytes; /* records held in memory while the log cannot be written */
	bool append_only;        /* FS_APPEND_FL on the log where the file system has it */
	bool journald, syslog;   /* live copies */
	char *hmac_key_file;     /* NULL: $CREDENTIALS_DIRECTORY/audit-key if present */
	unsigned char *key;      /* the HMAC key (NULL: no HMAC) */
	size_t key_len;
	char *key_source;        /* where the key came from (for status) */

	/* [otel] */
	enum otel_exporter otel_exporter;
	char *otel_endpoint;
	char **otel_headers; /* "Name: value" */
	char *otel_environment;
	bool otel_log_command_args;
	uint32_t otel_queue_max;
	uint32_t otel_batch_max;
	uint32_t otel_interval_ms;
	uint32_t otel_timeout_ms;

	/* [sessions] */
	uint32_t sessions_max;
	uint32_t sessions_max_per_uid;
	char *secrets_dir;       /* USER.env files of NAME=VALUE lines, root-only */
	bool setup_network;      /* a session's setup phase has full network */
	int64_t setup_timeout_ms;
	int64_t sessions_idle_timeout_ms; /* a session idle this long ends (0: never) */
};

/* A new configuration holding the built-in defaults (NULL: out of memory). */
struct audit_config *audit_conf_new(void);

/*
 * After daemon/conf.c set the keys: the checks that span keys ([otel]
 * exporter needs an endpoint) and the HMAC key.  -EINVAL with err.
 */
int audit_conf_finish(struct audit_config *c, char *err, size_t errsz);

void audit_conf_free(struct audit_config *c);

/* Value rules of the keys daemon/conf.c reads into this struct. */
bool audit_conf_text_ok(const char *s);     /* 1 to 256 printable characters */
bool audit_conf_header_ok(const char *h);   /* "Name: value", no control characters */
bool audit_conf_endpoint_ok(const char *s); /* an http:// or https:// URL */

/* Value names of the enumerations, indexed by value, NULL-terminated. */
extern const char *const audit_fsync_names[];
extern const char *const audit_on_failure_names[];
extern const char *const otel_exporter_names[];

const char *audit_fsync_to_string(enum audit_fsync f);
const char *audit_on_failure_to_string(enum audit_on_failure f);

#endif
