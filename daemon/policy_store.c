/* SPDX-License-Identifier: MIT */
/*
 * Runs as root on root's files: the directory is opened O_DIRECTORY|
 * O_NOFOLLOW and every file relative to it with O_NOFOLLOW; ownership and
 * modes are checked on the descriptors, so nobody but root can have placed
 * or changed what is parsed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cxlimits.h"
#include "common/log.h"
#include "common/path_util.h"
#include "common/strv.h"
#include "daemon/policy_store.h"
#include "policy/rules.h"


int policy_store_dir_for_config(const char *config_path, char **ret)
{
	_cleanup_free_ char *dir = NULL;
	int r = path_dirname(config_path, &dir);

	if (r < 0)
		return r;
	return path_join(dir, "rules.d", ret);
}

static int check_owner(int fd, const char *what, char *err, size_t errsz)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, errsz, "%s: must be owned by root and not writable by group or others",
			 what);
		return -EPERM;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(int dirfd, const char *name, const char *path, char **ret, size_t *ret_len,
		     char *err, size_t errsz)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return negative_errno();
	}
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		return -EINVAL;
	}
	r = check_owner(fd, path, err, errsz);
	if (r < 0)
		return r;
	if (st.st_size > CX_MAX_RULES_FILE) {
		snprintf(err, errsz, "%s: larger than %d bytes", path, CX_MAX_RULES_FILE);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int policy_store_load(const char *dir, struct rules_set **ret_set, char ***ret_files, char *err,
		      size_t errsz)
{
	_cleanup_(rules_set_freep) struct rules_set *set = rules_set_new();
	_cleanup_strv_free_ char **names = NULL, **files = NULL;
	_cleanup_close_ int dfd = -1;
	DIR *d;
	struct dirent *de;
	int r;

	if (!set)
		return -ENOMEM;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT) {
			*ret_set = TAKE_PTR(set);
			if (ret_files)
				*ret_files = NULL;
			return 0;
		}
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return negative_errno();
	}
	r = check_owner(dfd, dir, err, errsz);
	if (r < 0)
		return r;

	d = fdopendir(dup(dfd));
	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 7 || strcmp(de->d_name + n - 6, ".rules") != 0)
			continue;
		if (strv_length(names) >= CX_MAX_RULES_FILES) {
			closedir(d);
			snprintf(err, errsz, "%s: more than %d rules files", dir, CX_MAX_RULES_FILES);
			return -E2BIG;
		}
		r = strv_extend(&names, de->d_name);
		if (r < 0) {
			closedir(d);
			return r;
		}
	}
	closedir(d);
	if (names)
		qsort(names, strv_length(names), sizeof(char *), cmp_str);

	for (char **p = names; p && *p; p++) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		size_t len;

		r = path_join(dir, *p, &path);
		if (r < 0)
			return r;
		r = read_file(dfd, *p, path, &text, &len, err, errsz);
		if (r < 0)
			return r;
		r = rules_set_add_text(set, RULES_LAYER_MANAGED, path, text, len, err, errsz);
		if (r < 0)
			return r;
		r = strv_extend(&files, path);
		if (r < 0)
			return r;
	}
	*ret_set = TAKE_PTR(set);
	if (ret_files)
		*ret_files = TAKE_PTR(files);
	return 0;
}
