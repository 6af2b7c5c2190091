/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/strv.h"
#include "daemon/audit_conf.h"

const char *const audit_fsync_names[] = { "always", "batch", "none", NULL };
const char *const audit_on_failure_names[] = { "refuse", "continue", NULL };
const char *const otel_exporter_names[] = { "none", "otlp-http", NULL };

const char *audit_fsync_to_string(enum audit_fsync f)
{
	return (unsigned)f < _AUDIT_FSYNC_MAX ? audit_fsync_names[f] : "unknown";
}

const char *audit_on_failure_to_string(enum audit_on_failure f)
{
	return (unsigned)f < _AUDIT_ON_FAILURE_MAX ? audit_on_failure_names[f] : "unknown";
}

struct audit_config *audit_conf_new(void)
{
	struct audit_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
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
	c->sessions_idle_timeout_ms = 24 * 3600 * 1000;
	return c;
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

bool audit_conf_text_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 256)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

bool audit_conf_header_ok(const char *h)
{
	const char *colon = strchr(h, ':');

	if (!colon || colon == h || strlen(h) > 4096)
		return false;
	for (const char *p = h; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	for (const char *p = h; p < colon; p++)
		if (!(strchr("!#$%&'*+-.^_`|~", *p) || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return true;
}

bool audit_conf_endpoint_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 2048 || strchr(s, ' '))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
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

int audit_conf_finish(struct audit_config *c, char *err, size_t errsz)
{
	const char *cred;

	if (c->otel_exporter == OTEL_EXPORTER_OTLP_HTTP && !c->otel_endpoint) {
		snprintf(err, errsz, "[otel] exporter = \"otlp-http\" needs an endpoint");
		return -EINVAL;
	}
	if (c->hmac_key_file)
		return load_key(c, c->hmac_key_file, false, err, errsz);
	cred = getenv("CREDENTIALS_DIRECTORY");
	if (cred && cred[0] == '/') {
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/audit-key", cred) < 0)
			return -ENOMEM;
		return access(p, F_OK) == 0 ? load_key(c, p, true, err, errsz) : 0;
	}
	return 0;
}
