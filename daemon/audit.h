/* SPDX-License-Identifier: MIT */
/*
 * The audit log: JSON Lines, one record per line, root-owned (0640, group
 * of the admin role), opened O_APPEND and marked append-only
 * (FS_APPEND_FL) where the file system supports it.
 *
 * RECORD FORMAT (codexd-protocol(7) "AUDIT LOG")
 *
 *   {"seq":N,"time":"YYYY-MM-DDTHH:MM:SS.uuuuuuZ","host":"...","event":"...",
 *    <event fields>, "prev":"<64 hex>","hash":"<64 hex>"[,"hmac":"<64 hex>"]}
 *
 * seq counts from 1 across files; prev is the previous record's hash (64
 * zeros before the first); hash is SHA-256 of the record's bytes up to and
 * including prev's value, closed with "}" (that is, the line without its
 * ,"hash":... suffix, plus "}"); hmac is HMAC-SHA-256 of the same bytes
 * with the key of [audit] hmac_key_file or $CREDENTIALS_DIRECTORY/audit-key.
 * Editing, deleting or reordering a record therefore breaks its own hash,
 * the next record's prev, or the sequence (audit_verify.h names which).
 *
 * DURABILITY: audit_append() writes the line with one write(2) from the
 * loop (page cache: microseconds).  A command waits with
 * audit_wait_durable() before it starts: with fsync = "always" until a
 * helper thread's fdatasync(2) covered it -- every record appended while
 * one sync runs is covered by the next (group commit), so the loop never
 * waits for the disk; with "batch" or "none" a written record suffices.
 *
 * FAILURE: a write that fails or comes up short (full disk, I/O error)
 * keeps the unwritten bytes (and every later record, up to
 * pending_max_bytes) in memory in order, and retries every second; the
 * file keeps every complete record written so far.  While that lasts
 * audit_available() says no, and exec/start refuses with -32006
 * audit_unavailable ([audit] on_failure = "refuse", the default) or runs
 * with a warning ("continue").  Records beyond pending_max_bytes are
 * dropped before they get a sequence number (the chain stays whole) and
 * counted.
 *
 * ROTATION keeps the chain: past max_file_size the file is renamed to
 * NAME.<first seq, 16 digits> and a new NAME starts with an audit.rotate
 * record whose prev is the last hash of the old file.  Retention removes
 * the oldest rotated files beyond max_files and says so in an
 * audit.retention record.
 *
 * Process: main (one helper thread only calls fdatasync on a duplicate
 * descriptor).
 */
#ifndef CX_AUDIT_H
#define CX_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct daemon;
struct audit;
struct audit_waiter;

#define AUDIT_MAX_RECORD (64 * 1024)  /* bytes of one record line; larger fields are cut */
#define AUDIT_HASH_HEX 64

/*
 * Open (or create) the log named by the configuration and recover the
 * chain from the newest record on disk (a torn last line, from a crash in
 * the middle of a write, is cut off and reported in an audit.recovered
 * record).  With [audit] enabled = false, d->audit stays NULL and every
 * other call is a no-op.  Returns 0, or -errno with err.
 */
int audit_open(struct daemon *d, char *err, size_t errsz);

/* Settings changed (reload): fsync policy, rotation, key, forwarding. */
void audit_reconfigure(struct daemon *d);

/* Daemon exit: flush, sync, stop the helper threads, free. */
void audit_close(struct daemon *d);

/*
 * Append one record: event plus the members of fields (taken over; may be
 * NULL).  Returns its sequence number (> 0); 0 with auditing off; -ENOSPC
 * (or the write's -errno) when the record could not even be kept in
 * memory (dropped, not chained); -ENOMEM.  A positive return while the
 * log is failing means "kept in memory, not yet written".
 */
int64_t audit_append(struct audit *a, const char *event, json_t *fields);

typedef void (*audit_durable_cb)(void *userdata, int err);

/*
 * Wait until record seq is durable per the fsync policy.  Returns 1 when
 * it already is (cb not called), 0 when cb will be called later from the
 * loop (0 or -EIO), or -errno when it cannot be (the log is failing).
 * *ret (may be NULL) lets the caller cancel the wait.
 */
int audit_wait_durable(struct audit *a, int64_t seq, audit_durable_cb cb, void *userdata,
		       struct audit_waiter **ret);
void audit_waiter_cancel(struct audit_waiter *w);

/*
 * Is record seq durable per the fsync policy?  1 yes, 0 not yet (a sync
 * will be needed: audit_wait_durable()), -errno when it cannot be.  Waits
 * for nothing and asks for no sync.
 */
int audit_durable(const struct audit *a, int64_t seq);

/*
 * Make record seq durable now, with a synchronous fdatasync (for rare
 * events such as a session's setup; commands use audit_wait_durable()).
 * 0, or -errno when it cannot be.
 */
int audit_sync_now(struct audit *a, int64_t seq);

/* May new work start?  0, or -errno with *why (static or owned by a). */
int audit_available(const struct audit *a, const char **why);

/* Refuse new work while unavailable? ([audit] on_failure) */
bool audit_refuses(const struct audit *a);

/* daemon/status "audit". */
json_t *audit_status_json(const struct audit *a);

/* The log's path and directory (for query/verify), and the HMAC key (may be NULL). */
const char *audit_path(const struct audit *a);
const unsigned char *audit_key(const struct audit *a, size_t *ret_len);

/* Helpers shared with audit_verify.c and tests. */
void audit_hex(const unsigned char *in, size_t n, char *out);
/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" for a realtime in microseconds; out >= 32 bytes. */
void audit_format_time(uint64_t usec, char *out, size_t outsz);

#endif
