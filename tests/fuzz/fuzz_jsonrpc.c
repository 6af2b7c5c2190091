/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: bytes from a client socket -> framing -> JSON-RPC
 * parsing -> the exec/start decoder (the daemon's whole input path before
 * any handler runs).  Must never crash, leak or exceed the frame bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/frame.h"
#include "common/jsonrpc.h"
#include "daemon/exec.h"
// fuzz-sources: daemon/exec_params.c

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_reader r;
	size_t off = 0;

	frame_reader_init(&r, 4096);
	while (off < size) {
		char *p, *frame;
		size_t avail, flen;
		int rc;

		/* Feed in uneven pieces to exercise reassembly. */
		if (frame_reader_space(&r, 1 + (off * 7) % 97, &p, &avail) < 0)
			break;
		if (avail > size - off)
			avail = size - off;
		memcpy(p, data + off, avail);
		frame_reader_commit(&r, avail);
		off += avail;

		while ((rc = frame_reader_next(&r, &frame, &flen)) == 1) {
			struct rpc_message m;
			struct rpc_parse_error e;

			if (jsonrpc_parse(frame, flen, &m, &e) < 0)
				continue;
			if (m.kind == RPC_KIND_REQUEST) {
				struct exec_request req = { 0 };
				char err[256];

				if (rpc_exec_decode_start(m.params, &req, err, sizeof(err)) == 0)
					exec_request_done(&req);
			}
			jsonrpc_message_done(&m);
		}
		if (rc < 0)
			break;
	}
	frame_reader_done(&r);
	return 0;
}
