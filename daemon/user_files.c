/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/conf_reader.h"
#include "common/cxlimits.h"
#include "common/fdio.h"
#include "common/log.h"
#include "common/path_util.h"
#include "common/strv.h"
#include "daemon/user_files.h"
#include "policy/rules.h"

#define UF_MAGIC 0x43585546u /* "CXUF" */

enum uf_kind {
	UF_HOME = 1,
	UF_USER_CONFIG,
	UF_USER_RULE,
	UF_PROJECT_ROOT,
	UF_PROJECT_CONFIG,
	UF_PROJECT_RULE,
	UF_RESOLVED, /* name: program, data: path */
	UF_ERROR,    /* name: path, data: message */
	UF_END,
	UF_APPENDED, /* name: the rules file append_rule went to */
	_UF_KIND_MAX,
};

struct uf_header {
	uint32_t magic, kind, name_len, data_len;
};

/*
 * A request (daemon -> helper): this header, then u32 flags, u32 number of
 * programs, and NUL-terminated strings: home, then cwd, PATH and the rule
 * to append when their flag is set, then the programs.
 */
#define UFQ_MAGIC 0x43585551u /* "CXUQ" */
enum { UFQ_CWD = 1, UFQ_PATH = 2, UFQ_APPEND = 4, UFQ_ALL = 7 };

struct uf_request_header {
	uint32_t magic, len; /* len: bytes after this header */
};

/* ------------------------------------------------------------ helper (child) */

/*
 * One answer is collected here and written with one write(2) at UF_END:
 * the daemon wakes up once per request, not once per record.  A record
 * that would take the answer past USER_FILES_MAX_BYTES is left out and the
 * answer ends with an error instead (the request is refused, as the daemon
 * would refuse the oversized answer).
 */
static struct {
	char *buf;
	size_t len, cap;
	bool over;
} out;

static bool out_reserve(size_t n)
{
	size_t cap = out.cap ? out.cap : 16384;
	char *t;

	if (out.len + n <= out.cap)
		return true;
	if (out.len + n > USER_FILES_MAX_BYTES)
		return false;
	while (cap < out.len + n)
		cap *= 2;
	t = realloc(out.buf, cap);
	if (!t)
		return false;
	out.buf = t;
	out.cap = cap;
	return true;
}

static void out_record(const struct uf_header *h, const char *name, const void *data)
{
	memcpy(out.buf + out.len, h, sizeof(*h));
	out.len += sizeof(*h);
	if (h->name_len)
		memcpy(out.buf + out.len, name, h->name_len);
	out.len += h->name_len;
	if (h->data_len)
		memcpy(out.buf + out.len, data, h->data_len);
	out.len += h->data_len;
}

static void emit(int fd, enum uf_kind kind, const char *name, const void *data, size_t len)
{
	struct uf_header h = { UF_MAGIC, kind, name ? (uint32_t)strlen(name) : 0, (uint32_t)len };

	if (kind == UF_END) {
		static const char msg[] = "answer too large";
		struct uf_header e = { UF_MAGIC, UF_ERROR, 0, sizeof(msg) - 1 };
		/* Room for these two was kept back (see below), unless nothing came before. */
		if (!out_reserve(2 * sizeof(h) + sizeof(msg))) {
			/* No memory: refuse (an error record), never an empty answer. */
			(void)fd_write_all(fd, &e, sizeof(e));
			(void)fd_write_all(fd, msg, sizeof(msg) - 1);
			(void)fd_write_all(fd, &h, sizeof(h));
			out.len = 0;
			out.over = false;
			return;
		}
		if (out.over)
			out_record(&e, NULL, msg);
		out_record(&h, NULL, NULL);
		(void)fd_write_all(fd, out.buf, out.len);
		out.len = 0;
		out.over = false;
		return;
	}
	if (out.over)
		return;
	/* Always keep room for an error record and the end. */
	if (!out_reserve(3 * sizeof(h) + h.name_len + len + 32)) {
		out.over = true;
		(void)out_reserve(3 * sizeof(h) + 32);
		return;
	}
	out_record(&h, name, data);
}

static void emit_error(int fd, const char *path, int err)
{
	const char *msg = strerror(err);
	emit(fd, UF_ERROR, path, msg, strlen(msg));
}

/* Read path (as the caller) and emit it; absent files are silently skipped. */
static void emit_file(int fd, enum uf_kind kind, const char *path, size_t max)
{
	int f = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (f < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			emit_error(fd, path, errno);
		return;
	}
	if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode)) {
		emit_error(fd, path, S_ISREG(st.st_mode) ? errno : EINVAL);
		close(f);
		return;
	}
	if ((size_t)st.st_size > max) {
		emit_error(fd, path, EFBIG);
		close(f);
		return;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(f);
		emit_error(fd, path, ENOMEM);
		return;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(f, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(f);
	emit(fd, kind, path, buf, got);
	free(buf);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.rules regular file of dir, in name order. */
static void emit_rules_dir(int fd, enum uf_kind kind, const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			emit_error(fd, dir, errno);
		return;
	}
	while ((de = readdir(d)) && n < USER_FILES_MAX_FILES) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 7 || strcmp(de->d_name + l - 6, ".rules") != 0)
			continue;
		if (n == cap) {
			char **t = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof(char *));
			if (!t)
				break;
			names = t;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_name);
	for (size_t i = 0; i < n; i++) {
		char *path = NULL;
		if (*count < USER_FILES_MAX_FILES && path_join(dir, names[i], &path) == 0) {
			emit_file(fd, kind, path, CX_MAX_RULES_FILE);
			(*count)++;
		}
		free(path);
		free(names[i]);
	}
	free(names);
}

static bool is_dir(const char *dir, const char *name)
{
	char *p = NULL;
	struct stat st;
	bool r;

	if (path_join(dir, name, &p) < 0)
		return false;
	r = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return r;
}

static bool exists(const char *dir, const char *name)
{
	char *p = NULL;
	bool r;

	if (path_join(dir, name, &p) < 0)
		return false;
	r = access(p, F_OK) == 0;
	free(p);
	return r;
}

/*
 * The project: the nearest directory at or above cwd holding .codex,
 * looking no higher than the repository root (a directory with .git) and
 * never at $HOME itself (whose .codex is the user layer).
 */
static void emit_project(int fd, const char *home, const char *cwd, size_t *count)
{
	char *dir = strdup(cwd);

	for (int depth = 0; dir && depth < 64; depth++) {
		char *parent = NULL;

		if (strcmp(dir, home) == 0)
			break;
		if (is_dir(dir, ".codex")) {
			char *conf = NULL, *rules = NULL;

			emit(fd, UF_PROJECT_ROOT, dir, NULL, 0);
			if (path_join(dir, ".codex/config.toml", &conf) == 0)
				emit_file(fd, UF_PROJECT_CONFIG, conf, CX_MAX_CONF_FILE);
			if (path_join(dir, ".codex/rules", &rules) == 0)
				emit_rules_dir(fd, UF_PROJECT_RULE, rules, count);
			free(conf);
			free(rules);
			break;
		}
		if (exists(dir, ".git") || strcmp(dir, "/") == 0)
			break;
		if (path_dirname(dir, &parent) < 0)
			break;
		free(dir);
		dir = parent;
	}
	free(dir);
}

/*
 * Drop empty and "." components in place ("/a//./b" -> "/a/b") so that a
 * program found through "./x" or a relative PATH entry is reported as the
 * absolute path the kernel will run.  ".." is left alone: it cannot be
 * removed without resolving symlinks, and the reader then treats the
 * program as unresolved.
 */
static void clean_path(char *p)
{
	char *w = p, *r = p;

	while (*r) {
		size_t n;
		while (*r == '/')
			r++;
		n = strcspn(r, "/");
		if (n == 0)
			break;
		if (!(n == 1 && r[0] == '.')) {
			*w++ = '/';
			memmove(w, r, n);
			w += n;
		}
		r += n;
	}
	if (w == p)
		*w++ = '/';
	*w = '\0';
}

/* Where execvp() would find program: PATH entries in order (relative ones against cwd). */
static void emit_resolved(int fd, const char *program, const char *path, const char *cwd)
{
	const char *p = path && path[0] ? path : "/usr/local/bin:/usr/bin:/bin";
	char buf[CX_MAX_PATH + 1];

	if (strchr(program, '/')) {
		if (program[0] == '/')
			emit(fd, UF_RESOLVED, program, program, strlen(program));
		else if (cwd && snprintf(buf, sizeof(buf), "%s/%s", cwd, program) < (int)sizeof(buf)) {
			clean_path(buf);
			emit(fd, UF_RESOLVED, program, buf, strlen(buf));
		}
		return;
	}
	while (*p) {
		size_t n = strcspn(p, ":");
		struct stat st;
		int w;

		if (n == 0)
			w = snprintf(buf, sizeof(buf), "%s/%s", cwd ? cwd : ".", program);
		else if (p[0] == '/')
			w = snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, program);
		else
			w = snprintf(buf, sizeof(buf), "%s/%.*s/%s", cwd ? cwd : ".", (int)n, p,
				     program);
		if (w > 0 && w < (int)sizeof(buf) && stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(buf, X_OK) == 0) {
			clean_path(buf);
			emit(fd, UF_RESOLVED, program, buf, strlen(buf));
			return;
		}
		p += n;
		if (*p == ':')
			p++;
	}
}

static int mkdir_own(const char *dir, const char *name, char **ret)
{
	int r = path_join(dir, name, ret);

	if (r < 0)
		return r;
	if (mkdir(*ret, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* As the user: append line to ~/.codex/rules/default.rules (never through a symlink). */
static void append_rule(int fd, const char *home, const char *line)
{
	static const char header[] = "# Added by codexd (approve_always)\n";
	char *codex = NULL, *rules = NULL, *file = NULL;
	struct stat st;
	int f = -1, r;

	r = mkdir_own(home, ".codex", &codex);
	if (r == 0)
		r = mkdir_own(codex, "rules", &rules);
	if (r == 0)
		r = path_join(rules, "default.rules", &file);
	if (r < 0)
		goto out;
	f = open(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	if (f < 0 || fstat(f, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size + strlen(line) + 64 > CX_MAX_RULES_FILE) {
		r = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out;
	}
	if (st.st_size > 0) {
		char last = '\n';
		int rf = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (rf >= 0) {
			if (pread(rf, &last, 1, st.st_size - 1) != 1)
				last = '\n';
			close(rf);
		}
		if (last != '\n' && fd_write_all(f, "\n", 1) < 0) {
			r = -errno;
			goto out;
		}
	}
	if (fd_write_all(f, header, sizeof(header) - 1) < 0 ||
	    fd_write_all(f, line, strlen(line)) < 0 || fd_write_all(f, "\n", 1) < 0 ||
	    fsync(f) < 0) {
		r = -errno;
		goto out;
	}
	emit(fd, UF_APPENDED, file, NULL, 0);
out:
	if (r < 0)
		emit_error(fd, file ? file : home, -r);
	if (f >= 0)
		close(f);
	free(codex);
	free(rules);
	free(file);
}

/* One request, answered with records ending in UF_END. */
static void serve(int fd, const struct user_files_request *req)
{
	size_t count = 0;
	char *p = NULL;

	emit(fd, UF_HOME, req->home, NULL, 0);
	if (req->append_rule)
		append_rule(fd, req->home, req->append_rule);
	if (path_join(req->home, ".codex/config.toml", &p) == 0)
		emit_file(fd, UF_USER_CONFIG, p, CX_MAX_CONF_FILE);
	free(p);
	p = NULL;
	if (path_join(req->home, ".codex/rules", &p) == 0)
		emit_rules_dir(fd, UF_USER_RULE, p, &count);
	free(p);
	if (req->cwd)
		emit_project(fd, req->home, req->cwd, &count);
	for (char *const *prog = req->programs; prog && *prog; prog++)
		emit_resolved(fd, *prog, req->path, req->cwd);
	emit(fd, UF_END, NULL, NULL, 0);
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Next NUL-terminated string of [*pos, end), or NULL. */
static const char *next_str(const char **pos, const char *end)
{
	const char *s = *pos, *z = memchr(s, '\0', (size_t)(end - s));

	if (!z)
		return NULL;
	*pos = z + 1;
	return s;
}

int user_files_request_decode(const char *body, size_t len, struct user_files_request *req,
			      const char ***ret_programs)
{
	const char *pos = body + 2 * sizeof(uint32_t), *end = body + len;
	const char **progs;
	uint32_t flags, n;

	*req = (struct user_files_request){ 0 };
	*ret_programs = NULL;
	if (len < 2 * sizeof(uint32_t))
		return -EPROTO;
	memcpy(&flags, body, sizeof(flags));
	memcpy(&n, body + sizeof(flags), sizeof(n));
	if (n > USER_FILES_MAX_PROGRAMS || (flags & ~(uint32_t)UFQ_ALL))
		return -EPROTO;
	progs = calloc((size_t)n + 1, sizeof(*progs));
	if (!progs)
		return -ENOMEM;
	req->home = next_str(&pos, end);
	if (flags & UFQ_CWD)
		req->cwd = next_str(&pos, end);
	if (flags & UFQ_PATH)
		req->path = next_str(&pos, end);
	if (flags & UFQ_APPEND)
		req->append_rule = next_str(&pos, end);
	for (uint32_t i = 0; i < n; i++)
		if (!(progs[i] = next_str(&pos, end)))
			break;
	if (!req->home || ((flags & UFQ_CWD) && !req->cwd) || ((flags & UFQ_PATH) && !req->path) ||
	    ((flags & UFQ_APPEND) && !req->append_rule) || (n && !progs[n - 1]) || pos != end) {
		free(progs);
		return -EPROTO;
	}
	req->programs = (char *const *)progs;
	*ret_programs = progs;
	return 0;
}

static int add_str(char **buf, size_t *len, const char *s)
{
	size_t l = strlen(s) + 1;
	char *t;

	if (*len + l > USER_FILES_MAX_REQUEST)
		return -E2BIG;
	t = realloc(*buf, *len + l);
	if (!t)
		return -ENOMEM;
	memcpy(t + *len, s, l);
	*buf = t;
	*len += l;
	return 0;
}

int user_files_request_encode(const struct user_files_request *req, char **ret, size_t *ret_len)
{
	struct uf_request_header h = { UFQ_MAGIC, 0 };
	uint32_t flags = (req->cwd ? UFQ_CWD : 0) | (req->path ? UFQ_PATH : 0) |
			 (req->append_rule ? UFQ_APPEND : 0),
		 n = 0;
	size_t len = sizeof(h) + 2 * sizeof(uint32_t);
	char *buf;
	int r;

	for (char *const *p = req->programs; p && *p; p++)
		n++;
	if (n > USER_FILES_MAX_PROGRAMS)
		return -E2BIG;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf + sizeof(h), &flags, sizeof(flags));
	memcpy(buf + sizeof(h) + sizeof(flags), &n, sizeof(n));
	r = add_str(&buf, &len, req->home);
	if (r == 0 && req->cwd)
		r = add_str(&buf, &len, req->cwd);
	if (r == 0 && req->path)
		r = add_str(&buf, &len, req->path);
	if (r == 0 && req->append_rule)
		r = add_str(&buf, &len, req->append_rule);
	for (char *const *p = req->programs; r == 0 && p && *p; p++)
		r = add_str(&buf, &len, *p);
	if (r < 0) {
		free(buf);
		return r;
	}
	h.len = (uint32_t)(len - sizeof(h));
	memcpy(buf, &h, sizeof(h));
	*ret = buf;
	*ret_len = len;
	return 0;
}

/*
 * The helper's life after the privilege drop: answer requests one at a
 * time until the daemon closes its end (or sends something malformed).
 */
void user_files_helper_serve(int fd)
{
	for (;;) {
		struct uf_request_header h;
		struct user_files_request req;
		const char **progs;
		char *body;

		if (read_full(fd, &h, sizeof(h)) < 0 || h.magic != UFQ_MAGIC ||
		    h.len > USER_FILES_MAX_REQUEST)
			return;
		body = malloc((size_t)h.len + 1);
		if (!body)
			return;
		if (read_full(fd, body, h.len) < 0 ||
		    user_files_request_decode(body, h.len, &req, &progs) < 0) {
			free(body);
			return;
		}
		serve(fd, &req);
		free(progs);
		free(body);
	}
}

int user_files_helper_main(void)
{
	struct stat st;

	(void)prctl(PR_SET_NAME, "codexd-files", 0, 0, 0);
	/* Only ever started by the daemon, with its socket as descriptor 3. */
	if (fstat(3, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "codexd: --user-files-helper is started by codexd only\n");
		return 2;
	}
	user_files_helper_serve(3);
	return 0;
}

/* ------------------------------------------------------------ parsing (main) */

int user_files_parse_config(const struct user_file *f, struct conf_doc **ret, char *err,
			    size_t errsz)
{
	_cleanup_conf_doc_ struct conf_doc *doc = NULL;
	int r;

	*ret = NULL;
	if (!f->name)
		return 0;
	doc = conf_doc_new();
	if (!doc)
		return -ENOMEM;
	r = conf_parse_buffer(f->text, f->len, f->name, doc, err, errsz);
	if (r < 0) {
		if (!err[0])
			snprintf(err, errsz, "%s: %s", f->name, strerror(-r));
		return r == -ENOMEM ? r : -EINVAL;
	}
	*ret = TAKE_PTR(doc);
	return 0;
}

int user_files_parse_rules(const struct user_files *f, bool project, struct rules_set **ret,
			   char *err, size_t errsz)
{
	_cleanup_(rules_set_freep) struct rules_set *set = rules_set_new();
	int r;

	*ret = NULL;
	if (!set)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_user_rules; i++) {
		r = rules_set_add_text(set, RULES_LAYER_USER, f->user_rules[i].name,
				       f->user_rules[i].text, f->user_rules[i].len, err, errsz);
		if (r < 0)
			return r == -ENOMEM ? r : -EINVAL;
	}
	for (size_t i = 0; project && i < f->n_project_rules; i++) {
		r = rules_set_add_text(set, RULES_LAYER_PROJECT, f->project_rules[i].name,
				       f->project_rules[i].text, f->project_rules[i].len, err,
				       errsz);
		if (r < 0)
			return r == -ENOMEM ? r : -EINVAL;
	}
	*ret = TAKE_PTR(set);
	return 0;
}


static void file_free(struct user_file *f)
{
	free(f->name);
	free(f->text);
	*f = (struct user_file){ 0 };
}

void user_files_free(struct user_files *f)
{
	if (!f)
		return;
	free(f->home);
	file_free(&f->user_config);
	for (size_t i = 0; i < f->n_user_rules; i++)
		file_free(&f->user_rules[i]);
	free(f->user_rules);
	free(f->project_root);
	file_free(&f->project_config);
	for (size_t i = 0; i < f->n_project_rules; i++)
		file_free(&f->project_rules[i]);
	free(f->project_rules);
	strv_free(f->resolved);
	free(f->error);
	free(f);
}

static int take(struct user_file *dst, const char *name, size_t nl, const char *data, size_t dl)
{
	dst->name = strndup(name, nl);
	dst->text = malloc(dl + 1);
	if (!dst->name || !dst->text)
		return -ENOMEM;
	memcpy(dst->text, data, dl);
	dst->text[dl] = '\0';
	dst->len = dl;
	return 0;
}

static int push_file(struct user_file **v, size_t *n, const char *name, size_t nl, const char *data,
		     size_t dl)
{
	struct user_file *t;

	if (*n >= USER_FILES_MAX_FILES)
		return -E2BIG;
	t = realloc(*v, (*n + 1) * sizeof(**v));
	if (!t)
		return -ENOMEM;
	*v = t;
	(*v)[*n] = (struct user_file){ 0 };
	(*n)++;
	return take(&(*v)[*n - 1], name, nl, data, dl);
}

int user_files_parse(const char *buf, size_t len, struct user_files *ret)
{
	struct user_files f = { 0 };
	size_t off = 0;
	bool ended = false;
	int r = 0;

	while (off < len && !ended) {
		struct uf_header h;
		const char *name, *data;

		if (len - off < sizeof(h)) {
			r = -EPROTO;
			break;
		}
		memcpy(&h, buf + off, sizeof(h));
		off += sizeof(h);
		if (h.magic != UF_MAGIC || h.kind == 0 || h.kind >= _UF_KIND_MAX ||
		    h.name_len > CX_MAX_PATH || h.data_len > len || len - off < h.name_len ||
		    len - off - h.name_len < h.data_len) {
			r = -EPROTO;
			break;
		}
		name = buf + off;
		data = name + h.name_len;
		off += h.name_len + h.data_len;
		switch (h.kind) {
		case UF_HOME:
			free(f.home);
			f.home = strndup(name, h.name_len);
			r = f.home ? 0 : -ENOMEM;
			break;
		case UF_USER_CONFIG:
			file_free(&f.user_config);
			r = take(&f.user_config, name, h.name_len, data, h.data_len);
			break;
		case UF_USER_RULE:
			r = push_file(&f.user_rules, &f.n_user_rules, name, h.name_len, data,
				      h.data_len);
			break;
		case UF_PROJECT_ROOT:
			free(f.project_root);
			f.project_root = strndup(name, h.name_len);
			r = f.project_root ? 0 : -ENOMEM;
			break;
		case UF_PROJECT_CONFIG:
			file_free(&f.project_config);
			r = take(&f.project_config, name, h.name_len, data, h.data_len);
			break;
		case UF_PROJECT_RULE:
			r = push_file(&f.project_rules, &f.n_project_rules, name, h.name_len, data,
				      h.data_len);
			break;
		case UF_RESOLVED: {
			char *a = strndup(name, h.name_len), *b = strndup(data, h.data_len);
			if (!a || !b || strlen(b) != h.data_len || !path_is_absolute_normalized(b)) {
				free(a);
				free(b);
				r = a && b ? 0 : -ENOMEM; /* an odd path: treated as unresolved */
				break;
			}
			r = strv_push(&f.resolved, a);
			if (r == 0)
				r = strv_push(&f.resolved, b);
			else
				free(b);
			break;
		}
		case UF_ERROR:
			if (!f.error) {
				char msg[CX_MAX_PATH + 128];
				snprintf(msg, sizeof(msg), "%.*s: %.*s", (int)h.name_len, name,
					 (int)MIN(h.data_len, 100u), data);
				f.error = strdup(msg);
			}
			break;
		case UF_END:
			ended = true;
			break;
		case UF_APPENDED:
			f.appended = true;
			break;
		}
		if (r < 0)
			break;
	}
	if (r == 0 && !ended)
		r = -EPROTO;
	if (r < 0) {
		struct user_files *tmp = malloc(sizeof(*tmp));
		if (tmp) {
			*tmp = f;
			user_files_free(tmp);
		}
		return r;
	}
	*ret = f;
	return 0;
}

ssize_t user_files_frame_len(const char *buf, size_t len)
{
	size_t off = 0;

	for (;;) {
		struct uf_header h;
		size_t rec;

		if (len - off < sizeof(h))
			return 0;
		memcpy(&h, buf + off, sizeof(h));
		if (h.magic != UF_MAGIC || h.kind == 0 || h.kind >= _UF_KIND_MAX ||
		    h.name_len > CX_MAX_PATH || h.data_len > USER_FILES_MAX_BYTES)
			return -EPROTO;
		rec = sizeof(h) + h.name_len + h.data_len;
		if (off + rec > USER_FILES_MAX_BYTES + 65536)
			return -E2BIG;
		if (len - off < rec)
			return 0;
		off += rec;
		if (h.kind == UF_END)
			return (ssize_t)off;
	}
}

