/* SPDX-License-Identifier: MIT */
/*
 * codexctl: the thin, unprivileged client of codexd.  See codexctl(1).
 */
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "common/protocol.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: codexctl [--socket PATH] [--json] COMMAND ...\n"
		"\n"
		"commands:\n"
		"  exec [OPTIONS] -- COMMAND [ARG...]   run a command through codexd\n"
		"  status [--security]                  daemon state and counters; sandbox escape self-test\n"
		"  config show [--origins]              effective configuration\n"
		"  reload                               re-read the configuration (admin)\n"
		"  hello                                handshake: who am I to codexd\n"
		"  policy check [--rules FILE]... [--json] -- COMMAND [ARG...]\n"
		"                                       what the rules say about a command\n"
		"  net check HOST[:PORT] [--protocol P] [--allow-domain P]... [--deny-domain P]...\n"
		"            [--session ID]\n"
		"                                       how the network proxy decides a destination\n"
		"  approvals list                       your pending approvals\n"
		"  approvals watch [--no-prompt]        show (and answer) approvals as they come\n"
		"  approvals approve ID [--for-session|--always]\n"
		"  approvals deny ID [--abort]          answer a pending approval\n"
		"  sessions [list [--all]]              your sessions (admins: all)\n"
		"  sessions show ID                     one session\n"
		"  sessions kill ID                     end a session and its commands\n"
		"  sessions create [-C DIR] [-s MODE] [-a POLICY] [--setup-script FILE] ...\n"
		"                                       a new session (see codexctl(1))\n"
		"  audit query [--since TIME] [--type T] [--format F] ...\n"
		"                                       audit records (members: their own)\n"
		"  audit export [--format F] ...        the same, JSON Lines by default\n"
		"  audit verify                         check the audit log's hash chain\n"
		"  mcp [OPTIONS]                        an MCP server on stdio for AI agents\n"
		"\n"
		"The socket defaults to $CODEXD_SOCKET, else " CX_DEFAULT_SOCKET ".\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct client_opts o = { 0 };
	const char *cmd;
	int c;

	/*
	 * A closed 0, 1 or 2 would be reused by the next open (our socket): the
	 * command's output or our own messages would go into it.  Park
	 * /dev/null there and remember that stdin was closed.
	 */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0) {
			int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
			if (n < 0)
				return CX_EXIT_ERROR;
			if (n != fd) {
				dup2(n, fd);
				close(n);
			}
			if (fd == 0)
				o.stdin_was_closed = true;
		}

	o.socket = getenv("CODEXD_SOCKET");
	if (!o.socket || !o.socket[0])
		o.socket = CX_DEFAULT_SOCKET;

	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			o.socket = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("codexctl %s (protocol %d)\n", CX_VERSION, CX_PROTOCOL_VERSION);
			return 0;
		default:
			usage(stderr);
			return CX_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CX_EXIT_USAGE;
	}

	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "exec") == 0)
		return cmd_exec(&o, argc, argv);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(&o, argc, argv);
	if (strcmp(cmd, "config") == 0)
		return cmd_config(&o, argc, argv);
	if (strcmp(cmd, "reload") == 0)
		return cmd_reload(&o, argc, argv);
	if (strcmp(cmd, "hello") == 0)
		return cmd_hello(&o, argc, argv);
	if (strcmp(cmd, "policy") == 0)
		return cmd_policy(&o, argc, argv);
	if (strcmp(cmd, "approvals") == 0)
		return cmd_approvals(&o, argc, argv);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(&o, argc, argv);
	if (strcmp(cmd, "sessions") == 0)
		return cmd_sessions(&o, argc, argv);
	if (strcmp(cmd, "net") == 0)
		return cmd_net(&o, argc, argv);
	if (strcmp(cmd, "mcp") == 0)
		return cmd_mcp(&o, argc, argv);
	fprintf(stderr, "codexctl: unknown command '%s'\n", cmd);
	usage(stderr);
	return CX_EXIT_USAGE;
}
