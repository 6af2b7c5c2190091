/* SPDX-License-Identifier: MIT */
/*
 * Idle heap trimming (daemon/memtrim.h).  One timer, main process only.
 */
#include <malloc.h>
#include <uv.h>

#include "common/log.h"
#include "daemon/memtrim.h"

static uv_timer_t trim_timer;
static bool trim_on;
static uint64_t seen_requests, seen_output; /* at the last tick */
static uint64_t trimmed_requests, trimmed_output; /* at the last trim */
static uint64_t n_trims;

static void on_tick(uv_timer_t *t)
{
	struct daemon *d = t->data;
	uint64_t req = d->stats.requests, out = d->stats.output_bytes;
	bool quiet = req == seen_requests && out == seen_output;
	bool dirty = req != trimmed_requests || out != trimmed_output;

	seen_requests = req;
	seen_output = out;
	if (!quiet || !dirty)
		return;
	trimmed_requests = req;
	trimmed_output = out;
	n_trims++;
	(void)malloc_trim(0);
	log_debug("quiet for %d ms after activity: heap trimmed", MEMTRIM_INTERVAL_MS);
}

void memtrim_start(struct daemon *d)
{
	if (trim_on)
		return;
	uv_timer_init(d->loop, &trim_timer);
	trim_timer.data = d;
	trim_on = true;
	uv_timer_start(&trim_timer, on_tick, MEMTRIM_INTERVAL_MS, MEMTRIM_INTERVAL_MS);
	/* Never the reason the loop keeps running. */
	uv_unref((uv_handle_t *)&trim_timer);
}

void memtrim_stop(struct daemon *d)
{
	(void)d;
	if (!trim_on)
		return;
	trim_on = false;
	uv_close((uv_handle_t *)&trim_timer, NULL);
}

uint64_t memtrim_count(void)
{
	return n_trims;
}
