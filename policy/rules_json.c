/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "policy/rules_json.h"

json_t *rules_result_to_json(const struct rules_result *r)
{
	json_t *root = json_object(), *matches = json_array();

	if (!root || !matches) {
		json_decref(root);
		json_decref(matches);
		return NULL;
	}
	for (size_t i = 0; i < r->n_matches; i++) {
		const struct rules_match *m = &r->matches[i];
		json_t *prefix = json_array(), *pm = json_object();
		char where[512];

		for (size_t k = 0; prefix && k < m->prefix_len; k++)
			json_array_append_new(prefix, json_string(rules_match_token(r, m, k)));
		json_object_set_new(pm, "matchedPrefix", prefix);
		json_object_set_new(pm, "decision",
				    json_string(rules_decision_to_string(m->decision)));
		if (m->resolved_program)
			json_object_set_new(pm, "resolvedProgram", json_string(m->resolved_program));
		if (m->justification)
			json_object_set_new(pm, "justification", json_string(m->justification));
		json_object_set_new(pm, "layer", json_string(rules_layer_to_string(m->layer)));
		snprintf(where, sizeof(where), "%s:%u", m->file ? m->file : "?", m->line);
		json_object_set_new(pm, "source", json_string(where));
		json_array_append_new(matches, json_pack("{s:o}", "prefixRuleMatch", pm));
	}
	json_object_set_new(root, "matchedRules", matches);
	if (r->matched)
		json_object_set_new(root, "decision",
				    json_string(rules_decision_to_string(r->decision)));
	return root;
}
