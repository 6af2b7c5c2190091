/* SPDX-License-Identifier: MIT */
/*
 * The [audit], [otel] and [sessions] sections of codexd.conf
 * (codexd.conf(5)), read from the configuration document that
 * daemon/conf.c loaded and validated whole with it, so a reload that gets
 * any of them wrong keeps the previous configuration.  The HMAC key is
 * read here too (from [audit] hmac_key_file or the systemd credential
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
#include <stdio.h>

struct conf_doc;
struct json_t;

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
};

/* True for the sections this module owns (daemon/conf.c leaves them to it). */
bool audit_conf_section(const char *section);

/*
 * Defaults, then every entry of the owned sections of doc (in order, later
 * wins).  Unknown keys and bad values: -EINVAL with "file:line: why".
 * Returns 0 with *ret (free with audit_conf_free()).
 */
int audit_conf_load(const struct conf_doc *doc, struct audit_config **ret, char *err,
		    size_t errsz);

void audit_conf_free(struct audit_config *c);

/* Values into the config/show "values" object; redact hides header values. */
void audit_conf_to_json(const struct audit_config *c, struct json_t *values, bool redact);

/* Every key, as conf_list_keys() prints them (codexd --list-config-keys). */
int audit_conf_list_keys(FILE *f);

const char *audit_fsync_to_string(enum audit_fsync f);
const char *audit_on_failure_to_string(enum audit_on_failure f);

#endif
