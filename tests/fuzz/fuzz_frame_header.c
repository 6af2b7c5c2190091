/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: bytes of a connection that may use Content-Length
 * framing -> frame_reader_init_detect() reader -> frames.  Must never
 * crash, leak, return a frame longer than the limit, or grow past it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/frame.h"
#include "common/frame_header.h"

#define FUZZ_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_reader r;
	size_t off = 0, hl;
	const char *err;

	/* The header parser alone, on the input as one block. */
	(void)frame_header_parse((const char *)data, size, FUZZ_MAX, &hl, &err);

	frame_reader_init_detect(&r, FUZZ_MAX);
	while (off < size) {
		char *p, *frame;
		size_t avail, flen;
		int rc;

		if (frame_reader_space(&r, 1 + (off * 13) % 61, &p, &avail) < 0)
			break;
		if (avail > size - off)
			avail = size - off;
		memcpy(p, data + off, avail);
		frame_reader_commit(&r, avail);
		off += avail;
		while ((rc = frame_reader_next(&r, &frame, &flen)) == 1)
			if (flen > FUZZ_MAX || frame[flen] != '\0')
				abort();
		if (rc < 0)
			break;
		if (r.cap > FUZZ_MAX + 3 + FRAME_HEADER_MAX)
			abort();
	}
	frame_reader_done(&r);
	return 0;
}
