/* SPDX-License-Identifier: MIT */
/*
 * codexd: start-up, signals, reload and shutdown.  See codexd(8).
 */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <seccomp.h>
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
#include "daemon/approvals.h"
#include "daemon/audit.h"
#include "daemon/audit_conf.h"
#include "daemon/audit_events.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/daemon.h"
#include "daemon/user_files.h"
#include "daemon/decide.h"
#include "daemon/exec.h"
#include "daemon/fdlimit.h"
#include "daemon/listen.h"
#include "daemon/memtrim.h"
#include "daemon/notify.h"
#include "daemon/policy_store.h"
#include "policy/rules.h"
#include "daemon/probe.h"
#include "daemon/proxy.h"
#include "daemon/selftest.h"
#include "daemon/sessions.h"
#include "daemon/spawn.h"
#include "daemon/spawner.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: codexd [--foreground] [--config FILE] [--socket PATH] "
		   "[--state-dir DIR]\n"
		   "              [--log-level LEVEL] [--check-config] [--version]\n"
		   "       codexd --self-test [--json] [--user NAME]\n");
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
		/* Reading the PID namespace of peers and commands of other users. */
		{ CAP_SYS_PTRACE, "CAP_SYS_PTRACE" },
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

/*
 * Background the daemon the classic way (double fork, new session) unless
 * systemd or --foreground says otherwise.  The launching process waits on a
 * pipe and exits 0 only once the socket is listening, so scripts can rely
 * on its status; errors before that still reach the terminal.
 */
static int daemonize(int *ret_ready_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid > 0) {
		char c = 0;
		ssize_t n;

		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 && c == 'R' ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	umask(022);
	if (chdir("/") < 0)
		_exit(1);
	*ret_ready_fd = p[1];
	return 0;
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
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
	if (cfg->audit && cfg->audit->enabled)
		printf("  audit log %s (fsync %s, HMAC %s, on failure %s)\n", cfg->audit_log,
		       audit_fsync_to_string(cfg->audit->fsync), cfg->audit->key ? "on" : "off",
		       audit_on_failure_to_string(cfg->audit->on_failure));
	else
		printf("  audit log disabled\n");
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
		/* Hidden: the configuration keys, for the manual-page tests. */
		{ "list-config-keys", no_argument, NULL, 'K' },
		{ 0 },
	};
	struct daemon d = { .listener = { .fd = -1 }, .lifeline = { -1, -1 } };
	bool check_only = false, level_given = false;
	int ready_fd = -1;
	_cleanup_free_ char *config_abs = NULL;
	enum log_level level = LOG_LEVEL_INFO;
	char err[1024];
	int c, r;

	/* Not daemon modes: the escape self-test and its probes (daemon/selftest.h). */
	if (argc >= 2 && strcmp(argv[1], "--self-test-probe") == 0)
		return selftest_probe_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "--self-test") == 0)
		return selftest_main(argc - 1, argv + 1);
	/* The user-files helper's image (daemon/user_files_pool.c). */
	if (argc == 2 && strcmp(argv[1], "--user-files-helper") == 0)
		return user_files_helper_main();
	/* The sandbox spawner's image (daemon/spawner.h). */
	if (argc == 2 && strcmp(argv[1], "--spawner") == 0)
		return spawner_main();

	log_setup("codexd", LOG_STYLE_DAEMON, LOG_LEVEL_INFO);
	d.config_path = CX_DEFAULT_CONFIG;
	/*
	 * Output relay buffers (256 KiB, daemon/exec.c) come and go thousands
	 * of times a second: keep them in the heap rather than a fresh mmap
	 * each (page faults and zeroing dominated the relay's cost).
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	(void)mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);

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
		case 'K':
			return conf_list_keys(stdout) < 0 ? 1 : 0;
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
	if (d.config_path[0] != '/') {
		/* Reloads happen after chdir("/") in the background: keep it absolute. */
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)) ||
		    asprintf(&config_abs, "%s/%s", cwd, d.config_path) < 0) {
			fprintf(stderr, "codexd: cannot make the configuration path absolute\n");
			return 1;
		}
		d.config_path = config_abs;
	}

	r = conf_load(d.config_path, d.opt_socket, d.opt_state_dir, &d.cfg, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "codexd: %s\n", err);
		return 1;
	}
	r = policy_store_dir_for_config(d.config_path, &d.rules_dir);
	if (r == 0)
		r = policy_store_load(d.rules_dir, &d.rules, &d.rules_files, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "codexd: %s\n", err[0] ? err : strerror(-r));
		conf_free(d.cfg);
		return 1;
	}
	d.opt_log_level_set = level_given;
	d.opt_log_level = (int)level;
	log_set_max_level(level_given ? level : d.cfg->log_level);
	if (check_only) {
		probe_features(&d.features);
		print_config_summary(d.cfg, &d.features);
		printf("  rules directory %s: %zu file(s)\n", d.rules_dir, strv_length(d.rules_files));
		for (char **f = d.rules_files; f && *f; f++)
			printf("  read %s\n", *f);
		rules_set_free(d.rules);
		strv_free(d.rules_files);
		free(d.rules_dir);
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
	r = fdlimit_raise();
	if (r < 0)
		log_warning_errno(r, "cannot raise the descriptor limit");
	r = spawn_read_cap_last_cap(&d.cap_last_cap);
	if (r < 0) {
		log_error_errno(r, "cannot read /proc/sys/kernel/cap_last_cap");
		return 1;
	}
	r = spawner_init(&d.spawner);
	if (r < 0) {
		log_error_errno(r, "cannot open codexd's own binary (/proc/self/exe)");
		return 1;
	}
	if (sodium_init() < 0) {
		log_error("libsodium failed to initialise");
		return 1;
	}
	if (!d.foreground && !getenv("NOTIFY_SOCKET") && !getenv("LISTEN_FDS") &&
	    !getenv("INVOCATION_ID")) {
		r = daemonize(&ready_fd);
		if (r < 0) {
			log_error_errno(r, "cannot go to the background");
			return 1;
		}
	}
	/*
	 * The sandbox spawner (daemon/spawner.h), once in the background (its
	 * sandboxes are this process's children): the kernel's features as it
	 * finds them, natively (under valgrind this process sees no seccomp,
	 * Landlock or clone3).  Without it, sandboxes are cloned from here.
	 */
	r = spawner_start(&d.spawner);
	if (r < 0) {
		log_warning_errno(r, "cannot start the sandbox spawner; sandboxes are cloned by "
				     "the daemon itself");
		probe_features(&d.features);
	} else {
		d.features = d.spawner.features;
		if (d.spawner.seccomp_api > 0)
			(void)seccomp_api_set((unsigned)d.spawner.seccomp_api);
	}
	if (!d.features.pidfd || !d.features.clone3 || !d.features.close_range ||
	    !d.features.ns_pid) {
		log_error("this kernel lacks pidfd, clone3, close_range or PID namespaces "
			  "(Linux >= 5.9 needed)");
		return 1;
	}
	cgroup_setup_init(&d.cgroups);
	r = seccomp_programs_build(&d.seccomp, d.seccomp_error, sizeof(d.seccomp_error));
	d.seccomp_ok = r == 0;
	if (r < 0)
		log_warning("seccomp filters unavailable: %s", d.seccomp_error);
	if (d.features.landlock_abi <= 0)
		log_warning("this kernel has no Landlock: sandboxes rely on mounts and seccomp only");
	/*
	 * 0755: with --state-dir the socket lives here and clients must reach it.
	 * What needs protecting inside (the audit log) has its own modes.
	 */
	r = ensure_dir(d.cfg->state_dir, 0755);
	if (r < 0) {
		log_error_errno(r, "cannot use state directory %s", d.cfg->state_dir);
		return 1;
	}
	{
		struct group *g = getgrnam("tty");
		d.tty_gid = g ? g->gr_gid : 5;
	}
	if (pipe2(d.lifeline, O_CLOEXEC) < 0) {
		log_error_errno(negative_errno(), "pipe");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* A reload asked for before the handler exists finds the configuration just read. */
	signal(SIGHUP, SIG_IGN);

	d.loop = uv_default_loop();
	list_init(&d.conns);
	list_init(&d.execs);
	list_init(&d.jobs);
	list_init(&d.approvals);
	list_init(&d.session_grants);
	d.started_hrtime = uv_hrtime();
	{
		struct timeval tv;
		gettimeofday(&tv, NULL);
		d.started_realtime_usec = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	}
	d.cfg_generation = 1;

	/*
	 * Before the socket exists: a client that sees it may signal us.  The
	 * handlers run once the loop does, when everything below is set up.
	 */
	uv_signal_init(d.loop, &d.sig_term);
	uv_signal_init(d.loop, &d.sig_int);
	uv_signal_init(d.loop, &d.sig_hup);
	d.sig_term.data = d.sig_int.data = d.sig_hup.data = &d;
	uv_signal_start(&d.sig_term, on_signal, SIGTERM);
	uv_signal_start(&d.sig_int, on_signal, SIGINT);
	uv_signal_start(&d.sig_hup, on_signal, SIGHUP);
	r = listen_setup(&d, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		return 1;
	}
	/* The audit trail before the first client: nothing runs unrecorded. */
	r = sessions_init(&d);
	if (r == 0)
		r = audit_open(&d, err, sizeof(err));
	if (r < 0) {
		log_error("%s", r == -ENOMEM ? "out of memory" : err);
		return 1;
	}
	audit_ev_daemon_start(&d);
	proxy_init(&d);
	notify_watchdog_start(&d);
	memtrim_start(&d);

	log_info("codexd %s ready (pid %d, landlock ABI %d, cgroup %s)", CX_VERSION, (int)getpid(),
		 d.features.landlock_abi, d.features.cgroup);
	notify_ready("listening");
	if (ready_fd >= 0) {
		/* From here on the terminal is gone: log to syslog. */
		log_setup("codexd", LOG_STYLE_SYSLOG, log_get_max_level());
		detach_stdio();
		(void)!write(ready_fd, "R", 1);
		ready_fd = safe_close(ready_fd);
	}

	uv_run(d.loop, UV_RUN_DEFAULT);

	memtrim_stop(&d);
	listen_stop(&d);
	approvals_free_all(&d);
	decide_free_all(&d);
	user_files_pool_free(&d);
	proxy_stop(&d);
	audit_ev_daemon_stop(&d, d.shutting_down ? "shutdown" : "loop ended");
	audit_close(&d);
	sessions_free(&d);
	uv_run(d.loop, UV_RUN_NOWAIT);
	proxy_free(&d);
	(void)uv_loop_close(d.loop);
	safe_close(d.lifeline[0]);
	safe_close(d.lifeline[1]);
	free(d.listener.path);
	free(d.last_reload_error);
	spawner_done(&d.spawner);
	seccomp_programs_free(&d.seccomp);
	rules_set_free(d.rules);
	strv_free(d.rules_files);
	free(d.rules_dir);
	conf_free(d.cfg);
	log_info("stopped");
	return 0;
}
