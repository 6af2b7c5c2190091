/* SPDX-License-Identifier: MIT */
/*
 * The daemon's life cycle after start-up: uptime, reload (validated whole,
 * swapped in atomically, the old configuration kept on any error) and the
 * orderly shutdown that kills every sandbox before the loop ends.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "daemon/audit.h"
#include "daemon/audit_events.h"
#include "daemon/cgroup_pool.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/daemon.h"
#include "daemon/user_files.h"
#include "daemon/decide.h"
#include "daemon/exec.h"
#include "daemon/listen.h"
#include "daemon/memtrim.h"
#include "daemon/notify.h"
#include "daemon/policy_store.h"
#include "daemon/proxy.h"
#include "policy/rules.h"

uint64_t daemon_uptime_ms(const struct daemon *d)
{
	return (uv_hrtime() - d->started_hrtime) / 1000000;
}

static void on_handle_closed_noop(uv_handle_t *h)
{
	(void)h;
}

#define DAEMON_SHUTDOWN_GRACE_MS 3000

static void on_shutdown_grace(uv_timer_t *t)
{
	struct daemon *d = t->data;
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &d->conns)
	{
		conn_close(list_entry(pos, struct conn, node), "shutdown grace period over");
	}
}

void daemon_shutdown(struct daemon *d, const char *why)
{
	struct list_node *pos, *tmp;

	if (!d->shutting_down) {
		d->shutting_down = true;
		log_info("shutting down: %s", why ? why : "requested");
		notify_stopping();
		listen_stop(d);
		decide_cancel_all(d);
		exec_kill_all(d, "daemon shutting down");
		/*
		 * Clients stop being read; each connection closes once its commands
		 * have been reaped and their exec/exited notifications flushed.  A
		 * grace timer closes whatever is still open after that.
		 */
		LIST_FOREACH_SAFE(pos, tmp, &d->conns)
		{
			conn_shutdown(list_entry(pos, struct conn, node));
		}
		uv_timer_init(d->loop, &d->shutdown_timer);
		d->shutdown_timer.data = d;
		d->shutdown_timer_on = true;
		uv_timer_start(&d->shutdown_timer, on_shutdown_grace, DAEMON_SHUTDOWN_GRACE_MS, 0);
	}
	/*
	 * Leave the loop once every sandbox has been reaped (those whose
	 * exec/exited went out early too: they are in d->execs, not in n_execs)
	 * and every client closed.  The pooled cgroups go first: once the
	 * signal handles are closed, another SIGTERM ends the process at once.
	 */
	if (d->n_execs == 0 && list_empty(&d->execs) && d->n_conns == 0 &&
	    uv_is_active((uv_handle_t *)&d->sig_term)) {
		cgroup_pool_free(d);
		uv_close((uv_handle_t *)&d->sig_term, on_handle_closed_noop);
		uv_close((uv_handle_t *)&d->sig_int, on_handle_closed_noop);
		uv_close((uv_handle_t *)&d->sig_hup, on_handle_closed_noop);
		if (d->shutdown_timer_on) {
			d->shutdown_timer_on = false;
			uv_close((uv_handle_t *)&d->shutdown_timer, on_handle_closed_noop);
		}
		notify_watchdog_stop(d);
		memtrim_stop(d);
		proxy_stop(d);
		user_files_pool_free(d);
	}
}

int daemon_reload(struct daemon *d, char *err, size_t errsz)
{
	struct daemon_config *n = NULL, *old;
	int r;

	struct rules_set *nrules = NULL;
	char **nfiles = NULL;

	notify_reloading();
	r = conf_load(d->config_path, d->opt_socket, d->opt_state_dir, &n, err, errsz);
	if (r == 0) {
		/* Configuration and managed rules change together, or not at all. */
		r = policy_store_load(d->rules_dir, &nrules, &nfiles, err, errsz);
		if (r < 0) {
			conf_free(n);
			n = NULL;
		}
	}
	if (r < 0) {
		d->stats.reload_failures++;
		free(d->last_reload_error);
		d->last_reload_error = strdup(err);
		log_error("reload failed, keeping generation %llu: %s",
			  (unsigned long long)d->cfg_generation, err);
		audit_ev_reload(d, d->cfg_generation, d->cfg_generation, err);
		notify_ready("ready (reload failed; previous configuration kept)");
		return r;
	}
	if (strcmp(n->socket_path, d->cfg->socket_path) != 0)
		log_warning("socket path changed to %s: takes effect at the next start",
			    n->socket_path);
	old = d->cfg;
	d->cfg = n;
	conf_free(old);
	rules_set_free(d->rules);
	d->rules = nrules;
	strv_free(d->rules_files);
	d->rules_files = nfiles;
	d->cfg_generation++;
	d->stats.reloads++;
	free(d->last_reload_error);
	d->last_reload_error = NULL;
	log_set_max_level(d->opt_log_level_set ? (enum log_level)d->opt_log_level : n->log_level);
	(void)listen_apply_permissions(d);
	audit_reconfigure(d);
	audit_ev_reload(d, d->cfg_generation - 1, d->cfg_generation, NULL);
	proxy_reconfigure(d);
	log_info("configuration reloaded (generation %llu)", (unsigned long long)d->cfg_generation);
	notify_ready("ready (reloaded)");
	return 0;
}

