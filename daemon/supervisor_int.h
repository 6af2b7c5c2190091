/* SPDX-License-Identifier: MIT */
/*
 * Internal to daemon/supervisor.c and daemon/supervisor_broker.c: the
 * helpers both use.  Same rules as supervisor.h: PID 1 of a sandbox (or a
 * unit test), system calls only, no allocation, no stdio.
 */
#ifndef CX_SUPERVISOR_INT_H
#define CX_SUPERVISOR_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/seccomp.h"
#include "daemon/supervisor.h"

#define SUP_PATH 4096 /* PATH_MAX, NUL included */

/* Decimal digits of v into buf (no NUL); the count. */
size_t sup_put_uint(char *buf, unsigned long long v);

/* "<pid>/<what>[<n>]" into buf (64 bytes), for openat() under a procfs. */
void sup_proc_path(char *buf, long pid, const char *what, long n);

/* len bytes at addr in pid's memory (process_vm_readv): bytes read or -errno. */
ssize_t sup_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/* A NUL-terminated path at addr: its length, or -errno (-ENAMETOOLONG, -EFAULT ...). */
ssize_t sup_read_path(pid_t pid, uint64_t addr, char buf[SUP_PATH]);

/*
 * The directory a relative path of pid starts from (its cwd, or its
 * descriptor dfd_arg when have_dfd), O_PATH; -ENOSYS without a procfs.
 */
int sup_open_base(const struct supervisor *s, pid_t pid, uint64_t dfd_arg, bool have_dfd);

/* Keep e (a FILE denial) in the table, counted with an equal one. */
void sup_record_file(struct supervisor *s, const struct sandbox_denial *e);

/*
 * The write-intent prediction of supervisor.c (FS): 0 to go on, > 0 an
 * errno to answer (recorded in *rec), < 0 when the caller is gone.
 */
int sup_check_file(struct supervisor *s, const struct seccomp_notif *req,
		   const struct seccomp_fs_call *fc, struct sandbox_denial *rec);

/* supervisor_broker.c: set up the deny set and socket directories (at init). */
void sup_broker_init(struct supervisor *s, const struct supervisor_rules *rules);

/*
 * supervisor_broker.c: handle a notification of the OPEN or UNIX feature
 * completely (answered, recorded).  Returns 0, or -errno when the
 * listener itself failed.
 */
int sup_broker_handle(struct supervisor *s, const struct seccomp_notif *req,
		      const struct seccomp_fs_call *fc);

/* supervisor_broker.c: collect helper children that have ended. */
void sup_broker_reap(struct supervisor *s);

#endif
