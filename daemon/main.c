/* SPDX-License-Identifier: MIT */
/*
 * codexd: start-up, signals, reload and shutdown.  See codexd(8).
 */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/protocol.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/daemon.h"
#include "daemon/exec.h"
#include "daemon/listen.h"
#include "daemon/notify.h"
#include "daemon/probe.h"
#include "daemon/spawn.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: codexd [--foreground] [--config FILE] [--socket PATH] "
		   "[--state-dir DIR]\n"
		   "              [--log-level LEVEL] [--check-config] [--version]\n");
}

uint64_t daemon_uptime_ms(const struct daemon *d)
{
	return (uv_hrtime() - d->started_hrtime) / 1000000;
}

static void on_handle_closed_noop(uv_handle_t *h)
{
	(void)h;
}

void daemon_shutdown(struct daemon *d, const char *why)
{
	struct list_node *pos, *tmp;

	if (!d->shutting_down) {
		d->shutting_down = true;
		log_info("shutting down: %s", why ? why : "requested");
		notify_stopping();
		listen_stop(d);
		exec_kill_all(d, "daemon shutting down");
		LIST_FOREACH_SAFE(pos, tmp, &d->conns)
		{
			conn_close(list_entry(pos, struct conn, node), "daemon shutting down");
		}
	}
	/* Leave the loop once every sandbox has been reaped and every client closed. */
	if (d->n_execs == 0 && d->n_conns == 0 && uv_is_active((uv_handle_t *)&d->sig_term)) {
		uv_close((uv_handle_t *)&d->sig_term, on_handle_closed_noop);
		uv_close((uv_handle_t *)&d->sig_int, on_handle_closed_noop);
		uv_close((uv_handle_t *)&d->sig_hup, on_handle_closed_noop);
		notify_watchdog_stop(d);
	}
}

int daemon_reload(struct daemon *d, char *err, size_t errsz)
{
	struct daemon_config *n = NULL, *old;
	int r;

	notify_reloading();
	r = conf_load(d->config_path, d->opt_socket, d->opt_state_dir, &n, err, errsz);
	if (r < 0) {
		d->stats.reload_failures++;
		free(d->last_reload_error);
		d->last_reload_error = strdup(err);
		log_error("reload failed, keeping generation %llu: %s",
			  (unsigned long long)d->cfg_generation, err);
		notify_ready("ready (reload failed; previous configuration kept)");
		return r;
	}
	if (strcmp(n->socket_path, d->cfg->socket_path) != 0)
		log_warning("socket path changed to %s: takes effect at the next start",
			    n->socket_path);
	old = d->cfg;
	d->cfg = n;
	conf_free(old);
	d->cfg_generation++;
	d->stats.reloads++;
	free(d->last_reload_error);
	d->last_reload_error = NULL;
	log_set_max_level(n->log_level);
	(void)listen_apply_permissions(d);
	log_info("configuration reloaded (generation %llu)", (unsigned long long)d->cfg_generation);
	notify_ready("ready (reloaded)");
	return 0;
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	char err[512];

	if (signum == SIGHUP) {
		(void)daemon_reload(d, err, sizeof(err));
		return;
	}
	daemon_shutdown(d, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/*
 * The daemon needs root's powers to build sandboxes; say exactly which are
 * missing instead of failing later in a sandbox child.
 */
static int check_capabilities(void)
{
	static const struct {
		int cap;
		const char *name;
	} need[] = {
		{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN" }, { CAP_SETUID, "CAP_SETUID" },
		{ CAP_SETGID, "CAP_SETGID" },       { CAP_SETPCAP, "CAP_SETPCAP" },
		{ CAP_KILL, "CAP_KILL" },
	};
	int missing = 0;

	if (capng_get_caps_process() < 0)
		return log_error_errno(-EIO, "cannot read the daemon's capabilities");
	for (size_t i = 0; i < ARRAY_SIZE(need); i++)
		if (capng_have_capability(CAPNG_EFFECTIVE, (unsigned)need[i].cap) != 1) {
			log_error("codexd lacks %s", need[i].name);
			missing++;
		}
	return missing ? -EPERM : 0;
}

static int ensure_dir(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return negative_errno();
	if (lstat(path, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

static void print_config_summary(const struct daemon_config *cfg, const struct probe_features *f)
{
	printf("configuration OK\n");
	for (char **p = cfg->files; p && *p; p++)
		printf("  read %s\n", *p);
	if (!cfg->files || !cfg->files[0])
		printf("  no configuration file: built-in defaults\n");
	printf("  socket %s\n  state directory %s\n  sandbox_mode %s\n", cfg->socket_path,
	       cfg->state_dir, sandbox_mode_to_string(cfg->sandbox_mode));
	printf("kernel %s: landlock ABI %d, seccomp %s, user notification %s, pidfd %s, "
	       "cgroup %s\n",
	       f->kernel, f->landlock_abi, f->seccomp ? "yes" : "no",
	       f->seccomp_notify ? "yes" : "no", f->pidfd ? "yes" : "no", f->cgroup);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct daemon d = { .listener = { .fd = -1 }, .lifeline = { -1, -1 } };
	bool check_only = false, level_given = false;
	enum log_level level = LOG_LEVEL_INFO;
	char err[1024];
	int c, r;

	log_setup("codexd", LOG_STYLE_DAEMON, LOG_LEVEL_INFO);
	d.config_path = CX_DEFAULT_CONFIG;

	while ((c = getopt_long(argc, argv, "fc:s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			d.foreground = true;
			break;
		case 'c':
			d.config_path = optarg;
			break;
		case 's':
			d.opt_socket = optarg;
			break;
		case 'S':
			d.opt_state_dir = optarg;
			break;
		case 'l':
			if (log_level_from_string(optarg, &level) < 0) {
				fprintf(stderr, "codexd: unknown log level %s\n", log_q(optarg));
				return 2;
			}
			level_given = true;
			break;
		case 'C':
			check_only = true;
			break;
		case 'V':
			printf("codexd %s (protocol %d)\n", CX_VERSION, CX_PROTOCOL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check_only)
		log_setup("codexd", LOG_STYLE_PLAIN, LOG_LEVEL_WARNING);

	r = conf_load(d.config_path, d.opt_socket, d.opt_state_dir, &d.cfg, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "codexd: %s\n", err);
		return 1;
	}
	log_set_max_level(level_given ? level : d.cfg->log_level);
	probe_features(&d.features);
	if (check_only) {
		print_config_summary(d.cfg, &d.features);
		conf_free(d.cfg);
		return 0;
	}

	if (geteuid() != 0) {
		log_error("codexd must run as root: it builds sandboxes and runs each command as "
			  "the calling user");
		return 1;
	}
	if (check_capabilities() < 0)
		return 1;
	r = spawn_read_cap_last_cap(&d.cap_last_cap);
	if (r < 0) {
		log_error_errno(r, "cannot read /proc/sys/kernel/cap_last_cap");
		return 1;
	}
	if (!d.features.pidfd || !d.features.clone3 || !d.features.ns_pid) {
		log_error("this kernel lacks pidfd, clone3 or PID namespaces (Linux >= 5.5 needed)");
		return 1;
	}
	if (sodium_init() < 0) {
		log_error("libsodium failed to initialise");
		return 1;
	}
	r = ensure_dir(d.cfg->state_dir, 0750);
	if (r < 0) {
		log_error_errno(r, "cannot use state directory %s", d.cfg->state_dir);
		return 1;
	}
	if (pipe2(d.lifeline, O_CLOEXEC) < 0) {
		log_error_errno(negative_errno(), "pipe");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	d.loop = uv_default_loop();
	list_init(&d.conns);
	list_init(&d.execs);
	d.started_hrtime = uv_hrtime();
	{
		struct timeval tv;
		gettimeofday(&tv, NULL);
		d.started_realtime_usec = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	}
	d.cfg_generation = 1;

	r = listen_setup(&d, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		return 1;
	}
	uv_signal_init(d.loop, &d.sig_term);
	uv_signal_init(d.loop, &d.sig_int);
	uv_signal_init(d.loop, &d.sig_hup);
	d.sig_term.data = d.sig_int.data = d.sig_hup.data = &d;
	uv_signal_start(&d.sig_term, on_signal, SIGTERM);
	uv_signal_start(&d.sig_int, on_signal, SIGINT);
	uv_signal_start(&d.sig_hup, on_signal, SIGHUP);
	notify_watchdog_start(&d);

	log_info("codexd %s ready (pid %d, landlock ABI %d, cgroup %s)", CX_VERSION, (int)getpid(),
		 d.features.landlock_abi, d.features.cgroup);
	notify_ready("listening");

	uv_run(d.loop, UV_RUN_DEFAULT);

	listen_stop(&d);
	uv_run(d.loop, UV_RUN_NOWAIT);
	(void)uv_loop_close(d.loop);
	safe_close(d.lifeline[0]);
	safe_close(d.lifeline[1]);
	free(d.listener.path);
	free(d.last_reload_error);
	conf_free(d.cfg);
	log_info("stopped");
	return 0;
}
