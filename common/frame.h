/* SPDX-License-Identifier: MIT */
/*
 * Newline framing of the wire protocol: one UTF-8 JSON object per line,
 * "\r\n" tolerated, blank lines ignored, each line at most `max` bytes
 * (without its newline).  The buffer grows only up to max + 1 bytes, so a
 * peer can never make us hold more than one frame (STYLE.md "size before
 * allocation").
 *
 * Usage: frame_reader_space() gives room to read into, frame_reader_commit()
 * records what was read, frame_reader_next() pops complete lines.
 *
 * A reader set up with frame_reader_init_detect() (the daemon's) also
 * accepts the "Content-Length:" framing of common/frame_header.h: the first
 * bytes of the stream decide, once for its whole life, which framing it
 * uses; frame_reader_uses_headers() tells the writer to answer in kind.
 *
 * Process: main (daemon connections) and client.
 */
#ifndef CX_FRAME_H
#define CX_FRAME_H

#include <stdbool.h>
#include <stddef.h>

enum frame_mode {
	FRAME_MODE_LINE,   /* one JSON text per line */
	FRAME_MODE_DETECT, /* not decided yet: line, or Content-Length headers */
	FRAME_MODE_HEADER, /* Content-Length headers, then the body */
	_FRAME_MODE_MAX,
};

struct frame_reader {
	char *buf;
	size_t len;    /* bytes held */
	size_t cap;    /* allocated */
	size_t start;  /* first byte of the frame being assembled */
	size_t scan;   /* bytes already searched for '\n' */
	size_t max;    /* maximum frame length */
	enum frame_mode mode;
	size_t hdr_len;     /* header mode: bytes of the parsed header block, 0 before */
	size_t body_len;    /* header mode: its Content-Length */
	size_t clobbered;   /* header mode: where a NUL replaced clobbered_byte */
	char clobbered_byte;
	bool has_clobbered;
	const char *error;  /* static text explaining the last -EBADMSG */
};

void frame_reader_init(struct frame_reader *r, size_t max);
/* The same, deciding between newline and Content-Length framing from the first bytes. */
void frame_reader_init_detect(struct frame_reader *r, size_t max);
void frame_reader_done(struct frame_reader *r);

/*
 * Room for the next read: returns 0 with *ret_ptr / *ret_avail (at most
 * want bytes), -ENOMEM, or -E2BIG when the frame being assembled already
 * exceeds max (the peer must be answered with an error and dropped).
 */
int frame_reader_space(struct frame_reader *r, size_t want, char **ret_ptr, size_t *ret_avail);
void frame_reader_commit(struct frame_reader *r, size_t n);

/*
 * Next complete frame: returns 1 with *ret_frame (NUL-terminated in place,
 * valid until the next call on r) and *ret_len, 0 when more input is
 * needed, -E2BIG when a frame exceeds max, -EBADMSG for a malformed
 * Content-Length header (r->error says why).  After an error the stream
 * cannot be resynchronised: the peer must be answered and dropped.
 */
int frame_reader_next(struct frame_reader *r, char **ret_frame, size_t *ret_len);

/*
 * Newline framing only: bytes that follow the last frame returned, taken raw (a frame announced
 * that many): up to max of them, *ret_ptr valid until the next call on r.
 * Returns how many (0: none buffered; read the rest from the peer).
 */
size_t frame_reader_take(struct frame_reader *r, size_t max, const char **ret_ptr);

/* True once the stream was found to use Content-Length headers. */
bool frame_reader_uses_headers(const struct frame_reader *r);

/* True while part of a frame is buffered (for the frame-read timeout). */
bool frame_reader_partial(const struct frame_reader *r);

#endif
