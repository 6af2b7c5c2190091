/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "common/utf8.h"
#include "daemon/denials.h"
#include "daemon/seccomp.h"

#ifndef TIOCSTI
#define TIOCSTI 0x5412
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

/* Address families by number (include/linux/socket.h). */
static const char *const family_names[] = {
	[0] = "AF_UNSPEC",	[1] = "AF_UNIX",      [2] = "AF_INET",	    [3] = "AF_AX25",
	[4] = "AF_IPX",		[5] = "AF_APPLETALK", [6] = "AF_NETROM",    [7] = "AF_BRIDGE",
	[8] = "AF_ATMPVC",	[9] = "AF_X25",	      [10] = "AF_INET6",    [11] = "AF_ROSE",
	[12] = "AF_DECnet",	[13] = "AF_NETBEUI",  [14] = "AF_SECURITY", [15] = "AF_KEY",
	[16] = "AF_NETLINK",	[17] = "AF_PACKET",   [18] = "AF_ASH",	    [19] = "AF_ECONET",
	[20] = "AF_ATMSVC",	[21] = "AF_RDS",      [22] = "AF_SNA",	    [23] = "AF_IRDA",
	[24] = "AF_PPPOX",	[25] = "AF_WANPIPE",  [26] = "AF_LLC",	    [27] = "AF_IB",
	[28] = "AF_MPLS",	[29] = "AF_CAN",      [30] = "AF_TIPC",	    [31] = "AF_BLUETOOTH",
	[32] = "AF_IUCV",	[33] = "AF_RXRPC",    [34] = "AF_ISDN",	    [35] = "AF_PHONET",
	[36] = "AF_IEEE802154", [37] = "AF_CAIF",     [38] = "AF_ALG",	    [39] = "AF_NFC",
	[40] = "AF_VSOCK",	[41] = "AF_KCM",      [42] = "AF_QIPCRTR",  [43] = "AF_SMC",
	[44] = "AF_XDP",	[45] = "AF_MCTP",
};

const char *denials_family_name(uint64_t family)
{
	return family < ARRAY_SIZE(family_names) ? family_names[family] : NULL;
}

const char *denials_ioctl_name(uint64_t request)
{
	switch (request) {
	case TIOCSTI:
		return "TIOCSTI";
	case TIOCLINUX:
		return "TIOCLINUX";
	default:
		return NULL;
	}
}

const char *denials_errno_name(int err)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{EPERM, "EPERM"},     {EACCES, "EACCES"}, {EROFS, "EROFS"},   {ENOENT, "ENOENT"},
		{EEXIST, "EEXIST"},   {ENOSYS, "ENOSYS"}, {EXDEV, "EXDEV"},   {EBUSY, "EBUSY"},
		{ETXTBSY, "ETXTBSY"}, {ENOSPC, "ENOSPC"}, {EDQUOT, "EDQUOT"}, {EINVAL, "EINVAL"},
		{ECONNREFUSED, "ECONNREFUSED"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].e == err)
			return names[i].name;
	return NULL;
}

const char *denials_clone_flags(uint64_t flags, char *buf, size_t size)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} bits[] = {
		{CLONE_NEWNS, "CLONE_NEWNS"},	  {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
		{CLONE_NEWUTS, "CLONE_NEWUTS"},	  {CLONE_NEWIPC, "CLONE_NEWIPC"},
		{CLONE_NEWUSER, "CLONE_NEWUSER"}, {CLONE_NEWPID, "CLONE_NEWPID"},
		{CLONE_NEWNET, "CLONE_NEWNET"},
	};
	size_t len = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(bits); i++) {
		if (!(flags & bits[i].bit))
			continue;
		flags &= ~bits[i].bit;
		len += (size_t)snprintf(buf + MIN(len, size - 1), size - MIN(len, size - 1), "%s%s",
					len ? "|" : "", bits[i].name);
	}
	if (flags || len == 0)
		snprintf(buf + MIN(len, size - 1), size - MIN(len, size - 1), "%s%#" PRIx64,
			 len ? "|" : "", flags);
	return buf;
}

/* The bytes as a JSON string, each invalid UTF-8 byte replaced by U+FFFD. */
static json_t *path_string(const char *s, size_t len)
{
	char out[SANDBOX_DENIAL_PATH * 3 + 1];
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		int n = utf8_decode(s + i, len - i, &cp);

		if (n > 0 && cp != 0) {
			memcpy(out + o, s + i, (size_t)n);
			o += (size_t)n;
			i += (size_t)n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	return json_stringn(out, o);
}

static int set_new(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

json_t *denials_entry_json(const struct sandbox_denial *d)
{
	const char *name = seccomp_syscall_name(d->nr);
	json_t *o = json_object();
	char buf[160];
	int r = 0;

	if (!o)
		return NULL;
	if (d->kind == SANDBOX_DENIAL_FILE) {
		const char *e = denials_errno_name(d->err);

		r |= set_new(o, "kind",
			     json_string(d->op == SANDBOX_FILE_CONNECT ? "network" : "file"));
		r |= set_new(o, "operation", json_string(sandbox_file_op_to_string(d->op)));
		if (d->flags & SANDBOX_DENIAL_READ)
			r |= set_new(o, "reason", json_string("deny_read"));
		r |= set_new(o, "path", path_string(d->path, d->path_len));
		if (d->flags & SANDBOX_DENIAL_PATH_CUT)
			r |= set_new(o, "path_truncated", json_true());
		if (!e) {
			snprintf(buf, sizeof(buf), "%d", d->err);
			e = buf;
		}
		r |= set_new(o, "error", json_string(e));
		r |= set_new(o, "syscall", json_string(name ? name : "unknown"));
	} else {
		bool net = d->nr == SYS_socket || d->nr == SYS_socketpair;

		r |= set_new(o, "kind", json_string(net ? "network" : "syscall"));
		r |= set_new(o, "syscall", json_string(name ? name : "unknown"));
		if (net) {
			const char *f = denials_family_name(d->arg);

			if (!f) {
				snprintf(buf, sizeof(buf), "%" PRIu64, d->arg);
				f = buf;
			}
			r |= set_new(o, "family", json_string(f));
		} else if (d->nr == SYS_ioctl) {
			const char *q = denials_ioctl_name(d->arg);

			if (!q) {
				snprintf(buf, sizeof(buf), "%#" PRIx64, d->arg);
				q = buf;
			}
			r |= set_new(o, "request", json_string(q));
		} else if (d->nr == SYS_clone) {
			r |= set_new(o, "flags",
				     json_string(denials_clone_flags(d->arg, buf, sizeof(buf))));
		} else if (d->nr == SYS_personality) {
			snprintf(buf, sizeof(buf), "%#" PRIx64, d->arg);
			r |= set_new(o, "persona", json_string(buf));
		}
	}
	if (!name)
		r |= set_new(o, "nr", json_integer(d->nr));
	r |= set_new(o, "count", json_integer(d->count));
	r |= set_new(o, "pid", json_integer(d->pid));
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *denials_to_json(const struct sandbox_denial *d, size_t n, size_t budget, bool *ret_cut)
{
	json_t *a = json_array();
	size_t used = 2; /* [] */

	*ret_cut = false;
	if (!a)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *e = denials_entry_json(&d[i]);
		size_t len;

		if (!e) {
			json_decref(a);
			return NULL;
		}
		len = json_dumpb(e, NULL, 0, JSON_COMPACT) + 1; /* and a comma */
		if (used + len > budget) {
			json_decref(e);
			*ret_cut = true;
			break;
		}
		used += len;
		if (json_array_append_new(a, e) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
