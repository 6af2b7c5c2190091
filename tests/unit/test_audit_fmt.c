/* SPDX-License-Identifier: MIT */
/*
 * Export formats against fixtures: CSV quoting (RFC 4180), CEF header and
 * extension escaping, RFC 5424 header and structured-data escaping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/audit_fmt.h"

typedef void (*piece_fn)(FILE *out, const char *s);

static char *run_piece(piece_fn fn, const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, in);
	fclose(f);
	return buf;
}

static void check_piece(piece_fn fn, const char *in, const char *want)
{
	char *got = run_piece(fn, in);

	assert_string_equal(got, want);
	free(got);
}

static void test_csv_field(void **state)
{
	(void)state;
	check_piece(audit_fmt_csv_field, "plain", "plain");
	check_piece(audit_fmt_csv_field, "", "");
	check_piece(audit_fmt_csv_field, "a,b", "\"a,b\"");
	check_piece(audit_fmt_csv_field, "say \"hi\"", "\"say \"\"hi\"\"\"");
	check_piece(audit_fmt_csv_field, "two\nlines", "\"two\nlines\"");
	check_piece(audit_fmt_csv_field, "cr\rhere", "\"cr\rhere\"");
	/* Characters CSV does not care about stay as they are. */
	check_piece(audit_fmt_csv_field, "a=b|c]\\d", "a=b|c]\\d");
}

static void test_cef_escaping(void **state)
{
	(void)state;
	/* Header: \ and | escaped, line breaks are no part of a header. */
	check_piece(audit_fmt_cef_header_field, "a|b\\c", "a\\|b\\\\c");
	check_piece(audit_fmt_cef_header_field, "x\ny\rz", "x y z");
	check_piece(audit_fmt_cef_header_field, "a=b", "a=b");
	/* Extension: \ and = escaped, CR/LF as \r \n, | left alone. */
	check_piece(audit_fmt_cef_ext_value, "a=b", "a\\=b");
	check_piece(audit_fmt_cef_ext_value, "c:\\dir", "c:\\\\dir");
	check_piece(audit_fmt_cef_ext_value, "l1\nl2\r", "l1\\nl2\\r");
	check_piece(audit_fmt_cef_ext_value, "p|q", "p|q");
}

static void test_sd_escaping(void **state)
{
	(void)state;
	check_piece(audit_fmt_sd_value, "plain value", "plain value");
	check_piece(audit_fmt_sd_value, "q\"uote", "q\\\"uote");
	check_piece(audit_fmt_sd_value, "back\\slash", "back\\\\slash");
	check_piece(audit_fmt_sd_value, "br]acket", "br\\]acket");
	check_piece(audit_fmt_sd_value, "[open=ok", "[open=ok");
}

/* A record as the log holds it, with every awkward character in argv. */
static const char fixture[] =
	"{\"seq\":7,\"time\":\"2026-11-21T10:00:00.250000Z\",\"host\":\"build-1\","
	"\"event\":\"exec.start\",\"conn\":3,\"uid\":1000,\"user\":\"alice\","
	"\"request\":\"r2\",\"argv\":[\"echo\",\"a,\\\"b\\\"=c|d]\\\\x\"],"
	"\"cwd\":\"/home/alice/p\",\"exec\":\"x00\",\"sandbox\":\"workspace-write\","
	"\"decision\":\"allow\",\"prev\":\"00\",\"hash\":\"11\"}";

static char *format(enum audit_format f)
{
	json_error_t err;
	json_t *rec = json_loads(fixture, 0, &err);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(rec);
	assert_non_null(out);
	assert_int_equal(audit_fmt_record(out, f, rec, fixture, strlen(fixture)), 0);
	fclose(out);
	json_decref(rec);
	return buf;
}

static void test_record_json(void **state)
{
	char *s = format(AUDIT_FORMAT_JSON);

	(void)state;
	assert_int_equal(strlen(s), strlen(fixture) + 1);
	assert_memory_equal(s, fixture, strlen(fixture));
	assert_int_equal(s[strlen(fixture)], '\n');
	free(s);
}

static void test_record_csv(void **state)
{
	char *s = format(AUDIT_FORMAT_CSV);

	(void)state;
	assert_string_equal(audit_fmt_header(AUDIT_FORMAT_CSV),
			    "seq,time,host,event,uid,user,session,request,exec,decision,source,"
			    "reason,argv,cwd,exit_code,details,hash\r\n");
	assert_string_equal(
		s, "7,2026-11-21T10:00:00.250000Z,build-1,exec.start,1000,alice,,r2,x00,allow,,,"
		   "\"[\"\"echo\"\",\"\"a,\\\"\"b\\\"\"=c|d]\\\\x\"\"]\",/home/alice/p,,"
		   "\"{\"\"conn\"\":3,\"\"sandbox\"\":\"\"workspace-write\"\"}\",11\r\n");
	free(s);
}

static void test_record_cef(void **state)
{
	char *s = format(AUDIT_FORMAT_CEF);
	char want[1024];

	(void)state;
	snprintf(want, sizeof(want),
		 "CEF:0|codexd|codexd|%s|exec.start|command starting|3|rt=1795255200250 "
		 "dvchost=build-1 externalId=7 suid=1000 suser=alice act=allow cs2=r2 "
		 "cs2Label=request cs3=x00 cs3Label=exec "
		 "cs4=[\"echo\",\"a,\\\\\"b\\\\\"\\=c|d]\\\\\\\\x\"] cs4Label=argv "
		 "cs5=/home/alice/p cs5Label=cwd\n",
		 CX_VERSION);
	assert_string_equal(s, want);
	free(s);
}

static void test_record_syslog(void **state)
{
	char *s = format(AUDIT_FORMAT_SYSLOG);
	char want[2048];

	(void)state;
	/* authpriv (10) * 8 + info (6) = 86; BOM before the record. */
	snprintf(want, sizeof(want),
		 "<86>1 2026-11-21T10:00:00.250000Z build-1 codexd - exec.start "
		 "[codexd@32473 seq=\"7\" event=\"exec.start\" uid=\"1000\" user=\"alice\" "
		 "request=\"r2\" exec=\"x00\" decision=\"allow\" "
		 "argv=\"[\\\"echo\\\",\\\"a,\\\\\\\"b\\\\\\\"=c|d\\]\\\\\\\\x\\\"\\]\" "
		 "cwd=\"/home/alice/p\"] \xEF\xBB\xBF%s\n",
		 fixture);
	assert_string_equal(s, want);
	free(s);
}

static void test_syslog_odd_host_and_severity(void **state)
{
	json_t *rec = json_pack("{s:i, s:s, s:s, s:s, s:s}", "seq", 1, "time",
				"2026-11-21T10:00:00.000000Z", "host", "has space", "event",
				"exec.refused", "message", "no");
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(audit_fmt_record(out, AUDIT_FORMAT_SYSLOG, rec, "{}", 2), 0);
	fclose(out);
	/* A host name with a space is no HOSTNAME: "-"; a refusal is a notice (85). */
	assert_true(strncmp(buf, "<85>1 2026-11-21T10:00:00.000000Z - codexd - exec.refused [", 59) ==
		    0);
	free(buf);
	json_decref(rec);
}

static void test_format_names(void **state)
{
	enum audit_format f;

	(void)state;
	assert_int_equal(audit_format_from_string("csv", &f), 0);
	assert_int_equal(f, AUDIT_FORMAT_CSV);
	assert_int_equal(audit_format_from_string("syslog", &f), 0);
	assert_int_equal(audit_format_from_string("CSV", &f), -EINVAL);
	assert_int_equal(audit_format_from_string("", &f), -EINVAL);
	assert_string_equal(audit_format_to_string(AUDIT_FORMAT_CEF), "cef");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test(test_cef_escaping),
		cmocka_unit_test(test_sd_escaping),
		cmocka_unit_test(test_record_json),
		cmocka_unit_test(test_record_csv),
		cmocka_unit_test(test_record_cef),
		cmocka_unit_test(test_record_syslog),
		cmocka_unit_test(test_syslog_odd_host_and_severity),
		cmocka_unit_test(test_format_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
