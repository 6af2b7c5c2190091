/* SPDX-License-Identifier: MIT */
/*
 * codexd --self-test (daemon/selftest.h): set up targets, start a private
 * codexd, have it run the probes in a real sandbox as the probe user, run
 * them again as that user without a sandbox, and report.
 *
 * Runs as root, in its own process: it writes only below a directory it
 * creates itself (mkdtemp under /var/tmp, so it is outside the sandbox's
 * private /tmp), hands the workspace inside it to the probe user, and
 * removes everything at the end.  The probe user gets no more than it
 * has anyway: its own files, a loopback listener and sockets the
 * self-test made world-connectable on purpose, so that only the sandbox
 * stands between the probe and each target.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <ftw.h>
#include <grp.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/macro.h"
#include "daemon/probe.h"
#include "daemon/selftest.h"

#define ST_RUN_TIMEOUT_MS 180000
#define ST_MAX_OUTPUT (256 * 1024)

static const char *const class_ids[_ST_CLASS_MAX] = {
	[ST_CLASS_FS_WRITE] = "fs-write",   [ST_CLASS_PROTECTED] = "protected-paths",
	[ST_CLASS_NETWORK] = "network",     [ST_CLASS_UNIX] = "unix-sockets",
	[ST_CLASS_TERMINAL] = "terminal",   [ST_CLASS_PRIVILEGE] = "privilege",
	[ST_CLASS_RESOURCES] = "resources", [ST_CLASS_READ] = "reading",
};

static const char *const class_titles[_ST_CLASS_MAX] = {
	[ST_CLASS_FS_WRITE] = "writes outside writable roots",
	[ST_CLASS_PROTECTED] = "writes to protected paths (.git, .codex)",
	[ST_CLASS_NETWORK] = "network without permission",
	[ST_CLASS_UNIX] = "services outside over Unix sockets",
	[ST_CLASS_TERMINAL] = "terminal injection",
	[ST_CLASS_PRIVILEGE] = "privilege tricks",
	[ST_CLASS_RESOURCES] = "resource abuse",
	[ST_CLASS_READ] = "reading what the user cannot",
};

static const char *const outcome_names[_ST_OUTCOME_MAX] = {
	[ST_REFUSED] = "refused",
	[ST_DONE] = "done",
	[ST_SKIPPED] = "skipped",
};

const char *selftest_class_id(enum selftest_class c)
{
	return c < _ST_CLASS_MAX ? class_ids[c] : "?";
}

const char *selftest_class_title(enum selftest_class c)
{
	return c < _ST_CLASS_MAX ? class_titles[c] : "?";
}

const char *selftest_outcome_name(enum selftest_outcome o)
{
	return o < _ST_OUTCOME_MAX ? outcome_names[o] : "?";
}

struct result {
	bool have;
	enum selftest_outcome o;
	char detail[300];
};

struct st {
	const char *user;
	uid_t uid;
	gid_t gid;
	char group[64];
	char exe[PATH_MAX];
	char dir[64];
	char probe[128];
	char nonce[12];
	int tcp4, tcp6, unix_path, unix_abs, unix_tmp, unix_run;
	char tmp_sock[64], run_sock[64];
	int port;
	pid_t victim, daemon;
	char sock[100]; /* fits sun_path */
	const struct selftest_probe *probes;
	size_t n_probes;
	struct result *sb, *ctl;
	char error[256];
};

static int fail(struct st *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct st *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->error[0]) {
		va_start(ap, fmt);
		vsnprintf(s->error, sizeof(s->error), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ------------------------------------------------------------ set-up */

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	int r;

	if (fd < 0)
		return negative_errno();
	r = fd_write_all(fd, text, strlen(text));
	if (r == 0 && fchmod(fd, mode) < 0)
		r = negative_errno();
	close(fd);
	return r;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;
	int r = 0;

	if (in < 0)
		return negative_errno();
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0) {
		r = negative_errno();
		close(in);
		return r;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if ((r = fd_write_all(out, buf, (size_t)n)) < 0)
			break;
	if (n < 0)
		r = negative_errno();
	if (r == 0 && fchmod(out, mode) < 0)
		r = negative_errno();
	close(in);
	close(out);
	return r;
}

/* A path below the self-test directory. */
static const char *sub(struct st *s, const char *rest)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", s->dir, rest);
	return buf[i];
}

static int user_dir(struct st *s, const char *rest)
{
	const char *p = sub(s, rest);

	if (mkdir(p, 0755) < 0 || chown(p, s->uid, s->gid) < 0)
		return fail(s, "cannot create %s: %s", p, strerror(errno));
	return 0;
}

static int setup_files(struct st *s)
{
	char conf[1024];
	int r;

	if (!mkdtemp(s->dir))
		return fail(s, "cannot create a directory under /var/tmp: %s", strerror(errno));
	if (chmod(s->dir, 0755) < 0)
		return fail(s, "chmod %s: %s", s->dir, strerror(errno));
	snprintf(s->probe, sizeof(s->probe), "%s/codexd-probe", s->dir);
	r = copy_file(s->exe, s->probe, 0755);
	if (r < 0)
		return fail(s, "cannot copy %s: %s", s->exe, strerror(-r));
	/* Outside every writable root, yet writable by anyone: only the sandbox protects it. */
	if (mkdir(sub(s, "outside"), 0777) < 0 || chmod(sub(s, "outside"), 0777) < 0 ||
	    write_file(sub(s, "outside/victim"), "victim\n", 0666) < 0)
		return fail(s, "cannot create %s: %s", sub(s, "outside"), strerror(errno));
	if (user_dir(s, "ws") < 0 || user_dir(s, "ws/.git") < 0 || user_dir(s, "ws/.git/hooks") < 0)
		return -1;
	if (write_file(sub(s, "ws/.git/config"), "[core]\n", 0644) < 0 ||
	    chown(sub(s, "ws/.git/config"), s->uid, s->gid) < 0 ||
	    write_file(sub(s, "ws/secret.txt"), "secret\n", 0644) < 0 ||
	    chown(sub(s, "ws/secret.txt"), s->uid, s->gid) < 0 ||
	    symlink("../outside", sub(s, "ws/link-out")) < 0 ||
	    lchown(sub(s, "ws/link-out"), s->uid, s->gid) < 0)
		return fail(s, "cannot fill the workspace: %s", strerror(errno));
	if (mkdir(sub(s, "state"), 0755) < 0)
		return fail(s, "cannot create the state directory: %s", strerror(errno));
	snprintf(s->sock, sizeof(s->sock), "%s/state/codexd.sock", s->dir);
	snprintf(conf, sizeof(conf),
		 "# written by codexd --self-test\n"
		 "approval_policy = \"never\"\n"
		 "sandbox_mode = \"workspace-write\"\n"
		 "[daemon]\nsocket = \"%s\"\nstate_dir = \"%s\"\n"
		 "[roles]\nmember_group = \"%s\"\n"
		 "[sandbox]\ndeny_read = [\"%s\"]\ntmp_size_mb = 16\n"
		 "[limits]\nmemory_max_mb = 256\npids_max = 128\n",
		 s->sock, sub(s, "state"), s->group, sub(s, "ws/secret.txt"));
	if (write_file(sub(s, "codexd.conf"), conf, 0644) < 0)
		return fail(s, "cannot write the configuration: %s", strerror(errno));
	return 0;
}

/* A world-connectable listening socket at path, or -1 (errno set). */
static int listen_unix(const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(un.sun_path, path, MIN(strlen(path), sizeof(un.sun_path) - 1));
	if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0 || chmod(path, 0777) < 0 ||
	    listen(fd, 64) < 0) {
		int e = errno;

		safe_close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int setup_listeners(struct st *s)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t l = sizeof(a4);
	int one = 1;
	size_t nl;

	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->tcp4 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->tcp4 < 0 || bind(s->tcp4, (struct sockaddr *)&a4, sizeof(a4)) < 0 ||
	    listen(s->tcp4, 64) < 0 || getsockname(s->tcp4, (struct sockaddr *)&a4, &l) < 0)
		return fail(s, "cannot listen on 127.0.0.1: %s", strerror(errno));
	s->port = ntohs(a4.sin_port);
	/* IPv6 loopback on the same port, when the host has it. */
	s->tcp6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a6.sin6_port = a4.sin_port;
	if (s->tcp6 >= 0 &&
	    (setsockopt(s->tcp6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
	     bind(s->tcp6, (struct sockaddr *)&a6, sizeof(a6)) < 0 || listen(s->tcp6, 64) < 0))
		s->tcp6 = safe_close(s->tcp6);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/outside/sock", s->dir);
	s->unix_path = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->unix_path < 0 || bind(s->unix_path, (struct sockaddr *)&un, sizeof(un)) < 0 ||
	    chmod(un.sun_path, 0777) < 0 || listen(s->unix_path, 64) < 0)
		return fail(s, "cannot listen on %s: %s", un.sun_path, strerror(errno));
	/* Where SECURITY.md says services and programs keep theirs: /tmp and /run. */
	snprintf(s->tmp_sock, sizeof(s->tmp_sock), "/tmp/cxst-%s.sock", s->nonce);
	snprintf(s->run_sock, sizeof(s->run_sock), "/run/cxst-%s.sock", s->nonce);
	s->unix_tmp = listen_unix(s->tmp_sock);
	s->unix_run = listen_unix(s->run_sock);
	if (s->unix_tmp < 0 || s->unix_run < 0)
		return fail(s, "cannot listen on %s or %s: %s", s->tmp_sock, s->run_sock,
			    strerror(errno));
	memset(un.sun_path, 0, sizeof(un.sun_path));
	nl = (size_t)snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "codexd-selftest-%s",
			      s->nonce);
	s->unix_abs = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->unix_abs < 0 ||
	    bind(s->unix_abs, (struct sockaddr *)&un,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + nl)) < 0 ||
	    listen(s->unix_abs, 64) < 0)
		return fail(s, "cannot listen on an abstract socket: %s", strerror(errno));
	return 0;
}

/* In a child: become the probe user for good. */
static void become_user(const struct st *s)
{
	if (setgroups(1, &s->gid) < 0 || setresgid(s->gid, s->gid, s->gid) < 0 ||
	    setresuid(s->uid, s->uid, s->uid) < 0)
		_exit(125);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

static int start_victim(struct st *s)
{
	s->victim = fork();
	if (s->victim < 0)
		return fail(s, "fork: %s", strerror(errno));
	if (s->victim == 0) {
		become_user(s);
		prctl(PR_SET_NAME, "cxst-victim", 0, 0, 0);
		alarm(ST_RUN_TIMEOUT_MS / 1000 + 60);
		for (;;)
			pause();
	}
	return 0;
}

static int start_daemon(struct st *s)
{
	int logfd;

	s->daemon = fork();
	if (s->daemon < 0)
		return fail(s, "fork: %s", strerror(errno));
	if (s->daemon == 0) {
		logfd = open(sub(s, "daemon.log"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (logfd >= 0) {
			dup2(logfd, STDOUT_FILENO);
			dup2(logfd, STDERR_FILENO);
		}
		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		execl(s->exe, "codexd", "--foreground", "--config", sub(s, "codexd.conf"),
		      "--log-level", "warning", (char *)NULL);
		_exit(127);
	}
	/* Ready when the socket accepts a connection (bounded). */
	for (int i = 0; i < 200; i++) {
		struct sockaddr_un un = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int st;

		memcpy(un.sun_path, s->sock, MIN(strlen(s->sock), sizeof(un.sun_path) - 1));
		if (fd >= 0 && connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0) {
			close(fd);
			return 0;
		}
		safe_close(fd);
		if (waitpid(s->daemon, &st, WNOHANG) == s->daemon) {
			s->daemon = 0;
			return fail(s, "the private codexd exited at start (see its log)");
		}
		usleep(50 * 1000);
	}
	return fail(s, "the private codexd did not start listening within 10 s");
}

/* ------------------------------------------------------------ runs */

static void parse_results(struct st *s, char *out, struct result *res)
{
	char *save = NULL;

	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' '), *sp2;

		if (!sp)
			continue;
		*sp = '\0';
		sp2 = strchr(sp + 1, ' ');
		if (sp2)
			*sp2 = '\0';
		for (size_t i = 0; i < s->n_probes; i++) {
			if (strcmp(s->probes[i].name, line) != 0)
				continue;
			for (int o = 0; o < _ST_OUTCOME_MAX; o++)
				if (strcmp(sp + 1, outcome_names[o]) == 0) {
					res[i].have = true;
					res[i].o = (enum selftest_outcome)o;
					snprintf(res[i].detail, sizeof(res[i].detail), "%s",
						 sp2 ? sp2 + 1 : "");
				}
		}
	}
}

/* Read fd to EOF (bounded in size and time) into a new string. */
static char *read_all(int fd, int timeout_ms)
{
	char *buf = calloc(1, ST_MAX_OUTPUT + 1);
	size_t len = 0;
	struct timespec t0, t;

	if (!buf)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = read(fd, buf + len, ST_MAX_OUTPUT - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == ST_MAX_OUTPUT)
			break;
	}
	return buf;
}

static char **probe_argv(struct st *s, const char *tag, char *victim, char *port, char *abs)
{
	static char *argv[9];

	snprintf(victim, 16, "%d", (int)s->victim);
	snprintf(port, 16, "%d", s->port);
	snprintf(abs, 64, "codexd-selftest-%s", s->nonce);
	argv[0] = s->probe;
	argv[1] = (char *)"--self-test-probe";
	argv[2] = s->dir;
	argv[3] = victim;
	argv[4] = port;
	argv[5] = abs;
	argv[6] = s->nonce;
	argv[7] = (char *)tag;
	argv[8] = NULL;
	return argv;
}

/*
 * The client side, in a child running as the probe user: exec/start with
 * stdio "fds" (the probe writes straight into out_fd), then wait for
 * exec/exited.  Exit 0 when the command ran, 1 when the daemon refused.
 */
_noreturn_ static void sandbox_client(struct st *s, int out_fd)
{
	char victim[16], port[16], abs[64];
	char **argv = probe_argv(s, "sb", victim, port, abs);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	json_t *req, *a = json_array();
	char *text, buf[65536];
	size_t len = 0;
	int fds[3], sock;

	become_user(s);
	for (char **p = argv; *p; p++)
		json_array_append_new(a, json_string(*p));
	req = json_pack("{s:s, s:i, s:s, s:{s:o, s:s, s:s, s:s, s:I, s:{s:s}}}", "jsonrpc", "2.0",
			"id", 1, "method", "exec/start", "params", "argv", a, "cwd", sub(s, "ws"),
			"sandbox", "workspace-write", "stdio", "fds", "timeout_ms",
			(json_int_t)ST_RUN_TIMEOUT_MS - 10000, "env", "PATH", "/usr/bin:/bin");
	text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (!text)
		_exit(3);
	fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fds[1] = fds[2] = out_fd;
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(un.sun_path, s->sock, MIN(strlen(s->sock), sizeof(un.sun_path) - 1));
	if (sock < 0 || connect(sock, (struct sockaddr *)&un, sizeof(un)) < 0) {
		fprintf(stderr, "codexd: self-test: cannot connect to the private codexd: %s\n",
			strerror(errno));
		_exit(3);
	}
	{
		size_t tl = strlen(text);
		char *line = malloc(tl + 2);

		if (!line)
			_exit(3);
		memcpy(line, text, tl);
		line[tl] = '\n';
		if (fd_send_with_fds(sock, line, tl + 1, fds, 3) < 0)
			_exit(3);
		free(line);
	}
	close(out_fd);
	close(fds[0]);
	/* Read replies until exec/exited (the connection must stay open meanwhile). */
	for (;;) {
		ssize_t n = read(sock, buf + len, sizeof(buf) - 1 - len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(2);
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = memchr(buf, '\n', len))) {
			json_t *m = json_loadb(buf, (size_t)(nl - buf), 0, NULL);
			const char *method = NULL;

			if (m && json_unpack(m, "{s:s}", "method", &method) == 0 &&
			    strcmp(method, "exec/exited") == 0)
				_exit(0);
			if (m && json_object_get(m, "error")) {
				json_t *msg = json_object_get(json_object_get(m, "error"), "message");

				fprintf(stderr, "codexd: self-test: the private codexd refused: %s\n",
					json_is_string(msg) ? json_string_value(msg) : "?");
				_exit(1);
			}
			json_decref(m);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf) - 1)
			len = 0;
	}
}

static int run_sandboxed(struct st *s)
{
	int p[2], st = 0;
	pid_t pid;
	char *out;

	if (pipe2(p, O_CLOEXEC) < 0)
		return fail(s, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail(s, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		sandbox_client(s, p[1]);
	}
	close(p[1]);
	out = read_all(p[0], ST_RUN_TIMEOUT_MS);
	close(p[0]);
	kill(pid, SIGKILL);
	(void)waitpid(pid, &st, 0);
	if (out)
		parse_results(s, out, s->sb);
	free(out);
	if (!s->sb[0].have)
		return fail(s, "the sandboxed probes gave no answer (client status %d; see %s)",
			    WIFEXITED(st) ? WEXITSTATUS(st) : -1, sub(s, "daemon.log"));
	return 0;
}

/* After the sandbox: nothing it started may still be running. */
static void check_orphan(struct st *s)
{
	char want[32];
	bool found = false;

	snprintf(want, sizeof(want), "cxst-%s", s->nonce);
	for (int tries = 0; tries < 30; tries++) {
		char path[300], comm[32];
		struct dirent *e;
		DIR *d = opendir("/proc");

		found = false;
		while (d && (e = readdir(d))) {
			int fd;
			ssize_t n;

			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			n = read(fd, comm, sizeof(comm) - 1);
			close(fd);
			if (n <= 0)
				continue;
			comm[n] = '\0';
			comm[strcspn(comm, "\n")] = '\0';
			if (strcmp(comm, want) == 0) {
				found = true;
				if (tries == 29)
					kill(atoi(e->d_name), SIGKILL);
			}
		}
		if (d)
			closedir(d);
		if (!found)
			break;
		usleep(100 * 1000);
	}
	for (size_t i = 0; i < s->n_probes; i++) {
		if (strcmp(s->probes[i].name, "orphan") != 0)
			continue;
		s->sb[i].have = true;
		s->sb[i].o = found ? ST_DONE : ST_REFUSED;
		snprintf(s->sb[i].detail, sizeof(s->sb[i].detail), "%s",
			 found ? "a setsid double-forked process outlived the sandbox"
			       : "nothing the command started outlived the sandbox");
	}
}

static int run_control(struct st *s)
{
	char victim[16], port[16], abs[64];
	char **argv = probe_argv(s, "ctl", victim, port, abs);
	int p[2];
	pid_t pid;
	char *out;

	if (pipe2(p, O_CLOEXEC) < 0)
		return fail(s, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail(s, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		become_user(s);
		if (chdir(sub(s, "ws")) < 0)
			_exit(126);
		dup2(null, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		/* No controlling terminal, like a sandbox. */
		setsid();
		execv(s->probe, argv);
		_exit(127);
	}
	close(p[1]);
	out = read_all(p[0], ST_RUN_TIMEOUT_MS);
	close(p[0]);
	kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	if (out)
		parse_results(s, out, s->ctl);
	free(out);
	return 0;
}

/* ------------------------------------------------------------ clean-up */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

static void teardown(struct st *s)
{
	if (s->daemon > 0) {
		kill(s->daemon, SIGTERM);
		for (int i = 0; i < 100 && waitpid(s->daemon, NULL, WNOHANG) == 0; i++)
			usleep(50 * 1000);
		kill(s->daemon, SIGKILL);
		(void)waitpid(s->daemon, NULL, WNOHANG);
	}
	if (s->victim > 0) {
		kill(s->victim, SIGKILL);
		(void)waitpid(s->victim, NULL, 0);
	}
	safe_close(s->tcp4);
	safe_close(s->tcp6);
	safe_close(s->unix_path);
	safe_close(s->unix_abs);
	if (s->unix_tmp >= 0)
		unlink(s->tmp_sock);
	if (s->unix_run >= 0)
		unlink(s->run_sock);
	safe_close(s->unix_tmp);
	safe_close(s->unix_run);
	if (strcmp(s->dir + strlen(s->dir) - 6, "XXXXXX") != 0 && !getenv("CODEXD_SELFTEST_KEEP"))
		(void)nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------ report */

static bool class_held(const struct st *s, enum selftest_class c, bool *tested)
{
	bool held = true;

	*tested = false;
	for (size_t i = 0; i < s->n_probes; i++) {
		if (s->probes[i].cls != c || (s->probes[i].flags & ST_PROBE_ADVISORY))
			continue;
		if (!s->sb[i].have || s->sb[i].o == ST_DONE)
			held = false;
		if (s->sb[i].have && s->sb[i].o == ST_REFUSED)
			*tested = true;
	}
	return held && *tested;
}

static json_t *report_json(const struct st *s, const struct probe_features *f, bool *ret_held)
{
	json_t *classes = json_array(), *root;
	bool all = true;

	for (int c = 0; c < _ST_CLASS_MAX; c++) {
		json_t *probes = json_array();
		bool tested, held = class_held(s, (enum selftest_class)c, &tested);

		all = all && held;
		for (size_t i = 0; i < s->n_probes; i++) {
			const struct result *sb = &s->sb[i], *ctl = &s->ctl[i];
			json_t *p;

			if (s->probes[i].cls != (enum selftest_class)c)
				continue;
			p = json_pack("{s:s, s:s, s:s}", "name", s->probes[i].name, "sandbox",
				      sb->have ? outcome_names[sb->o] : "missing", "detail",
				      sb->have ? sb->detail : "no answer from the probe");
			if (p && (s->probes[i].flags & ST_PROBE_ADVISORY))
				json_object_set_new(p, "advisory", json_true());
			if (p && !(s->probes[i].flags & ST_PROBE_NO_CONTROL) && ctl->have) {
				json_object_set_new(p, "outside", json_string(outcome_names[ctl->o]));
				json_object_set_new(p, "outside_detail", json_string(ctl->detail));
			}
			json_array_append_new(probes, p);
		}
		json_array_append_new(classes,
				      json_pack("{s:s, s:s, s:b, s:o}", "id", class_ids[c], "title",
						class_titles[c], "held", held, "probes", probes));
	}
	root = json_pack("{s:b, s:s, s:I, s:o, s:o}", "held", all, "user", s->user, "uid",
			 (json_int_t)s->uid, "features", probe_features_to_json(f), "classes",
			 classes);
	*ret_held = all;
	return root;
}

static void report_human(json_t *root)
{
	json_t *classes = json_object_get(root, "classes"), *c, *f;
	size_t i, j;

	f = json_object_get(root, "features");
	printf("codexd self-test: probes run as %s in a workspace-write sandbox\n",
	       json_string_value(json_object_get(root, "user")));
	if (f) {
		const char *k;
		json_t *v;

		printf("kernel features:");
		json_object_foreach(f, k, v)
		{
			if (json_is_boolean(v))
				printf(" %s=%s", k, json_is_true(v) ? "yes" : "no");
			else if (json_is_integer(v))
				printf(" %s=%lld", k, (long long)json_integer_value(v));
			else if (json_is_string(v))
				printf(" %s=%s", k, json_string_value(v));
		}
		printf("\n");
	}
	json_array_foreach(classes, i, c)
	{
		json_t *p;

		printf("%-5s %-16s %s\n", json_is_true(json_object_get(c, "held")) ? "HELD" : "OPEN",
		       json_string_value(json_object_get(c, "id")),
		       json_string_value(json_object_get(c, "title")));
		json_array_foreach(json_object_get(c, "probes"), j, p)
		{
			const char *out = json_string_value(json_object_get(p, "outside"));

			printf("      %-18s %-8s %s%s%s%s\n", json_string_value(json_object_get(p, "name")),
			       json_string_value(json_object_get(p, "sandbox")),
			       json_string_value(json_object_get(p, "detail")),
			       out ? "; outside the sandbox: " : "", out ? out : "",
			       json_is_true(json_object_get(p, "advisory")) ? " (advisory)" : "");
		}
	}
	printf("%s\n", json_is_true(json_object_get(root, "held"))
			       ? "every escape class held"
			       : "SOME ESCAPE CLASSES ARE OPEN");
}

int selftest_main(int argc, char **argv)
{
	struct st s = { .user = "nobody",
			.tcp4 = -1,
			.tcp6 = -1,
			.unix_path = -1,
			.unix_abs = -1,
			.unix_tmp = -1,
			.unix_run = -1 };
	struct probe_features f;
	bool json = false, held = false;
	unsigned char rnd[4];
	struct passwd *pw;
	struct group *gr;
	json_t *root = NULL;
	ssize_t n;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			s.user = argv[++i];
		else {
			fprintf(stderr, "usage: codexd --self-test [--json] [--user NAME]\n");
			return 2;
		}
	}
	if (geteuid() != 0) {
		fprintf(stderr, "codexd: --self-test must run as root (it starts a private "
				"codexd)\n");
		return 1;
	}
	pw = getpwnam(s.user);
	if (!pw || pw->pw_uid == 0) {
		fprintf(stderr, "codexd: self-test: no unprivileged user %s\n", s.user);
		return 1;
	}
	s.uid = pw->pw_uid;
	s.gid = pw->pw_gid;
	gr = getgrgid(s.gid);
	if (!gr) {
		fprintf(stderr, "codexd: self-test: user %s has no group entry\n", s.user);
		return 1;
	}
	snprintf(s.group, sizeof(s.group), "%s", gr->gr_name);
	n = readlink("/proc/self/exe", s.exe, sizeof(s.exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "codexd: self-test: cannot find its own binary\n");
		return 1;
	}
	s.exe[n] = '\0';
	{
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd)) {
			fprintf(stderr, "codexd: self-test: no random bytes\n");
			return 1;
		}
		close(fd);
	}
	snprintf(s.nonce, sizeof(s.nonce), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
	snprintf(s.dir, sizeof(s.dir), "/var/tmp/codexd-selftest.XXXXXX");
	s.probes = selftest_probes(&s.n_probes);
	s.sb = calloc(s.n_probes, sizeof(*s.sb));
	s.ctl = calloc(s.n_probes, sizeof(*s.ctl));
	if (!s.sb || !s.ctl) {
		fprintf(stderr, "codexd: self-test: out of memory\n");
		return 1;
	}
	probe_features(&f);
	signal(SIGPIPE, SIG_IGN);

	if (setup_files(&s) == 0 && setup_listeners(&s) == 0 && start_victim(&s) == 0 &&
	    start_daemon(&s) == 0 && run_sandboxed(&s) == 0) {
		check_orphan(&s);
		(void)run_control(&s);
	}
	teardown(&s);
	if (s.error[0]) {
		if (json) {
			root = json_pack("{s:b, s:s, s:o}", "held", false, "error", s.error,
					 "features", probe_features_to_json(&f));
			if (root)
				json_dumpf(root, stdout, JSON_COMPACT);
			printf("\n");
		}
		fprintf(stderr, "codexd: self-test could not run: %s\n", s.error);
		goto out;
	}
	root = report_json(&s, &f, &held);
	if (!root) {
		fprintf(stderr, "codexd: self-test: out of memory\n");
		goto out;
	}
	if (json) {
		json_dumpf(root, stdout, JSON_COMPACT);
		printf("\n");
	} else
		report_human(root);
	rc = held ? 0 : 1;
out:
	json_decref(root);
	free(s.sb);
	free(s.ctl);
	return rc;
}
