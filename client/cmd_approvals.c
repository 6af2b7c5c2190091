/* SPDX-License-Identifier: MIT */
/*
 * codexctl approvals list | watch | approve ID | deny ID: the caller's
 * pending approvals, answered from another terminal than the one that
 * asked (approval/list, approval/watch, approval/respond).
 *
 * watch prints every approval/request of the caller's uid and every
 * approval/resolved; with a terminal it also prompts (client/prompt.c),
 * without one it only shows them and leaves the answer to others.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client.h"
#include "common/protocol.h"

static void approvals_usage(FILE *f)
{
	fprintf(f, "usage: codexctl approvals list [--json]\n"
		   "       codexctl approvals watch [--json] [--no-prompt]\n"
		   "       codexctl approvals approve ID [--for-session | --always]\n"
		   "       codexctl approvals deny ID [--abort]\n");
}

static const char *str_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void print_json_line(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);

	if (s) {
		puts(s);
		free(s);
	}
	fflush(stdout);
}

/* Connect; >0 is an exit status (the connect message was printed). */
static int connect_or_status(struct rpc_client *c, const struct client_opts *o)
{
	int r = rpc_connect(c, o->socket);

	/* Nothing ran: a refusal at connect is a plain error here. */
	return r == CX_EXIT_REFUSED ? CX_EXIT_ERROR : r;
}

/* "12s", "5m", "3h": how long ago, for the table. */
static void format_age(char *buf, size_t sz, json_t *age_ms)
{
	long long s;

	if (!json_is_integer(age_ms) || json_integer_value(age_ms) < 0) {
		snprintf(buf, sz, "?");
		return;
	}
	s = (long long)json_integer_value(age_ms) / 1000;
	if (s < 120)
		snprintf(buf, sz, "%llds", s);
	else if (s < 120 * 60)
		snprintf(buf, sz, "%lldm", s / 60);
	else
		snprintf(buf, sz, "%lldh", s / 3600);
}

/* One table cell: escaped, cut at max bytes, padded to width (0: last column). */
static void print_cell(const char *s, size_t max, int width)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	term_print_oneline(f, s ? s : "-", max);
	if (fclose(f) != 0) {
		free(buf);
		return;
	}
	if (width > 0)
		printf("%-*s  ", width, buf);
	else
		fputs(buf, stdout);
	free(buf);
}

static int approvals_list(const struct client_opts *o, bool as_json)
{
	_cleanup_json_ json_t *result = NULL;
	json_t *list, *e;
	size_t i;
	int r;

	r = rpc_call_once(o->socket, "approval/list", json_object(), &result);
	if (r > 0)
		return r;
	if (as_json) {
		print_json_line(result);
		return 0;
	}
	list = json_object_get(result, "approvals");
	if (json_array_size(list) == 0) {
		printf("no pending approvals\n");
		return 0;
	}
	printf("%-20s  %-5s  %-40s  %-30s  %s\n", "ID", "AGE", "COMMAND", "CWD", "REASON");
	json_array_foreach (list, i, e) {
		char age[32];

		format_age(age, sizeof(age), json_object_get(e, "age_ms"));
		print_cell(str_field(e, "approval_id"), APPROVAL_ID_MAX, 20);
		printf("%-5s  ", age);
		print_cell(str_field(e, "command"), 37, 40);
		print_cell(str_field(e, "cwd"), 27, 30);
		print_cell(str_field(e, "reason"), 120, 0);
		putchar('\n');
	}
	return 0;
}

/* ------------------------------------------------------------------ watch */

static int watch_sig_pipe[2] = {-1, -1};

static void on_watch_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	(void)!write(watch_sig_pipe[1], &b, 1);
	errno = saved;
}

static int watch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_watch_signal, .sa_flags = SA_RESTART};

	if (pipe2(watch_sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

struct watch_state {
	const struct client_opts *o;
	bool as_json;
	bool show_requests; /* print requests on stdout (the prompt may show them already) */
	struct rpc_client c;
	struct approver ap;
	int64_t watch_id;
	bool watching;
};

static void show_resolved(struct watch_state *w, json_t *p)
{
	const char *aid = str_field(p, "approval_id"), *dec = str_field(p, "decision"),
		   *by = str_field(p, "by");

	if (w->as_json) {
		print_json_line(p);
		return;
	}
	fputs("resolved ", stdout);
	term_print_oneline(stdout, aid ? aid : "?", APPROVAL_ID_MAX);
	fputs(": ", stdout);
	term_print_oneline(stdout, dec ? dec : "?", 32);
	fputs(" (by ", stdout);
	term_print_oneline(stdout, by ? by : "?", 32);
	fputs(")\n", stdout);
	fflush(stdout);
}

static int watch_message(struct watch_state *w, struct rpc_message *m)
{
	int r;

	switch (m->kind) {
	case RPC_KIND_REQUEST:
		if (strcmp(m->method, "approval/request") == 0) {
			if (w->as_json)
				print_json_line(m->params);
			else if (w->show_requests) {
				putchar('\n');
				approval_describe(stdout, m->params);
				fflush(stdout);
			}
		}
		return approver_on_request(&w->ap, m, NULL);
	case RPC_KIND_NOTIFICATION:
		if (strcmp(m->method, "approval/resolved") == 0) {
			(void)approver_on_resolved(&w->ap, m->params);
			/* On a prompting terminal the prompt itself says what became of its
			 * requests. */
			if (w->as_json || w->show_requests)
				show_resolved(w, m->params);
		}
		return 0;
	case RPC_KIND_RESULT:
		if (m->id.type == RPC_ID_INT && m->id.num == w->watch_id) {
			json_t *n = json_object_get(m->result, "pending");

			w->watching = true;
			/* On stderr: stdout carries only the events. */
			fprintf(stderr, "codexctl: watching approvals (%lld pending)\n",
				json_is_integer(n) ? (long long)json_integer_value(n) : 0LL);
		}
		return 0;
	case RPC_KIND_ERROR:
		if (m->id.type == RPC_ID_NONE ||
		    (m->id.type == RPC_ID_INT && m->id.num == w->watch_id)) {
			print_rpc_error(m);
			r = -EPROTO;
			return r;
		}
		return 0;
	}
	return 0;
}

/* Every message buffered or readable now; 1 on EOF. */
static int watch_drain(struct watch_state *w)
{
	for (;;) {
		struct rpc_message m;
		int r = rpc_read(&w->c, &m, false);

		if (r == -EAGAIN)
			return 0;
		if (r == 0)
			return 1;
		if (r < 0)
			return r;
		r = watch_message(w, &m);
		jsonrpc_message_done(&m);
		if (r < 0)
			return r;
	}
}

static int approvals_watch(const struct client_opts *o, bool as_json, bool no_prompt)
{
	struct watch_state w = {.o = o, .as_json = as_json};
	int tty = -1, r, status = CX_EXIT_ERROR;

	if (!no_prompt)
		tty = approver_open_tty();
	/* The prompt shows the request on the terminal; stdout need not repeat it there. */
	w.show_requests = tty < 0 || !isatty(STDOUT_FILENO);
	r = connect_or_status(&w.c, o);
	if (r > 0) {
		safe_close(tty);
		return r;
	}
	approver_init(&w.ap, &w.c, tty >= 0 ? APPROVER_PROMPT : APPROVER_SILENT, tty);
	if (watch_signals() < 0)
		goto out;

	/*
	 * approval/watch is what brings the requests.  A watcher that prompts
	 * also says so in hello; one without a terminal sends no hello, so that
	 * it is only ever a silent onlooker that leaves the answer to others.
	 */
	if (tty >= 0 && rpc_queue_request(&w.c, "hello",
					  json_pack("{s:s, s:s, s:i, s:b}", "client", "codexctl",
						    "version", CX_VERSION, "protocol_version",
						    CX_PROTOCOL_VERSION, "can_approve", true)) < 0)
		goto out;
	w.watch_id = rpc_queue_request(&w.c, "approval/watch", json_object());
	if (w.watch_id < 0)
		goto out;

	for (;;) {
		int tty_fd = approver_poll_fd(&w.ap);
		struct pollfd pf[3] = {
			{.fd = w.c.fd, .events = POLLIN},
			{.fd = watch_sig_pipe[0], .events = POLLIN},
			{.fd = tty_fd, .events = POLLIN},
		};

		if (w.c.out_len > 0) {
			r = rpc_flush(&w.c, false);
			if (r < 0 && r != -EAGAIN) {
				/* The daemon may have closed with its reason: read it. */
				w.c.out_len = 0;
				r = watch_drain(&w);
				if (r == 0 || r == 1)
					fprintf(stderr,
						"codexctl: lost the connection to codexd\n");
				goto out;
			}
			if (w.c.out_len > 0)
				pf[0].events |= POLLOUT;
		}
		r = poll(pf, 3, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (pf[1].revents & POLLIN) {
			/* SIGINT, SIGTERM, SIGHUP: stop watching; an open prompt is left
			 * unanswered. */
			status = 0;
			goto out;
		}
		if (pf[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = approver_on_tty(&w.ap);
			if (r < 0)
				goto out;
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = watch_drain(&w);
			if (r < 0)
				goto out;
			if (r == 1) {
				if (!w.watching) {
					fprintf(stderr, "codexctl: codexd closed the connection\n");
					goto out;
				}
				fprintf(stderr, "codexctl: codexd closed the connection; no longer "
						"watching\n");
				status = 0;
				goto out;
			}
		}
	}
out:
	approver_done(&w.ap);
	rpc_close(&w.c);
	return status;
}

/* ------------------------------------------------------------------ respond */

static int approvals_respond(const struct client_opts *o, const char *id, const char *decision,
			     bool as_json)
{
	struct rpc_client c;
	struct rpc_message err;
	_cleanup_json_ json_t *result = NULL;
	json_t *idj = json_string(id);
	int r;

	if (!idj || !id[0] || strlen(id) > CX_MAX_ID_STRING) {
		json_decref(idj);
		fprintf(stderr, "codexctl: not an approval id: ");
		term_print_oneline(stderr, id, 128);
		fputc('\n', stderr);
		return CX_EXIT_USAGE;
	}
	r = connect_or_status(&c, o);
	if (r > 0) {
		json_decref(idj);
		return r;
	}
	r = rpc_call(&c, "approval/respond",
		     json_pack("{s:o, s:s}", "approval_id", idj, "decision", decision), &result,
		     &err);
	rpc_close(&c);
	if (r < 0)
		return CX_EXIT_ERROR;
	if (r == 1) {
		if (err.error_code == CX_ERR_NOT_FOUND) {
			fputs("codexctl: no pending approval ", stderr);
			term_print_oneline(stderr, id, 128);
			fputs(" (already answered, timed out, or not yours): ", stderr);
			term_print_oneline(
				stderr, err.error_message ? err.error_message : "not found", 512);
			fputc('\n', stderr);
		} else
			print_rpc_error(&err);
		jsonrpc_message_done(&err);
		return CX_EXIT_ERROR;
	}
	if (as_json)
		print_json_line(result);
	return 0;
}

int cmd_approvals(const struct client_opts *o, int argc, char **argv)
{
	enum {
		OPT_JSON = 256,
		OPT_NO_PROMPT,
		OPT_FOR_SESSION,
		OPT_ALWAYS,
		OPT_ABORT,
	};
	static const struct option opts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"no-prompt", no_argument, NULL, OPT_NO_PROMPT},
		{"for-session", no_argument, NULL, OPT_FOR_SESSION},
		{"always", no_argument, NULL, OPT_ALWAYS},
		{"abort", no_argument, NULL, OPT_ABORT},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool as_json = o->json, no_prompt = false, for_session = false, always = false,
	     abort_ = false;
	const char *sub;
	int c;

	if (argc < 2) {
		approvals_usage(stderr);
		return CX_EXIT_USAGE;
	}
	sub = argv[1];
	argc--;
	argv++;
	/*
	 * Options may follow the ID (approve ID --always): permute.  optind 0
	 * makes getopt start afresh, without main()'s "+" (stop at the first
	 * non-option).
	 */
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			as_json = true;
			break;
		case OPT_NO_PROMPT:
			no_prompt = true;
			break;
		case OPT_FOR_SESSION:
			for_session = true;
			break;
		case OPT_ALWAYS:
			always = true;
			break;
		case OPT_ABORT:
			abort_ = true;
			break;
		case 'h':
			approvals_usage(stdout);
			return 0;
		default:
			approvals_usage(stderr);
			return CX_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (strcmp(sub, "list") == 0 && argc == 0 && !no_prompt && !for_session && !always &&
	    !abort_)
		return approvals_list(o, as_json);
	if (strcmp(sub, "watch") == 0 && argc == 0 && !for_session && !always && !abort_)
		return approvals_watch(o, as_json, no_prompt);
	if (strcmp(sub, "approve") == 0 && argc == 1 && !no_prompt && !abort_ &&
	    !(for_session && always))
		return approvals_respond(o, argv[0],
					 always	       ? "approve_always"
					 : for_session ? "approve_for_session"
						       : "approve",
					 as_json);
	if (strcmp(sub, "deny") == 0 && argc == 1 && !no_prompt && !for_session && !always)
		return approvals_respond(o, argv[0], abort_ ? "abort" : "deny", as_json);
	approvals_usage(stderr);
	return CX_EXIT_USAGE;
}
