/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/frame.h"
#include "common/frame_header.h"
#include "common/macro.h"

#define FRAME_INITIAL_CAP 4096

void frame_reader_init(struct frame_reader *r, size_t max)
{
	*r = (struct frame_reader){ .max = max };
}

void frame_reader_init_detect(struct frame_reader *r, size_t max)
{
	*r = (struct frame_reader){ .max = max, .mode = FRAME_MODE_DETECT };
}

void frame_reader_done(struct frame_reader *r)
{
	free(r->buf);
	*r = (struct frame_reader){ .max = r->max, .mode = r->mode };
}

bool frame_reader_uses_headers(const struct frame_reader *r)
{
	return r->mode == FRAME_MODE_HEADER;
}

/* A header-mode frame is NUL-terminated over the next frame's first byte: put it back. */
static void frame_reader_restore(struct frame_reader *r)
{
	if (r->has_clobbered) {
		r->buf[r->clobbered] = r->clobbered_byte;
		r->has_clobbered = false;
	}
}

static void frame_reader_compact(struct frame_reader *r)
{
	frame_reader_restore(r);
	if (r->start == 0)
		return;
	memmove(r->buf, r->buf + r->start, r->len - r->start);
	r->len -= r->start;
	r->scan -= r->start;
	r->start = 0;
}

int frame_reader_space(struct frame_reader *r, size_t want, char **ret_ptr, size_t *ret_avail)
{
	/*
	 * The largest buffer ever needed: one frame, its '\r', '\n' and a NUL,
	 * or a header block before it.
	 */
	size_t limit = r->max + 3 + (r->mode != FRAME_MODE_LINE ? FRAME_HEADER_MAX : 0);
	size_t need;

	frame_reader_compact(r);
	if (r->len >= limit)
		return -E2BIG;
	need = MIN(r->len + want, limit);
	if (need > r->cap) {
		size_t ncap = r->cap ? r->cap : FRAME_INITIAL_CAP;
		char *n;

		while (ncap < need)
			ncap *= 2;
		ncap = MIN(ncap, limit);
		n = realloc(r->buf, ncap);
		if (!n)
			return -ENOMEM;
		r->buf = n;
		r->cap = ncap;
	}
	/* Keep one byte for the terminating NUL frame_reader_next() writes. */
	*ret_ptr = r->buf + r->len;
	*ret_avail = MIN(want, r->cap - r->len - 1);
	if (*ret_avail == 0)
		return -E2BIG;
	return 0;
}

void frame_reader_commit(struct frame_reader *r, size_t n)
{
	r->len += n;
}

static int frame_reader_next_header(struct frame_reader *r, char **ret_frame, size_t *ret_len)
{
	size_t avail = r->len - r->start, end;
	char *frame;
	int k;

	if (r->hdr_len == 0) {
		const char *h = r->buf + r->start;
		const char *term = avail >= 4 ? memmem(h, MIN(avail, (size_t)FRAME_HEADER_MAX),
						       "\r\n\r\n", 4)
					      : NULL;

		if (!term) {
			if (frame_header_check_partial(h, MIN(avail, (size_t)FRAME_HEADER_MAX),
						       &r->error) < 0)
				return -EBADMSG;
			if (avail >= FRAME_HEADER_MAX) {
				r->error = "header block too long";
				return -EBADMSG;
			}
			if (avail == 0)
				r->start = r->len = r->scan = 0;
			return 0;
		}
		k = frame_header_parse(h, (size_t)(term - h) + 4, r->max, &r->body_len,
				       &r->error);
		if (k < 0)
			return k;
		r->hdr_len = (size_t)(term - h) + 4;
	}
	if (avail < r->hdr_len + r->body_len)
		return 0;
	frame = r->buf + r->start + r->hdr_len;
	end = r->start + r->hdr_len + r->body_len;
	/* frame_reader_space() always leaves a byte free after len. */
	if (end < r->len) {
		r->clobbered = end;
		r->clobbered_byte = r->buf[end];
		r->has_clobbered = true;
	}
	r->buf[end] = '\0';
	*ret_frame = frame;
	*ret_len = r->body_len;
	r->start = r->scan = end;
	r->hdr_len = r->body_len = 0;
	return 1;
}

int frame_reader_next(struct frame_reader *r, char **ret_frame, size_t *ret_len)
{
	frame_reader_restore(r);
	if (r->mode == FRAME_MODE_DETECT) {
		int k = frame_header_detect(r->buf + r->start, r->len - r->start);

		if (k == -EAGAIN) {
			if (r->start == r->len)
				r->start = r->len = r->scan = 0;
			return 0;
		}
		r->mode = k > 0 ? FRAME_MODE_HEADER : FRAME_MODE_LINE;
	}
	if (r->mode == FRAME_MODE_HEADER)
		return frame_reader_next_header(r, ret_frame, ret_len);
	for (;;) {
		char *nl;
		size_t flen;

		nl = r->scan < r->len ? memchr(r->buf + r->scan, '\n', r->len - r->scan) : NULL;
		if (!nl) {
			r->scan = r->len;
			/* An unterminated frame already longer than allowed. */
			if (r->len - r->start > r->max + 1)
				return -E2BIG;
			if (r->start == r->len)
				r->start = r->len = r->scan = 0;
			return 0;
		}
		flen = (size_t)(nl - (r->buf + r->start));
		*nl = '\0';
		if (flen > 0 && r->buf[r->start + flen - 1] == '\r')
			r->buf[r->start + --flen] = '\0';
		if (flen > r->max)
			return -E2BIG;

		char *frame = r->buf + r->start;
		r->start = r->scan = (size_t)(nl - r->buf) + 1;
		if (flen == 0)
			continue; /* blank line */
		*ret_frame = frame;
		*ret_len = flen;
		return 1;
	}
}

size_t frame_reader_take(struct frame_reader *r, size_t max, const char **ret_ptr)
{
	size_t n = MIN(max, r->len - r->start);

	*ret_ptr = r->buf ? r->buf + r->start : NULL;
	r->start += n;
	r->scan = MAX(r->scan, r->start);
	if (r->start == r->len)
		r->start = r->len = r->scan = 0;
	return n;
}

bool frame_reader_partial(const struct frame_reader *r)
{
	return r->len > r->start;
}
