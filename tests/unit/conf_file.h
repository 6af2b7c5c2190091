/* SPDX-License-Identifier: MIT */
/*
 * For the unit tests of daemon/conf.c: a configuration written to a real
 * file and loaded with conf_load().  Managed files must be root-owned, so
 * these tests run as root with the rest of `make check` and skip
 * otherwise (NEED_ROOT()).  Include after <cmocka.h>.
 */
#ifndef CX_TEST_CONF_FILE_H
#define CX_TEST_CONF_FILE_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/conf.h"

static char dir[] = "/tmp/cx-test-conf.XXXXXX";
static char path[sizeof(dir) + 32];

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/codexd.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[sizeof(dir) + 16];

	(void)state;
	if (geteuid() != 0)
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define NEED_ROOT()                                                                                \
	do {                                                                                       \
		if (geteuid() != 0)                                                                \
			skip();                                                                    \
	} while (0)

/* Load text as the configuration: 0 with *ret, or -errno with err. */
static int load_conf(const char *text, struct daemon_config **ret, char *err, size_t errsz)
{
	FILE *f;

	NEED_ROOT();
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, 0644), 0);
	err[0] = '\0';
	return conf_load(path, NULL, NULL, ret, err, errsz);
}

#endif
