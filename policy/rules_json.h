/* SPDX-License-Identifier: MIT */
/*
 * A rules evaluation as JSON in the shape of Codex's `codex execpolicy
 * check` (CODEX-MODEL.md §1.4): {"matchedRules": [{"prefixRuleMatch":
 * {"matchedPrefix": [...], "decision": ..., "resolvedProgram"?,
 * "justification"?}}], "decision"?}.  codexd adds "layer" and "source"
 * ("file:line") to each match; Codex readers ignore unknown keys.
 *
 * Pure; process: any.
 */
#ifndef CX_RULES_JSON_H
#define CX_RULES_JSON_H

#include <jansson.h>

#include "policy/rules.h"

/* New reference, or NULL on allocation failure. */
json_t *rules_result_to_json(const struct rules_result *r);

#endif
