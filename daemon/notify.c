/* SPDX-License-Identifier: MIT */
#include <systemd/sd-daemon.h>
#include <time.h>

#include "common/log.h"
#include "daemon/notify.h"

void notify_ready(const char *status)
{
	(void)sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%d", status, (int)getpid());
}

void notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
			 (unsigned long long)ts.tv_sec * 1000000ULL +
				 (unsigned long long)ts.tv_nsec / 1000ULL);
}

void notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

static void on_watchdog(uv_timer_t *t)
{
	(void)t;
	(void)sd_notify(0, "WATCHDOG=1");
}

void notify_watchdog_start(struct daemon *d)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return;
	uv_timer_init(d->loop, &d->watchdog);
	d->watchdog_on = true;
	/* Half the interval, as sd_watchdog_enabled(3) recommends. */
	uv_timer_start(&d->watchdog, on_watchdog, usec / 2000 ? usec / 2000 : 1,
		       usec / 2000 ? usec / 2000 : 1);
	log_debug("watchdog every %llu ms", (unsigned long long)(usec / 2000));
}

void notify_watchdog_stop(struct daemon *d)
{
	if (!d->watchdog_on)
		return;
	d->watchdog_on = false;
	uv_close((uv_handle_t *)&d->watchdog, NULL);
}
