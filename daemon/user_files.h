/* SPDX-License-Identifier: MIT */
/*
 * The caller's own layers, read as the caller: ~/.codex/config.toml, the
 * .rules files of ~/.codex/rules, and for the project around the working
 * directory .codex/config.toml and the .rules files of .codex/rules (the
 * nearest directory at or
 * above cwd holding .codex, not above the repository root or $HOME).  Also
 * where each program of the command resolves through the command's PATH,
 * so rules decide on the binary that will actually run.
 *
 * The same helper also saves "don't ask again" rules (append_rule), so
 * that the file is created by, owned by and writable only through the
 * user's own permissions.
 *
 * The main process never opens these paths with root's credentials
 * (ARCHITECTURE.md): a helper process drops to the caller's uid, gids and
 * groups with no capabilities and no_new_privs, reads with the caller's
 * permissions, and streams length-prefixed records back over a socket.
 * Helpers are kept alive per identity (daemon/user_files_pool.c): one
 * serves one request at a time and reads every file afresh for each, so
 * an edit is seen by the very next request; nothing is cached.  The main
 * loop collects the answers asynchronously, bounded in size, count and
 * time; the text is untrusted and parsed by the callers (conf_reader,
 * rules parser) like any client input.
 *
 * Process: main (the helper is a child of it).
 */
#ifndef CX_USER_FILES_H
#define CX_USER_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "daemon/daemon.h"

#define USER_FILES_MAX_BYTES (4 * 1024 * 1024) /* everything read for one request */
#define USER_FILES_MAX_FILES 256
#define USER_FILES_TIMEOUT_MS 3000
#define USER_FILES_MAX_REQUEST (8 * 1024 * 1024) /* one encoded request */
#define USER_FILES_MAX_PROGRAMS 4096
/* Helpers kept alive (daemon/user_files_pool.c). */
#define USER_FILES_HELPER_IDLE_MS 30000 /* a helper with nothing to do exits after this */
#define USER_FILES_HELPERS_PER_ID 2     /* per identity (uid, gid, groups) */
#define USER_FILES_MAX_HELPERS 32       /* kept alive in all; more are used once */

struct user_file {
	char *name; /* path as found */
	char *text; /* contents, NUL-terminated (may contain NULs before len) */
	size_t len;
};

struct user_files {
	char *home;
	struct user_file user_config;      /* name NULL when absent */
	struct user_file *user_rules;
	size_t n_user_rules;
	char *project_root;                /* directory holding .codex, or NULL */
	struct user_file project_config;
	struct user_file *project_rules;
	size_t n_project_rules;
	char **resolved;                   /* pairs: program, absolute path (NULL-terminated) */
	bool appended;                     /* append_rule was written */
	char *error;                       /* a file that exists but could not be read, or NULL */
};

void user_files_free(struct user_files *f);

struct conf_doc;
struct rules_set;
/*
 * The caller's config.toml as read (*ret NULL when absent), or -EINVAL
 * with "file:line: message" in err, or -ENOMEM.  Process: main.
 */
int user_files_parse_config(const struct user_file *f, struct conf_doc **ret, char *err,
			    size_t errsz);
/*
 * The user's rules files, and the project's when project is set, in one
 * set (empty when there are none); -EINVAL with err, or -ENOMEM.
 */
int user_files_parse_rules(const struct user_files *f, bool project, struct rules_set **ret,
			   char *err, size_t errsz);

struct user_files_request {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	const char *home;           /* from the passwd database, never from the client */
	const char *cwd;            /* NULL: no project layer */
	char *const *programs;      /* argv[0]s to resolve (may be NULL) */
	const char *path;           /* the command's PATH (NULL: the default path) */
	/* Append this line (a rule) to ~/.codex/rules/default.rules first, creating the
	 * directories (0700) and the file (0600) as needed; NULL: read only. */
	const char *append_rule;
};

typedef void (*user_files_cb)(void *userdata, struct user_files *files, int err);

struct user_files_loader;

/*
 * Start reading.  cb runs later from the loop exactly once (unless
 * cancelled) with the files (cb owns them) or err < 0 (-ETIMEDOUT,
 * -E2BIG, -EPROTO ...).  Returns 0 with *ret, or -errno (cb never runs).
 */
int user_files_load(struct daemon *d, const struct user_files_request *req, user_files_cb cb,
		    void *userdata, struct user_files_loader **ret);
/* Stop: kill the helper; cb will not run. */
void user_files_cancel(struct user_files_loader *l);

/* Parse a helper's record stream (exposed for unit tests and fuzzing). */
int user_files_parse(const char *buf, size_t len, struct user_files *ret);

/*
 * The length of the first complete answer in buf (its records through
 * UF_END), 0 when more bytes are needed, -EPROTO for a malformed record,
 * -E2BIG past USER_FILES_MAX_BYTES.
 */
ssize_t user_files_frame_len(const char *buf, size_t len);

/* A request as the helper reads it (strings are copied; *ret is malloc'd). */
int user_files_request_encode(const struct user_files_request *req, char **ret, size_t *ret_len);
/*
 * Decode the body of one request (after its header).  The strings point
 * into body; req->programs is *ret_programs, which the caller frees.
 */
int user_files_request_decode(const char *body, size_t len, struct user_files_request *req,
			      const char ***ret_programs);

/*
 * In the helper, already running as the user: answer requests read from
 * fd until it is closed or something malformed arrives.
 */
void user_files_helper_serve(int fd);
/* codexd --user-files-helper: the helper's image, serving descriptor 3. */
int user_files_helper_main(void);

/* Kill every helper (shutdown) and free the pool. */
void user_files_pool_free(struct daemon *d);

#endif
