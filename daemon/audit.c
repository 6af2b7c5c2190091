/* SPDX-License-Identifier: MIT */
/*
 * The audit log writer (daemon/audit.h).
 *
 * Trust: the log's path comes from the administrator's configuration or
 * --state-dir, never from a client; it is opened with O_NOFOLLOW and must
 * be a root-owned regular file.  Record contents come from clients
 * (argv, cwd, justification): they are JSON-encoded by jansson (control
 * characters escaped, strings already checked as UTF-8 by the decoders),
 * cut to AUDIT_MAX_RECORD, and never interpreted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/fs.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "common/fdio.h"
#include "common/list.h"
#include "common/log.h"
#include "common/macro.h"
#include "daemon/audit.h"
#include "daemon/audit_conf.h"
#include "daemon/conf.h"
#include "daemon/daemon.h"
#include "daemon/telemetry.h"

#define AUDIT_RETRY_MS 1000
#define ROTATED_DIGITS 16

struct audit_waiter {
	struct list_node node;
	struct audit *a;
	int64_t seq;
	audit_durable_cb cb;
	void *userdata;
};

struct audit {
	struct daemon *d;
	uv_loop_t *loop;
	char *path;
	char *dir;
	char *base; /* file name of path */
	int fd;
	uint64_t size;           /* bytes of the current file */
	int64_t file_first_seq;  /* first record of the current file */
	int64_t seq;             /* last sequence number given */
	int64_t written_seq;     /* last record completely written */
	int64_t durable_seq;     /* last record covered by an fdatasync */
	unsigned char last_hash[crypto_hash_sha256_BYTES];
	char host[256];
	gid_t gid;               /* group of the log: the admin role's */
	bool append_flag;        /* FS_APPEND_FL set on the current file */
	const char *append_state; /* "set", "unsupported", "off" */

	/* Settings, copied from the configuration at open and reload. */
	enum audit_fsync fsync;
	enum audit_on_failure on_failure;
	uint32_t fsync_interval_ms;
	uint64_t max_file_bytes;
	uint32_t max_files;
	uint32_t pending_max;
	bool want_append_flag;
	unsigned char *key;
	size_t key_len;

	/* Failure state. */
	int error;               /* 0, or the -errno of the failing write/sync */
	char why[256];
	char *pend;              /* bytes chained but not yet written, in order */
	size_t pend_len, pend_cap;
	int64_t pend_last_seq;
	uint64_t n_written, n_dropped, n_failures, n_rotations;
	uint64_t n_syncs; /* fdatasync calls of the helper (under mu) */
	bool rotating;

	/* Group commit. */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int req_fd;              /* dup of the file to sync, -1 when nothing asked */
	int64_t req_seq;         /* sync covers records up to this */
	int64_t done_seq;        /* the thread finished syncing up to this */
	int done_err;
	bool stop;
	bool sync_running;
	uv_async_t async;
	bool async_inited;
	struct list_node waiters;

	uv_timer_t retry_timer, batch_timer;
	bool retry_inited, batch_inited, retry_on;

	struct telemetry *tel;
};

static void on_handle_closed_noop(uv_handle_t *h)
{
	(void)h;
}

void audit_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void audit_format_time(uint64_t usec, char *out, size_t outsz)
{
	time_t s = (time_t)(usec / 1000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(usec % 1000000));
}

static uint64_t now_usec(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

const char *audit_path(const struct audit *a)
{
	return a ? a->path : NULL;
}

const unsigned char *audit_key(const struct audit *a, size_t *ret_len)
{
	*ret_len = a ? a->key_len : 0;
	return a ? a->key : NULL;
}

/* ------------------------------------------------------------------ flags, files */

static int set_append_flag(int fd, bool on)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return negative_errno();
	if (!!(flags & FS_APPEND_FL) == on)
		return 0;
	flags = on ? (flags | FS_APPEND_FL) : (flags & ~FS_APPEND_FL);
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
		return negative_errno();
	return 0;
}

/* Clear FS_APPEND_FL on a path we are about to rename or remove (our own file). */
static void clear_append_flag_path(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd >= 0)
		(void)set_append_flag(fd, false);
}

/*
 * Open the log for appending.  An existing file must be a regular file
 * owned by root: anything else was planted by someone who is not us.
 */
static int open_log(struct audit *a, char *err, size_t errsz)
{
	struct stat st;
	int fd, r;

	fd = open(a->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0640);
	if (fd < 0) {
		r = negative_errno();
		snprintf(err, errsz, "cannot open the audit log %s: %s", a->path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		snprintf(err, errsz, "audit log %s: not a regular file owned by root (the daemon)",
			 a->path);
		return -EPERM;
	}
	(void)fd_set_nonblock(fd, false);
	if (fchown(fd, 0, a->gid) < 0 || fchmod(fd, 0640) < 0)
		log_warning_errno(negative_errno(), "audit log %s: cannot set owner and mode",
				  a->path);
	a->append_flag = false;
	a->append_state = "off";
	if (a->want_append_flag) {
		r = set_append_flag(fd, true);
		if (r == 0) {
			a->append_flag = true;
			a->append_state = "set";
		} else {
			a->append_state = "unsupported";
			log_debug("audit log %s: no append-only flag: %s", a->path, strerror(-r));
		}
	}
	a->fd = fd;
	a->size = (uint64_t)st.st_size;
	return 0;
}

/* Read the complete line that ends just before offset end (exclusive of '\n'). */
static int read_last_line(int fd, uint64_t size, char **ret, size_t *ret_len, uint64_t *ret_tail)
{
	size_t want = (size_t)MIN(size, (uint64_t)(AUDIT_MAX_RECORD * 2));
	_cleanup_free_ char *buf = NULL;
	ssize_t n;
	size_t end, start;

	*ret = NULL;
	*ret_len = 0;
	*ret_tail = 0;
	if (size == 0)
		return 0;
	buf = malloc(want + 1);
	if (!buf)
		return -ENOMEM;
	n = pread(fd, buf, want, (off_t)(size - want));
	if (n != (ssize_t)want)
		return n < 0 ? negative_errno() : -EIO;
	end = want;
	/* A torn tail: bytes after the last newline. */
	while (end > 0 && buf[end - 1] != '\n')
		end--;
	*ret_tail = want - end;
	if (end == 0)
		return 0;
	end--; /* the newline */
	start = end;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	*ret = strndup(buf + start, end - start);
	if (!*ret)
		return -ENOMEM;
	*ret_len = end - start;
	return 0;
}

static int read_first_seq(int fd, int64_t *ret)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long long v;

	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	if (sscanf(buf, "{\"seq\":%lld,", &v) != 1 || v <= 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Take seq and hash from a record line; 0 or -EINVAL. */
static int parse_tail_record(const char *line, size_t len, int64_t *ret_seq,
			     unsigned char hash[crypto_hash_sha256_BYTES])
{
	json_error_t jerr;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr), *s, *h;
	int r = -EINVAL;

	if (!o)
		return -EINVAL;
	s = json_object_get(o, "seq");
	h = json_object_get(o, "hash");
	if (json_is_integer(s) && json_integer_value(s) > 0 && json_is_string(h) &&
	    strlen(json_string_value(h)) == AUDIT_HASH_HEX &&
	    sodium_hex2bin(hash, crypto_hash_sha256_BYTES, json_string_value(h), AUDIT_HASH_HEX,
			   NULL, NULL, NULL) == 0) {
		*ret_seq = json_integer_value(s);
		r = 0;
	}
	json_decref(o);
	return r;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/*
 * Rotated files of the log, oldest first: NAME.<16 digits>.  Returns a
 * NULL-terminated vector of full paths.
 */
static int list_rotated(const char *dir, const char *base, char ***ret)
{
	_cleanup_(closedirp) DIR *dd = opendir(dir);
	char **v = NULL;
	size_t n = 0, bl = strlen(base);
	struct dirent *de;

	if (!dd)
		return negative_errno();
	while ((de = readdir(dd))) {
		const char *s = de->d_name;
		char *p, **nv;
		bool ok = strncmp(s, base, bl) == 0 && s[bl] == '.' && strlen(s + bl + 1) ==
										 ROTATED_DIGITS;
		for (size_t i = 0; ok && i < ROTATED_DIGITS; i++)
			ok = s[bl + 1 + i] >= '0' && s[bl + 1 + i] <= '9';
		if (!ok)
			continue;
		if (asprintf(&p, "%s/%s", dir, s) < 0)
			goto nomem;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv) {
			free(p);
			goto nomem;
		}
		v = nv;
		v[n++] = p;
		v[n] = NULL;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	return (int)n;
nomem:
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

/* Cut a torn last line (a crash in the middle of a write): never acknowledged. */
static int cut_torn_tail(struct audit *a, uint64_t tail)
{
	if (a->append_flag)
		(void)set_append_flag(a->fd, false);
	if (ftruncate(a->fd, (off_t)(a->size - tail)) < 0)
		return negative_errno();
	a->size -= tail;
	if (a->append_flag)
		(void)set_append_flag(a->fd, true);
	return 0;
}

static int recover_chain(struct audit *a, uint64_t *ret_torn, char *err, size_t errsz)
{
	_cleanup_free_ char *line = NULL;
	size_t len = 0;
	uint64_t tail = 0;
	int r;

	*ret_torn = 0;
	memset(a->last_hash, 0, sizeof(a->last_hash));
	a->seq = 0;
	r = read_last_line(a->fd, a->size, &line, &len, &tail);
	if (r < 0) {
		snprintf(err, errsz, "cannot read the audit log %s: %s", a->path, strerror(-r));
		return r;
	}
	if (tail > 0) {
		r = cut_torn_tail(a, tail);
		if (r < 0) {
			snprintf(err, errsz, "audit log %s ends in a torn record and cannot be cut: %s",
				 a->path, strerror(-r));
			return r;
		}
		*ret_torn = tail;
	}
	if (!line) {
		/* Empty: continue the chain of the newest rotated file, if any. */
		char **files = NULL;
		int n = list_rotated(a->dir, a->base, &files);
		if (n > 0) {
			_cleanup_close_ int fd = open(files[n - 1], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			struct stat st;
			if (fd >= 0 && fstat(fd, &st) == 0)
				(void)read_last_line(fd, (uint64_t)st.st_size, &line, &len, &tail);
		}
		for (int i = 0; i < n; i++)
			free(files[i]);
		free(files);
	}
	if (line && parse_tail_record(line, len, &a->seq, a->last_hash) < 0) {
		snprintf(err, errsz,
			 "the last record of the audit log %s is damaged; run `codexctl audit verify` "
			 "and move the file aside to start a new chain",
			 a->path);
		return -EBADMSG;
	}
	if (read_first_seq(a->fd, &a->file_first_seq) < 0)
		a->file_first_seq = a->seq + 1;
	a->written_seq = a->durable_seq = a->done_seq = a->req_seq = a->seq;
	return 0;
}

/* ------------------------------------------------------------------ group commit */

static void *sync_thread(void *arg)
{
	struct audit *a = arg;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		int fd;
		int64_t target;
		int r;

		while (!a->stop && a->req_fd < 0)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->req_fd < 0 && a->stop)
			break;
		fd = a->req_fd;
		target = a->req_seq;
		a->req_fd = -1;
		a->sync_running = true;
		pthread_mutex_unlock(&a->mu);
		r = fdatasync(fd) < 0 ? -errno : 0;
		close(fd);
		pthread_mutex_lock(&a->mu);
		a->sync_running = false;
		a->n_syncs++;
		if (r == 0 && target > a->done_seq)
			a->done_seq = target;
		if (r < 0)
			a->done_err = r;
		pthread_cond_broadcast(&a->cv);
		if (a->async_inited)
			uv_async_send(&a->async);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* Ask for an fdatasync covering everything written so far. */
static void request_sync(struct audit *a)
{
	int fd;

	if (a->fd < 0 || a->written_seq <= a->durable_seq)
		return;
	pthread_mutex_lock(&a->mu);
	if (a->req_fd < 0) {
		fd = fcntl(a->fd, F_DUPFD_CLOEXEC, 3);
		if (fd >= 0)
			a->req_fd = fd;
	}
	if (a->written_seq > a->req_seq)
		a->req_seq = a->written_seq;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

static void fail(struct audit *a, int err, const char *what);

/*
 * A callback may cancel other waiters (a connection that closes takes its
 * jobs with it): start over from the head after each one.
 */
static void complete_waiters(struct audit *a, int err)
{
	struct list_node *pos;

again:
	for (pos = a->waiters.next; pos != &a->waiters; pos = pos->next) {
		struct audit_waiter *w = list_entry(pos, struct audit_waiter, node);
		if (err == 0 && w->seq > a->durable_seq)
			continue;
		list_del(&w->node);
		w->cb(w->userdata, err);
		free(w);
		goto again;
	}
}

static void on_async(uv_async_t *h)
{
	struct audit *a = h->data;
	int64_t done;
	int err;

	pthread_mutex_lock(&a->mu);
	done = a->done_seq;
	err = a->done_err;
	a->done_err = 0;
	pthread_mutex_unlock(&a->mu);
	if (done > a->durable_seq)
		a->durable_seq = done;
	if (err < 0) {
		fail(a, err, "fdatasync");
		complete_waiters(a, err);
		return;
	}
	complete_waiters(a, 0);
	/* Waiters that came while that sync ran: the next one covers them all. */
	if (a->fsync == AUDIT_FSYNC_ALWAYS && !list_empty(&a->waiters)) {
		int64_t need = 0;
		struct list_node *pos;
		for (pos = a->waiters.next; pos != &a->waiters; pos = pos->next)
			need = MAX(need, list_entry(pos, struct audit_waiter, node)->seq);
		pthread_mutex_lock(&a->mu);
		bool covered = (a->req_fd >= 0 || a->sync_running) && a->req_seq >= need;
		pthread_mutex_unlock(&a->mu);
		if (!covered)
			request_sync(a);
	}
}

static void on_batch(uv_timer_t *t)
{
	request_sync(t->data);
}

/* ------------------------------------------------------------------ failure and retry */

static void on_retry(uv_timer_t *t);

static void fail(struct audit *a, int err, const char *what)
{
	if (!a->error) {
		a->n_failures++;
		log_error("audit log %s: %s failed: %s; %s", a->path, what, strerror(-err),
			  a->on_failure == AUDIT_ON_FAILURE_REFUSE ? "new commands are refused until "
								     "it can be written"
								   : "commands continue (on_failure "
								     "= continue)");
	}
	a->error = err;
	snprintf(a->why, sizeof(a->why), "the audit log cannot be written (%s: %s)", what,
		 strerror(-err));
	if (a->retry_inited && !a->retry_on) {
		a->retry_on = true;
		uv_timer_start(&a->retry_timer, on_retry, AUDIT_RETRY_MS, AUDIT_RETRY_MS);
	}
}

/* Write pending bytes; 0 when all are out. */
static int flush_pending(struct audit *a)
{
	while (a->pend_len > 0) {
		ssize_t n = write(a->fd, a->pend, a->pend_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			return -EIO;
		memmove(a->pend, a->pend + n, a->pend_len - (size_t)n);
		a->pend_len -= (size_t)n;
		a->size += (uint64_t)n;
	}
	if (a->pend_last_seq > a->written_seq)
		a->written_seq = a->pend_last_seq;
	return 0;
}

static void maybe_rotate(struct audit *a);

static void on_retry(uv_timer_t *t)
{
	struct audit *a = t->data;
	int r = flush_pending(a);

	if (r < 0) {
		a->error = r;
		return;
	}
	if (a->fsync != AUDIT_FSYNC_NONE) {
		/* Prove the disk takes data again before saying so. */
		if (fdatasync(a->fd) < 0) {
			a->error = negative_errno();
			return;
		}
		a->durable_seq = a->written_seq;
	}
	log_notice("audit log %s: writable again (%llu records kept in memory were written)",
		   a->path, (unsigned long long)(a->written_seq));
	a->error = 0;
	a->why[0] = '\0';
	a->retry_on = false;
	uv_timer_stop(&a->retry_timer);
	complete_waiters(a, 0);
	maybe_rotate(a);
}

/* ------------------------------------------------------------------ appending */

static int pend_add(struct audit *a, const char *s, size_t n)
{
	if (a->pend_len + n > a->pend_cap) {
		size_t cap = MAX(a->pend_cap * 2, a->pend_len + n + 4096);
		char *p = realloc(a->pend, cap);
		if (!p)
			return -ENOMEM;
		a->pend = p;
		a->pend_cap = cap;
	}
	memcpy(a->pend + a->pend_len, s, n);
	a->pend_len += n;
	return 0;
}

static bool reserved_key(const char *k)
{
	return !strcmp(k, "seq") || !strcmp(k, "time") || !strcmp(k, "host") ||
	       !strcmp(k, "event") || !strcmp(k, "prev") || !strcmp(k, "hash") ||
	       !strcmp(k, "hmac");
}

/*
 * The record without its hash: seq, time, host, event, then the fields
 * (those with a reserved name left out) or, when prefix is given, the
 * cut-short fields as one string, then prev.
 */
static json_t *record_obj(const struct audit *a, int64_t seq, const char *t, const char *event,
			  json_t *fields, const char *prefix, const char *prev)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "seq", json_integer(seq));
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "host", json_string(a->host));
	json_object_set_new(o, "event", json_string(event));
	if (prefix) {
		json_object_set_new(o, "truncated", json_true());
		json_object_set_new(o, "fields_prefix", json_stringn_nocheck(prefix, strlen(prefix)));
	} else if (fields) {
		const char *k;
		json_t *v;
		json_object_foreach(fields, k, v)
		{
			if (!reserved_key(k))
				json_object_set(o, k, v);
		}
	}
	json_object_set_new(o, "prev", json_string(prev));
	return o;
}

/* The record's JSON object (*ret_o) and its compact text, or NULL. */
static char *record_body(struct audit *a, int64_t seq, const char *t, const char *event,
			 json_t *fields, const char *cut, const char *prev, json_t **ret_o)
{
	json_t *o = record_obj(a, seq, t, event, fields, cut, prev);
	char *body;

	if (!o)
		return NULL;
	body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!body) {
		json_decref(o);
		return NULL;
	}
	*ret_o = o;
	return body;
}

/*
 * Build the line for fields; returns a malloc'd line ending in '\n' and the
 * new hash.  A record whose fields take more than AUDIT_MAX_RECORD - 1024
 * bytes keeps them cut short, as one string.  The fields are serialised
 * once, inside the record: with no reserved name among them the record is
 * longer than the fields alone, so a record within the bound has fields
 * within it; only a longer one (or reserved names) costs a second look.
 */
static char *build_line(struct audit *a, int64_t seq, const char *event, json_t *fields,
			size_t *ret_len, unsigned char hash[crypto_hash_sha256_BYTES],
			json_t **ret_obj)
{
	char t[40], prev[AUDIT_HASH_HEX + 1], hx[AUDIT_HASH_HEX + 1], mx[AUDIT_HASH_HEX + 1];
	json_t *o;
	_cleanup_free_ char *body = NULL;
	char *line = NULL;
	size_t blen;
	bool reserved = false;

	audit_format_time(now_usec(), t, sizeof(t));
	audit_hex(a->last_hash, sizeof(a->last_hash), prev);
	if (fields) {
		const char *k;
		json_t *v;
		json_object_foreach(fields, k, v)
		{
			reserved |= reserved_key(k);
		}
	}
	body = record_body(a, seq, t, event, fields, NULL, prev, &o);
	if (!body)
		return NULL;
	if (fields && (reserved || strlen(body) > AUDIT_MAX_RECORD - 1024)) {
		_cleanup_free_ char *dump = json_dumps(fields, JSON_COMPACT);
		if (dump && strlen(dump) > AUDIT_MAX_RECORD - 1024) {
			/* Keep the record whole and bounded: the fields, cut, as one string. */
			dump[AUDIT_MAX_RECORD / 2] = '\0';
			json_decref(o);
			free(body);
			body = record_body(a, seq, t, event, NULL, dump, prev, &o);
			if (!body)
				return NULL;
		}
	}
	blen = strlen(body);
	crypto_hash_sha256(hash, (const unsigned char *)body, blen);
	audit_hex(hash, crypto_hash_sha256_BYTES, hx);
	if (a->key) {
		crypto_auth_hmacsha256_state st;
		unsigned char mac[crypto_auth_hmacsha256_BYTES];
		crypto_auth_hmacsha256_init(&st, a->key, a->key_len);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, blen);
		crypto_auth_hmacsha256_final(&st, mac);
		audit_hex(mac, sizeof(mac), mx);
	}
	/* body ends in '}': replace it with the suffix. */
	if (asprintf(&line, "%.*s,\"hash\":\"%s\"%s%s%s}\n", (int)(blen - 1), body, hx,
		     a->key ? ",\"hmac\":\"" : "", a->key ? mx : "", a->key ? "\"" : "") < 0) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "hash", json_string(hx));
	if (a->key)
		json_object_set_new(o, "hmac", json_string(mx));
	*ret_len = strlen(line);
	*ret_obj = o;
	return line;
}

int64_t audit_append(struct audit *a, const char *event, json_t *fields)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	_cleanup_free_ char *line = NULL;
	json_t *obj = NULL;
	size_t len = 0;
	int64_t seq;
	int r;

	if (!a) {
		json_decref(fields);
		return 0;
	}
	seq = a->seq + 1;
	line = build_line(a, seq, event, fields, &len, hash, &obj);
	json_decref(fields);
	if (!line)
		return -ENOMEM;
	if (a->pend_len > 0 || a->error || a->fd < 0) {
		/* Failing: keep it in order behind the others, within bounds. */
		if (a->pend_len + len > a->pending_max) {
			a->n_dropped++;
			json_decref(obj);
			return a->error ? a->error : -ENOSPC;
		}
		r = pend_add(a, line, len);
		if (r < 0) {
			json_decref(obj);
			return r;
		}
		a->pend_last_seq = seq;
	} else {
		ssize_t n;
		do
			n = write(a->fd, line, len);
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)len) {
			a->size += len;
			a->written_seq = seq;
		} else {
			/* Short or failed: the rest waits in memory, nothing already written is lost. */
			size_t done = n > 0 ? (size_t)n : 0;
			r = n < 0 ? negative_errno() : -ENOSPC;
			if (pend_add(a, line + done, len - done) < 0) {
				json_decref(obj);
				if (done == 0)
					return -ENOMEM;
				/* Part of the line is in the file: it must be completed. */
				fail(a, -ENOMEM, "write");
				return -ENOMEM;
			}
			a->size += done;
			a->pend_last_seq = seq;
			fail(a, r, "write");
		}
	}
	a->seq = seq;
	memcpy(a->last_hash, hash, sizeof(hash));
	a->n_written++;
	if (a->tel)
		telemetry_submit(a->tel, obj, line);
	json_decref(obj);
	/* Syncs are asked for by those who wait (audit_wait_durable), not per record. */
	if (a->written_seq == seq)
		maybe_rotate(a);
	return seq;
}

int audit_wait_durable(struct audit *a, int64_t seq, audit_durable_cb cb, void *userdata,
		       struct audit_waiter **ret)
{
	struct audit_waiter *w;

	if (ret)
		*ret = NULL;
	if (!a || seq <= 0)
		return 1;
	if (seq > a->written_seq)
		return a->error ? a->error : -EIO;
	if (a->fsync != AUDIT_FSYNC_ALWAYS || seq <= a->durable_seq)
		return 1;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->a = a;
	w->seq = seq;
	w->cb = cb;
	w->userdata = userdata;
	list_add_tail(&a->waiters, &w->node);
	{
		/* A sync already asked for (or running) that covers seq is enough. */
		bool covered;
		pthread_mutex_lock(&a->mu);
		covered = a->req_fd >= 0 && a->req_seq >= seq;
		pthread_mutex_unlock(&a->mu);
		if (!covered)
			request_sync(a);
	}
	if (ret)
		*ret = w;
	return 0;
}

int audit_durable(const struct audit *a, int64_t seq)
{
	if (!a || seq <= 0)
		return 1;
	if (seq > a->written_seq)
		return a->error ? a->error : -EIO;
	return a->fsync != AUDIT_FSYNC_ALWAYS || seq <= a->durable_seq ? 1 : 0;
}

int audit_sync_now(struct audit *a, int64_t seq)
{
	if (!a || seq <= 0)
		return 0;
	if (seq > a->written_seq)
		return a->error ? a->error : -EIO;
	if (a->fsync == AUDIT_FSYNC_NONE || seq <= a->durable_seq)
		return 0;
	if (fdatasync(a->fd) < 0) {
		int r = negative_errno();
		fail(a, r, "fdatasync");
		return r;
	}
	a->durable_seq = a->written_seq;
	complete_waiters(a, 0);
	return 0;
}

void audit_waiter_cancel(struct audit_waiter *w)
{
	if (!w)
		return;
	list_del(&w->node);
	free(w);
}

int audit_available(const struct audit *a, const char **why)
{
	if (!a || !a->error)
		return 0;
	*why = a->why;
	return a->error;
}

bool audit_refuses(const struct audit *a)
{
	return a && a->on_failure == AUDIT_ON_FAILURE_REFUSE;
}

/* ------------------------------------------------------------------ rotation */

static void retention(struct audit *a, json_t *removed, int64_t *through)
{
	char **files = NULL;
	int n = list_rotated(a->dir, a->base, &files);

	for (int i = 0; i < n; i++) {
		if (a->max_files > 0 && (uint32_t)(n - i) > a->max_files) {
			const char *name = strrchr(files[i], '/') + 1;
			long long next = i + 1 < n ? atoll(strrchr(files[i + 1], '/') + 1 +
							   strlen(a->base) + 1)
						   : (long long)a->file_first_seq;
			clear_append_flag_path(files[i]);
			if (unlink(files[i]) == 0) {
				json_array_append_new(removed, json_string(name));
				*through = next - 1;
			} else
				log_warning_errno(negative_errno(), "audit retention: cannot remove %s",
						  files[i]);
		}
		free(files[i]);
	}
	free(files);
}

static void maybe_rotate(struct audit *a)
{
	_cleanup_free_ char *rotated = NULL;
	char err[512];
	int old_fd = a->fd, r;
	int64_t last = a->seq, through = 0;
	json_t *removed;

	if (a->rotating || a->fd < 0 || a->error || a->pend_len > 0 ||
	    a->size < a->max_file_bytes || a->file_first_seq > a->seq)
		return;
	a->rotating = true;
	/* Everything in the old file is synced before it is closed. */
	if (fdatasync(a->fd) < 0) {
		fail(a, negative_errno(), "fdatasync before rotation");
		a->rotating = false;
		return;
	}
	a->durable_seq = a->written_seq;
	complete_waiters(a, 0);
	if (asprintf(&rotated, "%s.%0*lld", a->path, ROTATED_DIGITS,
		     (long long)a->file_first_seq) < 0) {
		a->rotating = false;
		return;
	}
	if (a->append_flag)
		(void)set_append_flag(a->fd, false);
	if (rename(a->path, rotated) < 0) {
		log_error_errno(negative_errno(), "audit log: cannot rotate %s", a->path);
		if (a->append_flag)
			(void)set_append_flag(a->fd, true);
		a->rotating = false;
		return;
	}
	if (a->append_flag)
		(void)set_append_flag(a->fd, true); /* the old file stays append-only */
	a->fd = -1;
	r = open_log(a, err, sizeof(err));
	if (r < 0) {
		/* Keep writing to the old file, under its old name, rather than lose records. */
		log_error("%s", err);
		if (a->append_flag)
			(void)set_append_flag(old_fd, false);
		if (rename(rotated, a->path) < 0)
			log_error_errno(negative_errno(), "audit log: cannot rename %s back", rotated);
		if (a->append_flag)
			(void)set_append_flag(old_fd, true);
		a->fd = old_fd;
		a->rotating = false;
		return;
	}
	/* A sync the helper has not started yet is for the old file: already done. */
	pthread_mutex_lock(&a->mu);
	if (a->req_fd >= 0) {
		close(a->req_fd);
		a->req_fd = -1;
	}
	pthread_mutex_unlock(&a->mu);
	close(old_fd);
	a->n_rotations++;
	a->file_first_seq = a->seq + 1;
	removed = json_array();
	audit_append(a, "audit.rotate",
		     json_pack("{s:s, s:I}", "previous_file", strrchr(rotated, '/') + 1,
			       "previous_last_seq", (json_int_t)last));
	if (removed) {
		retention(a, removed, &through);
		if (json_array_size(removed) > 0)
			audit_append(a, "audit.retention",
				     json_pack("{s:O, s:I, s:i}", "removed", removed,
					       "removed_through_seq", (json_int_t)through, "max_files",
					       (int)a->max_files));
		json_decref(removed);
	}
	a->rotating = false;
}

/* ------------------------------------------------------------------ life cycle */

static void apply_settings(struct audit *a, const struct daemon_config *cfg)
{
	const struct audit_config *ac = cfg->audit;

	a->fsync = ac->fsync;
	a->on_failure = ac->on_failure;
	a->fsync_interval_ms = ac->fsync_interval_ms;
	a->max_file_bytes = ac->max_file_bytes;
	a->max_files = ac->max_files;
	a->pending_max = ac->pending_max_bytes;
	a->want_append_flag = ac->append_only;
	if (a->key) {
		sodium_memzero(a->key, a->key_len);
		free(a->key);
		a->key = NULL;
		a->key_len = 0;
	}
	if (ac->key) {
		a->key = malloc(ac->key_len);
		if (a->key) {
			memcpy(a->key, ac->key, ac->key_len);
			a->key_len = ac->key_len;
		}
	}
	if (a->batch_inited) {
		uv_timer_stop(&a->batch_timer);
		if (a->fsync == AUDIT_FSYNC_BATCH)
			uv_timer_start(&a->batch_timer, on_batch, a->fsync_interval_ms,
				       a->fsync_interval_ms);
	}
	{
		struct group *g = getgrnam(cfg->role_group_names[ROLE_ADMIN]);
		a->gid = g ? g->gr_gid : 0;
	}
	/* The old worker finishes on its own: a reload never waits for a collector. */
	telemetry_stop(a->tel, false);
	a->tel = NULL;
	if (telemetry_start(ac, a->host, &a->tel) < 0)
		log_warning("audit forwarding could not start");
}

static void audit_free(struct audit *a)
{
	if (!a)
		return;
	telemetry_stop(a->tel, true);
	if (a->fd >= 0)
		close(a->fd);
	if (a->key) {
		sodium_memzero(a->key, a->key_len);
		free(a->key);
	}
	free(a->pend);
	free(a->path);
	free(a->dir);
	free(a);
}

int audit_open(struct daemon *d, char *err, size_t errsz)
{
	struct audit *a;
	uint64_t torn = 0;
	char *slash;
	int r;

	d->audit = NULL;
	if (!d->cfg->audit || !d->cfg->audit->enabled)
		return 0;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->d = d;
	a->loop = d->loop;
	a->fd = -1;
	a->req_fd = -1;
	list_init(&a->waiters);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if (gethostname(a->host, sizeof(a->host) - 1) < 0 || !a->host[0])
		snprintf(a->host, sizeof(a->host), "localhost");
	a->path = strdup(d->cfg->audit_log);
	a->dir = strdup(d->cfg->audit_log);
	if (!a->path || !a->dir) {
		audit_free(a);
		return -ENOMEM;
	}
	slash = strrchr(a->dir, '/');
	a->base = strrchr(a->path, '/') + 1;
	if (slash == a->dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	apply_settings(a, d->cfg);
	if (mkdir(a->dir, 0750) == 0)
		(void)!chown(a->dir, 0, a->gid);
	r = open_log(a, err, errsz);
	if (r == 0)
		r = recover_chain(a, &torn, err, errsz);
	if (r < 0) {
		audit_free(a);
		return r;
	}
	/* Unreferenced: the audit log never keeps a stopping daemon's loop alive. */
	uv_async_init(d->loop, &a->async, on_async);
	a->async.data = a;
	a->async_inited = true;
	uv_unref((uv_handle_t *)&a->async);
	uv_timer_init(d->loop, &a->retry_timer);
	a->retry_timer.data = a;
	a->retry_inited = true;
	uv_unref((uv_handle_t *)&a->retry_timer);
	uv_timer_init(d->loop, &a->batch_timer);
	a->batch_timer.data = a;
	a->batch_inited = true;
	uv_unref((uv_handle_t *)&a->batch_timer);
	if (a->fsync == AUDIT_FSYNC_BATCH)
		uv_timer_start(&a->batch_timer, on_batch, a->fsync_interval_ms, a->fsync_interval_ms);
	r = pthread_create(&a->thread, NULL, sync_thread, a);
	if (r != 0) {
		snprintf(err, errsz, "cannot start the audit sync thread: %s", strerror(r));
		uv_close((uv_handle_t *)&a->async, on_handle_closed_noop);
		uv_close((uv_handle_t *)&a->retry_timer, on_handle_closed_noop);
		uv_close((uv_handle_t *)&a->batch_timer, on_handle_closed_noop);
		uv_run(d->loop, UV_RUN_NOWAIT);
		audit_free(a);
		return -r;
	}
	a->thread_started = true;
	d->audit = a;
	if (torn > 0) {
		log_warning("audit log %s: cut a torn last record (%llu bytes) left by a crash",
			    a->path, (unsigned long long)torn);
		audit_append(a, "audit.recovered",
			     json_pack("{s:I}", "torn_bytes_removed", (json_int_t)torn));
	}
	return 0;
}

void audit_reconfigure(struct daemon *d)
{
	struct audit *a = d->audit;

	if (!a)
		return;
	apply_settings(a, d->cfg);
	if (a->want_append_flag && !a->append_flag && a->fd >= 0 &&
	    set_append_flag(a->fd, true) == 0) {
		a->append_flag = true;
		a->append_state = "set";
	}
	if (a->fsync != AUDIT_FSYNC_ALWAYS)
		complete_waiters(a, 0); /* written is durable enough now */
	else
		complete_waiters(a, 0), request_sync(a);
}

void audit_close(struct daemon *d)
{
	struct audit *a = d->audit;
	struct list_node *pos, *tmp;

	if (!a)
		return;
	if (a->pend_len > 0 && flush_pending(a) < 0)
		log_error("audit log %s: %zu bytes of records could not be written before exit",
			  a->path, a->pend_len);
	if (a->fd >= 0 && fdatasync(a->fd) < 0)
		log_error_errno(negative_errno(), "audit log %s: final sync", a->path);
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (a->thread_started)
		pthread_join(a->thread, NULL);
	if (a->req_fd >= 0)
		close(a->req_fd);
	LIST_FOREACH_SAFE(pos, tmp, &a->waiters)
	{
		struct audit_waiter *w = list_entry(pos, struct audit_waiter, node);
		list_del(&w->node);
		free(w);
	}
	a->async_inited = false;
	uv_close((uv_handle_t *)&a->async, on_handle_closed_noop);
	uv_close((uv_handle_t *)&a->retry_timer, on_handle_closed_noop);
	uv_close((uv_handle_t *)&a->batch_timer, on_handle_closed_noop);
	uv_run(d->loop, UV_RUN_NOWAIT);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	audit_free(a);
	d->audit = NULL;
}

json_t *audit_status_json(const struct audit *a)
{
	json_t *o;

	if (!a)
		return json_pack("{s:s}", "state", "disabled");
	o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:b, s:s, "
		      "s:I}",
		      "state", a->error ? "failing" : "ok", "path", a->path, "last_seq",
		      (json_int_t)a->seq, "written_seq", (json_int_t)a->written_seq, "durable_seq",
		      (json_int_t)a->durable_seq, "records", (json_int_t)a->n_written, "dropped",
		      (json_int_t)a->n_dropped, "failures", (json_int_t)a->n_failures, "rotations",
		      (json_int_t)a->n_rotations, "file_bytes", (json_int_t)a->size, "fsync",
		      audit_fsync_to_string(a->fsync), "on_failure",
		      audit_on_failure_to_string(a->on_failure), "hmac", a->key != NULL,
		      "append_only", a->append_state, "pending_bytes", (json_int_t)a->pend_len);
	if (o) {
		pthread_mutex_lock((pthread_mutex_t *)&a->mu);
		json_object_set_new(o, "syncs", json_integer((json_int_t)a->n_syncs));
		pthread_mutex_unlock((pthread_mutex_t *)&a->mu);
	}
	if (o && a->error)
		json_object_set_new(o, "error", json_string(a->why));
	if (o && a->tel)
		json_object_set_new(o, "forwarding", telemetry_status_json(a->tel));
	return o;
}
