/* SPDX-License-Identifier: MIT */
/*
 * codexctl exec: run a command through codexd and exit with its status.
 *
 * Flow control: stdin is forwarded in exec/write frames with at most
 * STDIN_WINDOW of them unanswered (the daemon answers once the bytes are
 * in the command's pipe), so a command that reads slowly slows us down
 * instead of filling the daemon.  Output is written synchronously: if our
 * stdout blocks we stop reading the socket and the daemon stops reading
 * the command (back-pressure end to end).
 *
 * Approvals: the exec/start answer may be deferred while the daemon asks
 * for approval.  The daemon's approval/request then arrives on this
 * connection (when hello said can_approve: a terminal is there and
 * --no-prompt was not given) and is prompted for on /dev/tty from the
 * same poll loop that later relays the command's streams (client/prompt.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h> /* isfinite() only: a macro, no libm */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "client/client.h"
#include "common/b64.h"
#include "common/cxlimits.h"
#include "common/fdio.h"
#include "common/protocol.h"

#define STDIN_CHUNK (64 * 1024)
#define STDIN_WINDOW 4
#define OUT_BUFFER_LIMIT (1024 * 1024)

extern char **environ;

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	(void)!write(sig_pipe[1], &b, 1);
	errno = saved;
}

static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
					 SIGWINCH };

/* The terminal's settings before raw mode (tty mode), restored at every exit. */
static struct termios saved_termios;
static bool termios_saved;
static bool restore_registered;

static void restore_terminal(void)
{
	if (termios_saved) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
		termios_saved = false;
	}
}

/*
 * Raw mode: every key (Ctrl-C included) goes to the sandbox's terminal,
 * whose line discipline turns it into signals for the command.
 */
static void enter_raw_mode(void)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return;
	raw = saved_termios;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0) {
		termios_saved = true;
		if (!restore_registered && atexit(restore_terminal) == 0)
			restore_registered = true;
	}
}

static bool window_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	if ((ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0) ||
	    ws.ws_row == 0 || ws.ws_col == 0)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

static int setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(forwarded_signals) / sizeof(forwarded_signals[0]); i++)
		sigaction(forwarded_signals[i], &sa, NULL);
	return 0;
}

static void exec_usage(FILE *f)
{
	fprintf(f,
		"usage: codexctl exec [-s MODE] [-a POLICY] [-C DIR] [-t] [--network off|proxy|full]\n"
		"                     [--allow-domain PATTERN]... [--deny-domain PATTERN]...\n"
		"                     [--writable-root DIR]... [--timeout SECONDS] [--env NAME=VALUE]...\n"
		"                     [--session ID] [--fds] [-n] [--justification TEXT] [--escalate]\n"
		"                     [--prefix-rule 'WORD...'] [-c KEY=VALUE]... [-p PROFILE]\n"
		"                     [--no-prompt] [--log-denials] -- COMMAND [ARG...]\n");
}

struct exec_state {
	const struct client_opts *o;
	bool tty;
	bool log_denials;
	struct rpc_client c;
	char *id;
	int outstanding; /* unanswered exec/write requests */
	bool stdin_done;
	bool exited;
	int status;
	struct approver ap;
	/* Until the exec/start answer (approvals happen meanwhile). */
	bool start_pending;
	int64_t start_id, hello_id;
	json_t *start_result;         /* owned */
	struct rpc_message start_err; /* owned when start_failed */
	bool start_failed;
	unsigned deferred_signals; /* 1 << signal, received before the start: forwarded after */
	int interrupted;           /* a terminating signal before the start */
	bool raw_suspended;        /* raw mode left for a prompt */
	bool splice_stdout;        /* stdout is a pipe: raw output is spliced into it */
};

static int write_out(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			(void)poll(&pf, 1, -1);
			continue;
		}
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Where raw exec/output bytes go (fd -1: not ours, dropped).  A failed
 * write to stdout ends the client like the base64 path (-EPIPE); to stderr
 * it is ignored and the bytes are still read, so the stream stays in step.
 */
struct raw_sink {
	int fd;
	bool failed;
};

static int raw_write(void *ud, const char *p, size_t len)
{
	struct raw_sink *rs = ud;

	if (rs->fd < 0 || rs->failed)
		return 0;
	if (write_out(rs->fd, p, len) < 0) {
		rs->failed = true;
		if (rs->fd == STDOUT_FILENO)
			return -EPIPE;
	}
	return 0;
}

static void print_json_line(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);

	if (s) {
		(void)write_out(STDOUT_FILENO, s, strlen(s));
		(void)write_out(STDOUT_FILENO, "\n", 1);
		free(s);
	}
}

static int exit_status_from_exited(json_t *p)
{
	json_t *code = json_object_get(p, "exit_code");
	json_t *sig = json_object_get(p, "signal_number");

	if (json_is_true(json_object_get(p, "timed_out"))) {
		fprintf(stderr, "codexctl: the command timed out and was killed\n");
		return CX_EXIT_TIMEOUT;
	}
	if (json_is_integer(code) && json_integer_value(code) >= 0 && json_integer_value(code) <= 255)
		return (int)json_integer_value(code);
	if (json_is_integer(sig) && json_integer_value(sig) > 0 && json_integer_value(sig) < 128)
		return 128 + (int)json_integer_value(sig);
	return CX_EXIT_ERROR;
}

static const char *str_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "read-only file system" for "EROFS": what the error means to a reader. */
static const char *error_words(const char *name)
{
	static const struct {
		const char *name, *words;
	} table[] = {
		{ "EROFS", "read-only file system" },	{ "EACCES", "permission denied" },
		{ "EPERM", "operation not permitted" }, { "EXDEV", "cross-device" },
		{ "ENOSPC", "no space left" },		{ "EDQUOT", "quota exceeded" },
		{ "ECONNREFUSED", "connection refused" },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(name, table[i].name) == 0)
			return table[i].words;
	return name;
}

static const char *const denial_args[] = { "family", "request", "flags", "persona" };

/*
 * After the command: what the sandbox refused, one line each on stderr
 * ("codexctl: denied: write /etc/x (read-only file system)",
 * "codexctl: denied: socket(AF_INET)").
 */
/*
 * The command failed after the sandbox refused something and the policy
 * lets the user approve a rerun outside it: say how (stderr, terminal only:
 * a script reads exec/exited "sandbox_retry" with --json instead).
 */
static void print_retry_hint(json_t *exited)
{
	json_t *r = json_object_get(exited, "sandbox_retry");
	json_int_t n = json_integer_value(json_object_get(r, "denials"));

	if (!json_is_object(r) || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr,
		"codexctl: the command failed after the sandbox refused %lld operation%s%s; "
		"to run it outside the sandbox (asks for approval), repeat it with --escalate\n",
		(long long)n, n == 1 ? "" : "s",
		json_is_true(json_object_get(exited, "denials_complete")) ? "" : " or more");
}

static void print_denials(json_t *exited)
{
	json_t *list = json_object_get(exited, "denials"), *e;
	size_t i;

	json_array_foreach (list, i, e) {
		const char *kind = str_field(e, "kind"), *call = str_field(e, "syscall");
		json_t *count = json_object_get(e, "count");
		json_int_t n = json_is_integer(count) ? json_integer_value(count) : 1;

		if (!kind || !call)
			continue;
		fputs("codexctl: denied: ", stderr);
		if (strcmp(kind, "file") == 0 || str_field(e, "path")) {
			const char *op = str_field(e, "operation"), *path = str_field(e, "path"),
				   *err = str_field(e, "error"), *why = str_field(e, "reason");
			bool deny_read = why && strcmp(why, "deny_read") == 0;

			/* An open is refused for writing, or for reading by deny_read. */
			term_print_oneline(stderr,
					   op && strcmp(op, "open") != 0 ? op
					   : deny_read			  ? "read"
									  : "write",
					   0);
			fputc(' ', stderr);
			term_print_oneline(stderr, path ? path : "?", 0);
			if (json_is_true(json_object_get(e, "path_truncated")))
				fputs("...", stderr);
			fputs(" (", stderr);
			term_print_oneline(stderr,
					   deny_read ? "deny_read"
					   : err     ? error_words(err)
						     : "refused",
					   0);
			if (n > 1)
				fprintf(stderr, ", %lld times", (long long)n);
			fputs(")\n", stderr);
			continue;
		}
		term_print_oneline(stderr, call, 0);
		/* The argument that decided, when there is one: socket(AF_INET), ioctl(TIOCSTI). */
		for (size_t k = 0; k < sizeof(denial_args) / sizeof(denial_args[0]); k++) {
			const char *a = str_field(e, denial_args[k]);

			if (a) {
				fputc('(', stderr);
				term_print_oneline(stderr, a, 0);
				fputc(')', stderr);
				break;
			}
		}
		if (n > 1)
			fprintf(stderr, " (%lld times)", (long long)n);
		fputc('\n', stderr);
	}
	if (json_is_false(json_object_get(exited, "denials_complete")))
		fputs("codexctl: denials: the list may be incomplete (see codexctl(1))\n", stderr);
}

/* Raw mode (exec -t) is left while a prompt is on the terminal. */
static void exec_around_prompt(void *userdata, bool opening)
{
	struct exec_state *st = userdata;

	if (opening && termios_saved) {
		restore_terminal();
		st->raw_suspended = true;
	} else if (!opening && st->raw_suspended) {
		st->raw_suspended = false;
		enter_raw_mode();
	}
}

/* Messages until the exec/start answer: the answers, and approvals. */
static int handle_start_message(struct exec_state *st, struct rpc_message *m)
{
	if ((m->kind == RPC_KIND_RESULT || m->kind == RPC_KIND_ERROR) &&
	    m->id.type == RPC_ID_INT && m->id.num == st->start_id) {
		st->start_pending = false;
		if (m->kind == RPC_KIND_RESULT) {
			st->start_result = json_incref(m->result);
			return 0;
		}
		st->start_failed = true;
		st->start_err = *m;
		*m = (struct rpc_message){ 0 };
		return 0;
	}
	if (m->kind == RPC_KIND_ERROR && m->id.type == RPC_ID_NONE) {
		/* Connection-level error (limits, malformed frame): the start is over too. */
		st->start_pending = false;
		st->start_failed = true;
		st->start_err = *m;
		*m = (struct rpc_message){ 0 };
		return 0;
	}
	if (m->kind == RPC_KIND_ERROR && m->id.type == RPC_ID_INT && m->id.num == st->hello_id &&
	    st->ap.mode == APPROVER_PROMPT) {
		/* Without a hello the daemon does not know we can approve: say so. */
		fputs("codexctl: warning: hello failed, approvals cannot be prompted for here: ",
		      stderr);
		term_print_oneline(stderr, m->error_message ? m->error_message : "error", 512);
		fputc('\n', stderr);
	}
	/* The hello result; notifications before the start are not ours yet. */
	return 0;
}

/* Handle one message; returns <0 on fatal protocol errors. */
static int handle_message(struct exec_state *st, struct rpc_message *m)
{
	if (m->kind == RPC_KIND_REQUEST)
		return approver_on_request(&st->ap, m, NULL);
	if (m->kind == RPC_KIND_NOTIFICATION && strcmp(m->method, "approval/resolved") == 0) {
		(void)approver_on_resolved(&st->ap, m->params);
		return 0;
	}
	if (m->kind == RPC_KIND_NOTIFICATION && strcmp(m->method, "exec/output") == 0 &&
	    json_object_get(m->params, "length") && !json_object_get(m->params, "data")) {
		/* raw_output: "length" bytes follow the line; consume them in any case. */
		json_t *idv = json_object_get(m->params, "id");
		json_t *stream = json_object_get(m->params, "stream");
		json_t *length = json_object_get(m->params, "length");
		struct raw_sink rs = { .fd = -1 };
		int r;

		if (!json_is_integer(length) || json_integer_value(length) < 0 ||
		    json_integer_value(length) > CLIENT_MAX_FRAME || !json_is_string(stream))
			return -EPROTO;
		if (!st->start_pending && json_is_string(idv) &&
		    strcmp(json_string_value(idv), st->id) == 0)
			rs.fd = strcmp(json_string_value(stream), "stderr") == 0 ? STDERR_FILENO
										: STDOUT_FILENO;
		if (rs.fd == STDOUT_FILENO && st->splice_stdout) {
			bool out_failed = false;

			r = rpc_read_raw_splice(&st->c, (size_t)json_integer_value(length),
						STDOUT_FILENO, &st->splice_stdout, &out_failed,
						raw_write, &rs);
			if (out_failed)
				rs.failed = true;
			/*
			 * The next header is read alone, so that the bytes after it are
			 * spliced rather than copied in with it: headers of raw chunks
			 * have a fixed size (the length is padded), this one's.
			 */
			st->c.read_max = st->splice_stdout ? MAX(st->c.last_frame_len, 64) : 0;
		} else
			r = rpc_read_raw(&st->c, (size_t)json_integer_value(length), raw_write, &rs);
		if (r == -EPIPE && !rs.failed)
			return -EPROTO; /* the daemon closed mid-chunk */
		return r;
	}
	if (st->start_pending)
		return handle_start_message(st, m);
	if (m->kind == RPC_KIND_NOTIFICATION) {
		json_t *idv = json_object_get(m->params, "id");

		if (!json_is_string(idv) || strcmp(json_string_value(idv), st->id) != 0)
			return 0;
		if (strcmp(m->method, "exec/output") == 0) {
			json_t *data = json_object_get(m->params, "data");
			json_t *stream = json_object_get(m->params, "stream");
			_cleanup_free_ char *bin = NULL;
			size_t len;
			long n;
			int fd;

			if (st->o->json) {
				print_json_line(m->params);
				return 0;
			}
			if (!json_is_string(data) || !json_is_string(stream))
				return -EPROTO;
			fd = strcmp(json_string_value(stream), "stderr") == 0 ? STDERR_FILENO
									      : STDOUT_FILENO;
			len = json_string_length(data);
			bin = malloc(len / 4 * 3 + 3);
			if (!bin)
				return -ENOMEM;
			n = b64_decode(bin, len / 4 * 3 + 3, json_string_value(data), len);
			if (n < 0)
				return -EPROTO;
			if (write_out(fd, bin, (size_t)n) < 0 && fd == STDOUT_FILENO)
				return -EPIPE;
			return 0;
		}
		if (strcmp(m->method, "exec/exited") == 0) {
			if (st->o->json)
				print_json_line(m->params);
			else if (st->log_denials)
				print_denials(m->params);
			if (!st->o->json)
				print_retry_hint(m->params);
			st->status = exit_status_from_exited(m->params);
			st->exited = true;
		}
		return 0;
	}
	if (m->kind == RPC_KIND_RESULT || m->kind == RPC_KIND_ERROR) {
		if (m->id.type == RPC_ID_INT && m->id.num == st->hello_id)
			return 0;
		/* Answers to exec/write, exec/close_stdin, exec/signal. */
		if (st->outstanding > 0)
			st->outstanding--;
		if (m->kind == RPC_KIND_ERROR) {
			if (m->error_reason && strcmp(m->error_reason, CX_REASON_STDIN_CLOSED) == 0)
				st->stdin_done = true; /* the command stopped reading */
			else if (m->id.type == RPC_ID_NONE) {
				print_rpc_error(m);
				return -EPROTO;
			}
		}
	}
	return 0;
}

static int forward_signal(struct exec_state *st, int sig)
{
	int64_t id;
	unsigned rows, cols;

	if (sig == SIGWINCH) {
		/* Our window changed: resize the sandbox's terminal (tty mode only). */
		if (!st->tty || !window_size(&rows, &cols))
			return 0;
		id = rpc_queue_request(&st->c, "exec/resize",
				       json_pack("{s:s, s:i, s:i}", "id", st->id, "rows", (int)rows,
						 "cols", (int)cols));
	} else
		id = rpc_queue_request(&st->c, "exec/signal",
				       json_pack("{s:s, s:i}", "id", st->id, "signal", sig));
	if (id < 0)
		return (int)id;
	st->outstanding++;
	return 0;
}

static bool is_terminating(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

/*
 * Signals received.  Once the command runs they are forwarded to it.
 * Before that there is nothing to forward them to: a terminating one ends
 * the wait (Ctrl-C at a prompt answers it "abort" first), the others are
 * kept for the command.
 */
static int handle_signals(struct exec_state *st)
{
	unsigned char b[16];
	ssize_t n = read(sig_pipe[0], b, sizeof(b));

	for (ssize_t i = 0; i < n; i++) {
		int r;

		if (!st->start_pending) {
			r = forward_signal(st, b[i]);
			if (r < 0)
				return r;
		} else if (is_terminating(b[i])) {
			(void)approver_interrupt(&st->ap);
			if (!st->interrupted)
				st->interrupted = b[i];
		} else if (b[i] < 32)
			st->deferred_signals |= 1u << b[i];
	}
	return 0;
}

static int forward_stdin(struct exec_state *st)
{
	char buf[STDIN_CHUNK];
	_cleanup_free_ char *b64 = NULL;
	ssize_t n;
	int64_t id;

	do
		n = read(STDIN_FILENO, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		st->stdin_done = true;
		id = rpc_queue_request(&st->c, "exec/close_stdin", json_pack("{s:s}", "id", st->id));
		if (id < 0)
			return (int)id;
		st->outstanding++;
		return 0;
	}
	b64 = malloc(b64_encoded_len((size_t)n) + 1);
	if (!b64)
		return -ENOMEM;
	b64_encode(b64, buf, (size_t)n);
	id = rpc_queue_request(&st->c, "exec/write",
			       json_pack("{s:s, s:s}", "id", st->id, "data", b64));
	if (id < 0)
		return (int)id;
	st->outstanding++;
	return 0;
}

/* Handle every message already buffered or readable without blocking. */
static int drain_messages(struct exec_state *st)
{
	bool starting = st->start_pending;

	for (;;) {
		struct rpc_message m;
		int r = rpc_read(&st->c, &m, false);

		if (r == -EAGAIN)
			return 0;
		if (r == 0) {
			if (starting)
				fprintf(stderr, "codexctl: codexd closed the connection\n");
			else
				fprintf(stderr, "codexctl: codexd closed the connection before the "
						"command finished\n");
			return -EPIPE;
		}
		if (r < 0)
			return r;
		r = handle_message(st, &m);
		jsonrpc_message_done(&m);
		if (r < 0)
			return r;
		/* The start answer is handled by the caller before anything after it. */
		if (starting ? !st->start_pending : st->exited)
			return 0;
	}
}

/*
 * The loop: the socket, our signals, stdin (once the command runs) and
 * the terminal while a prompt is open.  Returns when the start was
 * answered (start phase) or the command ended, or <0 (-EINTR: a
 * terminating signal before the start).
 */
static int run_loop(struct exec_state *st, bool relay_stdin)
{
	bool starting = st->start_pending;
	int r;

	if (!starting && !relay_stdin)
		st->stdin_done = true;
	/*
	 * The start reply may have arrived in the same read as the command's
	 * output and exit: handle what is buffered before waiting on the socket.
	 */
	r = drain_messages(st);
	if (r < 0)
		return r;
	while (starting ? st->start_pending : !st->exited) {
		int tty_fd = approver_poll_fd(&st->ap);
		struct pollfd pf[4] = {
			{ .fd = st->c.fd, .events = POLLIN },
			{ .fd = sig_pipe[0], .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
			{ .fd = tty_fd, .events = POLLIN },
		};
		if (st->c.out_len > 0)
			pf[0].events |= POLLOUT;
		/* The prompt may read the same terminal as stdin: stdin waits for it. */
		if (!starting && !st->stdin_done && tty_fd < 0 && st->outstanding < STDIN_WINDOW &&
		    st->c.out_len < OUT_BUFFER_LIMIT)
			pf[2].fd = STDIN_FILENO;

		r = poll(pf, 4, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (pf[1].revents & POLLIN) {
			r = handle_signals(st);
			if (r < 0)
				return r;
			if (st->interrupted) {
				/* An "abort" answer may be queued: try to deliver it. */
				(void)rpc_flush(&st->c, false);
				return -EINTR;
			}
		}
		if (pf[3].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = approver_on_tty(&st->ap);
			if (r < 0)
				return r;
		}
		if (pf[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = forward_stdin(st);
			if (r < 0)
				return r;
		}
		if (st->c.out_len > 0) {
			r = rpc_flush(&st->c, false);
			if (r < 0 && r != -EAGAIN) {
				fprintf(stderr, "codexctl: lost the connection to codexd\n");
				return r;
			}
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = drain_messages(st);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_seconds(const char *s, int64_t *ret_ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 ||
	    v * 1000.0 > (double)CX_MAX_TIMEOUT_MS)
		return -EINVAL;
	*ret_ms = client_seconds_to_ms(v);
	return 0;
}

json_t *environment_json(void)
{
	json_t *env = json_object();

	for (char **e = environ; env && e && *e; e++) {
		const char *eq = strchr(*e, '=');
		_cleanup_free_ char *name = NULL;
		json_t *v;

		if (!eq || eq == *e)
			continue;
		name = strndup(*e, (size_t)(eq - *e));
		v = name ? json_string(eq + 1) : NULL;
		if (!v || json_object_set_new(env, name, v) < 0)
			fprintf(stderr, "codexctl: not passing environment variable %s "
					"(not valid UTF-8)\n",
				name ? name : "?");
	}
	return env;
}

/*
 * --prefix-rule 'git push': the words, split on blanks, as a JSON array.
 * 0, or -EINVAL (no word, too many, not UTF-8).
 */
static int prefix_rule_json(const char *s, json_t **ret)
{
	_cleanup_json_ json_t *arr = json_array();
	const char *p = s;

	if (!arr)
		return -ENOMEM;
	for (;;) {
		size_t n;
		json_t *w;

		p += strspn(p, " \t");
		if (!*p)
			break;
		n = strcspn(p, " \t");
		if (json_array_size(arr) >= CX_MAX_RULES_PATTERN)
			return -EINVAL;
		w = json_stringn(p, n);
		if (!w || json_array_append_new(arr, w) < 0)
			return -EINVAL;
		p += n;
	}
	if (json_array_size(arr) == 0)
		return -EINVAL;
	*ret = TAKE_PTR(arr);
	return 0;
}

/* The daemon refused or failed the start: message, --json object, exit status. */
static int start_failed(const struct exec_state *st, const struct rpc_message *err)
{
	json_t *ec = err->error_data ? json_object_get(err->error_data, "exit_code") : NULL;
	int status;

	print_rpc_error(err);
	/* 126/127 from a failed exec, 126 for refusals, else 1 (codexctl(1)). */
	if (json_is_integer(ec) && json_integer_value(ec) >= 1 && json_integer_value(ec) <= 255)
		status = (int)json_integer_value(ec);
	else
		status = exit_status_for_error(err);
	if (st->o->json) {
		json_t *e = json_pack("{s:I, s:s, s:O*}", "code", (json_int_t)err->error_code,
				      "message", err->error_message ? err->error_message : "error",
				      "data", err->error_data);
		print_json_line(e);
		json_decref(e);
	}
	return status;
}

/*
 * The start was answered with a result: warnings, "suggest" (nothing ran),
 * or the exec's id.  Returns -1 to go on running, else the exit status.
 */
static int start_succeeded(struct exec_state *st, json_t *result)
{
	const char *decision = str_field(result, "decision");

	print_warnings(json_object_get(result, "warnings"));
	if (decision && strcmp(decision, "suggest") == 0) {
		const char *reason = str_field(result, "reason");

		if (st->o->json)
			print_json_line(result);
		fputs("codexctl: not run (approval policy suggest): ", stderr);
		term_print_oneline(stderr, reason ? reason : "no reason given", 4096);
		fputc('\n', stderr);
		return CX_EXIT_REFUSED;
	}
	if (!json_is_string(json_object_get(result, "id"))) {
		fprintf(stderr, "codexctl: malformed exec/start reply\n");
		return CX_EXIT_ERROR;
	}
	st->id = strdup(json_string_value(json_object_get(result, "id")));
	if (!st->id)
		return CX_EXIT_ERROR;
	if (st->o->json)
		print_json_line(result);
	return -1;
}

/*
 * Send hello (can_approve) and exec/start, then serve approvals until the
 * start is answered.  0 when it was (st->start_result or st->start_err),
 * <0 otherwise (-EINTR: interrupted by a signal).
 */
static int start_exec(struct exec_state *st, json_t *params, bool fds_mode, bool can_approve)
{
	int r;

	st->hello_id = rpc_queue_request(&st->c, "hello",
					 json_pack("{s:s, s:s, s:i, s:b}", "client", "codexctl",
						   "version", CX_VERSION, "protocol_version",
						   CX_PROTOCOL_VERSION, "can_approve", can_approve));
	if (st->hello_id < 0) {
		json_decref(params);
		return (int)st->hello_id;
	}
	if (fds_mode) {
		int fds[3] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO };

		/* Sends the queued hello first, then the request with our descriptors. */
		st->start_id = rpc_send_with_fds(&st->c, "exec/start", params, fds, 3);
	} else
		st->start_id = rpc_queue_request(&st->c, "exec/start", params);
	if (st->start_id < 0) {
		fprintf(stderr, "codexctl: sending to codexd: %s\n", strerror((int)-st->start_id));
		return (int)st->start_id;
	}
	st->start_pending = true;
	r = rpc_flush(&st->c, true);
	if (r < 0) {
		/* The daemon may have refused us and closed: its reason is waiting to be read. */
		if (r == -EPIPE || r == -ECONNRESET) {
			st->c.out_len = 0;
			(void)drain_messages(st);
			if (!st->start_pending)
				return 0;
		}
		fprintf(stderr, "codexctl: sending to codexd: %s\n", strerror(-r));
		return r;
	}
	return run_loop(st, false);
}

int cmd_exec(const struct client_opts *o, int argc, char **argv)
{
	enum {
		OPT_NETWORK = 256,
		OPT_ALLOW,
		OPT_DENY,
		OPT_WROOT,
		OPT_TIMEOUT,
		OPT_ENV,
		OPT_SESSION,
		OPT_FDS,
		OPT_JUSTIFY,
		OPT_ESCALATE,
		OPT_LOG_DENIALS,
		OPT_PREFIX_RULE,
		OPT_NO_PROMPT,
	};
	static const struct option opts[] = {
		{ "sandbox", required_argument, NULL, 's' },
		{ "ask-for-approval", required_argument, NULL, 'a' },
		{ "cd", required_argument, NULL, 'C' },
		{ "tty", no_argument, NULL, 't' },
		{ "no-stdin", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "profile", required_argument, NULL, 'p' },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "allow-domain", required_argument, NULL, OPT_ALLOW },
		{ "deny-domain", required_argument, NULL, OPT_DENY },
		{ "writable-root", required_argument, NULL, OPT_WROOT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "session", required_argument, NULL, OPT_SESSION },
		{ "fds", no_argument, NULL, OPT_FDS },
		{ "justification", required_argument, NULL, OPT_JUSTIFY },
		{ "escalate", no_argument, NULL, OPT_ESCALATE },
		{ "prefix-rule", required_argument, NULL, OPT_PREFIX_RULE },
		{ "no-prompt", no_argument, NULL, OPT_NO_PROMPT },
		{ "log-denials", no_argument, NULL, OPT_LOG_DENIALS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct exec_state st = { .o = o, .status = CX_EXIT_ERROR };
	_cleanup_json_ json_t *params = json_object(), *set_env = json_object(),
			      *allow = json_array(), *deny = json_array(), *roots = json_array(),
			      *overrides = json_array();
	const char *network = NULL, *dir = NULL;
	bool fds_mode = false, no_stdin = false, no_prompt = false, can_approve;
	char cwd[PATH_MAX];
	json_t *argvj;
	int64_t timeout_ms = 0;
	int c, r, tty_fd = -1;

	if (!params || !set_env || !allow || !deny || !roots || !overrides)
		return CX_EXIT_ERROR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:a:C:tnc:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			json_object_set_new(params, "sandbox", json_string(optarg));
			break;
		case 'a':
			json_object_set_new(params, "approval_policy", json_string(optarg));
			break;
		case 'C':
			dir = optarg;
			break;
		case 't':
			st.tty = true;
			json_object_set_new(params, "tty", json_true());
			break;
		case 'n':
			no_stdin = true;
			break;
		case 'c': {
			const char *eq = strchr(optarg, '=');
			json_t *v;

			if (!eq || eq == optarg) {
				fprintf(stderr, "codexctl: -c needs KEY=VALUE\n");
				return CX_EXIT_USAGE;
			}
			if (json_array_size(overrides) >= CLIENT_MAX_OVERRIDES) {
				fprintf(stderr, "codexctl: at most %d -c options\n",
					CLIENT_MAX_OVERRIDES);
				return CX_EXIT_USAGE;
			}
			v = json_string(optarg);
			if (!v || json_array_append_new(overrides, v) < 0) {
				fprintf(stderr, "codexctl: -c %s: not valid UTF-8\n", optarg);
				return CX_EXIT_USAGE;
			}
			break;
		}
		case 'p':
			if (!optarg[0]) {
				fprintf(stderr, "codexctl: --profile needs a name\n");
				return CX_EXIT_USAGE;
			}
			json_object_set_new(params, "profile", json_string(optarg));
			break;
		case OPT_NETWORK:
			network = optarg;
			break;
		case OPT_ALLOW:
			json_array_append_new(allow, json_string(optarg));
			break;
		case OPT_DENY:
			json_array_append_new(deny, json_string(optarg));
			break;
		case OPT_WROOT: {
			char abs[PATH_MAX];
			if (!realpath(optarg, abs)) {
				fprintf(stderr, "codexctl: --writable-root %s: %s\n", optarg,
					strerror(errno));
				return CX_EXIT_USAGE;
			}
			json_array_append_new(roots, json_string(abs));
			break;
		}
		case OPT_TIMEOUT:
			if (parse_seconds(optarg, &timeout_ms) < 0) {
				fprintf(stderr, "codexctl: --timeout needs a positive number of "
						"seconds\n");
				return CX_EXIT_USAGE;
			}
			json_object_set_new(params, "timeout_ms", json_integer(timeout_ms));
			break;
		case OPT_ENV: {
			const char *eq = strchr(optarg, '=');
			_cleanup_free_ char *name = NULL;
			if (!eq || eq == optarg) {
				fprintf(stderr, "codexctl: --env needs NAME=VALUE\n");
				return CX_EXIT_USAGE;
			}
			name = strndup(optarg, (size_t)(eq - optarg));
			if (!name || json_object_set_new(set_env, name, json_string(eq + 1)) < 0) {
				fprintf(stderr, "codexctl: --env %s: invalid\n", optarg);
				return CX_EXIT_USAGE;
			}
			break;
		}
		case OPT_SESSION:
			json_object_set_new(params, "session", json_string(optarg));
			break;
		case OPT_FDS:
			fds_mode = true;
			break;
		case OPT_JUSTIFY:
			json_object_set_new(params, "justification", json_string(optarg));
			break;
		case OPT_ESCALATE:
			json_object_set_new(params, "escalate", json_true());
			break;
		case OPT_PREFIX_RULE: {
			json_t *pre = NULL;

			if (prefix_rule_json(optarg, &pre) < 0) {
				fprintf(stderr, "codexctl: --prefix-rule needs one or more words, for "
						"example --prefix-rule 'git push'\n");
				return CX_EXIT_USAGE;
			}
			json_object_set_new(params, "prefix_rule", pre);
			break;
		}
		case OPT_NO_PROMPT:
			no_prompt = true;
			break;
		case OPT_LOG_DENIALS:
			json_object_set_new(params, "log_denials", json_true());
			st.log_denials = true;
			break;
		case 'h':
			exec_usage(stdout);
			return 0;
		default:
			exec_usage(stderr);
			return CX_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		exec_usage(stderr);
		return CX_EXIT_USAGE;
	}
	if (st.tty) {
		unsigned rows, cols;
		if (fds_mode) {
			fprintf(stderr, "codexctl: -t and --fds exclude each other\n");
			return CX_EXIT_USAGE;
		}
		if (window_size(&rows, &cols)) {
			json_object_set_new(params, "rows", json_integer(rows));
			json_object_set_new(params, "cols", json_integer(cols));
		}
	}
	if (fds_mode && no_stdin) {
		fprintf(stderr, "codexctl: -n and --fds exclude each other (with --fds the command "
				"gets your stdin itself)\n");
		return CX_EXIT_USAGE;
	}

	if (dir) {
		if (!realpath(dir, cwd)) {
			fprintf(stderr, "codexctl: -C %s: %s\n", dir, strerror(errno));
			return CX_EXIT_USAGE;
		}
	} else if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "codexctl: cannot determine the current directory: %s\n",
			strerror(errno));
		return CX_EXIT_ERROR;
	}

	argvj = json_array();
	for (int i = optind; argvj && i < argc; i++) {
		json_t *s = json_string(argv[i]);
		if (!s) {
			fprintf(stderr, "codexctl: argument %d is not valid UTF-8\n", i - optind);
			json_decref(argvj);
			return CX_EXIT_USAGE;
		}
		json_array_append_new(argvj, s);
	}
	json_object_set_new(params, "argv", argvj);
	json_object_set_new(params, "cwd", json_string(cwd));
	json_object_set_new(params, "env", environment_json());
	if (json_object_size(set_env))
		json_object_set(params, "set_env", set_env);
	if (network || json_array_size(allow) || json_array_size(deny)) {
		json_t *n = json_pack("{s:s}", "mode", network ? network : "proxy");
		if (json_array_size(allow))
			json_object_set(n, "allow_domains", allow);
		if (json_array_size(deny))
			json_object_set(n, "deny_domains", deny);
		json_object_set_new(params, "network", n);
	}
	if (json_array_size(roots))
		json_object_set(params, "writable_roots", roots);
	if (json_array_size(overrides))
		json_object_set(params, "config_overrides", overrides);

	if (fds_mode)
		json_object_set_new(params, "stdio", json_string("fds"));
	else if (no_stdin || o->stdin_was_closed)
		json_object_set_new(params, "stdin", json_false());
	if (!fds_mode && !o->json)
		json_object_set_new(params, "raw_output", json_true()); /* no base64 */
	if (o->stdin_was_closed)
		no_stdin = true;

	/* We can approve when there is a terminal to ask on (codexctl(1), "APPROVALS"). */
	if (!no_prompt)
		tty_fd = approver_open_tty();
	can_approve = tty_fd >= 0;

	r = rpc_connect(&st.c, o->socket);
	if (r > 0) {
		safe_close(tty_fd);
		return r;
	}
	if (!fds_mode && !o->json && !st.tty) {
		struct stat sst;
		st.splice_stdout = fstat(STDOUT_FILENO, &sst) == 0 && S_ISFIFO(sst.st_mode);
	}
	approver_init(&st.ap, &st.c, can_approve ? APPROVER_PROMPT : APPROVER_REFUSE, tty_fd);
	st.ap.around_prompt = exec_around_prompt;
	st.ap.userdata = &st;
	if (setup_signals() < 0) {
		r = CX_EXIT_ERROR;
		goto out;
	}

	r = start_exec(&st, TAKE_PTR(params), fds_mode, can_approve);
	if (r == -EINTR) {
		fprintf(stderr, "codexctl: interrupted before the command started\n");
		r = 128 + st.interrupted;
		goto out;
	}
	if (r < 0) {
		r = CX_EXIT_ERROR;
		goto out;
	}
	if (st.start_failed) {
		r = start_failed(&st, &st.start_err);
		goto out;
	}
	r = start_succeeded(&st, st.start_result);
	if (r >= 0)
		goto out;

	if (st.tty && !o->json)
		enter_raw_mode();
	/* What arrived before the command existed is for it now. */
	for (int sig = 1; sig < 32; sig++)
		if ((st.deferred_signals & (1u << sig)) && forward_signal(&st, sig) < 0) {
			r = CX_EXIT_ERROR;
			goto out;
		}

	r = run_loop(&st, !fds_mode && !no_stdin);
	r = r < 0 ? CX_EXIT_ERROR : st.status;
out:
	approver_done(&st.ap);
	restore_terminal();
	if (st.start_failed)
		jsonrpc_message_done(&st.start_err);
	json_decref(st.start_result);
	free(st.id);
	rpc_close(&st.c);
	return r;
}
