/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the audit chain verifier (daemon/audit_verify.h):
 * the input is a log, split at newlines and verified without and with an
 * HMAC key.  Invariants: it never crashes, a verdict of "intact" has no
 * reason, a bad verdict names a reason, and once it stopped it stays
 * stopped.
 */
// fuzz-sources: daemon/audit_verify.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/audit_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size, const unsigned char *key, size_t kl)
{
	struct audit_verifier v;
	size_t start = 0;
	uint64_t line = 0;
	json_t *res;

	audit_verifier_init(&v, key, kl);
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (audit_verifier_line(&v, "fuzz", ++line, (const char *)data + start, i - start) >
		    0) {
			if (!v.failed || !v.reason)
				abort();
			if (audit_verifier_line(&v, "fuzz", ++line, "{}", 2) != 1)
				abort();
			break;
		}
		start = i + 1;
	}
	audit_verifier_end(&v, (int64_t)(size % 7));
	if (v.failed != (v.reason != NULL))
		abort();
	res = audit_verifier_result(&v);
	json_decref(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[32] = { 1, 2, 3 };

	run(data, size, NULL, 0);
	run(data, size, key, sizeof(key));
	return 0;
}
