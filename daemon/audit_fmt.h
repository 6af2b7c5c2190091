/* SPDX-License-Identifier: MIT */
/*
 * Export formats of audit records (audit/export, codexctl audit query
 * --format), each escaped exactly as its specification requires:
 *
 *   json    the record line itself (JSON Lines; still verifiable)
 *   csv     RFC 4180: a header row, CRLF line ends, fields with a comma,
 *           double quote, CR or LF quoted and their quotes doubled
 *   cef     ArcSight CEF:0; header fields escape \ and |, extension values
 *           escape \ and = and write CR/LF as \r and \n
 *   syslog  RFC 5424 with structured data [codexd@32473 ...] (param
 *           values escape ", \ and ]), facility authpriv, MSG = BOM +
 *           the record's JSON line
 *
 * Process: any (pure: no I/O but the stream given).
 */
#ifndef CX_AUDIT_FMT_H
#define CX_AUDIT_FMT_H

#include <jansson.h>
#include <stdio.h>

enum audit_format {
	AUDIT_FORMAT_JSON,
	AUDIT_FORMAT_CSV,
	AUDIT_FORMAT_CEF,
	AUDIT_FORMAT_SYSLOG,
	_AUDIT_FORMAT_MAX,
};

/* The private enterprise number of the SD-ID (RFC 5612's documentation number). */
#define AUDIT_SD_ID "codexd@32473"

int audit_format_from_string(const char *s, enum audit_format *ret);
const char *audit_format_to_string(enum audit_format f);

/* The CSV header row (with CRLF), or "" for the other formats. */
const char *audit_fmt_header(enum audit_format f);

/*
 * Write record rec (whose exact line is line[0..len), without newline) in
 * format f, ending in the format's line end.  Returns 0 or -EIO.
 */
int audit_fmt_record(FILE *out, enum audit_format f, json_t *rec, const char *line, size_t len);

/* Pieces, for the tests. */
void audit_fmt_csv_field(FILE *out, const char *s);
void audit_fmt_cef_header_field(FILE *out, const char *s);
void audit_fmt_cef_ext_value(FILE *out, const char *s);
void audit_fmt_sd_value(FILE *out, const char *s);

#endif
