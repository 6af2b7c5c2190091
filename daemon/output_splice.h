/* SPDX-License-Identifier: MIT */
/*
 * Relaying a raw_output exec's pipe to its client with splice(2): the
 * exec/output header is queued as usual, the bytes it announces stay in
 * the command's pipe and are "owed" by the queued wbuf until the
 * connection's writer splices them into the socket, in queue order.  The
 * daemon never holds them: a slow reader leaves them in the pipe, which
 * then fills and blocks the command (back-pressure, memory bounded by the
 * pipe and the socket buffer).
 *
 * Process: main.
 */
#ifndef CX_OUTPUT_SPLICE_H
#define CX_OUTPUT_SPLICE_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon/daemon.h"

/*
 * The exec/output header of a raw chunk of n bytes of stream (0 stdout,
 * 1 stderr; "pty" in tty mode).  The length is padded to ten digits so the
 * size does not depend on n.  Returns the length written (without NUL),
 * or -ENOBUFS.
 */
int output_raw_header(char *buf, size_t size, const struct exec *x, int stream, size_t n);

/* Whether the stream's fd (an output pipe) can be spliced: a FIFO. */
bool output_splice_possible(int fd);

/*
 * Queue a header for what the pipe of s holds (at most CX_RAW_OUTPUT_CHUNK
 * bytes) and owe those bytes on x's connection.  Returns the number owed
 * (> 0), 0 if the pipe holds nothing (the caller reads, to see end of
 * file), or -errno (the wbuf could not be made: -ENOMEM; the connection is
 * gone: -EPIPE).  s->owed is set while bytes are owed; the caller stops
 * polling s then, and output_splice_done() resumes it.
 */
ssize_t output_splice_queue(struct exec *x, struct exec_stream *s, int stream);

/*
 * Splice what w owes into the connection's socket.  Returns 0 when all
 * of it is out, -EAGAIN when the socket is full, -ENODATA when the pipe
 * ended before the bytes announced (cannot happen: only the daemon reads
 * it), or another -errno from splice (-EPIPE when the peer is gone:
 * splice(2) has no MSG_NOSIGNAL, so the process must ignore SIGPIPE, as
 * codexd does).
 */
int output_splice_write(struct conn *c, struct wbuf *w);

/* w's owed bytes are out: free it and let its stream read again. */
void output_splice_done(struct wbuf *w);

/*
 * s is being closed: if a wbuf still owes its bytes, the wbuf takes the
 * pipe over (the connection must still send what the header announced)
 * and s->fd becomes -1.
 */
void output_splice_stream_closing(struct exec_stream *s);

/* Free a wbuf of any kind (destructor; NULL is fine). */
void wbuf_free(struct wbuf *w);

#endif
