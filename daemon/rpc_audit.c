/* SPDX-License-Identifier: MIT */
/*
 * audit/query, audit/export, audit/verify (codexd-protocol(7) "AUDIT").
 *
 * Trust: the files read are the daemon's own log and its rotated
 * predecessors in the log's directory (root's; names matched exactly),
 * never a path from the request.  A member gets only records whose uid
 * is their own; the filters are applied after that, so no filter widens
 * it.  The log is read in slices from an idle handle (a few thousand
 * lines per loop turn), so a large log never stalls other clients;
 * replies are bounded (limit, and about 1 MiB) and paged with after_seq.
 *
 * Process: main.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/jdecode.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/protocol.h"
#include "common/strv.h"
#include "daemon/audit.h"
#include "daemon/audit_fmt.h"
#include "daemon/audit_verify.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"

#define SCAN_LINES_PER_TICK 4096
#define SCAN_MAX_LINE (AUDIT_MAX_RECORD * 4)
#define REPLY_BUDGET (1024 * 1024)
#define QUERY_LIMIT_DEFAULT 1000
#define QUERY_LIMIT_MAX 10000
#define SCANS_MAX 32 /* audit requests being served at once */
#define SCANS_MAX_PER_UID 4

enum scan_kind { SCAN_QUERY, SCAN_EXPORT, SCAN_VERIFY };

struct query_params {
	char *since, *until, *user, *session, *type, *format;
	int64_t uid, after_seq;
	uint32_t limit;
	int64_t from_seq; /* audit/verify */
};

struct scan {
	struct list_node node; /* scans */
	struct daemon *d;
	uint64_t conn_serial;
	struct rpc_id id;
	enum scan_kind kind;
	struct query_params q;
	bool has_uid;
	bool own_only;
	uid_t caller;
	enum audit_format format;

	char **files;
	size_t n_files, cur;
	size_t skipped; /* files left out before the first one read */
	int fd;
	char *buf;
	size_t buf_len, buf_off;
	bool eof;
	char *line;
	size_t line_len, line_cap;
	bool line_too_long;
	uint64_t lineno;

	json_t *records;
	FILE *out;
	char *out_buf;
	size_t out_len;
	uint64_t count, scanned;
	bool truncated;
	int64_t last_seq;
	struct audit_verifier v;
	unsigned char *key;
	size_t key_len;
	int64_t expect_last;

	uv_idle_t idle;
};

/* The scans being served (main loop only): a bound on what clients can start. */
static struct list_node scans = { &scans, &scans };
static unsigned n_scans;

static void on_scan_closed(uv_handle_t *h)
{
	struct scan *s = h->data;

	list_del(&s->node);
	n_scans--;

	if (s->fd >= 0)
		close(s->fd);
	strv_free(s->files);
	free(s->buf);
	free(s->line);
	json_decref(s->records);
	if (s->out)
		fclose(s->out);
	free(s->out_buf);
	if (s->key) {
		memset(s->key, 0, s->key_len);
		free(s->key);
	}
	free(s->q.since);
	free(s->q.until);
	free(s->q.user);
	free(s->q.session);
	free(s->q.type);
	free(s->q.format);
	free(s);
}

static void scan_end(struct scan *s)
{
	uv_idle_stop(&s->idle);
	uv_close((uv_handle_t *)&s->idle, on_scan_closed);
}

static struct conn *scan_conn(struct scan *s)
{
	struct list_node *pos;

	for (pos = s->d->conns.next; pos != &s->d->conns; pos = pos->next) {
		struct conn *c = list_entry(pos, struct conn, node);
		if (c->serial == s->conn_serial)
			return c->dead ? NULL : c;
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The log's files, oldest first: NAME.<16 digits>..., then NAME. */
static int list_files(const char *path, char ***ret)
{
	_cleanup_free_ char *dir = strdup(path);
	const char *base = strrchr(path, '/') + 1;
	size_t bl = strlen(base);
	char **v = NULL;
	DIR *dd;
	struct dirent *de;
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	dd = opendir(dir);
	if (!dd)
		return negative_errno();
	while ((de = readdir(dd))) {
		const char *n = de->d_name;
		bool ok = strncmp(n, base, bl) == 0 && n[bl] == '.' && strlen(n + bl + 1) == 16;
		for (size_t i = 0; ok && i < 16; i++)
			ok = n[bl + 1 + i] >= '0' && n[bl + 1 + i] <= '9';
		if (ok) {
			char *p;
			if (asprintf(&p, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, n) < 0 ||
			    strv_push(&v, p) < 0) {
				closedir(dd);
				strv_free(v);
				return -ENOMEM;
			}
		}
	}
	closedir(dd);
	if (v)
		qsort(v, strv_length(v), sizeof(*v), cmp_str);
	if (strv_extend(&v, path) < 0) {
		strv_free(v);
		return -ENOMEM;
	}
	*ret = v;
	return 0;
}

/* Next line of the current file: 1 with s->line, 0 at the end of all files, <0 error. */
static int next_line(struct scan *s)
{
	s->line_len = 0; /* the previous line was consumed */
	for (;;) {
		if (s->fd < 0) {
			if (s->cur >= s->n_files)
				return 0;
			s->fd = open(s->files[s->cur], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			if (s->fd < 0) {
				if (errno == ENOENT) { /* rotated away meanwhile */
					s->cur++;
					continue;
				}
				return negative_errno();
			}
			s->lineno = 0;
			s->eof = false;
			s->buf_len = s->buf_off = 0;
			s->line_len = 0;
		}
		while (s->buf_off < s->buf_len) {
			char *nl = memchr(s->buf + s->buf_off, '\n', s->buf_len - s->buf_off);
			size_t n = nl ? (size_t)(nl - (s->buf + s->buf_off)) : s->buf_len - s->buf_off;

			if (!s->line_too_long) {
				if (s->line_len + n > SCAN_MAX_LINE)
					s->line_too_long = true;
				else {
					if (s->line_len + n + 1 > s->line_cap) {
						size_t cap = MAX(s->line_cap * 2, s->line_len + n + 1);
						char *p = realloc(s->line, cap);
						if (!p)
							return -ENOMEM;
						s->line = p;
						s->line_cap = cap;
					}
					memcpy(s->line + s->line_len, s->buf + s->buf_off, n);
					s->line_len += n;
				}
			}
			s->buf_off += n + (nl ? 1 : 0);
			if (nl) {
				s->lineno++;
				if (s->line_too_long) {
					/* Keep a stub: verify calls it malformed, query skips it. */
					s->line_len = 0;
					s->line_too_long = false;
				}
				s->line[s->line_len] = '\0';
				return 1;
			}
		}
		if (!s->eof) {
			ssize_t n = read(s->fd, s->buf, 64 * 1024);
			if (n < 0)
				return negative_errno();
			if (n == 0)
				s->eof = true;
			s->buf_len = (size_t)n;
			s->buf_off = 0;
			continue;
		}
		/* End of this file: a last line without newline still counts. */
		if (s->line_len > 0) {
			s->lineno++;
			s->line[s->line_len] = '\0';
			close(s->fd);
			s->fd = -1;
			s->cur++;
			return 1;
		}
		close(s->fd);
		s->fd = -1;
		s->cur++;
	}
}

static const char *file_name(const struct scan *s)
{
	const char *p = s->files[MIN(s->cur, s->n_files - 1)];
	return strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
}

static bool matches(struct scan *s, json_t *rec)
{
	json_t *v;
	const char *t, *ev;

	v = json_object_get(rec, "uid");
	if (s->own_only && (!json_is_integer(v) || json_integer_value(v) != (json_int_t)s->caller))
		return false;
	if (s->has_uid && (!json_is_integer(v) || json_integer_value(v) != s->q.uid))
		return false;
	if (s->q.user && (!json_is_string(json_object_get(rec, "user")) ||
			  strcmp(json_string_value(json_object_get(rec, "user")), s->q.user) != 0))
		return false;
	if (s->q.session &&
	    (!json_is_string(json_object_get(rec, "session")) ||
	     strcmp(json_string_value(json_object_get(rec, "session")), s->q.session) != 0))
		return false;
	ev = json_string_value(json_object_get(rec, "event"));
	if (s->q.type) {
		size_t n = strlen(s->q.type);
		/* "exec" matches exec.*, "exec.start" only itself. */
		if (!ev || !(strcmp(ev, s->q.type) == 0 ||
			     (strncmp(ev, s->q.type, n) == 0 && ev[n] == '.')))
			return false;
	}
	t = json_string_value(json_object_get(rec, "time"));
	if (s->q.since && (!t || strcmp(t, s->q.since) < 0))
		return false;
	if (s->q.until && (!t || strcmp(t, s->q.until) >= 0))
		return false;
	return true;
}

static void scan_reply(struct scan *s)
{
	struct conn *c = scan_conn(s);
	json_t *res;

	if (!c)
		return;
	if (s->kind == SCAN_VERIFY) {
		audit_verifier_end(&s->v, s->expect_last);
		res = audit_verifier_result(&s->v);
		if (res) {
			json_t *files = json_array();
			for (size_t i = s->skipped; files && i < s->n_files; i++)
				json_array_append_new(files, json_string(strrchr(s->files[i], '/') + 1));
			json_object_set_new(res, "files", files);
		}
		if (s->v.failed)
			log_warning("audit verify (uid %u): %s", (unsigned)c->peer.uid, s->v.message);
	} else if (s->kind == SCAN_QUERY) {
		res = json_pack("{s:O, s:I, s:b}", "records", s->records, "count",
				(json_int_t)s->count, "truncated", s->truncated);
	} else {
		fflush(s->out);
		res = json_pack("{s:s, s:s, s:s%, s:I, s:b}", "format",
				audit_format_to_string(s->format), "header",
				audit_fmt_header(s->format), "data", s->out_buf ? s->out_buf : "",
				s->out_len, "count", (json_int_t)s->count, "truncated", s->truncated);
	}
	if (res && s->kind != SCAN_VERIFY && s->truncated)
		json_object_set_new(res, "next_after_seq", json_integer(s->last_seq));
	conn_reply_result(c, &s->id, res);
}

static void scan_fail(struct scan *s, int r)
{
	struct conn *c = scan_conn(s);

	log_warning_errno(r, "audit scan of %s failed", s->files[MIN(s->cur, s->n_files - 1)]);
	if (c)
		conn_reply_error(c, &s->id, CX_ERR_AUDIT_UNAVAILABLE, CX_REASON_AUDIT_UNAVAILABLE,
				 NULL, "the audit log cannot be read: %s", strerror(-r));
}

static void on_idle(uv_idle_t *h)
{
	struct scan *s = h->data;
	int r = 0;

	if (!scan_conn(s)) {
		scan_end(s); /* the client left */
		return;
	}
	for (unsigned i = 0; i < SCAN_LINES_PER_TICK; i++) {
		json_t *rec;
		json_error_t jerr;

		r = next_line(s);
		if (r <= 0)
			break;
		s->scanned++;
		if (s->kind == SCAN_VERIFY) {
			if (audit_verifier_line(&s->v, file_name(s), s->lineno, s->line,
						s->line_len) > 0) {
				r = 0;
				break;
			}
			continue;
		}
		rec = json_loadb(s->line, s->line_len, JSON_REJECT_DUPLICATES, &jerr);
		if (!rec || !json_is_object(rec)) {
			json_decref(rec);
			continue;
		}
		{
			json_t *sq = json_object_get(rec, "seq");
			int64_t seq = json_is_integer(sq) ? json_integer_value(sq) : 0;
			if (seq <= s->q.after_seq || !matches(s, rec)) {
				json_decref(rec);
				continue;
			}
			if (s->count >= s->q.limit ||
			    (s->kind == SCAN_QUERY ? s->out_len : (size_t)ftell(s->out)) >=
				    REPLY_BUDGET) {
				s->truncated = true;
				json_decref(rec);
				r = 0;
				break;
			}
			if (s->kind == SCAN_QUERY) {
				json_array_append(s->records, rec);
				s->out_len += s->line_len;
			} else if (audit_fmt_record(s->out, s->format, rec, s->line, s->line_len) < 0) {
				json_decref(rec);
				r = -EIO;
				break;
			}
			s->count++;
			s->last_seq = seq;
		}
		json_decref(rec);
	}
	if (r > 0)
		return; /* more next turn */
	if (r < 0)
		scan_fail(s, r);
	else
		scan_reply(s);
	scan_end(s);
}

enum { Q_SINCE, Q_UNTIL, Q_USER, Q_UID, Q_SESSION, Q_TYPE, Q_AFTER, Q_LIMIT, Q_FORMAT };

static const struct jd_field query_fields[] = {
	[Q_SINCE] = { "since", JD_STRING, offsetof(struct query_params, since), JD_NONEMPTY, 0, 40 },
	[Q_UNTIL] = { "until", JD_STRING, offsetof(struct query_params, until), JD_NONEMPTY, 0, 40 },
	[Q_USER] = { "user", JD_STRING, offsetof(struct query_params, user), JD_NONEMPTY, 0, 64 },
	[Q_UID] = { "uid", JD_INT64, offsetof(struct query_params, uid), 0, 0, 4294967294LL },
	[Q_SESSION] = { "session", JD_STRING, offsetof(struct query_params, session), JD_NONEMPTY,
			0, 128 },
	[Q_TYPE] = { "type", JD_STRING, offsetof(struct query_params, type), JD_NONEMPTY, 0, 64 },
	[Q_AFTER] = { "after_seq", JD_INT64, offsetof(struct query_params, after_seq), 0, 0,
		      INT64_MAX },
	[Q_LIMIT] = { "limit", JD_UINT32, offsetof(struct query_params, limit), 0, 1,
		      QUERY_LIMIT_MAX },
	[Q_FORMAT] = { "format", JD_STRING, offsetof(struct query_params, format), JD_NONEMPTY, 0,
		       16 },
};

/*
 * Where a log file starts: a rotated file's name says it; the current
 * file's first record does ({"seq":N,...).  0 when unknown.
 */
static int64_t file_first_seq(const char *path, bool current)
{
	char buf[32];
	int64_t n = 0;
	ssize_t len;
	int fd;

	if (!current)
		return atoll(strrchr(path, '.') + 1);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf));
	close(fd);
	if (len < 9 || memcmp(buf, "{\"seq\":", 7) != 0)
		return 0;
	for (ssize_t i = 7; i < len && i < 7 + 18 && buf[i] >= '0' && buf[i] <= '9'; i++)
		n = n * 10 + (buf[i] - '0');
	return n;
}

static const struct jd_field verify_fields[] = {
	{ "from_seq", JD_INT64, offsetof(struct query_params, from_seq), 0, 1, INT64_MAX },
};

/*
 * A time bound: "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", normalised to the
 * records' own form (microseconds) so that comparing strings compares
 * times.
 */
static int norm_time(char **t)
{
	char *s = *t, *n = NULL;
	size_t len = strlen(s);
	int y, mo, da, h, mi, se;
	unsigned us = 0;
	char z = 0;

	if (len == 20 && sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &da, &h, &mi, &se, &z) == 7 &&
	    z == 'Z')
		us = 0;
	else if (len > 21 && len <= 27 && s[19] == '.' && s[len - 1] == 'Z' &&
		 sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6u", &y, &mo, &da, &h, &mi, &se, &us) == 7) {
		for (size_t i = len - 1; i < 26; i++)
			us *= 10; /* ".5Z" is half a second */
	} else
		return -EINVAL;
	if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 60 || y < 1970)
		return -EINVAL;
	if (asprintf(&n, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", y, mo, da, h, mi, se, us) < 0)
		return -ENOMEM;
	free(s);
	*t = n;
	return 0;
}

static int start_scan(struct request *req, enum scan_kind kind)
{
	struct conn *c = req->conn;
	struct daemon *d = c->d;
	struct scan *s;
	uint64_t present = 0;
	char err[256];
	int r;

	if (!d->audit)
		return conn_reply_error(c, &req->id, CX_ERR_AUDIT_UNAVAILABLE,
					CX_REASON_AUDIT_UNAVAILABLE, NULL,
					"the audit log is disabled ([audit] enabled = false)");
	{
		unsigned mine = 0;
		struct list_node *pos;
		for (pos = scans.next; pos != &scans; pos = pos->next)
			if (list_entry(pos, struct scan, node)->caller == c->peer.uid)
				mine++;
		if (n_scans >= SCANS_MAX || mine >= SCANS_MAX_PER_UID)
			return conn_reply_error(c, &req->id, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
						"too many audit requests at once (limit %u per user, "
						"%u in all)",
						SCANS_MAX_PER_UID, SCANS_MAX);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->d = d;
	s->kind = kind;
	s->conn_serial = c->serial;
	s->id = req->id;
	s->caller = c->peer.uid;
	s->own_only = c->role < ROLE_ADMIN;
	if (kind == SCAN_VERIFY) {
		r = jd_decode(req->params, "params", verify_fields, ARRAY_SIZE(verify_fields), &s->q,
			      NULL, err, sizeof(err));
		if (r < 0) {
			free(s);
			return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
		}
	} else {
		r = jd_decode(req->params, "params", query_fields, ARRAY_SIZE(query_fields), &s->q,
			      &present, err, sizeof(err));
		if (r < 0) {
			free(s);
			return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
		}
		s->has_uid = JD_PRESENT(present, Q_UID);
		if (!s->q.limit)
			s->q.limit = QUERY_LIMIT_DEFAULT;
		if ((s->q.since && norm_time(&s->q.since) < 0) ||
		    (s->q.until && norm_time(&s->q.until) < 0)) {
			r = rpc_reply_invalid_params(
				req, "params.since/until: must be UTC times YYYY-MM-DDTHH:MM:SS[.ffffff]Z");
			goto bad;
		}
		s->format = AUDIT_FORMAT_JSON;
		if (s->q.format && audit_format_from_string(s->q.format, &s->format) < 0) {
			r = rpc_reply_invalid_params(req,
						     "params.format: must be json, csv, cef or syslog");
			goto bad;
		}
		if (kind == SCAN_QUERY && s->q.format) {
			r = rpc_reply_invalid_params(req, "params.format: only for audit/export");
			goto bad;
		}
	}
	r = list_files(audit_path(d->audit), &s->files);
	if (r < 0)
		goto fail;
	s->n_files = strv_length(s->files);
	s->buf = malloc(64 * 1024);
	if (!s->buf) {
		r = -ENOMEM;
		goto fail;
	}
	if (kind == SCAN_QUERY) {
		s->records = json_array();
		if (!s->records) {
			r = -ENOMEM;
			goto fail;
		}
	} else if (kind == SCAN_EXPORT) {
		s->out = open_memstream(&s->out_buf, &s->out_len);
		if (!s->out) {
			r = -ENOMEM;
			goto fail;
		}
	} else {
		size_t kl;
		const unsigned char *k = audit_key(d->audit, &kl);
		if (k) {
			s->key = malloc(kl);
			if (!s->key) {
				r = -ENOMEM;
				goto fail;
			}
			memcpy(s->key, k, kl);
			s->key_len = kl;
		}
		audit_verifier_init(&s->v, s->key, s->key_len);
		s->v.from_seq = s->q.from_seq;
		/* The tail must be there too: what the daemon wrote (not what it holds). */
		{
			json_t *st = audit_status_json(d->audit);
			s->expect_last = json_integer_value(json_object_get(st, "written_seq"));
			json_decref(st);
		}
		if (s->q.from_seq > 0 && s->q.from_seq > s->expect_last) {
			char msg[128];
			snprintf(msg, sizeof(msg), "params.from_seq: the log ends at seq %lld",
				 (long long)s->expect_last);
			r = rpc_reply_invalid_params(req, msg);
			free(s->key);
			strv_free(s->files);
			free(s->buf);
			free(s);
			return r;
		}
	}
	/*
	 * Skip rotated files that end before after_seq, or before from_seq for
	 * audit/verify (their names say where they start).
	 */
	{
		int64_t skip = kind == SCAN_VERIFY ? s->q.from_seq - 1 : s->q.after_seq;
		while (skip > 0 && s->cur + 1 < s->n_files) {
			int64_t next = file_first_seq(s->files[s->cur + 1], s->cur + 2 == s->n_files);
			if (next <= 0 || next > skip + 1)
				break;
			s->cur++;
		}
		s->skipped = s->cur;
	}
	uv_idle_init(d->loop, &s->idle);
	s->idle.data = s;
	uv_idle_start(&s->idle, on_idle);
	list_add_tail(&scans, &s->node);
	n_scans++;
	return 0;
bad:
	jd_free(query_fields, ARRAY_SIZE(query_fields), &s->q);
	free(s);
	return r;
fail:
	log_warning_errno(r, "audit: cannot read %s", audit_path(d->audit));
	strv_free(s->files);
	free(s->buf);
	json_decref(s->records);
	if (s->out)
		fclose(s->out);
	free(s->out_buf);
	free(s->key);
	jd_free(query_fields, ARRAY_SIZE(query_fields), &s->q);
	free(s);
	if (r == -ENOMEM)
		return r;
	return conn_reply_error(c, &req->id, CX_ERR_AUDIT_UNAVAILABLE, CX_REASON_AUDIT_UNAVAILABLE,
				NULL, "the audit log cannot be read: %s", strerror(-r));
}

int rpc_audit_query(struct request *req)
{
	return start_scan(req, SCAN_QUERY);
}

int rpc_audit_export(struct request *req)
{
	return start_scan(req, SCAN_EXPORT);
}

int rpc_audit_verify(struct request *req)
{
	return start_scan(req, SCAN_VERIFY);
}
