/* SPDX-License-Identifier: MIT */
/*
 * codexd --self-test: the sandbox escape probes of SECURITY.md run on the
 * live host.  The self-test starts a private codexd (its own socket, state
 * directory and configuration in a fresh directory under /var/tmp), asks it
 * as an unprivileged user ("nobody") to run the probes inside a real
 * workspace-write sandbox, runs the same probes once more as that user
 * without a sandbox (the control: it shows each attempt can succeed at
 * all), and reports, per escape class, held or not, with the kernel
 * features found.
 *
 * The probes are C code in this binary (daemon/selftest_probe.c), started
 * as "codexd --self-test-probe ..." inside the sandbox.
 *
 * Process: selftest_main() runs as root in its own process (never inside
 * the serving daemon: daemon/status --security starts it as a child);
 * selftest_probe_main() runs as the probe user, in or out of a sandbox.
 */
#ifndef CX_SELFTEST_H
#define CX_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Escape classes (SECURITY.md "Escape classes that must be closed"). */
enum selftest_class {
	ST_CLASS_FS_WRITE,
	ST_CLASS_PROTECTED,
	ST_CLASS_NETWORK,
	ST_CLASS_UNIX,
	ST_CLASS_TERMINAL,
	ST_CLASS_PRIVILEGE,
	ST_CLASS_RESOURCES,
	ST_CLASS_READ,
	_ST_CLASS_MAX,
};

/* What one attempt came to. */
enum selftest_outcome {
	ST_REFUSED, /* the attempt failed: the wall held */
	ST_DONE,    /* the attempt succeeded */
	ST_SKIPPED, /* could not be tried here */
	_ST_OUTCOME_MAX,
};

/* What the probe sees: the self-test's directory and the targets it set up. */
struct selftest_ctx {
	const char *dir;      /* .../outside, .../ws live here */
	pid_t victim;         /* a process of the probe user outside any sandbox */
	int tcp_port;         /* loopback listener (IPv4 and IPv6) */
	const char *abstract; /* abstract Unix socket name (without the NUL) */
	const char *nonce;    /* names the orphan probe's process */
	const char *tag;      /* "sb" or "ctl": keeps the two runs' files apart */
};

#define ST_PROBE_NO_CONTROL (1u << 0) /* not run outside the sandbox (fork bomb ...) */
/* Reported, but not part of its class's verdict: a known limit (codexd(8) SELF-TEST). */
#define ST_PROBE_ADVISORY (1u << 1)

struct selftest_probe {
	const char *name;
	enum selftest_class cls;
	unsigned flags;
	/* Returns ST_DONE / ST_REFUSED / ST_SKIPPED with detail filled. */
	enum selftest_outcome (*fn)(const struct selftest_ctx *ctx, char *detail, size_t n);
};

const struct selftest_probe *selftest_probes(size_t *ret_n);
const char *selftest_class_id(enum selftest_class c);    /* "fs-write" ... */
const char *selftest_class_title(enum selftest_class c); /* for people */
const char *selftest_outcome_name(enum selftest_outcome o);

/*
 * codexd --self-test-probe DIR VICTIM PORT ABSTRACT NONCE TAG: run every
 * probe (TAG "ctl": those without ST_PROBE_NO_CONTROL), each in its own
 * child, and print one line per probe: "NAME OUTCOME DETAIL".  Exit 0.
 */
int selftest_probe_main(int argc, char **argv);

/* codexd --self-test [--json] [--user NAME]: exit 0 when every class held. */
int selftest_main(int argc, char **argv);

#endif
