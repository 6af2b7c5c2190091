/* SPDX-License-Identifier: MIT */
/*
 * Approval prompts on the terminal: the daemon's approval/request shown on
 * /dev/tty and the typed answer sent back (client.h, "approvals").
 *
 * The terminal is put in canonical mode with echo for the prompt, and
 * what was typed before the prompt appeared is discarded (TCSAFLUSH), so
 * that keys meant for something else cannot answer it.  Its previous mode
 * is restored afterwards.  Text from the daemon is hostile: every string
 * goes through term_print_oneline(), so that it cannot draw a line of its
 * own (a fake "[y] approve" for instance) or move the cursor.
 *
 * Process: client.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "client/client.h"
#include "common/protocol.h"

/* Longest text shown for one field; the daemon bounds them too. */
#define SHOW_COMMAND 2048
#define SHOW_FIELD 1024
#define SHOW_RULES 8

static const struct {
	const char *wire;
	const char *key; /* what to type */
	const char *label; /* the choice, for people */
} decisions[_APPROVER_DECISION_MAX] = {
	[APPROVER_APPROVE] = {"approve", "y", "approve once"},
	[APPROVER_APPROVE_FOR_SESSION] = {"approve_for_session", "s", "approve for this session"},
	[APPROVER_APPROVE_ALWAYS] = {"approve_always", "a", "always"},
	[APPROVER_DENY] = {"deny", "n", "deny"},
	[APPROVER_ABORT] = {"abort", "q", "abort"},
};

const char *approver_decision_to_string(enum approver_decision d)
{
	return (unsigned)d < _APPROVER_DECISION_MAX ? decisions[d].wire : "unknown";
}

int approver_decision_from_string(const char *s, enum approver_decision *ret)
{
	for (int d = 0; d < _APPROVER_DECISION_MAX; d++)
		if (strcmp(s, decisions[d].wire) == 0) {
			*ret = (enum approver_decision)d;
			return 0;
		}
	return -EINVAL;
}

int approver_open_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (!isatty(fd)) {
		close(fd);
		return -ENOTTY;
	}
	return fd;
}

void approver_init(struct approver *a, struct rpc_client *c, enum approver_mode mode, int tty)
{
	*a = (struct approver){.mode = mode, .c = c, .tty = tty};
	if (mode == APPROVER_PROMPT && tty < 0)
		a->mode = APPROVER_REFUSE;
}

/* Write all of buf to the terminal; gives up quietly when it cannot. */
static void tty_write(struct approver *a, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(a->tty, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = {.fd = a->tty, .events = POLLOUT};
			if (poll(&pf, 1, 5000) <= 0)
				return;
			continue;
		}
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* A message for the terminal, built with stdio and written at once. */
struct tty_text {
	FILE *f;
	char *buf;
	size_t len;
};

static FILE *text_begin(struct tty_text *t)
{
	*t = (struct tty_text){0};
	t->f = open_memstream(&t->buf, &t->len);
	return t->f;
}

static void text_end(struct approver *a, struct tty_text *t)
{
	if (!t->f)
		return;
	if (fclose(t->f) == 0 && a->tty >= 0)
		tty_write(a, t->buf, t->len);
	free(t->buf);
	*t = (struct tty_text){0};
}

static const char *str_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Words of a JSON array of strings, space-separated, each escaped. */
static void print_words(FILE *f, json_t *arr, size_t max_words)
{
	size_t i;
	json_t *w;

	json_array_foreach (arr, i, w) {
		if (i >= max_words) {
			fputs(" ...", f);
			break;
		}
		if (i > 0)
			fputc(' ', f);
		term_print_oneline(f, json_is_string(w) ? json_string_value(w) : "?", 256);
	}
}

static void print_field(FILE *f, const char *label, const char *value, size_t max)
{
	fprintf(f, "  %-14s ", label);
	term_print_oneline(f, value, max);
	fputc('\n', f);
}

void approval_describe(FILE *f, json_t *p)
{
	const char *s;
	json_t *v, *rules = json_object_get(p, "matched_rules"), *req;
	size_t i;

	fputs("approval ", f);
	term_print_oneline(f, str_field(p, "approval_id") ?: "?", APPROVAL_ID_MAX);
	fputs(" needed\n", f);
	if ((s = str_field(p, "command")))
		print_field(f, "command:", s, SHOW_COMMAND);
	else if (json_is_array(v = json_object_get(p, "argv"))) {
		fprintf(f, "  %-14s ", "command:");
		print_words(f, v, 64);
		fputc('\n', f);
	}
	if ((s = str_field(p, "cwd")))
		print_field(f, "cwd:", s, SHOW_FIELD);
	if ((s = str_field(p, "session")))
		print_field(f, "session:", s, 128);
	if ((s = str_field(p, "reason")))
		print_field(f, "reason:", s, SHOW_FIELD);
	json_array_foreach (rules, i, v) {
		const char *just = str_field(v, "justification"), *src = str_field(v, "source"),
			   *layer = str_field(v, "layer"), *dec = str_field(v, "decision");

		if (i >= SHOW_RULES) {
			fprintf(f, "  %-14s (%zu more)\n", "", json_array_size(rules) - i);
			break;
		}
		fprintf(f, "  %-14s ", "matched rule:");
		term_print_oneline(f, dec ? dec : "?", 32);
		fputs(": ", f);
		print_words(f, json_object_get(v, "matchedPrefix"), 32);
		if (src || layer) {
			fputs("  (", f);
			term_print_oneline(f, src ? src : "?", 512);
			if (layer) {
				fputs(", ", f);
				term_print_oneline(f, layer, 32);
			}
			fputc(')', f);
		}
		fputc('\n', f);
		if (just) {
			fprintf(f, "  %-14s   rule's justification: ", "");
			term_print_oneline(f, just, SHOW_FIELD);
			fputc('\n', f);
		}
	}
	if ((s = str_field(p, "justification"))) {
		/* The requester wrote this: the reader must not take it for the policy's words. */
		fprintf(f, "  %-14s ", "requester says:");
		fputc('"', f);
		term_print_oneline(f, s, SHOW_FIELD);
		fputs("\"  (the requester's own claim, not checked)\n", f);
	}
	if ((s = str_field(p, "sandbox")))
		print_field(f, "sandbox:", s, 64);
	if (json_is_true(json_object_get(p, "escalate")))
		fprintf(f, "  %-14s %s\n",
			"ESCALATION:", "asks to run OUTSIDE the sandbox, unconfined, if approved");
	req = json_object_get(p, "requester");
	if (json_is_object(req)) {
		json_t *uid = json_object_get(req, "uid"), *pid = json_object_get(req, "pid");

		fprintf(f, "  %-14s ", "requested by:");
		term_print_oneline(f, str_field(req, "user") ?: "?", 64);
		if (json_is_integer(uid))
			fprintf(f, " (uid %lld)", (long long)json_integer_value(uid));
		if (json_is_integer(pid))
			fprintf(f, ", pid %lld", (long long)json_integer_value(pid));
		if ((s = str_field(req, "client"))) {
			fputs(", ", f);
			term_print_oneline(f, s, 64);
		}
		fputc('\n', f);
	}
	v = json_object_get(p, "age_ms");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		fprintf(f, "  %-14s %lld s ago\n",
			"asked:", (long long)json_integer_value(v) / 1000);
	v = json_object_get(p, "timeout_ms");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		fprintf(f, "  %-14s denied if unanswered within %lld s\n",
			"timeout:", (long long)(json_integer_value(v) + 999) / 1000);
}

/* The line of choices, in a fixed order, only those offered. */
static void print_choices(FILE *f, const struct approval_item *it)
{
	bool first = true;

	for (int d = 0; d < _APPROVER_DECISION_MAX; d++) {
		if (!(it->choices & (1u << d)))
			continue;
		fprintf(f, "%s[%s] %s", first ? "" : "  ", decisions[d].key, decisions[d].label);
		if (d == APPROVER_APPROVE_ALWAYS) {
			json_t *pre = json_object_get(it->params, "proposed_prefix_rule");

			fputs(" (save rule: ", f);
			if (json_array_size(pre) > 0)
				print_words(f, pre, 32);
			else
				fputs("?", f);
			fputc(')', f);
		}
		first = false;
	}
	fputc('\n', f);
}

static void print_question(FILE *f, const struct approval_item *it)
{
	bool first = true;

	fputs("Allow it? [", f);
	for (int d = 0; d < _APPROVER_DECISION_MAX; d++)
		if (it->choices & (1u << d)) {
			fprintf(f, "%s%s", first ? "" : "/", decisions[d].key);
			first = false;
		}
	fputs("] ", f);
}

static void terminal_prompt_mode(struct approver *a)
{
	struct termios t;

	if (a->around_prompt)
		a->around_prompt(a->userdata, true);
	if (tcgetattr(a->tty, &a->saved) < 0)
		return;
	t = a->saved;
	t.c_lflag |= ICANON | ECHO | ECHOE | ECHOK | ISIG | IEXTEN;
	t.c_iflag |= ICRNL;
	t.c_iflag &= ~(tcflag_t)(INLCR | IGNCR);
	t.c_oflag |= OPOST | ONLCR;
	/* TCSAFLUSH: typeahead must not answer a prompt it was not meant for. */
	if (tcsetattr(a->tty, TCSAFLUSH, &t) == 0)
		a->termios_changed = true;
}

static void terminal_restore(struct approver *a)
{
	if (a->termios_changed) {
		(void)tcsetattr(a->tty, TCSADRAIN, &a->saved);
		a->termios_changed = false;
	}
	if (a->around_prompt)
		a->around_prompt(a->userdata, false);
}

/* Show queue[0] on the terminal. */
static void prompt_show(struct approver *a)
{
	struct tty_text t;
	FILE *f;

	terminal_prompt_mode(a);
	a->open = true;
	a->line_len = 0;
	a->line_overflow = false;
	f = text_begin(&t);
	if (!f)
		return;
	fputs("\ncodexctl: ", f);
	approval_describe(f, a->queue[0].params);
	print_choices(f, &a->queue[0]);
	print_question(f, &a->queue[0]);
	text_end(a, &t);
}

static void item_free(struct approval_item *it)
{
	json_decref(it->params);
	*it = (struct approval_item){0};
}

static void queue_remove(struct approver *a, size_t i)
{
	item_free(&a->queue[i]);
	memmove(&a->queue[i], &a->queue[i + 1], (a->n_queue - i - 1) * sizeof(a->queue[0]));
	a->n_queue--;
	a->queue[a->n_queue] = (struct approval_item){0};
}

/* The prompt on the terminal goes away; the next one (if any) is shown. */
static void prompt_close(struct approver *a, const char *note)
{
	if (!a->open)
		return;
	if (note) {
		struct tty_text t;
		FILE *f = text_begin(&t);

		if (f) {
			/* The cursor may be after a half-typed answer. */
			fputs("\n", f);
			fputs(note, f);
			text_end(a, &t);
		}
	}
	terminal_restore(a);
	a->open = false;
	queue_remove(a, 0);
	if (a->n_queue > 0 && a->mode == APPROVER_PROMPT)
		prompt_show(a);
}

void approver_done(struct approver *a)
{
	if (a->open) {
		terminal_restore(a);
		a->open = false;
	}
	while (a->n_queue > 0)
		queue_remove(a, a->n_queue - 1);
	a->tty = safe_close(a->tty);
}

static bool valid_approval_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > APPROVAL_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

static int answer(struct approver *a, const struct approval_item *it, enum approver_decision d)
{
	return rpc_queue_result(a->c, &it->id,
				json_pack("{s:s}", "decision", approver_decision_to_string(d)));
}

int approver_on_request(struct approver *a, const struct rpc_message *m,
			const struct approval_item **ret_item)
{
	const char *aid;
	json_t *avail, *v;
	unsigned choices = 0;
	size_t i;

	if (ret_item)
		*ret_item = NULL;
	if (strcmp(m->method, "approval/request") != 0)
		return rpc_queue_error(a->c, &m->id, CX_ERR_METHOD_NOT_FOUND,
				       CX_REASON_UNKNOWN_METHOD,
				       "codexctl does not handle this method");

	aid = str_field(m->params, "approval_id");
	avail = json_object_get(m->params, "available_decisions");
	if (!aid || !valid_approval_id(aid) || !json_is_array(avail) || json_array_size(avail) > 16)
		return rpc_queue_error(a->c, &m->id, CX_ERR_INVALID_PARAMS,
				       CX_REASON_INVALID_PARAMS, "malformed approval/request");
	json_array_foreach (avail, i, v) {
		enum approver_decision d;

		/* Unknown decisions (a newer daemon) are not offered. */
		if (json_is_string(v) &&
		    approver_decision_from_string(json_string_value(v), &d) == 0)
			choices |= 1u << d;
	}

	if (a->mode == APPROVER_SILENT)
		return 0; /* shown by the caller, answered by someone else */
	if (a->mode == APPROVER_REFUSE || choices == 0)
		return rpc_queue_error(
			a->c, &m->id, CX_ERR_METHOD_NOT_FOUND, CX_REASON_UNKNOWN_METHOD,
			choices == 0 ? "none of the available decisions is known here"
				     : "this client cannot approve (no terminal, or "
				       "--no-prompt)");
	for (i = 0; i < a->n_queue; i++)
		if (strcmp(a->queue[i].approval_id, aid) == 0)
			return rpc_queue_error(a->c, &m->id, CX_ERR_INVALID_REQUEST,
					       CX_REASON_INVALID_REQUEST,
					       "this approval is already being asked");
	if (a->n_queue >= APPROVER_QUEUE_MAX)
		return rpc_queue_error(a->c, &m->id, CX_ERR_LIMIT, CX_REASON_LIMIT,
				       "too many approvals waiting for this terminal");

	a->queue[a->n_queue] = (struct approval_item){
		.id = m->id,
		.choices = choices,
		.params = json_incref(m->params),
	};
	snprintf(a->queue[a->n_queue].approval_id, sizeof(a->queue[0].approval_id), "%s", aid);
	if (ret_item)
		*ret_item = &a->queue[a->n_queue];
	a->n_queue++;
	if (!a->open)
		prompt_show(a);
	return 0;
}

bool approver_on_resolved(struct approver *a, json_t *params)
{
	const char *aid = str_field(params, "approval_id");

	if (!aid)
		return false;
	for (size_t i = 0; i < a->n_queue; i++) {
		char note[256];
		const char *dec = str_field(params, "decision"), *by = str_field(params, "by");
		FILE *f;

		if (strcmp(a->queue[i].approval_id, aid) != 0)
			continue;
		if (i > 0 || !a->open) {
			/* Not shown yet: it just leaves the queue, unanswered. */
			queue_remove(a, i);
			return false;
		}
		f = fmemopen(note, sizeof(note), "w");
		if (f) {
			fputs("codexctl: answered elsewhere: ", f);
			term_print_oneline(f, dec ? dec : "?", 32);
			fputs(" (by ", f);
			term_print_oneline(f, by ? by : "?", 32);
			fputs(")\n", f);
			if (fclose(f) != 0)
				snprintf(note, sizeof(note), "codexctl: answered elsewhere\n");
		} else
			snprintf(note, sizeof(note), "codexctl: answered elsewhere\n");
		note[sizeof(note) - 1] = '\0';
		prompt_close(a, note);
		return true;
	}
	return false;
}

int approver_poll_fd(const struct approver *a)
{
	return a->open ? a->tty : -1;
}

/* What was typed: 0 with *ret, or -EINVAL (not an answer) / -EPERM (not offered). */
static int parse_answer(const char *line, unsigned choices, enum approver_decision *ret)
{
	static const struct {
		const char *word;
		enum approver_decision d;
	} words[] = {
		{"y", APPROVER_APPROVE},
		{"yes", APPROVER_APPROVE},
		{"s", APPROVER_APPROVE_FOR_SESSION},
		{"a", APPROVER_APPROVE_ALWAYS},
		{"n", APPROVER_DENY},
		{"no", APPROVER_DENY},
		{"q", APPROVER_ABORT},
	};
	const char *b = line, *e = line + strlen(line);

	while (*b == ' ' || *b == '\t')
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if ((size_t)(e - b) == strlen(words[i].word) &&
		    strncasecmp(b, words[i].word, (size_t)(e - b)) == 0) {
			if (!(choices & (1u << words[i].d)))
				return -EPERM;
			*ret = words[i].d;
			return 0;
		}
	return -EINVAL;
}

/* End of input on the terminal: deny (else abort); nothing offered: no answer. */
static int answer_eof(struct approver *a, const char *why)
{
	struct approval_item *it = &a->queue[0];
	enum approver_decision d = APPROVER_DENY;
	char note[128];
	int r = 0;

	if (!(it->choices & (1u << d)))
		d = APPROVER_ABORT;
	if (it->choices & (1u << d))
		r = answer(a, it, d);
	else
		r = rpc_queue_error(a->c, &it->id, CX_ERR_METHOD_NOT_FOUND,
				    CX_REASON_UNKNOWN_METHOD, "no answer from the terminal");
	snprintf(note, sizeof(note), "codexctl: %s: %s\n", why,
		 it->choices & (1u << d) ? approver_decision_to_string(d) : "not answered");
	prompt_close(a, note);
	return r;
}

int approver_on_tty(struct approver *a)
{
	char buf[APPROVER_LINE_MAX];
	ssize_t n;

	if (!a->open)
		return 0;
	do
		n = read(a->tty, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		/*
		 * Ctrl-D, a hang-up or a read error: nobody is there to say yes.
		 * This one is denied and the terminal is not asked again; the
		 * requests still queued are refused, so that others may answer.
		 */
		int r;

		a->mode = APPROVER_REFUSE;
		r = answer_eof(a, "no answer from the terminal");
		while (r >= 0 && a->n_queue > 0) {
			r = rpc_queue_error(a->c, &a->queue[0].id, CX_ERR_METHOD_NOT_FOUND,
					    CX_REASON_UNKNOWN_METHOD,
					    "this client cannot approve (its terminal is gone)");
			queue_remove(a, 0);
		}
		a->tty = safe_close(a->tty);
		return r;
	}
	for (ssize_t i = 0; i < n; i++) {
		enum approver_decision d;
		struct tty_text t;
		FILE *f;
		int r;

		if (buf[i] != '\n') {
			if (a->line_len + 1 < sizeof(a->line))
				a->line[a->line_len++] = buf[i];
			else
				a->line_overflow = true;
			continue;
		}
		a->line[a->line_len] = '\0';
		r = a->line_overflow ? -EINVAL : parse_answer(a->line, a->queue[0].choices, &d);
		a->line_len = 0;
		a->line_overflow = false;
		if (r == 0) {
			r = answer(a, &a->queue[0], d);
			prompt_close(a, NULL);
			/* The rest of what was typed belonged to this prompt. */
			return r;
		}
		f = text_begin(&t);
		if (f) {
			fputs(r == -EPERM ? "That choice is not offered for this request.\n"
					  : "Please answer with one of the letters in brackets.\n",
			      f);
			print_choices(f, &a->queue[0]);
			print_question(f, &a->queue[0]);
			text_end(a, &t);
		}
	}
	return 0;
}

bool approver_interrupt(struct approver *a)
{
	struct approval_item *it;
	enum approver_decision d;

	if (!a->open)
		return false;
	it = &a->queue[0];
	d = it->choices & (1u << APPROVER_ABORT) ? APPROVER_ABORT : APPROVER_DENY;
	if (it->choices & (1u << d))
		(void)answer(a, it, d);
	/* Only the one on the terminal is answered; the others stay unanswered. */
	while (a->n_queue > 1)
		queue_remove(a, a->n_queue - 1);
	prompt_close(a, d == APPROVER_ABORT ? "codexctl: interrupted: abort\n"
					    : "codexctl: interrupted: deny\n");
	return true;
}
