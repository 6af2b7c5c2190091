/* SPDX-License-Identifier: MIT */
#include <jansson.h>
#include <string.h>

#include "common/log.h"
#include "daemon/conn.h"
#include "daemon/daemon.h"
#include "daemon/exec.h"
#include "daemon/audit_events.h"
#include "daemon/net_events.h"

void net_events_record(struct daemon *d, const struct net_event *ev)
{
	struct exec *x = exec_find(d, ev->exec_id);
	char host[4 * 64 + 8];
	json_t *p;

	if (!ev->open) {
		log_info("net: exec %s uid %u %s %s %s:%u -> %s (%s)%s%s, %llu bytes out, %llu in",
			 ev->exec_id, (unsigned)ev->uid, ev->protocol, ev->method ? ev->method : "-",
			 log_quote(host, sizeof(host), ev->host, strlen(ev->host), 64), ev->port,
			 ev->decision, ev->reason, ev->address ? " address " : "",
			 ev->address ? ev->address : "", (unsigned long long)ev->bytes_out,
			 (unsigned long long)ev->bytes_in);
		if (strcmp(ev->decision, "allow") == 0)
			d->stats.net_allowed++;
		else
			d->stats.net_denied++;
		{
			struct audit_net an = {
				.uid = ev->uid,
				.session = ev->session,
				.exec_id = ev->exec_id,
				.host = ev->host,
				.port = (uint16_t)ev->port,
				.protocol = ev->protocol,
				.method = ev->method,
				.decision = ev->decision,
				.source = "proxy",
				.reason = ev->reason,
				.address = ev->address,
				.override = strcmp(ev->reason, "approved") == 0,
				.have_bytes = ev->bytes_out || ev->bytes_in,
				.bytes_out = ev->bytes_out,
				.bytes_in = ev->bytes_in,
			};
			if (audit_record_net(d, &an) < 0)
				log_warning("net: exec %s: the decision could not be audited",
					    ev->exec_id);
		}
	}
	if (!x || !x->conn)
		return;
	p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:I, s:I}", "id", ev->exec_id, "host",
		      ev->host, "port", (int)ev->port, "protocol", ev->protocol, "decision",
		      ev->decision, "reason", ev->reason, "bytes_out", (json_int_t)ev->bytes_out,
		      "bytes_in", (json_int_t)ev->bytes_in);
	if (!p)
		return;
	if (ev->method)
		json_object_set_new(p, "method", json_string(ev->method));
	if (ev->address)
		json_object_set_new(p, "address", json_string(ev->address));
	if (ev->session)
		json_object_set_new(p, "session", json_string(ev->session));
	json_object_set_new(p, "state", json_string(ev->open ? "open" : "closed"));
	conn_notify(x->conn, "net/event", p);
}
