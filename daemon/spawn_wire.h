/* SPDX-License-Identifier: MIT */
/*
 * A struct sandbox_spec as one flat message, for the spawner
 * (daemon/spawner.h): every string, vector, plan and seccomp program the
 * spec points to is copied into one buffer, pointers become offsets into
 * it, and descriptors become indices into the SCM_RIGHTS array sent with it.
 * Both ends are the same codexd binary, so structures are copied as they
 * are laid out in memory; what the receiver checks is that every offset,
 * length and index stays inside what it received, so a short or corrupted
 * message is refused rather than followed.
 *
 * Process: main (encode), spawner (decode).
 */
#ifndef CX_SPAWN_WIRE_H
#define CX_SPAWN_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/sandbox_init.h"

#define SPAWN_WIRE_MAGIC 0x43585350u /* "CXSP" */
#define SPAWN_WIRE_MAX_FDS 12
/* argv and the environment are bounded by the frame ceiling (cxlimits.h). */
#define SPAWN_WIRE_MAX_BYTES (64u * 1024 * 1024)

struct spawn_wire_header {
	uint32_t magic;
	uint32_t size;       /* bytes of the whole message, header included */
	uint64_t clone_flags;
	uint32_t n_fds;      /* descriptors sent with it, in index order */
	int32_t cgroup_fd;   /* index of the cgroup v2 directory, or -1 */
	uint64_t spec;       /* offset of the struct sandbox_spec */
};

struct spawn_wire {
	uint8_t *buf;  /* starts with struct spawn_wire_header; malloc'd */
	size_t len, cap;
	int fds[SPAWN_WIRE_MAX_FDS]; /* borrowed from the spec, not owned */
	unsigned n_fds;
};

/*
 * Encode spec (with clone flags and the cgroup v2 directory, or -1) into
 * *ret.  Returns 0, -ENOMEM, or -E2BIG (too many descriptors or bytes).
 * status_fd is not sent (the spawner makes the status pipe).
 */
int spawn_wire_encode(const struct sandbox_spec *spec, uint64_t clone_flags, int cgroup_fd,
		      struct spawn_wire *ret);
void spawn_wire_done(struct spawn_wire *w);

/*
 * Decode in place: buf (len bytes, 8-byte aligned, as received) becomes
 * the backing store of *ret_spec, fds[0..n_fds) the descriptors received
 * with it.  Returns 0, or -EBADMSG when anything points outside buf, a
 * string is unterminated, a count exceeds its array, or a descriptor index
 * is not one that was received.
 */
int spawn_wire_decode(void *buf, size_t len, const int *fds, unsigned n_fds,
		      const struct sandbox_spec **ret_spec, uint64_t *ret_clone_flags,
		      int *ret_cgroup_fd);

#endif
