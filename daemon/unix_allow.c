/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_reader.h"
#include "common/log.h"
#include "common/path_util.h"
#include "common/strv.h"
#include "daemon/conf.h"
#include "daemon/unix_allow.h"

#define KEY "allow_unix_sockets"

/* One user layer: keep what both the list so far and the layer name. */
static int narrow(const struct conf_doc *doc, bool managed, char ***list, bool *on,
		  char ***warnings, char *err, size_t errsz)
{
	const struct conf_entry *e = doc ? conf_doc_get(doc, "network", KEY) : NULL;
	_cleanup_strv_free_ char **v = NULL, **keep = NULL;
	int r;

	if (!e)
		return 0;
	r = conf_entry_get_strv(e, &v, err, errsz);
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	keep = calloc(1, sizeof(*keep));
	if (!keep)
		return -ENOMEM;
	for (char **p = v; *p; p++) {
		char w[600];

		if (!path_is_absolute_normalized(*p)) {
			snprintf(err, errsz,
				 "%s:%u: [network] %s: %s is not an absolute, normalised path",
				 e->file, e->line, KEY, log_q(*p));
			return -EINVAL;
		}
		if (*on && strv_contains(*list, *p)) {
			if (!strv_contains(keep, *p) && strv_extend(&keep, *p) < 0)
				return -ENOMEM;
			continue;
		}
		snprintf(w, sizeof(w), "%s:%u: [network] %s: %s ignored: %s", e->file, e->line, KEY,
			 log_q(*p),
			 managed ? "not in the managed [network] allow_unix_sockets"
				 : "the managed configuration allows no Unix sockets");
		if (strv_extend(warnings, w) < 0)
			return -ENOMEM;
	}
	strv_free(*list);
	*list = TAKE_PTR(keep);
	*on = true;
	return 0;
}

int unix_allow_build(const struct daemon_config *cfg, const struct conf_doc *user,
		     const struct conf_doc *project, bool *ret_on, char ***ret, char ***warnings,
		     char *err, size_t errsz)
{
	_cleanup_strv_free_ char **list = NULL;
	bool managed = cfg->net_unix_sockets != NULL, on = managed;
	int r;

	if (managed) {
		list = strv_copy(cfg->net_unix_sockets);
		if (!list)
			return -ENOMEM;
	}
	r = narrow(user, managed, &list, &on, warnings, err, errsz);
	if (r == 0)
		r = narrow(project, managed, &list, &on, warnings, err, errsz);
	if (r < 0)
		return r;
	*ret_on = on;
	*ret = on ? TAKE_PTR(list) : NULL;
	return 0;
}
