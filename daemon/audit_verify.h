/* SPDX-License-Identifier: MIT */
/*
 * Verification of the audit chain (record format: daemon/audit.h), fed
 * one line at a time in file order, so it works on logs of any size and
 * needs no daemon state: the unit tests drive it directly.
 *
 * It stops at the first bad record and names it (file, line, seq) with a
 * reason:
 *   malformed      not a JSON object, or no hash suffix (damaged or cut)
 *   edited         the record's hash does not match its bytes
 *   hmac_missing   a key is configured but the record has no hmac
 *   hmac_mismatch  the hmac does not match (forged, or another key)
 *   replaced       the record does not match the hash its successor holds
 *                  (edited and rehashed, or swapped for another)
 *   deleted        sequence numbers are missing (also: the oldest records
 *                  gone without an audit.retention record saying so, or
 *                  the log ending before the daemon's last record)
 *   reordered      a record appears after one with a higher seq
 *
 * Process: any.
 */
#ifndef CX_AUDIT_VERIFY_H
#define CX_AUDIT_VERIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audit_verifier {
	const unsigned char *key; /* HMAC key (borrowed), or NULL */
	size_t key_len;
	/*
	 * > 1: verify only from this seq on (records before it are skipped
	 * unchecked; the first one checked starts the chain).  Set after init.
	 */
	int64_t from_seq;

	bool have_last;
	int64_t last_seq;
	unsigned char last_hash[32];
	char last_file[256];
	uint64_t last_line;
	int64_t first_seq;
	int64_t retention_through; /* highest removed_through_seq seen */
	uint64_t records;

	/* A record with a seq too high: decided by the next one. */
	bool suspect;
	int64_t suspect_seq;
	char suspect_file[256];
	uint64_t suspect_line;
	unsigned char suspect_hash[32];
	unsigned char suspect_prev[32];

	/* The verdict. */
	bool failed;
	const char *reason;
	int64_t bad_seq; /* 0: unknown (malformed) */
	char bad_file[256];
	uint64_t bad_line;
	char message[512];
};

void audit_verifier_init(struct audit_verifier *v, const unsigned char *key, size_t key_len);

/* One line (no newline).  Returns 1 once a bad record was found (stop), else 0. */
int audit_verifier_line(struct audit_verifier *v, const char *file, uint64_t lineno,
			const char *line, size_t len);

/*
 * End of the log.  expect_last_seq > 0: the daemon's last record (its tail
 * must be there).  Returns 1 if the log is bad, 0 if intact.
 */
int audit_verifier_end(struct audit_verifier *v, int64_t expect_last_seq);

/* The verdict as the audit/verify result. */
json_t *audit_verifier_result(const struct audit_verifier *v);

#endif
