/* SPDX-License-Identifier: MIT */
/*
 * policy/check: a dry run of the rules for an argv, in the shape of Codex's
 * `execpolicy check`.  The live managed rules always take part; rules text
 * a caller supplies is evaluated as a user layer beside them (it can only
 * add matches: the strictest decision wins), so a viewer learns nothing
 * but what the rules say about the argv it asked about.
 */
#include <stddef.h>
#include <string.h>

#include "common/jdecode.h"
#include "common/log.h"
#include "common/protocol.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "policy/rules.h"
#include "policy/rules_json.h"

#define CHECK_MAX_RULE_FILES 16

struct rules_file {
	char *name;
	char *text;
};

struct check_params {
	char **argv;
	char *resolved_program;
	struct rules_file files[CHECK_MAX_RULE_FILES];
	size_t n_files;
};

static int parse_rules(json_t *v, void *dst, char *err, size_t errsz)
{
	struct check_params *p =
		(struct check_params *)((char *)dst - offsetof(struct check_params, files));
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > CHECK_MAX_RULE_FILES) {
		snprintf(err, errsz, "must be an array of at most %d {name, text} objects",
			 CHECK_MAX_RULE_FILES);
		return -EINVAL;
	}
	json_array_foreach(v, i, e)
	{
		json_t *name = json_object_get(e, "name"), *text = json_object_get(e, "text");

		if (!json_is_object(e) || json_object_size(e) != 2 || !json_is_string(name) ||
		    !json_is_string(text) || json_string_length(name) == 0 ||
		    json_string_length(name) > 256 || json_string_length(text) > CX_MAX_RULES_FILE) {
			snprintf(err, errsz, "[%zu] must be {\"name\": 1..256 bytes, \"text\": at "
					     "most %d bytes}",
				 i, CX_MAX_RULES_FILE);
			return -EINVAL;
		}
		p->files[i].name = strdup(json_string_value(name));
		p->files[i].text = strndup(json_string_value(text), json_string_length(text));
		p->n_files = i + 1;
		if (!p->files[i].name || !p->files[i].text)
			return -ENOMEM;
	}
	return 0;
}

static void free_rules(void *dst)
{
	struct check_params *p =
		(struct check_params *)((char *)dst - offsetof(struct check_params, files));

	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].name);
		free(p->files[i].text);
	}
	p->n_files = 0;
}

static const struct jd_field check_fields[] = {
	{ "argv", JD_STRV, offsetof(struct check_params, argv), JD_REQUIRED | JD_NONEMPTY, 0,
	  CX_MAX_ARGV, CX_MAX_ARG },
	{ "resolved_program", JD_STRING, offsetof(struct check_params, resolved_program),
	  JD_ABS_PATH, 0, CX_MAX_PATH },
	{ "rules", JD_CUSTOM, offsetof(struct check_params, files), 0, 0, 0, 0, NULL, parse_rules,
	  free_rules },
};

/* Append b's matches to a's and keep the strictest decision. */
static void merge(json_t *a, json_t *b)
{
	json_t *ma = json_object_get(a, "matchedRules"), *mb = json_object_get(b, "matchedRules");
	json_t *da = json_object_get(a, "decision"), *db = json_object_get(b, "decision");

	json_array_extend(ma, mb);
	if (json_is_string(db)) {
		enum rules_decision x = RULES_DECISION_ALLOW, y;
		if (json_is_string(da))
			(void)rules_decision_from_string(json_string_value(da), &x);
		(void)rules_decision_from_string(json_string_value(db), &y);
		if (!json_is_string(da) || y > x)
			json_object_set(a, "decision", db);
	}
}

static json_t *evaluate(const struct rules_set *set, char *const *argv, const char *resolved,
			int *ret)
{
	struct rules_eval_opts opts = { .resolved_program = resolved };
	struct rules_result res = { 0 };
	json_t *j;

	*ret = rules_eval_prefix(set, argv, &opts, &res);
	if (*ret < 0)
		return NULL;
	j = rules_result_to_json(&res);
	rules_result_clear(&res);
	if (!j)
		*ret = -ENOMEM;
	return j;
}

int rpc_policy_check(struct request *req)
{
	struct daemon *d = req->conn->d;
	struct check_params p = { 0 };
	struct rules_set *extra = NULL;
	json_t *res = NULL, *more;
	char err[512];
	int r;

	r = jd_decode(req->params, "params", check_fields, ARRAY_SIZE(check_fields), &p, NULL, err,
		      sizeof(err));
	if (r < 0)
		return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);

	if (p.n_files > 0) {
		extra = rules_set_new();
		if (!extra) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < p.n_files; i++) {
			r = rules_set_add_text(extra, RULES_LAYER_USER, p.files[i].name,
					       p.files[i].text, strlen(p.files[i].text), err,
					       sizeof(err));
			if (r == -ENOMEM)
				goto out;
			if (r < 0) {
				r = conn_reply_error(req->conn, &req->id, CX_ERR_INVALID_PARAMS,
						     CX_REASON_INVALID_PARAMS, NULL,
						     "params.rules: %s", err);
				goto out;
			}
		}
	}

	res = evaluate(d->rules, p.argv, p.resolved_program, &r);
	if (r >= 0 && extra) {
		more = evaluate(extra, p.argv, p.resolved_program, &r);
		if (more) {
			merge(res, more);
			json_decref(more);
		}
	}
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		r = conn_reply_error(req->conn, &req->id, CX_ERR_INVALID_PARAMS,
				     CX_REASON_INVALID_PARAMS, NULL,
				     "params.argv: cannot be evaluated (%s)", strerror(-r));
		goto out;
	}
	json_object_set_new(res, "generation", json_integer((json_int_t)d->cfg_generation));
	r = conn_reply_result(req->conn, &req->id, res);
	res = NULL;
out:
	json_decref(res);
	rules_set_free(extra);
	jd_free(check_fields, ARRAY_SIZE(check_fields), &p);
	return r;
}
