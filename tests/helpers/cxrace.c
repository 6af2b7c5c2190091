/* SPDX-License-Identifier: MIT */
/*
 * cxrace: tries to win the race between the supervisor's check of a path
 * and the open it makes (tests/integration/t_sandbox_fs.sh).  One thread
 * opens the path in a shared buffer again and again while another flips
 * the buffer between an allowed and a denied name as fast as it can.  A
 * supervisor that checked the path and then let the kernel read it again
 * (CONTINUE) would sooner or later open the denied file; one that opens
 * the path it checked never does.
 *
 *   cxrace ALLOWED DENIED COUNT [open|openat2|creat-dir]
 *
 * Prints "opens=N allowed=N denied=N errors=N" and exits 0 when no read
 * returned the denied file's content (the first line of DENIED as the
 * host wrote it is passed in the environment as CXRACE_SECRET), 1 when one
 * did, 2 on usage or set-up errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NAME_MAX_LEN 512

static char buf[NAME_MAX_LEN];
static char names[2][NAME_MAX_LEN];
static atomic_bool stop;

static void *flipper(void *arg)
{
	size_t len[2] = {strlen(names[0]) + 1, strlen(names[1]) + 1};
	unsigned i = 0;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		/* Byte by byte, so the string is also seen half-written. */
		const char *src = names[i & 1];

		for (size_t k = 0; k < len[i & 1]; k++)
			((volatile char *)buf)[k] = src[k];
		i++;
	}
	return NULL;
}

static int open_one(const char *how)
{
	if (strcmp(how, "openat2") == 0) {
		struct open_how h = {.flags = O_RDONLY | O_CLOEXEC};

		return (int)syscall(SYS_openat2, AT_FDCWD, buf, &h, sizeof(h));
	}
	return open(buf, O_RDONLY | O_CLOEXEC);
}

int main(int argc, char **argv)
{
	const char *secret = getenv("CXRACE_SECRET"), *how = argc > 4 ? argv[4] : "open";
	unsigned long count, opens = 0, allowed = 0, denied = 0, errors = 0;
	pthread_t th;
	char data[256];

	if (argc < 4 || !secret || !secret[0] || strlen(argv[1]) >= NAME_MAX_LEN ||
	    strlen(argv[2]) >= NAME_MAX_LEN) {
		fprintf(stderr,
			"usage: CXRACE_SECRET=TEXT cxrace ALLOWED DENIED COUNT [open|openat2]\n");
		return 2;
	}
	count = strtoul(argv[3], NULL, 10);
	strcpy(names[0], argv[1]);
	strcpy(names[1], argv[2]);
	strcpy(buf, names[0]);
	if (pthread_create(&th, NULL, flipper, NULL) != 0) {
		fprintf(stderr, "cxrace: pthread_create failed\n");
		return 2;
	}
	for (unsigned long i = 0; i < count; i++) {
		int fd = open_one(how);
		ssize_t n;

		opens++;
		if (fd < 0) {
			errors++;
			continue;
		}
		n = read(fd, data, sizeof(data) - 1);
		close(fd);
		if (n < 0) {
			errors++;
			continue;
		}
		data[n] = '\0';
		if (strstr(data, secret))
			denied++;
		else
			allowed++;
	}
	atomic_store(&stop, true);
	pthread_join(th, NULL);
	printf("opens=%lu allowed=%lu denied=%lu errors=%lu\n", opens, allowed, denied, errors);
	return denied ? 1 : 0;
}
