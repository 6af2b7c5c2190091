/* SPDX-License-Identifier: MIT */
/*
 * codexd-proxy: the network proxy worker (codexd(8), "PROXY WORKER").
 * Started by codexd only: already running as the unprivileged proxy user
 * with no capabilities and no_new_privs, with the daemon channel on
 * descriptor 3.  It refuses to run as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/log.h"
#include "common/proxy_proto.h"
#include "proxy/worker.h"

static struct worker the_worker;

struct worker *worker_get(void)
{
	return &the_worker;
}

/* The host's first nameserver, as the default upstream (read before the filter). */
static void default_dns(struct worker *w)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char addr[128];
		if (sscanf(line, " nameserver %127s", addr) == 1 &&
		    worker_set_dns_server(w, addr) == 0)
			break;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-level", required_argument, NULL, 'l' },
		{ 0 },
	};
	struct worker *w = &the_worker;
	enum log_level level = LOG_LEVEL_INFO;
	int c, r;

	log_setup("codexd-proxy", LOG_STYLE_DAEMON, LOG_LEVEL_INFO);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l' && log_level_from_string(optarg, &level) == 0)
			continue;
		fprintf(stderr, "usage: codexd-proxy [--log-level LEVEL] (started by codexd)\n");
		return 2;
	}
	log_set_max_level(level);
	if (geteuid() == 0 || getuid() == 0) {
		log_error("codexd-proxy must not run as root (codexd starts it as the proxy user)");
		return 1;
	}
	if (fcntl(PROXY_CHAN_FD, F_GETFD) < 0) {
		log_error("no daemon channel on descriptor %d (codexd starts this program)",
			  PROXY_CHAN_FD);
		return 1;
	}
	(void)prctl(PR_SET_NAME, "codexd-proxy", 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	w->chan_fd = PROXY_CHAN_FD;
	(void)fd_set_nonblock(w->chan_fd, true);
	(void)fcntl(w->chan_fd, F_SETFD, FD_CLOEXEC);
	default_dns(w);
	w->loop = uv_default_loop();
	r = worker_chan_start(w);
	if (r < 0) {
		log_error("cannot start: %s", strerror(-r));
		return 1;
	}
	r = worker_seccomp_install();
	if (r < 0) {
		log_error("cannot install the seccomp filter: %s", strerror(-r));
		return 1;
	}
	log_info("ready (pid %d, uid %u)", (int)getpid(), (unsigned)getuid());
	uv_run(w->loop, UV_RUN_DEFAULT);
	return 0;
}
