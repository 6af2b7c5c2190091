/* SPDX-License-Identifier: MIT */
/*
 * Live copies of audit records for fleets: journald (structured fields
 * CODEXD_*), syslog (facility authpriv) and OpenTelemetry OTLP/HTTP JSON
 * logs with Codex's event names (codex.tool_decision, codex.tool_result,
 * codex.sandbox_outcome, codex.network_proxy.policy_decision,
 * codex.conversation_starts for a session).
 *
 * The loop only formats and enqueues: a bounded queue ([otel] queue_max
 * entries) feeds one worker thread that sends (sd_journal_sendv, syslog,
 * libcurl), so a slow journal or collector never blocks an exec; when the
 * queue is full the copy is dropped and counted (the audit log itself
 * always has the record).  Command arguments are sent to OTLP only with
 * [otel] log_command_args = true ("[REDACTED]" otherwise).
 *
 * Process: main (the worker thread touches only its queue and libcurl).
 */
#ifndef CX_TELEMETRY_H
#define CX_TELEMETRY_H

#include <jansson.h>
#include <stdbool.h>

struct audit_config;
struct telemetry;

/* Start forwarding per cfg (nothing to forward: *ret = NULL). 0 or -errno. */
int telemetry_start(const struct audit_config *cfg, const char *host, struct telemetry **ret);

/*
 * Stop.  wait: send what is queued (OTLP for at most about two seconds
 * more), join the worker and free.  !wait: the worker does that on its
 * own and frees itself (a reload).  NULL is fine.
 */
void telemetry_stop(struct telemetry *t, bool wait);

/* Queue copies of one record (borrowed; the line is its exact text). */
void telemetry_submit(struct telemetry *t, json_t *record, const char *line);

/* Counters for daemon/status. */
json_t *telemetry_status_json(struct telemetry *t);

/*
 * Append the OTLP logRecords (JSON) for one audit record to out: none when
 * the event has no Codex counterpart, two for an exec's exit
 * (codex.tool_result and codex.sandbox_outcome).  Exposed for the tests.
 */
void telemetry_otlp_records(json_t *record, bool log_args, json_t *out);

/* The OTLP/HTTP JSON body for logRecords (taken) of this host and environment. */
json_t *telemetry_otlp_body(json_t *log_records, const char *host, const char *environment);

#endif
