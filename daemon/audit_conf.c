/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/conf_reader.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/path_util.h"
#include "common/strv.h"
#include "daemon/audit_conf.h"

enum akind {
	AK_BOOL,
	AK_U32,
	AK_U64,
	AK_I64,
	AK_PATH,
	AK_STRING, /* printable, no control characters */
	AK_FSYNC,
	AK_ON_FAILURE,
	AK_EXPORTER,
	AK_ENDPOINT,
	AK_HEADERS,
};

struct akey {
	const char *section, *key;
	enum akind kind;
	size_t offset;
	int64_t min, max;
};

#define AOFF(f) offsetof(struct audit_config, f)

static const struct akey akeys[] = {
	{ "audit", "enabled", AK_BOOL, AOFF(enabled) },
	{ "audit", "on_failure", AK_ON_FAILURE, AOFF(on_failure) },
	{ "audit", "fsync", AK_FSYNC, AOFF(fsync) },
	{ "audit", "fsync_interval_ms", AK_U32, AOFF(fsync_interval_ms), 10, 3600 * 1000 },
	{ "audit", "max_file_size", AK_U64, AOFF(max_file_bytes), 4096,
	  (int64_t)1024 * 1024 * 1024 * 1024 },
	{ "audit", "max_files", AK_U32, AOFF(max_files), 0, 100000 },
	{ "audit", "pending_max_bytes", AK_U32, AOFF(pending_max_bytes), 64 * 1024,
	  256 * 1024 * 1024 },
	{ "audit", "append_only", AK_BOOL, AOFF(append_only) },
	{ "audit", "journald", AK_BOOL, AOFF(journald) },
	{ "audit", "syslog", AK_BOOL, AOFF(syslog) },
	{ "audit", "hmac_key_file", AK_PATH, AOFF(hmac_key_file) },
	{ "otel", "exporter", AK_EXPORTER, AOFF(otel_exporter) },
	{ "otel", "endpoint", AK_ENDPOINT, AOFF(otel_endpoint) },
	{ "otel", "headers", AK_HEADERS, AOFF(otel_headers) },
	{ "otel", "environment", AK_STRING, AOFF(otel_environment) },
	{ "otel", "log_command_args", AK_BOOL, AOFF(otel_log_command_args) },
	{ "otel", "queue_max", AK_U32, AOFF(otel_queue_max), 16, 1000000 },
	{ "otel", "batch_max", AK_U32, AOFF(otel_batch_max), 1, 10000 },
	{ "otel", "interval_ms", AK_U32, AOFF(otel_interval_ms), 10, 600000 },
	{ "otel", "timeout_ms", AK_U32, AOFF(otel_timeout_ms), 100, 600000 },
	{ "sessions", "max_sessions", AK_U32, AOFF(sessions_max), 1, 65536 },
	{ "sessions", "max_sessions_per_uid", AK_U32, AOFF(sessions_max_per_uid), 1, 65536 },
	{ "sessions", "secrets_dir", AK_PATH, AOFF(secrets_dir) },
	{ "sessions", "setup_network", AK_BOOL, AOFF(setup_network) },
	{ "sessions", "setup_timeout_ms", AK_I64, AOFF(setup_timeout_ms), 100,
	  24 * 3600 * 1000 },
};

static const char *const fsync_names[_AUDIT_FSYNC_MAX] = { "always", "batch", "none" };
static const char *const on_failure_names[_AUDIT_ON_FAILURE_MAX] = { "refuse", "continue" };
static const char *const exporter_names[_OTEL_EXPORTER_MAX] = { "none", "otlp-http" };

const char *audit_fsync_to_string(enum audit_fsync f)
{
	return (unsigned)f < _AUDIT_FSYNC_MAX ? fsync_names[f] : "unknown";
}

const char *audit_on_failure_to_string(enum audit_on_failure f)
{
	return (unsigned)f < _AUDIT_ON_FAILURE_MAX ? on_failure_names[f] : "unknown";
}

bool audit_conf_section(const char *section)
{
	return strcmp(section, "audit") == 0 || strcmp(section, "otel") == 0 ||
	       strcmp(section, "sessions") == 0;
}

void audit_conf_free(struct audit_config *c)
{
	if (!c)
		return;
	free(c->hmac_key_file);
	if (c->key) {
		sodium_memzero(c->key, c->key_len);
		free(c->key);
	}
	free(c->key_source);
	free(c->otel_endpoint);
	strv_free(c->otel_headers);
	free(c->otel_environment);
	free(c->secrets_dir);
	free(c);
}

static bool printable(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* An HTTP header "Name: value": a token, a colon, a value without CR/LF. */
static bool header_ok(const char *h)
{
	const char *colon = strchr(h, ':');

	if (!colon || colon == h || !printable(h, 4096))
		return false;
	for (const char *p = h; p < colon; p++)
		if (!(strchr("!#$%&'*+-.^_`|~", *p) || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return true;
}

static bool endpoint_ok(const char *s)
{
	if (!printable(s, 2048) || strchr(s, ' '))
		return false;
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static int pick(const char *s, const char *const *names, size_t n, int *ret)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*ret = (int)i;
			return 0;
		}
	return -EINVAL;
}

static int set_akey(struct audit_config *c, const struct akey *k, const struct conf_entry *e,
		    char *err, size_t errsz)
{
	void *dst = (char *)c + k->offset;
	const char *s;
	int64_t i;
	int r, v;

	switch (k->kind) {
	case AK_BOOL:
		return conf_entry_get_bool(e, (bool *)dst, err, errsz);
	case AK_U32:
	case AK_U64:
	case AK_I64:
		r = conf_entry_get_int(e, k->min, k->max, &i, err, errsz);
		if (r < 0)
			return r;
		if (k->kind == AK_U32)
			*(uint32_t *)dst = (uint32_t)i;
		else if (k->kind == AK_U64)
			*(uint64_t *)dst = (uint64_t)i;
		else
			*(int64_t *)dst = i;
		return 0;
	case AK_HEADERS: {
		char **hv = NULL;
		r = conf_entry_get_strv(e, &hv, err, errsz);
		if (r < 0)
			return r;
		if (strv_length(hv) > AUDIT_MAX_HEADERS) {
			snprintf(err, errsz, "%s:%u: headers: at most %d", e->file, e->line,
				 AUDIT_MAX_HEADERS);
			strv_free(hv);
			return -EINVAL;
		}
		for (char **p = hv; *p; p++)
			if (!header_ok(*p)) {
				snprintf(err, errsz,
					 "%s:%u: headers: each entry must be \"Name: value\" without "
					 "control characters",
					 e->file, e->line);
				strv_free(hv);
				return -EINVAL;
			}
		strv_free(*(char ***)dst);
		*(char ***)dst = hv;
		return 0;
	}
	default:
		break;
	}
	r = conf_entry_get_string(e, &s, err, errsz);
	if (r < 0)
		return r;
	switch (k->kind) {
	case AK_PATH:
	case AK_STRING:
	case AK_ENDPOINT: {
		char *dup;
		if (k->kind == AK_PATH && !path_is_absolute_normalized(s)) {
			snprintf(err, errsz, "%s:%u: %s must be an absolute, normalised path", e->file,
				 e->line, k->key);
			return -EINVAL;
		}
		if (k->kind == AK_STRING && !printable(s, 256)) {
			snprintf(err, errsz, "%s:%u: %s must be 1 to 256 printable characters",
				 e->file, e->line, k->key);
			return -EINVAL;
		}
		if (k->kind == AK_ENDPOINT && !endpoint_ok(s)) {
			snprintf(err, errsz, "%s:%u: endpoint must be an http:// or https:// URL",
				 e->file, e->line);
			return -EINVAL;
		}
		dup = strdup(s);
		if (!dup)
			return -ENOMEM;
		free(*(char **)dst);
		*(char **)dst = dup;
		return 0;
	}
	case AK_FSYNC:
		r = pick(s, fsync_names, _AUDIT_FSYNC_MAX, &v);
		break;
	case AK_ON_FAILURE:
		r = pick(s, on_failure_names, _AUDIT_ON_FAILURE_MAX, &v);
		break;
	case AK_EXPORTER:
		r = pick(s, exporter_names, _OTEL_EXPORTER_MAX, &v);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0) {
		snprintf(err, errsz, "%s:%u: %s: invalid value %s (%s)", e->file, e->line, k->key,
			 log_q(s),
			 k->kind == AK_FSYNC	    ? "always, batch or none"
			 : k->kind == AK_ON_FAILURE ? "refuse or continue"
						    : "none or otlp-http");
		return -EINVAL;
	}
	*(int *)dst = v;
	return 0;
}

/*
 * The HMAC key: a root-owned regular file nobody else can read or write
 * (the key is what makes records unforgeable), at least AUDIT_KEY_MIN
 * bytes.  Opened with O_NOFOLLOW: the path is the administrator's, but a
 * symbolic link swapped in would make us read something else as root.
 */
static int load_key(struct audit_config *c, const char *path, bool credential, char *err,
		    size_t errsz)
{
	_cleanup_close_ int fd = -1;
	unsigned char buf[AUDIT_KEY_MAX + 1];
	struct stat st;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errsz, "[audit] HMAC key %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "[audit] HMAC key %s: not a regular file", path);
		return -EINVAL;
	}
	/* systemd's credentials directory is the service's own (read-only, 0400). */
	if (st.st_uid != 0 || (!credential && (st.st_mode & 077))) {
		snprintf(err, errsz,
			 "[audit] HMAC key %s must be owned by root and not accessible to group "
			 "or others (mode 0600 or 0400)",
			 path);
		return -EINVAL;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		snprintf(err, errsz, "[audit] HMAC key %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	/* A trailing newline from `echo` or an editor is not part of the key. */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n < AUDIT_KEY_MIN || n > AUDIT_KEY_MAX) {
		sodium_memzero(buf, sizeof(buf));
		snprintf(err, errsz, "[audit] HMAC key %s: must hold %d to %d bytes", path,
			 AUDIT_KEY_MIN, AUDIT_KEY_MAX);
		return -EINVAL;
	}
	c->key = malloc((size_t)n);
	c->key_source = strdup(path);
	if (!c->key || !c->key_source) {
		sodium_memzero(buf, sizeof(buf));
		return -ENOMEM;
	}
	memcpy(c->key, buf, (size_t)n);
	c->key_len = (size_t)n;
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

int audit_conf_load(const struct conf_doc *doc, struct audit_config **ret, char *err,
		    size_t errsz)
{
	struct audit_config *c = calloc(1, sizeof(*c));
	size_t n = doc ? conf_doc_n_entries(doc) : 0;
	const char *cred;
	int r;

	if (!c)
		return -ENOMEM;
	c->enabled = true;
	c->on_failure = AUDIT_ON_FAILURE_REFUSE;
	c->fsync = AUDIT_FSYNC_ALWAYS;
	c->fsync_interval_ms = 1000;
	c->max_file_bytes = 64ull * 1024 * 1024;
	c->max_files = 10;
	c->pending_max_bytes = 4 * 1024 * 1024;
	c->append_only = true;
	c->otel_exporter = OTEL_EXPORTER_NONE;
	c->otel_queue_max = 4096;
	c->otel_batch_max = 128;
	c->otel_interval_ms = 1000;
	c->otel_timeout_ms = 5000;
	c->sessions_max = 1024;
	c->sessions_max_per_uid = 32;
	c->setup_timeout_ms = 600000;
	c->setup_network = true;

	for (size_t i = 0; i < n; i++) {
		const struct conf_entry *e = conf_doc_entry(doc, i);
		size_t k;

		if (!audit_conf_section(e->section))
			continue;
		for (k = 0; k < ARRAY_SIZE(akeys); k++)
			if (strcmp(akeys[k].section, e->section) == 0 &&
			    strcmp(akeys[k].key, e->key) == 0)
				break;
		if (k == ARRAY_SIZE(akeys)) {
			snprintf(err, errsz, "%s:%u: unknown key %s in [%s]", e->file, e->line,
				 log_q(e->key), e->section);
			r = -EINVAL;
			goto fail;
		}
		r = set_akey(c, &akeys[k], e, err, errsz);
		if (r < 0)
			goto fail;
	}
	if (c->otel_exporter == OTEL_EXPORTER_OTLP_HTTP && !c->otel_endpoint) {
		snprintf(err, errsz, "[otel] exporter = \"otlp-http\" needs an endpoint");
		r = -EINVAL;
		goto fail;
	}
	if (c->hmac_key_file)
		r = load_key(c, c->hmac_key_file, false, err, errsz);
	else if ((cred = getenv("CREDENTIALS_DIRECTORY")) && cred[0] == '/') {
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/audit-key", cred) < 0) {
			r = -ENOMEM;
			goto fail;
		}
		r = access(p, F_OK) == 0 ? load_key(c, p, true, err, errsz) : 0;
	} else
		r = 0;
	if (r < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	if (r == -ENOMEM && !err[0])
		snprintf(err, errsz, "out of memory");
	audit_conf_free(c);
	return r;
}

static json_t *akey_json(const struct audit_config *c, const struct akey *k, bool redact)
{
	const void *src = (const char *)c + k->offset;

	switch (k->kind) {
	case AK_BOOL:
		return json_boolean(*(const bool *)src);
	case AK_U32:
		return json_integer(*(const uint32_t *)src);
	case AK_U64:
		return json_integer((json_int_t) * (const uint64_t *)src);
	case AK_I64:
		return json_integer(*(const int64_t *)src);
	case AK_PATH:
	case AK_STRING:
	case AK_ENDPOINT:
		return *(char *const *)src ? json_string(*(char *const *)src) : json_null();
	case AK_FSYNC:
		return json_string(audit_fsync_to_string(*(const int *)src));
	case AK_ON_FAILURE:
		return json_string(audit_on_failure_to_string(*(const int *)src));
	case AK_EXPORTER:
		return json_string(exporter_names[*(const int *)src]);
	case AK_HEADERS: {
		json_t *a = json_array();
		for (char **p = *(char **const *)src; a && p && *p; p++) {
			if (redact) {
				/* Header values carry API keys: names only. */
				const char *colon = strchr(*p, ':');
				_cleanup_free_ char *name =
					strndup(*p, colon ? (size_t)(colon - *p) : strlen(*p));
				_cleanup_free_ char *s = NULL;
				if (name && asprintf(&s, "%s: (redacted)", name) >= 0)
					json_array_append_new(a, json_string(s));
			} else
				json_array_append_new(a, json_string(*p));
		}
		return a;
	}
	}
	return json_null();
}

static const char *akey_type(const struct akey *k)
{
	switch (k->kind) {
	case AK_BOOL:
		return "boolean";
	case AK_U32:
	case AK_U64:
	case AK_I64:
		return "integer";
	case AK_PATH:
		return "path";
	case AK_STRING:
		return "string";
	case AK_FSYNC:
		return "always|batch|none";
	case AK_ON_FAILURE:
		return "refuse|continue";
	case AK_EXPORTER:
		return "none|otlp-http";
	case AK_ENDPOINT:
		return "URL";
	case AK_HEADERS:
		return "array of headers";
	}
	return "?";
}

int audit_conf_list_keys(FILE *f)
{
	struct audit_config *c = NULL;
	char err[256] = "";
	const char *cred = getenv("CREDENTIALS_DIRECTORY");
	int r;

	/* The built-in defaults: no credential directory may add a key. */
	if (cred)
		unsetenv("CREDENTIALS_DIRECTORY");
	r = audit_conf_load(NULL, &c, err, sizeof(err));
	if (r < 0)
		return r;
	for (size_t k = 0; k < ARRAY_SIZE(akeys); k++) {
		json_t *v = akey_json(c, &akeys[k], false);
		_cleanup_free_ char *dflt = v && !json_is_null(v)
						    ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)
						    : NULL;
		json_decref(v);
		fprintf(f, "%s\t%s\t%s\t%s\tmanaged\n", akeys[k].section, akeys[k].key,
			akey_type(&akeys[k]), dflt ? dflt : "-");
	}
	audit_conf_free(c);
	return ferror(f) ? -EIO : 0;
}

void audit_conf_to_json(const struct audit_config *c, json_t *values, bool redact)
{
	if (!c || !values)
		return;
	for (size_t k = 0; k < ARRAY_SIZE(akeys); k++) {
		json_t *s = json_object_get(values, akeys[k].section);
		if (!s) {
			s = json_object();
			if (!s || json_object_set_new(values, akeys[k].section, s) < 0)
				return;
		}
		json_object_set_new(s, akeys[k].key, akey_json(c, &akeys[k], redact));
	}
}
