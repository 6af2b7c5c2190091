/* SPDX-License-Identifier: MIT */
/*
 * Approval policies, the decision table, amendments, the prompt's choices
 * and session-approval keys; see approval.h.
 *
 * Security invariants kept here:
 *  - a FORBIDDEN from any segment is final: no policy, escalation, session
 *    approval or amendment turns it into anything else;
 *  - escalation (running outside the sandbox) is never granted without a
 *    human "yes": it always yields at least NEEDS_APPROVAL, and is refused
 *    where no one can be asked (never, full-auto, granular without
 *    sandbox_approval);
 *  - bypass_sandbox is only ever set when every segment matched an explicit
 *    allow rule and nothing extra (assignments, file-writing redirections)
 *    rides along; the daemon still decides whether to honour it.
 */
#include "policy/approval.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "policy/cmd_safety.h"

/* ------------------------------------------------------------------ names */

int approval_config_from_string(const char *s, struct approval_config *ret)
{
	static const struct {
		const char *name;
		enum approval_policy policy;
		bool forbid_escalation;
	} names[] = {
		{"untrusted", APPROVAL_UNTRUSTED, false},
		{"on-failure", APPROVAL_ON_FAILURE, false},
		{"on-request", APPROVAL_ON_REQUEST, false},
		{"never", APPROVAL_NEVER, false},
		{"granular", APPROVAL_GRANULAR, false},
		{"suggest", APPROVAL_SUGGEST, false},
		{"interactive", APPROVAL_UNTRUSTED, false},
		{"auto-edit", APPROVAL_AUTO_EDIT, false},
		{"full-auto", APPROVAL_NEVER, true},
	};

	if (!s || !ret)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i].name) == 0) {
			*ret = (struct approval_config){
				.policy = names[i].policy,
				.forbid_escalation = names[i].forbid_escalation,
			};
			return 0;
		}
	return -EINVAL;
}

const char *approval_policy_to_string(enum approval_policy policy)
{
	static const char *const names[_APPROVAL_POLICY_MAX] = {
		[APPROVAL_UNTRUSTED] = "untrusted",   [APPROVAL_ON_FAILURE] = "on-failure",
		[APPROVAL_ON_REQUEST] = "on-request", [APPROVAL_NEVER] = "never",
		[APPROVAL_GRANULAR] = "granular",     [APPROVAL_SUGGEST] = "suggest",
		[APPROVAL_AUTO_EDIT] = "auto-edit",
	};

	if ((unsigned)policy >= _APPROVAL_POLICY_MAX)
		return "unknown";
	return names[policy];
}

int approval_granular_set(struct approval_granular *g, const char *name, bool value)
{
	if (!g || !name)
		return -EINVAL;
	if (strcmp(name, "sandbox_approval") == 0)
		g->sandbox_approval = value;
	else if (strcmp(name, "rules") == 0)
		g->rules = value;
	else if (strcmp(name, "skill_approval") == 0)
		g->skill_approval = value;
	else if (strcmp(name, "request_permissions") == 0)
		g->request_permissions = value;
	else if (strcmp(name, "mcp_elicitations") == 0)
		g->mcp_elicitations = value;
	else
		return -EINVAL;
	return 0;
}

/* Codex's FileSystemSandboxKind::Unrestricted | ExternalSandbox. */
static bool fs_unrestricted(const struct approval_request *req)
{
	return req->sandbox == SANDBOX_DANGER_FULL_ACCESS || req->external_sandbox;
}

const char *approval_outcome_to_string(enum approval_outcome o)
{
	static const char *const names[_APPROVAL_OUTCOME_MAX] = {
		[APPROVAL_OUTCOME_ALLOW] = "allow",
		[APPROVAL_OUTCOME_NEEDS_APPROVAL] = "needs_approval",
		[APPROVAL_OUTCOME_FORBIDDEN] = "forbidden",
		[APPROVAL_OUTCOME_SUGGEST] = "suggest",
	};

	if ((unsigned)o >= _APPROVAL_OUTCOME_MAX)
		return "unknown";
	return names[o];
}

const char *approval_source_to_string(enum approval_source s)
{
	static const char *const names[_APPROVAL_SOURCE_MAX] = {
		[APPROVAL_SOURCE_RULE] = "rule",
		[APPROVAL_SOURCE_HEURISTIC] = "heuristic",
		[APPROVAL_SOURCE_POLICY] = "policy",
	};

	if ((unsigned)s >= _APPROVAL_SOURCE_MAX)
		return "unknown";
	return names[s];
}

static const char *const choice_names[_APPROVAL_CHOICE_MAX] = {
	[APPROVAL_CHOICE_APPROVE] = "approve",
	[APPROVAL_CHOICE_APPROVE_FOR_SESSION] = "approve_for_session",
	[APPROVAL_CHOICE_DENY] = "deny",
	[APPROVAL_CHOICE_ABORT] = "abort",
};

const char *approval_choice_to_string(enum approval_choice c)
{
	if ((unsigned)c >= _APPROVAL_CHOICE_MAX)
		return "unknown";
	return choice_names[c];
}

int approval_choice_from_string(const char *s, enum approval_choice *ret)
{
	if (!s || !ret)
		return -EINVAL;
	for (size_t i = 0; i < _APPROVAL_CHOICE_MAX; i++)
		if (strcmp(s, choice_names[i]) == 0) {
			*ret = (enum approval_choice)i;
			return 0;
		}
	return -EINVAL;
}

/* ------------------------------------------------------------------ strings */

struct dbuf {
	char *p;
	size_t n, cap, max; /* max: 0 = unbounded (callers bound their input) */
	bool overflow;
	int err;
};

static void dbuf_put(struct dbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->max && b->n + n > b->max) {
		b->overflow = true;
		return;
	}
	if (b->n + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 64;
		char *np;

		while (ncap < b->n + n + 1)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void dbuf_puts(struct dbuf *b, const char *s)
{
	dbuf_put(b, s, strlen(s));
}

static void dbuf_putc(struct dbuf *b, char c)
{
	dbuf_put(b, &c, 1);
}

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Printable, valid UTF-8, no control characters. */
static bool word_is_clean(const char *w)
{
	const unsigned char *s = (const unsigned char *)w;
	size_t n = strlen(w);

	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(s + i, n - i);

		if (l == 0 || s[i] < 0x20 || s[i] == 0x7f)
			return false;
		i += l;
	}
	return true;
}

static bool word_needs_no_quotes(const char *w)
{
	if (!*w)
		return false;
	for (const char *p = w; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_@%+=:,./-", *p)))
			return false;
	return true;
}

static void quote_word(struct dbuf *b, const char *w)
{
	if (word_needs_no_quotes(w)) {
		dbuf_puts(b, w);
	} else if (word_is_clean(w)) {
		dbuf_putc(b, '\'');
		for (const char *p = w; *p; p++) {
			if (*p == '\'')
				dbuf_puts(b, "'\\''");
			else
				dbuf_putc(b, *p);
		}
		dbuf_putc(b, '\'');
	} else {
		dbuf_puts(b, "$'");
		for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
			if (*p < 0x20 || *p >= 0x7f || *p == '\'' || *p == '\\') {
				char esc[8];

				snprintf(esc, sizeof(esc), "\\x%02x", *p);
				dbuf_puts(b, esc);
			} else {
				dbuf_putc(b, (char)*p);
			}
		}
		dbuf_putc(b, '\'');
	}
}

char *approval_render_command(char *const *argv, size_t max)
{
	struct dbuf b = {0};

	/* Quote word by word until the output would pass max; the words are
	 * escaped whole, so a cut never splits an escape or a UTF-8 sequence. */
	for (size_t i = 0; argv && argv[i]; i++) {
		struct dbuf w = {0};

		if (i > 0)
			dbuf_putc(&w, ' ');
		quote_word(&w, argv[i]);
		if (w.err) {
			free(w.p);
			free(b.p);
			return NULL;
		}
		if (b.n + w.n > max) {
			size_t keep = max > b.n ? max - b.n : 0;

			/* A first word longer than max: keep a clean prefix of it. */
			if (b.n == 0 && keep > 0) {
				size_t k = 0;

				while (k < keep && k < w.n) {
					size_t l =
						utf8_len((const unsigned char *)w.p + k, w.n - k);

					if (l == 0 || k + l > keep)
						break;
					k += l;
				}
				dbuf_put(&b, w.p, k);
			}
			free(w.p);
			dbuf_puts(&b, "...");
			break;
		}
		dbuf_put(&b, w.p, w.n);
		free(w.p);
	}
	if (!b.err && !b.p)
		dbuf_puts(&b, "");
	if (b.err) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* A justification from a rules file: bounded, control characters blanked. */
static void put_justification(struct dbuf *b, const char *j)
{
	size_t n = strnlen(j, CX_MAX_JUSTIFICATION);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)j[i];

		dbuf_putc(b, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
	}
	if (j[n])
		dbuf_puts(b, "...");
}

/* "`<cmd>` <rest...>" into *ret. */
static int make_reason(char **ret, char *const *argv, const char *mid, const char *justification,
		       const char *tail)
{
	_cleanup_free_ char *cmd = approval_render_command(argv, CX_MAX_REASON_COMMAND);
	struct dbuf b = {0};

	if (!cmd)
		return -ENOMEM;
	dbuf_putc(&b, '`');
	dbuf_puts(&b, cmd);
	dbuf_putc(&b, '`');
	dbuf_puts(&b, mid);
	if (justification)
		put_justification(&b, justification);
	if (tail)
		dbuf_puts(&b, tail);
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*ret = b.p;
	return 0;
}

static char **strv_copy_n(char *const *v, size_t n)
{
	char **c = calloc(n + 1, sizeof(char *));

	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(v[i]);
		if (!c[i]) {
			strv_free(c);
			return NULL;
		}
	}
	return c;
}

/* ------------------------------------------------------------------ amendments */

bool approval_prefix_is_banned(char *const *prefix)
{
	/* Codex's BANNED_PREFIX_SUGGESTIONS: an allow rule for any of these would
	 * allow arbitrary code.  { first token, second token or NULL }. */
	static const struct {
		const char *a, *b;
	} banned[] = {
		{"python3", NULL},
		{"python3", "-"},
		{"python3", "-c"},
		{"python", NULL},
		{"python", "-"},
		{"python", "-c"},
		{"py", NULL},
		{"py", "-3"},
		{"pythonw", NULL},
		{"pyw", NULL},
		{"pypy", NULL},
		{"pypy3", NULL},
		{"git", NULL},
		{"bash", NULL},
		{"bash", "-lc"},
		{"sh", NULL},
		{"sh", "-c"},
		{"sh", "-lc"},
		{"zsh", NULL},
		{"zsh", "-lc"},
		{"/bin/zsh", NULL},
		{"/bin/zsh", "-lc"},
		{"/bin/bash", NULL},
		{"/bin/bash", "-lc"},
		{"pwsh", NULL},
		{"pwsh", "-Command"},
		{"pwsh", "-c"},
		{"powershell", NULL},
		{"powershell", "-Command"},
		{"powershell", "-c"},
		{"powershell.exe", NULL},
		{"powershell.exe", "-Command"},
		{"powershell.exe", "-c"},
		{"env", NULL},
		{"sudo", NULL},
		{"node", NULL},
		{"node", "-e"},
		{"perl", NULL},
		{"perl", "-e"},
		{"ruby", NULL},
		{"ruby", "-e"},
		{"php", NULL},
		{"php", "-r"},
		{"lua", NULL},
		{"lua", "-e"},
		{"osascript", NULL},
	};
	size_t n = strv_length(prefix);

	if (n == 0)
		return true;
	if (n > 2)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(banned); i++) {
		if (strcmp(prefix[0], banned[i].a) != 0)
			continue;
		if (n == 1 && !banned[i].b)
			return true;
		if (n == 2 && banned[i].b && strcmp(prefix[1], banned[i].b) == 0)
			return true;
	}
	return false;
}

static bool argv_has_prefix(char *const *argv, char *const *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++)
		if (!argv[i] || strcmp(argv[i], prefix[i]) != 0)
			return false;
	return i > 0;
}

/* ------------------------------------------------------------------ decision */

enum verdict {
	V_ALLOW,
	V_PROMPT,
	V_FORBIDDEN,
};

/* Why a heuristic prompted for a segment (for the reason text). */
enum why {
	WHY_NONE,
	WHY_DANGEROUS,
	WHY_NOT_KNOWN_SAFE,
	WHY_ESCALATION,
};

static enum verdict heuristic(const struct approval_request *req,
			      const struct approval_segment *seg, enum why *why)
{
	enum approval_policy p = req->config.policy;

	*why = WHY_NONE;
	if (seg->known_safe && !req->complex_parse && p == APPROVAL_UNTRUSTED)
		return V_ALLOW;
	if (seg->dangerous) {
		*why = WHY_DANGEROUS;
		return p == APPROVAL_NEVER ? V_FORBIDDEN : V_PROMPT;
	}
	switch (p) {
	case APPROVAL_NEVER:
		return V_ALLOW; /* the sandbox protects */
	case APPROVAL_UNTRUSTED:
	case APPROVAL_AUTO_EDIT:
	case APPROVAL_SUGGEST:
		*why = WHY_NOT_KNOWN_SAFE;
		return V_PROMPT;
	case APPROVAL_ON_REQUEST:
	case APPROVAL_ON_FAILURE:
	case APPROVAL_GRANULAR:
	default:
		if (fs_unrestricted(req))
			return V_ALLOW;
		if (req->escalate) {
			*why = WHY_ESCALATION;
			return V_PROMPT;
		}
		return V_ALLOW;
	}
}

static int decide_forbidden(const struct approval_request *req, const struct approval_segment *rule,
			    struct approval_decision *d)
{
	int r;

	d->outcome = APPROVAL_OUTCOME_FORBIDDEN;
	if (!rule) {
		d->source = APPROVAL_SOURCE_HEURISTIC;
		return make_reason(&d->reason, req->argv, " rejected: blocked by policy", NULL,
				   " (possibly destructive command and approval policy never)");
	}
	d->source = APPROVAL_SOURCE_RULE;
	if (rule->justification && *rule->justification)
		return make_reason(&d->reason, req->argv, " rejected: ", rule->justification, NULL);
	if (rule->matched_prefix && rule->matched_prefix[0]) {
		_cleanup_free_ char *prefix =
			approval_render_command(rule->matched_prefix, CX_MAX_REASON_COMMAND);

		if (!prefix)
			return -ENOMEM;
		r = make_reason(&d->reason, req->argv,
				" rejected: policy forbids commands starting with `", prefix, "`");
		return r;
	}
	return make_reason(&d->reason, req->argv, " rejected: blocked by policy", NULL, NULL);
}

static int decide_refused(const struct approval_request *req, const char *why,
			  struct approval_decision *d)
{
	d->outcome = APPROVAL_OUTCOME_FORBIDDEN;
	d->source = APPROVAL_SOURCE_POLICY;
	return make_reason(&d->reason, req->argv, " rejected: ", why, NULL);
}

/* The amendment to propose with a NEEDS_APPROVAL; may leave it NULL. */
static int derive_amendment(const struct approval_request *req, const enum verdict *hv,
			    const enum why *whys, bool any_rule, bool any_rule_prompt,
			    struct approval_decision *d)
{
	if (req->complex_parse || req->config.policy == APPROVAL_AUTO_EDIT)
		return 0;

	if (req->requested_prefix && req->requested_prefix[0] && !any_rule &&
	    !approval_prefix_is_banned(req->requested_prefix)) {
		bool all = true;

		for (size_t i = 0; i < req->n_segments && all; i++)
			if (req->segments[i].dangerous || req->segments[i].dangerous_assignment ||
			    !argv_has_prefix(req->segments[i].argv, req->requested_prefix))
				all = false;
		if (all) {
			d->amendment = strv_copy_n(req->requested_prefix,
						   strv_length(req->requested_prefix));
			return d->amendment ? 0 : -ENOMEM;
		}
	}
	if (any_rule_prompt)
		return 0;
	for (size_t i = 0; i < req->n_segments; i++) {
		const struct approval_segment *seg = &req->segments[i];

		if (seg->verdict != APPROVAL_RULE_NONE && !seg->dangerous_assignment)
			continue;
		if (hv[i] != V_PROMPT)
			continue;
		if (whys[i] == WHY_DANGEROUS || seg->dangerous || seg->dangerous_assignment ||
		    approval_prefix_is_banned(seg->argv))
			return 0;
		d->amendment = strv_copy_n(seg->argv, strv_length(seg->argv));
		return d->amendment ? 0 : -ENOMEM;
	}
	return 0;
}

int approval_decide(const struct approval_request *req, struct approval_decision *ret)
{
	_cleanup_free_ enum verdict *hv = NULL; /* per segment: the decision it contributed */
	_cleanup_free_ enum why *whys = NULL;
	const struct approval_segment *forbid_rule = NULL, *prompt_rule = NULL;
	enum verdict overall = V_ALLOW;
	bool any_rule = false, any_rule_prompt = false, any_rule_forbidden = false;
	bool all_rule_allow = true, extras = false, escalation_prompt = false;
	enum why first_why = WHY_NONE;
	struct approval_decision d = {0};
	struct approval_request fixed;
	const struct approval_config *cfg;
	int r;

	if (!req || !ret || !req->segments || req->n_segments == 0 ||
	    (unsigned)req->config.policy >= _APPROVAL_POLICY_MAX ||
	    (unsigned)req->sandbox >= _SANDBOX_MODE_MAX)
		return -EINVAL;
	if (!req->argv) {
		/* messages quote the command: fall back to the first segment */
		fixed = *req;
		fixed.argv = req->segments[0].argv;
		req = &fixed;
	}
	cfg = &req->config;
	hv = calloc(req->n_segments, sizeof(*hv));
	whys = calloc(req->n_segments, sizeof(*whys));
	if (!hv || !whys)
		return -ENOMEM;

	for (size_t i = 0; i < req->n_segments; i++) {
		const struct approval_segment *seg = &req->segments[i];
		enum approval_rule_verdict v = seg->verdict;

		if ((unsigned)v >= _APPROVAL_RULE_VERDICT_MAX || !seg->argv || !seg->argv[0])
			return -EINVAL;
		if (v != APPROVAL_RULE_NONE)
			any_rule = true;
		if (seg->has_assignments || seg->writes_files || seg->dangerous_assignment)
			extras = true;
		/* LD_PRELOAD=x allowed-program: the allow rule was written for the
		 * program, not for the program with a chosen loader; judge it as
		 * unmatched (what Codex does, since it would not split it). */
		if (v == APPROVAL_RULE_ALLOW && seg->dangerous_assignment)
			v = APPROVAL_RULE_NONE;
		if (v != APPROVAL_RULE_ALLOW)
			all_rule_allow = false;

		switch (v) {
		case APPROVAL_RULE_FORBIDDEN:
			hv[i] = V_FORBIDDEN;
			any_rule_forbidden = true;
			if (!forbid_rule || strv_length(seg->matched_prefix) >
						    strv_length(forbid_rule->matched_prefix))
				forbid_rule = seg;
			break;
		case APPROVAL_RULE_PROMPT:
			hv[i] = V_PROMPT;
			any_rule_prompt = true;
			if (!prompt_rule || strv_length(seg->matched_prefix) >
						    strv_length(prompt_rule->matched_prefix))
				prompt_rule = seg;
			break;
		case APPROVAL_RULE_ALLOW:
			hv[i] = V_ALLOW;
			break;
		case APPROVAL_RULE_NONE:
		default:
			hv[i] = heuristic(req, seg, &whys[i]);
			if (hv[i] == V_PROMPT && first_why == WHY_NONE)
				first_why = whys[i];
			break;
		}
		if (hv[i] > overall)
			overall = hv[i];
	}

	/* Forbidden is final, whatever the policy. */
	if (overall == V_FORBIDDEN) {
		r = decide_forbidden(req, any_rule_forbidden ? forbid_rule : NULL, &d);
		goto out;
	}

	if (cfg->policy == APPROVAL_SUGGEST) {
		d.outcome = APPROVAL_OUTCOME_SUGGEST;
		d.source = APPROVAL_SOURCE_POLICY;
		r = make_reason(&d.reason, req->argv,
				" not run: approval policy suggest only records suggestions", NULL,
				NULL);
		goto out;
	}

	if (req->escalate) {
		if (cfg->forbid_escalation) {
			r = decide_refused(
				req,
				"running outside the sandbox was requested, but approval "
				"policy full-auto keeps every command sandboxed",
				&d);
			goto out;
		}
		if (cfg->policy == APPROVAL_NEVER) {
			r = decide_refused(req,
					   "running outside the sandbox requires approval, but "
					   "approval_policy is never",
					   &d);
			goto out;
		}
		escalation_prompt = true;
		overall = V_PROMPT;
	}
	if (cfg->policy == APPROVAL_AUTO_EDIT)
		overall = V_PROMPT;

	if (overall == V_PROMPT) {
		if (cfg->policy == APPROVAL_NEVER) {
			r = decide_refused(req,
					   any_rule_prompt
						   ? "approval required by policy rule, but "
						     "approval_policy is never"
						   : "approval required by policy, but "
						     "approval_policy is never",
					   &d);
			goto out;
		}
		if (cfg->policy == APPROVAL_GRANULAR) {
			if (any_rule_prompt && !cfg->granular.rules) {
				r = decide_refused(req,
						   "approval required by policy rule, but "
						   "granular.rules is false",
						   &d);
				goto out;
			}
			if ((!any_rule_prompt || escalation_prompt) &&
			    !cfg->granular.sandbox_approval) {
				r = decide_refused(
					req,
					escalation_prompt
						? "running outside the sandbox requires "
						  "approval, but granular.sandbox_approval "
						  "is false"
						: "approval required by policy, but "
						  "granular.sandbox_approval is false",
					&d);
				goto out;
			}
		}

		d.outcome = APPROVAL_OUTCOME_NEEDS_APPROVAL;
		d.escalation = escalation_prompt;
		if (any_rule_prompt) {
			d.source = APPROVAL_SOURCE_RULE;
			if (prompt_rule->justification && *prompt_rule->justification)
				r = make_reason(&d.reason, req->argv,
						" requires approval: ", prompt_rule->justification,
						NULL);
			else
				r = make_reason(&d.reason, req->argv,
						" requires approval by policy", NULL, NULL);
		} else if (first_why == WHY_DANGEROUS) {
			d.source = APPROVAL_SOURCE_HEURISTIC;
			r = make_reason(
				&d.reason, req->argv,
				" requires approval: possibly destructive command (forced rm)",
				NULL, NULL);
		} else if (escalation_prompt) {
			d.source = APPROVAL_SOURCE_POLICY;
			r = make_reason(&d.reason, req->argv,
					" requires approval: it asks to run outside the sandbox",
					NULL, NULL);
		} else if (cfg->policy == APPROVAL_AUTO_EDIT) {
			d.source = APPROVAL_SOURCE_POLICY;
			r = make_reason(&d.reason, req->argv,
					" requires approval: approval policy auto-edit asks before "
					"every command",
					NULL, NULL);
		} else {
			d.source = APPROVAL_SOURCE_HEURISTIC;
			r = make_reason(&d.reason, req->argv,
					" requires approval: not a known-safe command", NULL, NULL);
		}
		if (r < 0)
			goto out;
		r = derive_amendment(req, hv, whys, any_rule, any_rule_prompt, &d);
		goto out;
	}

	d.outcome = APPROVAL_OUTCOME_ALLOW;
	d.source = all_rule_allow ? APPROVAL_SOURCE_RULE : APPROVAL_SOURCE_HEURISTIC;
	d.bypass_sandbox = all_rule_allow && !extras && !cfg->forbid_escalation;
	r = 0;
out:
	if (r < 0) {
		approval_decision_done(&d);
		return r;
	}
	*ret = d;
	return 0;
}

void approval_decision_done(struct approval_decision *d)
{
	if (!d)
		return;
	free(d->reason);
	strv_free(d->amendment);
	*d = (struct approval_decision){0};
}

/* ------------------------------------------------------------------ plan */

void approval_plan_free(struct approval_plan *p)
{
	if (!p)
		return;
	shell_split_free(p->split);
	free(p->segments);
	free(p);
}

int approval_plan_build(char *const *argv, struct approval_plan **ret)
{
	_cleanup_(approval_plan_freep) struct approval_plan *p = NULL;
	int r;

	if (!argv || !argv[0] || !ret)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	r = shell_split_argv(argv, &p->split);
	if (r < 0)
		return r;
	if (r == SHELL_SPLIT_OK) {
		const struct shell_split *s = p->split;
		bool whole_dangerous = false;

		p->complex_parse = s->complex_parse;
		/* After a heredoc reduction the script holds more than the command
		 * we kept; let the permissive parse of the whole script count too. */
		if (s->complex_parse)
			whole_dangerous = cmd_safety_is_dangerous(argv);
		p->segments = calloc(s->n_commands, sizeof(*p->segments));
		if (!p->segments)
			return -ENOMEM;
		p->n_segments = s->n_commands;
		for (size_t i = 0; i < s->n_commands; i++) {
			const struct shell_command *c = &s->commands[i];
			struct approval_segment *seg = &p->segments[i];

			seg->argv = c->argv;
			seg->known_safe = !s->complex_parse && cmd_safety_command_is_known_safe(c);
			seg->dangerous = whole_dangerous || cmd_safety_command_is_dangerous(c);
			seg->dangerous_assignment = cmd_safety_command_has_dangerous_assignment(c);
			seg->has_assignments = c->n_assignments > 0;
			seg->writes_files = cmd_safety_command_writes_files(c);
		}
	} else {
		shell_split_free(p->split);
		p->split = NULL;
		p->segments = calloc(1, sizeof(*p->segments));
		if (!p->segments)
			return -ENOMEM;
		p->n_segments = 1;
		p->segments[0] = (struct approval_segment){
			.argv = argv,
			.known_safe = cmd_safety_is_known_safe(argv),
			.dangerous = cmd_safety_is_dangerous(argv),
		};
	}
	*ret = TAKE_PTR(p);
	return 0;
}

/* ------------------------------------------------------------------ choices */

unsigned approval_available_choices(const struct approval_request *req,
				    const struct approval_decision *d)
{
	unsigned mask;

	if (!req || !d || d->outcome != APPROVAL_OUTCOME_NEEDS_APPROVAL)
		return 0;
	mask = APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_APPROVE) |
	       APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_DENY) |
	       APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_ABORT);
	for (size_t i = 0; i < req->n_segments; i++)
		if (req->segments[i].dangerous || req->segments[i].dangerous_assignment)
			return mask;
	return mask | APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_APPROVE_FOR_SESSION);
}

/* ------------------------------------------------------------------ session keys */

static void put_netstring(struct dbuf *b, const char *s)
{
	char len[24];

	snprintf(len, sizeof(len), "%zu:", strlen(s));
	dbuf_puts(b, len);
	dbuf_puts(b, s);
	dbuf_putc(b, ',');
}

/* Programs keyed on their exact argv: they run whatever their arguments say. */
static bool key_is_exact_program(const char *name)
{
	static const char *const exact[] = {
		"sudo",	    "doas",	  "pkexec",  "run0",	"su",	   "runuser", "env",
		"nice",	    "nohup",	  "time",    "timeout", "stdbuf",  "setsid",  "xargs",
		"parallel", "exec",	  "command", "builtin", "eval",	   "source",  ".",
		"watch",    "script",	  "flock",   "chroot",	"nsenter", "unshare", "ssh",
		"bash",	    "sh",	  "zsh",     "dash",	"ksh",	   "mksh",    "ash",
		"fish",	    "csh",	  "tcsh",    "busybox", "python",  "python2", "python3",
		"py",	    "pypy",	  "pypy3",   "node",	"nodejs",  "deno",    "bun",
		"perl",	    "ruby",	  "php",     "lua",	"luajit",  "tclsh",   "osascript",
		"pwsh",	    "powershell", "awk",     "gawk",	"mawk",	   "expect",  "R",
		"Rscript",
	};

	for (size_t i = 0; i < ARRAY_SIZE(exact); i++)
		if (strcmp(name, exact[i]) == 0)
			return true;
	/* python3.12, node18 ... */
	return strncmp(name, "python", 6) == 0 || strncmp(name, "node", 4) == 0;
}

/* git global options that take the next word as their value. */
static bool git_global_takes_value_for_key(const char *a)
{
	static const char *const opts[] = {
		"-C",	     "-c",	    "--config-env",   "--exec-path",
		"--git-dir", "--namespace", "--super-prefix", "--work-tree",
	};

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (strcmp(a, opts[i]) == 0)
			return true;
	return false;
}

/* Subcommands that name what they run: key one more word. */
static bool key_is_runner_subcommand(const char *w)
{
	static const char *const runners[] = {"run", "exec", "x", "dlx", "tool", "script"};

	for (size_t i = 0; i < ARRAY_SIZE(runners); i++)
		if (strcmp(w, runners[i]) == 0)
			return true;
	return false;
}

/* The program token: basename only for bare names and system directories. */
static void key_put_program(struct dbuf *b, const char *argv0)
{
	static const char *const trusted_dirs[] = {
		"/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/",
	};
	const char *name = cmd_safety_executable_name(argv0);

	if (name == argv0) {
		put_netstring(b, argv0);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(trusted_dirs); i++) {
		size_t n = strlen(trusted_dirs[i]);

		if (strncmp(argv0, trusted_dirs[i], n) == 0 && argv0 + n == name) {
			put_netstring(b, name);
			return;
		}
	}
	put_netstring(b, argv0);
}

/* One command's key: "p[" program, options, subcommand "]" or "x[" all "]". */
static void key_put_command(struct dbuf *b, char *const *argv, size_t argc,
			    const struct shell_command *cmd)
{
	const char *name = cmd_safety_executable_name(argv[0]);
	bool git = strcmp(name, "git") == 0;

	if (key_is_exact_program(name) || name[0] == '\0') {
		dbuf_puts(b, "x[");
		for (size_t i = 0; i < argc; i++)
			put_netstring(b, argv[i]);
	} else {
		bool maybe_value = false, runner = false, end_of_options = false;

		dbuf_puts(b, "p[");
		key_put_program(b, argv[0]);
		for (size_t i = 1; i < argc; i++) {
			const char *a = argv[i];

			put_netstring(b, a);
			if (!end_of_options && strcmp(a, "--") == 0) {
				end_of_options = true;
				maybe_value = false;
				continue;
			}
			if (!end_of_options && a[0] == '-' && a[1] != '\0') {
				if (git)
					maybe_value = git_global_takes_value_for_key(a);
				else
					maybe_value = strchr(a, '=') == NULL;
				continue;
			}
			if (maybe_value) {
				maybe_value = false;
				continue;
			}
			if (!runner && key_is_runner_subcommand(a)) {
				runner = true;
				continue;
			}
			break;
		}
	}
	if (cmd) {
		/* What rides along with the command is part of what was approved. */
		for (size_t i = 0; i < cmd->n_assignments; i++) {
			dbuf_puts(b, "=");
			put_netstring(b, cmd->assignments[i].name);
			put_netstring(b, cmd->assignments[i].value);
		}
		for (size_t i = 0; i < cmd->n_redirects; i++) {
			const struct shell_redirect *rd = &cmd->redirects[i];
			char head[48];

			snprintf(head, sizeof(head), ">%d,%d,%d,", rd->fd, (int)rd->mode,
				 rd->target_fd);
			dbuf_puts(b, head);
			put_netstring(b, rd->target ? rd->target : "");
		}
	}
	dbuf_putc(b, ']');
}

int approval_session_key(char *const *argv, const char *cwd, const char *session, char **ret)
{
	_cleanup_(shell_split_freep) struct shell_split *s = NULL;
	struct dbuf b = {.max = CX_MAX_SESSION_KEY};
	int r;

	if (!argv || !argv[0] || !cwd || !ret)
		return -EINVAL;
	dbuf_puts(&b, "codexd-session-key-1;");
	put_netstring(&b, session ? session : "");
	put_netstring(&b, cwd);

	r = shell_split_argv(argv, &s);
	if (r < 0) {
		free(b.p);
		return r;
	}
	if (r == SHELL_SPLIT_NOT_SHELL) {
		key_put_command(&b, argv, strv_length(argv), NULL);
	} else if (r == SHELL_SPLIT_OK && !s->complex_parse) {
		for (size_t i = 0; i < s->n_commands; i++)
			key_put_command(&b, s->commands[i].argv, s->commands[i].argc,
					&s->commands[i]);
	} else {
		size_t argc = strv_length(argv);

		dbuf_puts(&b, "x[");
		for (size_t i = 0; i < argc; i++)
			put_netstring(&b, argv[i]);
		dbuf_putc(&b, ']');
	}
	if (b.err || b.overflow) {
		free(b.p);
		return b.err ? b.err : -E2BIG;
	}
	*ret = b.p;
	return 0;
}
