/* SPDX-License-Identifier: MIT */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/macro.h"
#include "daemon/audit_verify.h"

#define HEX 64
#define SUFFIX_LEN (9 + HEX + 1) /* ,"hash":"<64>"  or  ,"hmac":"<64>" */

void audit_verifier_init(struct audit_verifier *v, const unsigned char *key, size_t key_len)
{
	*v = (struct audit_verifier){ .key = key, .key_len = key_len };
}

static void set_bad(struct audit_verifier *v, const char *reason, int64_t seq, const char *file,
		    uint64_t line, const char *fmt, ...) _printf_(6, 7);

static void set_bad(struct audit_verifier *v, const char *reason, int64_t seq, const char *file,
		    uint64_t line, const char *fmt, ...)
{
	va_list ap;

	v->failed = true;
	v->reason = reason;
	v->bad_seq = seq;
	snprintf(v->bad_file, sizeof(v->bad_file), "%s", file);
	v->bad_line = line;
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Does the line end with ,"NAME":"<64 hex>" before position end? */
static bool suffix_at(const char *line, size_t end, const char *name)
{
	char pre[16];

	if (end < SUFFIX_LEN)
		return false;
	snprintf(pre, sizeof(pre), ",\"%s\":\"", name);
	return memcmp(line + end - SUFFIX_LEN, pre, 9) == 0 &&
	       is_hex(line + end - SUFFIX_LEN + 9, HEX) && line[end - 1] == '"';
}

static int64_t jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

int audit_verifier_line(struct audit_verifier *v, const char *file, uint64_t lineno,
			const char *line, size_t len)
{
	unsigned char hash[32], prev[32], want[32];
	char msg[400];
	json_error_t jerr;
	json_t *o;
	size_t end, body_len;
	bool has_hmac;
	const char *hash_hex, *hmac_hex = NULL;
	int64_t seq;
	crypto_hash_sha256_state hs;

	if (v->failed)
		return 1;
	/* Before from_seq: skipped unread (records start {"seq":N,...; others are checked). */
	if (v->from_seq > 1 && len > 8 && memcmp(line, "{\"seq\":", 7) == 0) {
		int64_t n = 0;
		size_t i = 7;
		while (i < len && i < 7 + 18 && line[i] >= '0' && line[i] <= '9')
			n = n * 10 + (line[i++] - '0');
		if (i < len && line[i] == ',' && i > 7 && n < v->from_seq)
			return 0;
	}
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o || !json_is_object(o) || len < 2 || line[len - 1] != '}') {
		json_decref(o);
		snprintf(msg, sizeof(msg), "%s:%llu", file, (unsigned long long)lineno);
		set_bad(v, "malformed", v->have_last ? v->last_seq + 1 : 0, file, lineno,
			"the record at %s is not a complete JSON object: edited or damaged", msg);
		return 1;
	}
	seq = jint(o, "seq");
	/* The suffix: ,"hash":"..." [,"hmac":"..."] } */
	end = len - 1;
	has_hmac = suffix_at(line, end, "hmac");
	if (has_hmac) {
		hmac_hex = line + end - SUFFIX_LEN + 9;
		end -= SUFFIX_LEN;
	}
	if (!suffix_at(line, end, "hash") || seq <= 0 || !json_is_string(json_object_get(o, "prev")) ||
	    strlen(json_string_value(json_object_get(o, "prev"))) != HEX ||
	    sodium_hex2bin(prev, sizeof(prev), json_string_value(json_object_get(o, "prev")), HEX,
			   NULL, NULL, NULL) != 0) {
		json_decref(o);
		snprintf(msg, sizeof(msg), "%s:%llu", file, (unsigned long long)lineno);
		set_bad(v, "malformed", seq > 0 ? seq : 0, file, lineno,
			"the record at %s lacks its seq, prev or hash: edited or damaged", msg);
		return 1;
	}
	hash_hex = line + end - SUFFIX_LEN + 9;
	body_len = end - SUFFIX_LEN; /* the bytes before ,"hash" */

	snprintf(msg, sizeof(msg), "record seq %lld (%s:%llu)", (long long)seq, file,
		 (unsigned long long)lineno);
	/* 1. The record's own hash: any edit of its bytes shows here. */
	crypto_hash_sha256_init(&hs);
	crypto_hash_sha256_update(&hs, (const unsigned char *)line, body_len);
	crypto_hash_sha256_update(&hs, (const unsigned char *)"}", 1);
	crypto_hash_sha256_final(&hs, hash);
	if (sodium_hex2bin(want, sizeof(want), hash_hex, HEX, NULL, NULL, NULL) != 0 ||
	    sodium_memcmp(want, hash, sizeof(hash)) != 0) {
		json_decref(o);
		set_bad(v, "edited", seq, file, lineno,
			"%s was edited: its hash does not match its contents", msg);
		return 1;
	}
	/* 2. Its HMAC, when there is a key. */
	if (v->key) {
		unsigned char mac[32], got[32];
		crypto_auth_hmacsha256_state st;

		if (!has_hmac) {
			json_decref(o);
			set_bad(v, "hmac_missing", seq, file, lineno,
				"%s has no HMAC although a key is configured", msg);
			return 1;
		}
		crypto_auth_hmacsha256_init(&st, v->key, v->key_len);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)line, body_len);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)"}", 1);
		crypto_auth_hmacsha256_final(&st, mac);
		if (sodium_hex2bin(got, sizeof(got), hmac_hex, HEX, NULL, NULL, NULL) != 0 ||
		    sodium_memcmp(got, mac, sizeof(mac)) != 0) {
			json_decref(o);
			set_bad(v, "hmac_mismatch", seq, file, lineno,
				"%s has a wrong HMAC: forged, or written with another key", msg);
			return 1;
		}
	}
	if (json_is_string(json_object_get(o, "event")) &&
	    strcmp(json_string_value(json_object_get(o, "event")), "audit.retention") == 0 &&
	    jint(o, "removed_through_seq") > v->retention_through)
		v->retention_through = jint(o, "removed_through_seq");
	json_decref(o);

	/* 3. Its place in the chain. */
	if (v->suspect) {
		int64_t expected = v->last_seq + 1;
		if (seq == expected) {
			snprintf(msg, sizeof(msg), "record seq %lld (%s:%llu) comes after seq %lld",
				 (long long)seq, file, (unsigned long long)lineno,
				 (long long)v->suspect_seq);
			set_bad(v, "reordered", seq, file, lineno, "%s: records are out of order",
				msg);
		} else {
			snprintf(msg, sizeof(msg), "seq %lld..%lld are missing before seq %lld (%s:%llu)",
				 (long long)expected, (long long)v->suspect_seq - 1,
				 (long long)v->suspect_seq, v->suspect_file,
				 (unsigned long long)v->suspect_line);
			set_bad(v, "deleted", expected, v->suspect_file, v->suspect_line,
				"records %s: deleted", msg);
		}
		return 1;
	}
	if (!v->have_last) {
		static const unsigned char zero[32];
		if (seq == 1 && sodium_memcmp(prev, zero, sizeof(zero)) != 0) {
			snprintf(msg, sizeof(msg), "%s:%llu", file, (unsigned long long)lineno);
			set_bad(v, "replaced", seq, file, lineno,
				"the first record (%s) does not start a chain", msg);
			return 1;
		}
		v->first_seq = seq;
	} else if (seq > v->last_seq + 1) {
		/* A gap, or the first of two swapped records: the next line tells. */
		v->suspect = true;
		v->suspect_seq = seq;
		snprintf(v->suspect_file, sizeof(v->suspect_file), "%s", file);
		v->suspect_line = lineno;
		return 0;
	} else if (seq <= v->last_seq) {
		snprintf(msg, sizeof(msg), "record seq %lld (%s:%llu) comes after seq %lld",
			 (long long)seq, file, (unsigned long long)lineno, (long long)v->last_seq);
		set_bad(v, "reordered", seq, file, lineno, "%s: records are out of order or repeated",
			msg);
		return 1;
	} else if (sodium_memcmp(prev, v->last_hash, sizeof(prev)) != 0) {
		snprintf(msg, sizeof(msg),
			 "record seq %lld (%s:%llu) is not the record that seq %lld (%s:%llu) follows",
			 (long long)v->last_seq, v->last_file, (unsigned long long)v->last_line,
			 (long long)seq, file, (unsigned long long)lineno);
		set_bad(v, "replaced", v->last_seq, v->last_file, v->last_line,
			"%s: it was replaced or edited and rehashed", msg);
		return 1;
	}
	v->have_last = true;
	v->last_seq = seq;
	memcpy(v->last_hash, hash, sizeof(hash));
	snprintf(v->last_file, sizeof(v->last_file), "%s", file);
	v->last_line = lineno;
	v->records++;
	return 0;
}

int audit_verifier_end(struct audit_verifier *v, int64_t expect_last_seq)
{
	int64_t start = v->from_seq > 1 ? v->from_seq : 1;
	char msg[400];

	if (v->failed)
		return 1;
	if (v->suspect) {
		snprintf(msg, sizeof(msg), "seq %lld..%lld are missing before seq %lld (%s:%llu)",
			 (long long)v->last_seq + 1, (long long)v->suspect_seq - 1,
			 (long long)v->suspect_seq, v->suspect_file,
			 (unsigned long long)v->suspect_line);
		set_bad(v, "deleted", v->last_seq + 1, v->suspect_file, v->suspect_line,
			"records %s: deleted", msg);
		return 1;
	}
	if (v->have_last && v->first_seq > start && v->retention_through != v->first_seq - 1) {
		snprintf(msg, sizeof(msg), "records %lld to %lld", (long long)start,
			 (long long)v->first_seq - 1);
		set_bad(v, "deleted", v->first_seq - 1, "", 0,
			"%s are missing and no audit.retention record says they were retired",
			msg);
		return 1;
	}
	if (expect_last_seq > 0 && (!v->have_last || v->last_seq < expect_last_seq)) {
		snprintf(msg, sizeof(msg), "the log ends at seq %lld but the daemon wrote up to seq %lld",
			 (long long)(v->have_last ? v->last_seq : 0), (long long)expect_last_seq);
		set_bad(v, "deleted", v->have_last ? v->last_seq + 1 : 1, v->last_file, v->last_line,
			"%s: its last records were deleted", msg);
		return 1;
	}
	return 0;
}

json_t *audit_verifier_result(const struct audit_verifier *v)
{
	json_t *o = json_pack("{s:b, s:I, s:I, s:I, s:b}", "intact", !v->failed, "records",
			      (json_int_t)v->records, "first_seq", (json_int_t)v->first_seq,
			      "last_seq", (json_int_t)(v->have_last ? v->last_seq : 0), "hmac_checked",
			      v->key != NULL);

	if (o && v->from_seq > 1)
		json_object_set_new(o, "from_seq", json_integer(v->from_seq));
	if (o && v->failed)
		json_object_set_new(o, "error",
				    json_pack("{s:s, s:I, s:s, s:I, s:s}", "reason", v->reason, "seq",
					      (json_int_t)v->bad_seq, "file", v->bad_file, "line",
					      (json_int_t)v->bad_line, "message", v->message));
	return o;
}
