/* SPDX-License-Identifier: MIT */
/*
 * Amendment lines (CODEX-MODEL.md §1.6), the over-broad prefix check, and
 * the names of the public enums.
 */
#include <errno.h>
#include <string.h>

#include "common/utf8.h"
#include "policy/rules_internal.h"

/* ---------------------------------------------------------------- names */

static const char *const decision_names[_RULES_DECISION_MAX] = {
	[RULES_DECISION_ALLOW] = "allow",
	[RULES_DECISION_PROMPT] = "prompt",
	[RULES_DECISION_FORBIDDEN] = "forbidden",
};

static const char *const layer_names[_RULES_LAYER_MAX] = {
	[RULES_LAYER_BUILTIN] = "builtin", [RULES_LAYER_USER] = "user",
	[RULES_LAYER_PROJECT] = "project", [RULES_LAYER_SESSION] = "session",
	[RULES_LAYER_MANAGED] = "managed",
};

static const char *const protocol_names[_RULES_NET_MAX] = {
	[RULES_NET_HTTP] = "http",
	[RULES_NET_HTTPS] = "https",
	[RULES_NET_SOCKS5_TCP] = "socks5_tcp",
	[RULES_NET_SOCKS5_UDP] = "socks5_udp",
};

const char *rules_decision_to_string(enum rules_decision d)
{
	return (unsigned)d < _RULES_DECISION_MAX ? decision_names[d] : "unknown";
}

int rules_decision_from_string(const char *s, enum rules_decision *ret)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(decision_names); i++)
		if (strcmp(s, decision_names[i]) == 0) {
			*ret = (enum rules_decision)i;
			return 0;
		}
	return -EINVAL;
}

const char *rules_layer_to_string(enum rules_layer l)
{
	return (unsigned)l < _RULES_LAYER_MAX ? layer_names[l] : "unknown";
}

int rules_layer_from_string(const char *s, enum rules_layer *ret)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(layer_names); i++)
		if (strcmp(s, layer_names[i]) == 0) {
			*ret = (enum rules_layer)i;
			return 0;
		}
	return -EINVAL;
}

const char *rules_net_protocol_to_string(enum rules_net_protocol p)
{
	return (unsigned)p < _RULES_NET_MAX ? protocol_names[p] : "unknown";
}

const char *rules_access_to_string(unsigned access)
{
	switch (access) {
	case RULES_ACCESS_READ:
		return "read";
	case RULES_ACCESS_WRITE:
		return "write";
	case RULES_ACCESS_ANY:
		return "any";
	default:
		return "unknown";
	}
}

/* ---------------------------------------------------------------- amendments */

/* A string the lexer will read back unchanged. */
static int check_string(const char *s)
{
	size_t len = strlen(s);

	if (len > CX_MAX_RULES_STRING)
		return -E2BIG;
	if (!utf8_is_valid(s, len))
		return -EINVAL;
	return 0;
}

static int finish(struct rules_buf *b, char **ret)
{
	char *s;

	if (b->oom) {
		rules_buf_free(b);
		return -ENOMEM;
	}
	if (b->len > CX_MAX_RULES_FILE - 1) {
		rules_buf_free(b);
		return -E2BIG;
	}
	s = rules_buf_steal(b);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int rules_render_prefix_amendment(char *const *tokens, char **ret)
{
	struct rules_buf b;
	size_t n = 0;
	int r;

	if (!tokens || !tokens[0] || !ret)
		return -EINVAL;
	for (; tokens[n]; n++) {
		if (n >= CX_MAX_RULES_PATTERN)
			return -E2BIG;
		r = check_string(tokens[n]);
		if (r < 0)
			return r;
	}
	rules_buf_init(&b, CX_MAX_RULES_FILE);
	rules_buf_puts(&b, "prefix_rule(pattern=[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			rules_buf_puts(&b, ", ");
		rules_buf_put_quoted(&b, tokens[i], strlen(tokens[i]), SIZE_MAX);
	}
	rules_buf_puts(&b, "], decision=\"allow\")");
	return finish(&b, ret);
}

int rules_render_network_amendment(const char *host, enum rules_net_protocol protocol,
				   enum rules_decision decision, const char *justification,
				   char **ret)
{
	static const char *const net_decisions[_RULES_DECISION_MAX] = {
		[RULES_DECISION_ALLOW] = "allow",
		[RULES_DECISION_PROMPT] = "prompt",
		[RULES_DECISION_FORBIDDEN] = "deny",
	};
	struct rules_arena a = {0};
	struct rules_buf b;
	const char *msg;
	char *h;
	int r;

	if (!host || !ret || (unsigned)protocol >= _RULES_NET_MAX ||
	    (unsigned)decision >= _RULES_DECISION_MAX)
		return -EINVAL;
	r = check_string(host);
	if (r < 0)
		return r;
	if (justification) {
		const char *s = justification;

		r = check_string(justification);
		if (r < 0)
			return r;
		while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
			s++;
		if (!*s)
			return -EINVAL;
	}
	h = rules_normalize_host(&a, host, &msg);
	if (!h) {
		rules_arena_free(&a);
		return msg ? -EINVAL : -ENOMEM;
	}
	rules_buf_init(&b, CX_MAX_RULES_FILE);
	rules_buf_puts(&b, "network_rule(host=");
	rules_buf_put_quoted(&b, h, strlen(h), SIZE_MAX);
	rules_buf_printf(&b, ", protocol=\"%s\", decision=\"%s\"", protocol_names[protocol],
			 net_decisions[decision]);
	if (justification) {
		rules_buf_puts(&b, ", justification=");
		rules_buf_put_quoted(&b, justification, strlen(justification), SIZE_MAX);
	}
	rules_buf_putc(&b, ')');
	rules_arena_free(&a);
	return finish(&b, ret);
}

/* ---------------------------------------------------------------- over-broad prefixes */

/*
 * Codex's BANNED_PREFIX_SUGGESTIONS (core/src/exec_policy.rs), with
 * python3/pypy3 folded into python/pypy (see program_key) and absolute
 * shells (/bin/bash) covered by the basename rule, then codexd's
 * additions: git -c (runs configured commands), more shells with -c, and
 * privilege or exec wrappers.
 */
static const char *const banned[][3] = {
	{"python"},
	{"python", "-"},
	{"python", "-c"},
	{"py"},
	{"py", "-3"},
	{"pythonw"},
	{"pyw"},
	{"pypy"},
	{"git"},
	{"bash"},
	{"bash", "-lc"},
	{"sh"},
	{"sh", "-c"},
	{"sh", "-lc"},
	{"zsh"},
	{"zsh", "-lc"},
	{"pwsh"},
	{"pwsh", "-Command"},
	{"pwsh", "-c"},
	{"powershell"},
	{"powershell", "-Command"},
	{"powershell", "-c"},
	{"powershell.exe"},
	{"powershell.exe", "-Command"},
	{"powershell.exe", "-c"},
	{"env"},
	{"sudo"},
	{"node"},
	{"node", "-e"},
	{"perl"},
	{"perl", "-e"},
	{"ruby"},
	{"ruby", "-e"},
	{"php"},
	{"php", "-r"},
	{"lua"},
	{"lua", "-e"},
	{"osascript"},
	/* codexd */
	{"git", "-c"},
	{"bash", "-c"},
	{"zsh", "-c"},
	{"dash"},
	{"dash", "-c"},
	{"ksh"},
	{"ksh", "-c"},
	{"fish"},
	{"fish", "-c"},
	{"su"},
	{"doas"},
	{"pkexec"},
	{"xargs"},
	{"busybox"},
};

/* "python3", "python3.12" -> "python"; "pypy3" -> "pypy"; else the name. */
static const char *program_key(const char *name)
{
	static const char *const versioned[] = {"python", "pypy"};

	for (size_t i = 0; i < ARRAY_SIZE(versioned); i++) {
		size_t l = strlen(versioned[i]);

		if (strncmp(name, versioned[i], l) == 0 &&
		    strspn(name + l, "0123456789.") == strlen(name + l))
			return versioned[i];
	}
	return name;
}

bool rules_prefix_is_too_broad(char *const *tokens)
{
	const char *first, *slash;
	size_t n = 0;

	if (!tokens || !tokens[0])
		return true;
	while (tokens[n])
		n++;
	if (n > 2)
		return false;
	first = tokens[0];
	slash = strrchr(first, '/');
	if (slash)
		first = slash + 1;
	first = program_key(first);
	for (size_t i = 0; i < ARRAY_SIZE(banned); i++) {
		size_t bn = banned[i][1] ? 2 : 1;

		if (bn != n || strcmp(banned[i][0], first) != 0)
			continue;
		if (n == 1 || strcmp(banned[i][1], tokens[1]) == 0)
			return true;
	}
	return false;
}
