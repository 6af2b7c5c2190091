/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the pure parts of "denials made visible": the DENIAL
 * record (daemon/sandbox_msg.h) and its check, the names and JSON of
 * exec/exited "denials" (daemon/denials.c), the argument the supervisor
 * records (daemon/supervisor.c), the table of supervised file calls
 * (daemon/seccomp.c) and the exec/start "log_denials" parameter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "common/utf8.h"
#include "daemon/denials.h"
#include "daemon/exec.h"
#include "daemon/sandbox_msg.h"
#include "daemon/seccomp.h"
#include "daemon/supervisor.h"

static struct sandbox_denial file_denial(int op, const char *path, int err)
{
	struct sandbox_denial d = {.kind = SANDBOX_DENIAL_FILE,
				   .nr = SYS_openat,
				   .count = 1,
				   .pid = 2,
				   .err = err,
				   .op = (uint32_t)op};

	d.path_len = (uint32_t)strlen(path);
	memcpy(d.path, path, d.path_len);
	return d;
}

static struct sandbox_denial sys_denial(int nr, uint64_t arg, uint32_t count)
{
	return (struct sandbox_denial){
		.kind = SANDBOX_DENIAL_SYSCALL, .nr = nr, .count = count, .pid = 3, .arg = arg};
}

/* ------------------------------------------------------------ records */

static void test_record_size(void **state)
{
	(void)state;
	/* Atomic pipe writes and one read per record. */
	assert_true(sizeof(struct sandbox_msg) < PIPE_BUF);
	assert_int_equal(sizeof(((struct sandbox_denial *)0)->path), SANDBOX_DENIAL_PATH);
}

static void test_record_check(void **state)
{
	struct sandbox_denial d;

	(void)state;
	d = sys_denial(SYS_ptrace, 0, 1);
	assert_int_equal(sandbox_denial_check(&d), 0);
	d = file_denial(SANDBOX_FILE_OPEN, "/etc/x", EROFS);
	assert_int_equal(sandbox_denial_check(&d), 0);

	/* Each field out of range is refused. */
	d = sys_denial(SYS_ptrace, 0, 0);
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG); /* count 0 */
	d = sys_denial(-1, 0, 1);
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);
	d = sys_denial(SYS_ptrace, 0, 1);
	d.kind = 0;
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);
	d.kind = _SANDBOX_DENIAL_KIND_MAX;
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);
	d = sys_denial(SYS_ptrace, 0, 1);
	d.path_len = 3; /* a syscall record has no path */
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);

	d = file_denial(SANDBOX_FILE_OPEN, "/etc/x", 0);
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);
	d = file_denial(SANDBOX_FILE_OPEN, "/etc/x", 4096);
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);
	d = file_denial(0, "/etc/x", EROFS);
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);
	d = file_denial(_SANDBOX_FILE_OP_MAX, "/etc/x", EROFS);
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);
	d = file_denial(SANDBOX_FILE_OPEN, "/etc/x", EROFS);
	d.path_len = 0;
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);
	d.path_len = SANDBOX_DENIAL_PATH + 1;
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);
	d = file_denial(SANDBOX_FILE_OPEN, "/etc/x", EROFS);
	d.path[2] = '\0'; /* NUL inside the used bytes */
	assert_int_equal(sandbox_denial_check(&d), -EBADMSG);
	d.path_len = SANDBOX_DENIAL_PATH;
	memset(d.path, 'a', sizeof(d.path));
	assert_int_equal(sandbox_denial_check(&d), 0); /* full, no NUL needed */
}

static void test_file_op_names(void **state)
{
	(void)state;
	assert_string_equal(sandbox_file_op_to_string(SANDBOX_FILE_OPEN), "open");
	assert_string_equal(sandbox_file_op_to_string(SANDBOX_FILE_REMOVEXATTR), "removexattr");
	assert_string_equal(sandbox_file_op_to_string(SANDBOX_FILE_EXEC), "exec");
	assert_string_equal(sandbox_file_op_to_string(SANDBOX_FILE_CONNECT), "connect");
	for (uint32_t op = 1; op < _SANDBOX_FILE_OP_MAX; op++)
		assert_non_null(sandbox_file_op_to_string(op));
	assert_null(sandbox_file_op_to_string(0));
	assert_null(sandbox_file_op_to_string(_SANDBOX_FILE_OP_MAX));
	assert_null(sandbox_file_op_to_string(UINT32_MAX));
}

/* ------------------------------------------------------------ names */

static void test_names(void **state)
{
	char buf[160];

	(void)state;
	assert_string_equal(denials_family_name(AF_INET), "AF_INET");
	assert_string_equal(denials_family_name(AF_INET6), "AF_INET6");
	assert_string_equal(denials_family_name(AF_NETLINK), "AF_NETLINK");
	assert_string_equal(denials_family_name(AF_PACKET), "AF_PACKET");
	assert_string_equal(denials_family_name(AF_VSOCK), "AF_VSOCK");
	assert_string_equal(denials_family_name(AF_BLUETOOTH), "AF_BLUETOOTH");
	assert_null(denials_family_name(46));
	assert_null(denials_family_name(0x100000002ULL)); /* high bits: not AF_INET */

	assert_string_equal(denials_ioctl_name(0x5412), "TIOCSTI");
	assert_string_equal(denials_ioctl_name(0x541C), "TIOCLINUX");
	assert_null(denials_ioctl_name(0x5401));

	assert_string_equal(denials_errno_name(EROFS), "EROFS");
	assert_string_equal(denials_errno_name(EACCES), "EACCES");
	assert_string_equal(denials_errno_name(EPERM), "EPERM");
	assert_null(denials_errno_name(4000));

	assert_string_equal(denials_clone_flags(CLONE_NEWUSER, buf, sizeof(buf)), "CLONE_NEWUSER");
	assert_string_equal(denials_clone_flags(CLONE_NEWNS | CLONE_NEWNET, buf, sizeof(buf)),
			    "CLONE_NEWNS|CLONE_NEWNET");
	assert_string_equal(denials_clone_flags(0, buf, sizeof(buf)), "0");
	assert_string_equal(denials_clone_flags(0x100000000ULL | CLONE_NEWPID, buf, sizeof(buf)),
			    "CLONE_NEWPID|0x100000000");
	/* A short buffer is cut, never overrun. */
	assert_string_equal(denials_clone_flags(CLONE_NEWUSER | CLONE_NEWNS, buf, 8), "CLONE_N");
}

/* ------------------------------------------------------------ JSON */

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void test_entry_json(void **state)
{
	struct sandbox_denial d;
	json_t *o;

	(void)state;
	d = sys_denial(SYS_ptrace, 0, 2);
	o = denials_entry_json(&d);
	assert_non_null(o);
	assert_string_equal(jstr(o, "kind"), "syscall");
	assert_string_equal(jstr(o, "syscall"), "ptrace");
	assert_int_equal(json_integer_value(json_object_get(o, "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 3);
	assert_null(json_object_get(o, "nr")); /* only for unknown numbers */
	json_decref(o);

	d = sys_denial(SYS_socket, AF_INET, 1);
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "kind"), "network");
	assert_string_equal(jstr(o, "syscall"), "socket");
	assert_string_equal(jstr(o, "family"), "AF_INET");
	json_decref(o);

	d = sys_denial(SYS_socketpair, 77, 1);
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "kind"), "network");
	assert_string_equal(jstr(o, "family"), "77");
	json_decref(o);

	d = sys_denial(SYS_ioctl, 0x5412, 1);
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "request"), "TIOCSTI");
	json_decref(o);

	d = sys_denial(SYS_clone, CLONE_NEWUSER, 1);
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "flags"), "CLONE_NEWUSER");
	json_decref(o);

	d = sys_denial(SYS_personality, 0x40000, 1);
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "persona"), "0x40000");
	json_decref(o);

	d = sys_denial(1000, 0, UINT32_MAX);
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "syscall"), "unknown");
	assert_int_equal(json_integer_value(json_object_get(o, "nr")), 1000);
	assert_int_equal(json_integer_value(json_object_get(o, "count")), UINT32_MAX);
	json_decref(o);

	d = file_denial(SANDBOX_FILE_OPEN, "/etc/x", EROFS);
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "kind"), "file");
	assert_string_equal(jstr(o, "operation"), "open");
	assert_string_equal(jstr(o, "path"), "/etc/x");
	assert_string_equal(jstr(o, "error"), "EROFS");
	assert_string_equal(jstr(o, "syscall"), "openat");
	assert_null(json_object_get(o, "path_truncated"));
	json_decref(o);

	d = file_denial(SANDBOX_FILE_OPEN, "/home/u/.env", EACCES);
	d.flags = SANDBOX_DENIAL_READ;
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "kind"), "file");
	assert_string_equal(jstr(o, "reason"), "deny_read");
	assert_string_equal(jstr(o, "error"), "EACCES");
	json_decref(o);

	d = file_denial(SANDBOX_FILE_EXEC, "/home/u/bin", EACCES);
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "operation"), "exec");
	assert_null(json_object_get(o, "reason"));
	json_decref(o);

	d = file_denial(SANDBOX_FILE_CONNECT, "/tmp/agent.sock", ECONNREFUSED);
	d.nr = SYS_connect;
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "kind"), "network");
	assert_string_equal(jstr(o, "operation"), "connect");
	assert_string_equal(jstr(o, "syscall"), "connect");
	assert_string_equal(jstr(o, "path"), "/tmp/agent.sock");
	assert_string_equal(jstr(o, "error"), "ECONNREFUSED");
	json_decref(o);

	d = file_denial(SANDBOX_FILE_MKDIR, "/x", 4000);
	o = denials_entry_json(&d);
	assert_string_equal(jstr(o, "operation"), "mkdir");
	assert_string_equal(jstr(o, "error"), "4000"); /* no name: the number */
	json_decref(o);
}

static void test_entry_json_hostile_path(void **state)
{
	struct sandbox_denial d;
	const char *p;
	json_t *o;

	(void)state;
	/* Invalid UTF-8 and control bytes: a valid JSON string, bytes replaced or escaped. */
	d = file_denial(SANDBOX_FILE_UNLINK, "/tmp/\xff\xfe\x1b[31m\xc3", EACCES);
	o = denials_entry_json(&d);
	assert_non_null(o);
	p = jstr(o, "path");
	assert_true(utf8_is_valid(p, strlen(p)));
	assert_string_equal(p, "/tmp/\xef\xbf\xbd\xef\xbf\xbd\x1b[31m\xef\xbf\xbd");
	json_decref(o);

	/* A path cut at the record's size is flagged. */
	d = file_denial(SANDBOX_FILE_OPEN, "/", EROFS);
	memset(d.path, 'p', sizeof(d.path));
	d.path_len = SANDBOX_DENIAL_PATH;
	d.flags = SANDBOX_DENIAL_PATH_CUT;
	o = denials_entry_json(&d);
	assert_int_equal(strlen(jstr(o, "path")), SANDBOX_DENIAL_PATH);
	assert_true(json_is_true(json_object_get(o, "path_truncated")));
	json_decref(o);
}

static void test_list_budget(void **state)
{
	struct sandbox_denial d[CX_MAX_DENIAL_RECORDS];
	bool cut;
	json_t *a;
	char *s;

	(void)state;
	for (size_t i = 0; i < CX_MAX_DENIAL_RECORDS; i++) {
		d[i] = file_denial(SANDBOX_FILE_OPEN, "/", EACCES);
		memset(d[i].path + 1, '\x01', sizeof(d[i].path) - 1); /* 6 bytes each in JSON */
		d[i].path_len = SANDBOX_DENIAL_PATH;
	}
	a = denials_to_json(d, CX_MAX_DENIAL_RECORDS, CX_MAX_DENIALS_JSON, &cut);
	assert_non_null(a);
	assert_true(cut);
	assert_true(json_array_size(a) > 0 && json_array_size(a) < CX_MAX_DENIAL_RECORDS);
	s = json_dumps(a, JSON_COMPACT);
	assert_true(strlen(s) <= CX_MAX_DENIALS_JSON);
	free(s);
	json_decref(a);

	/* Small ones fit; nothing, and a budget too small for one entry, are fine too. */
	for (size_t i = 0; i < 10; i++)
		d[i] = sys_denial(SYS_ptrace, 0, 1);
	a = denials_to_json(d, 10, CX_MAX_DENIALS_JSON, &cut);
	assert_false(cut);
	assert_int_equal(json_array_size(a), 10);
	json_decref(a);
	a = denials_to_json(d, 0, CX_MAX_DENIALS_JSON, &cut);
	assert_false(cut);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	a = denials_to_json(d, 10, 10, &cut);
	assert_true(cut);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
}

/* ------------------------------------------------------------ supervisor */

static void test_syscall_arg(void **state)
{
	struct seccomp_data d = {0};

	(void)state;
	d.nr = SYS_socket;
	d.args[0] = 0x100000002ULL; /* the whole value: the filter compares 64 bits */
	assert_int_equal(supervisor_syscall_arg(&d), 0x100000002ULL);
	d.nr = SYS_socketpair;
	d.args[0] = AF_NETLINK;
	assert_int_equal(supervisor_syscall_arg(&d), AF_NETLINK);
	d.nr = SYS_ioctl;
	d.args[0] = 1;
	d.args[1] = 0x100005412ULL; /* the kernel's unsigned int */
	assert_int_equal(supervisor_syscall_arg(&d), 0x5412);
	d.nr = SYS_clone;
	d.args[0] = CLONE_NEWUSER | CLONE_VM | SIGCHLD;
	assert_int_equal(supervisor_syscall_arg(&d), CLONE_NEWUSER);
	d.nr = SYS_personality;
	d.args[0] = 0xffffffff00040000ULL;
	assert_int_equal(supervisor_syscall_arg(&d), 0x40000);
	d.nr = SYS_ptrace;
	d.args[0] = 16;
	assert_int_equal(supervisor_syscall_arg(&d), 0);
}

static void test_fs_call_table(void **state)
{
	static const int notified[] = {SYS_openat,
				       SYS_openat2,
				       SYS_mkdirat,
				       SYS_unlinkat,
				       SYS_renameat2,
				       SYS_linkat,
				       SYS_symlinkat,
				       SYS_mknodat,
				       SYS_truncate,
				       SYS_fchmodat,
				       SYS_fchownat,
				       SYS_utimensat,
				       SYS_setxattr,
				       SYS_lsetxattr,
				       SYS_removexattr,
				       SYS_lremovexattr,
#ifdef SYS_open
				       SYS_open,
				       SYS_creat,
				       SYS_mkdir,
				       SYS_unlink,
				       SYS_rmdir,
				       SYS_rename,
				       SYS_link,
				       SYS_symlink,
				       SYS_chmod,
				       SYS_chown,
				       SYS_lchown,
				       SYS_utimes,
#endif
				       452,
				       463,
				       466};
	static const int not_notified[] = {SYS_read,	  SYS_ftruncate, SYS_fchmod, SYS_fchown,
					   SYS_fsetxattr, SYS_ptrace,	 SYS_mount,  SYS_socket};
	struct seccomp_fs_call c;

	(void)state;
	for (size_t i = 0; i < sizeof(notified) / sizeof(notified[0]); i++) {
		assert_true(seccomp_fs_call(notified[i], &c));
		assert_non_null(sandbox_file_op_to_string((uint32_t)c.op));
		assert_true(c.path >= 0 && c.path < 6);
		assert_true(c.dfd >= -1 && c.dfd < 6 && c.dfd != c.path);
		assert_true(c.flags >= -1 && c.flags < 6);
	}
	for (size_t i = 0; i < sizeof(not_notified) / sizeof(not_notified[0]); i++)
		assert_false(seccomp_fs_call(not_notified[i], &c));

	assert_true(seccomp_fs_call(SYS_openat, &c));
	assert_int_equal(c.op, SANDBOX_FILE_OPEN);
	assert_int_equal(c.dfd, 0);
	assert_int_equal(c.path, 1);
	assert_int_equal(c.flags, 2);
	assert_true(seccomp_fs_call(SYS_renameat2, &c));
	assert_int_equal(c.op, SANDBOX_FILE_RENAME);
	assert_int_equal(c.dfd2, 2);
	assert_int_equal(c.path2, 3);
	assert_true(seccomp_fs_call(SYS_symlinkat, &c));
	assert_int_equal(c.dfd, 1); /* symlinkat(target, newdirfd, linkpath) */
	assert_int_equal(c.path, 2);
	assert_true(seccomp_fs_call(SYS_fchownat, &c));
	assert_int_equal(c.extra, 2);
	assert_int_equal(c.extra2, 3);
	assert_int_equal(c.flags, 4);
	assert_true(seccomp_fs_call(SYS_unlinkat, &c));
	assert_true(c.rmdir);
	assert_true(seccomp_fs_call(SYS_openat2, &c));
	assert_true(c.openat2);

	/* The other features: OPEN adds execs and makes every open count, UNIX connect/bind. */
	assert_false(seccomp_fs_call(SYS_execve, &c));
	assert_false(seccomp_fs_call(SYS_connect, &c));
	assert_true(seccomp_call(SYS_execve, SECCOMP_FEATURE_OPEN, &c));
	assert_int_equal(c.op, SANDBOX_FILE_EXEC);
	assert_int_equal(c.path, 0);
	assert_true(seccomp_call(SYS_execveat, SECCOMP_FEATURE_OPEN, &c));
	assert_int_equal(c.dfd, 0);
	assert_int_equal(c.path, 1);
	assert_int_equal(c.flags, 4);
	assert_true(seccomp_call(SYS_openat, SECCOMP_FEATURE_OPEN, &c));
	assert_int_equal(c.extra, 3); /* the mode */
	assert_int_equal(c.features, SECCOMP_FEATURE_OPEN);
	assert_true(seccomp_call(SYS_renameat2, SECCOMP_FEATURE_OPEN, &c));
	assert_true(seccomp_call(SYS_linkat, SECCOMP_FEATURE_OPEN, &c));
	assert_false(seccomp_call(SYS_mkdirat, SECCOMP_FEATURE_OPEN, &c));
	assert_false(seccomp_call(SYS_connect, SECCOMP_FEATURE_OPEN, &c));
	assert_true(seccomp_call(SYS_connect, SECCOMP_FEATURE_UNIX, &c));
	assert_int_equal(c.op, SANDBOX_FILE_CONNECT);
	assert_int_equal(c.dfd, 0);
	assert_int_equal(c.path, 1);
	assert_int_equal(c.extra, 2);
	assert_true(seccomp_call(SYS_bind, SECCOMP_FEATURE_UNIX, &c));
	assert_int_equal(c.op, SANDBOX_FILE_BIND);
	assert_false(seccomp_call(SYS_bind, SECCOMP_FEATURE_FS | SECCOMP_FEATURE_OPEN, &c));
	assert_true(seccomp_call(SYS_openat, SECCOMP_FEATURES_ALL, &c));
	assert_int_equal(c.features, SECCOMP_FEATURE_FS | SECCOMP_FEATURE_OPEN);
}

/* ------------------------------------------------------------ exec/start */

static int decode(const char *text, struct exec_request *r)
{
	json_t *params = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	char err[256];
	int rc;

	assert_non_null(params);
	rc = rpc_exec_decode_start(params, r, err, sizeof(err));
	json_decref(params);
	return rc;
}

static void test_log_denials_param(void **state)
{
	struct exec_request r;

	(void)state;
	assert_int_equal(decode("{\"argv\":[\"true\"],\"cwd\":\"/\"}", &r), 0);
	assert_false(r.log_denials);
	exec_request_done(&r);
	assert_int_equal(decode("{\"argv\":[\"true\"],\"cwd\":\"/\",\"log_denials\":true}", &r), 0);
	assert_true(r.log_denials);
	exec_request_done(&r);
	assert_int_equal(decode("{\"argv\":[\"true\"],\"cwd\":\"/\",\"log_denials\":false}", &r),
			 0);
	assert_false(r.log_denials);
	exec_request_done(&r);
	assert_int_equal(decode("{\"argv\":[\"true\"],\"cwd\":\"/\",\"log_denials\":1}", &r),
			 -EINVAL);
	assert_int_equal(decode("{\"argv\":[\"true\"],\"cwd\":\"/\",\"log_denials\":\"yes\"}", &r),
			 -EINVAL);
	/* null is "absent" for an optional field (common/jdecode.c). */
	assert_int_equal(decode("{\"argv\":[\"true\"],\"cwd\":\"/\",\"log_denials\":null}", &r), 0);
	assert_false(r.log_denials);
	exec_request_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_size),
		cmocka_unit_test(test_record_check),
		cmocka_unit_test(test_file_op_names),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_entry_json),
		cmocka_unit_test(test_entry_json_hostile_path),
		cmocka_unit_test(test_list_budget),
		cmocka_unit_test(test_syscall_arg),
		cmocka_unit_test(test_fs_call_table),
		cmocka_unit_test(test_log_denials_param),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
