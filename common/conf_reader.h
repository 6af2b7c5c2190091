/* SPDX-License-Identifier: MIT */
/*
 * The configuration reader: /etc/codexd/codexd.conf, the NAME.conf drop-ins
 * in codexd.conf.d and the Codex config.toml files (INTERFACES.md "Build
 * and files").
 *
 * Format.  INI lines read with inih (libinih 55 as Debian builds it),
 * written in a subset of TOML, so that every file this reader accepts is
 * also a valid TOML document with the same meaning.  Anything outside the
 * subset is an error "file:line: message"; nothing is repaired or skipped.
 *
 *   # comment                      full-line and trailing '#' comments
 *   key = "basic \u00e9 string"    \b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX
 *   key = 'literal string'
 *   key = true                     booleans
 *   key = -1_000                   integers: decimal (optional sign, no
 *   key = 0x7f                     leading zeros), 0x, 0o, 0b (no sign),
 *                                  '_' between digits, int64 range
 *   key = ["a", 1, [true]]         arrays (nested up to
 *                                  CX_MAX_CONF_ARRAY_DEPTH, at most
 *                                  CX_MAX_CONF_ARRAY elements each,
 *                                  mixed types allowed, trailing ',')
 *   "quoted key" = 'x'             keys: bare [A-Za-z0-9_-]+ or quoted
 *   [table.sub]                    section headers: dotted, each part bare
 *   [projects."/home/a/p"]         or quoted
 *
 * Not supported, each an error naming what it is: floats (also inf, nan),
 * dates and times, multi-line strings, inline tables {...}, arrays of
 * tables [[...]], dotted keys (a.b = 1), ':' as separator, ';' comments
 * (an INI habit that is not TOML).  Two TOML constructs cannot be
 * expressed because inih reads them differently: '=', ':' or
 * whitespace + ';' inside a quoted key, and ']' or whitespace + ';' inside
 * a quoted section name; they are rejected too.
 *
 * Multi-line arrays.  inih hands an indented line to the handler as a
 * continuation of the previous key (not as a new key).  This reader uses
 * that for TOML arrays spread over lines: when a value opens an array that
 * is not closed on its line, the following indented lines (comment and
 * blank lines may come between) are appended until the array closes, then
 * the whole value is parsed; its entry carries the key's line, an error
 * inside it the line where the error is.  Every continuation line,
 * including the closing ']', must be indented, and the array must close
 * before the next key or section (at most CX_MAX_CONF_MULTILINE bytes).
 * Any other indented line after a key continues that key, which is the
 * error "duplicate key 'x'": keys themselves must not be indented, except
 * the first key after a section header.
 *
 * Line rules, checked before inih sees a line: at most CX_MAX_CONF_LINE
 * bytes not counting the line end, section names (the text between the
 * brackets) at most CX_MAX_CONF_SECTION bytes, keys as written at most
 * CX_MAX_CONF_KEY bytes (inih's own name buffer);
 * inih splits a line longer than its 200-byte buffer and reads the tail as
 * a new line, and cuts section names at 50 bytes (PLATFORM.md): such lines
 * are parsed here whole and inih is handed a short stand-in ("[#LINE]",
 * "KEY = x", an indented "x") that makes it call the handler the same way,
 * so a Codex config.toml with long [projects."/path"] headers reads fine;
 * no NUL byte, no control character but tab, valid UTF-8; "\n" or "\r\n"
 * line ends; a UTF-8 byte order mark at the start of the file is skipped.
 * A whole file is at most CX_MAX_CONF_FILE bytes.
 *
 * Duplicates.  Within one file a key may be defined once per section, a
 * section header may appear once, and a key may not share its dotted path
 * with a section (TOML's rules).  Across files loaded into one document
 * repetition is fine: every entry is kept (config/show can show where each
 * value came from) and conf_doc_get() returns the last one, so later files
 * override earlier ones.
 *
 * Ownership.  A struct conf_doc owns every entry, string and array in it;
 * pointers obtained from it stay valid until conf_doc_free(), including
 * across later loads into the same document.  Loading is all or nothing:
 * when a conf_parse_buffer(), conf_load_file() or conf_load_dropins() call
 * fails, the document is as it was before the call.
 *
 * Errors.  Functions return >= 0 on success and -errno on failure.  When
 * err is not NULL, a failure writes a message into err (errsz bytes,
 * always NUL-terminated): "file:line: message" for content errors,
 * "file: message" for file errors.  Untrusted text in messages is quoted,
 * escaped and cut short.
 *
 * Process: any (main, proxy worker, client); never a sandbox child after
 * clone (allocates).  No global state; one document must not be used from
 * two threads at once.
 */
#ifndef CX_CONF_READER_H
#define CX_CONF_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"

enum conf_type {
	CONF_TYPE_STRING,
	CONF_TYPE_BOOL,
	CONF_TYPE_INT,
	CONF_TYPE_ARRAY,
	CONF_TYPE_MAX,
};

/* A typed value.  Strings are NUL-terminated, valid UTF-8 without NUL. */
struct conf_value {
	enum conf_type type;
	union {
		char *str;
		bool boolean;
		int64_t integer;
		struct {
			struct conf_value *items;
			size_t n_items;
		} array;
	};
};

/*
 * One "key = value" line (or multi-line array).  Everything is owned by the
 * document: read, never modify or free.
 */
struct conf_entry {
	const char *const *section_parts; /* unquoted, NULL-terminated; empty before any header */
	size_t n_section_parts;
	const char *section; /* canonical name (conf_section_join), "" before any header */
	const char *key; /* unquoted */
	struct conf_value value;
	const char *file; /* the name the file was loaded under */
	unsigned line; /* line of the key */
};

/* The parsed contents of one or more files. */
struct conf_doc;

/* An empty document, or NULL when out of memory.  Free with conf_doc_free(). */
struct conf_doc *conf_doc_new(void);

/* Frees the document and everything in it.  NULL is fine. */
void conf_doc_free(struct conf_doc *doc);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct conf_doc *, conf_doc_free)
#define _cleanup_conf_doc_ _cleanup_(conf_doc_freep)

/*
 * Parses len bytes at buf (need not be NUL-terminated; a NUL byte in it is
 * an error) as the file called name (used in messages and entries; copied)
 * and appends its entries to doc.
 * Returns 0, or -EINVAL (content error), -EFBIG (more than
 * CX_MAX_CONF_FILE bytes), -E2BIG (the document would exceed
 * CX_MAX_CONF_ENTRIES or CX_MAX_CONF_SECTIONS), -ENOMEM, or
 * -ENOTRECOVERABLE when inih read the file differently from this reader's
 * model of it (a bug here, or an unexpected libinih; the file is rejected).
 * doc is unchanged on failure.
 */
int conf_parse_buffer(const char *buf, size_t len, const char *name, struct conf_doc *doc,
		      char *err, size_t errsz);

/* Flags for conf_load_file() and conf_load_dropins(). */
#define CONF_LOAD_MANAGED (1u << 0) /* managed: must be root-owned, not group/other-writable */

/*
 * Reads and parses the file at path into doc.  The file is opened with
 * O_NOFOLLOW (a symbolic link as last component is refused) and
 * O_NONBLOCK (a FIFO cannot block; it is refused as not a regular file);
 * it must be a regular file of at most CX_MAX_CONF_FILE bytes.  With
 * CONF_LOAD_MANAGED it must also be owned by root and not writable by
 * group or others (-EPERM).
 * Meant for files the administrator controls: a root process must not use
 * it on a path a user controls (read such files as the user and pass the
 * text to conf_parse_buffer()).
 * Returns 0; -ENOENT when the file does not exist, with err set to "" so
 * the caller can fall back to built-in defaults; or a -errno with err
 * "path: why" (-ELOOP symbolic link, -EISDIR, -EINVAL not a regular file,
 * -EPERM, -EFBIG, open/read errors) or as conf_parse_buffer().  doc is
 * unchanged on failure.
 */
int conf_load_file(const char *path, unsigned flags, struct conf_doc *doc, char *err, size_t errsz);

/*
 * Loads every "*.conf" file of directory dir into doc, sorted by name
 * (strcmp order), as conf_load_file() would, with names "dir/name" in
 * messages and entries.  Hidden files (leading '.') are skipped; a
 * "*.conf" entry that is not a regular file (symbolic link, directory,
 * FIFO ...) is an error, not silently skipped.  At most
 * CX_MAX_CONF_FILES files (-E2BIG).  The directory itself is opened with
 * O_NOFOLLOW; with CONF_LOAD_MANAGED it must also be owned by root and not
 * writable by group or others, as must every file.
 * Returns the number of files loaded (0 when dir does not exist), or a
 * -errno with err set; doc is unchanged on failure (no file of the
 * directory is kept).
 */
int conf_load_dropins(const char *dir, unsigned flags, struct conf_doc *doc, char *err,
		      size_t errsz);

/* ---- look-ups (borrowed pointers, valid until conf_doc_free()) ---- */

/* Files parsed into doc (conf_parse_buffer names included), in order. */
size_t conf_doc_n_files(const struct conf_doc *doc);
/* Name of file i, or NULL when i is out of range.  Borrowed. */
const char *conf_doc_file(const struct conf_doc *doc, size_t i);

/* Number of entries, across all files, in the order they were read. */
size_t conf_doc_n_entries(const struct conf_doc *doc);

/* Entry i (0 <= i < conf_doc_n_entries()), or NULL when i is out of range. */
const struct conf_entry *conf_doc_entry(const struct conf_doc *doc, size_t i);

/*
 * The last entry with this canonical section name ("" for keys before any
 * header) and unquoted key, or NULL.  "Last" makes later files override
 * earlier ones.
 */
const struct conf_entry *conf_doc_get(const struct conf_doc *doc, const char *section,
				      const char *key);

/*
 * The canonical name of a section: parts joined with '.', each part that is
 * not a bare key ([A-Za-z0-9_-]+) written as a TOML basic string, e.g.
 * { "projects", "/home/a/p" } -> projects."/home/a/p"; n = 0 gives "".
 * The name conf_doc_get() takes.  Returns 0 and a new string in *ret, or
 * -ENOMEM / -EINVAL (a part is NULL).
 */
int conf_section_join(const char *const *parts, size_t n, char **ret);

/* "string", "boolean", "integer", "array". */
const char *conf_type_to_string(enum conf_type type);

/*
 * Typed access to one entry.  Return 0 and store the value, or -EINVAL with
 * "file:line: key 'x' must be a string" (boolean, integer, an integer
 * between min and max, an array of strings) in err; *ret is written only
 * on success.
 *   conf_entry_get_string: *ret borrowed from the document.
 *   conf_entry_get_strv: *ret a new NULL-terminated vector (free with
 *     strv_free()); an empty array gives a vector holding only NULL;
 *     -ENOMEM possible.
 */
int conf_entry_get_string(const struct conf_entry *e, const char **ret, char *err, size_t errsz);
int conf_entry_get_bool(const struct conf_entry *e, bool *ret, char *err, size_t errsz);
int conf_entry_get_int(const struct conf_entry *e, int64_t min, int64_t max, int64_t *ret,
		       char *err, size_t errsz);
int conf_entry_get_strv(const struct conf_entry *e, char ***ret, char *err, size_t errsz);

/*
 * The same on conf_doc_get(doc, section, key): -ENOENT (err and *ret
 * untouched) when there is no such key, otherwise as the conf_entry_get_*
 * function.
 */
int conf_get_string(const struct conf_doc *doc, const char *section, const char *key,
		    const char **ret, char *err, size_t errsz);
int conf_get_bool(const struct conf_doc *doc, const char *section, const char *key, bool *ret,
		  char *err, size_t errsz);
int conf_get_int(const struct conf_doc *doc, const char *section, const char *key, int64_t min,
		 int64_t max, int64_t *ret, char *err, size_t errsz);
int conf_get_strv(const struct conf_doc *doc, const char *section, const char *key, char ***ret,
		  char *err, size_t errsz);

#endif
