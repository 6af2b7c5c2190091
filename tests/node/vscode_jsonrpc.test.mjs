// SPDX-License-Identifier: MIT
// vscode-jsonrpc, unmodified, talks to the daemon: its StreamMessageWriter
// sends "Content-Length:" frames, which the daemon detects and answers in
// kind (codexd-protocol(7) "TRANSPORT").  Run by tests/integration/t_mcp.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';

const require = createRequire(path.join(process.env.CXT_NPM, 'package.json'));
const rpc = require('vscode-jsonrpc/node');

function open() {
	return new Promise((resolve, reject) => {
		const sock = net.createConnection(process.env.CODEXD_SOCKET, () => resolve(sock));
		sock.once('error', reject);
	});
}

test('vscode-jsonrpc completes hello over Content-Length framing', async () => {
	const sock = await open();
	const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(sock), new rpc.StreamMessageWriter(sock));
	conn.listen();
	try {
		const hello = await conn.sendRequest('hello', { client: 'vscode-jsonrpc-test', version: '1.0', can_approve: false });
		assert.equal(hello.daemon, 'codexd');
		assert.equal(hello.protocol_version, 1);
		assert.equal(hello.caller.user, process.env.USER);
		const status = await conn.sendRequest('daemon/status', {});
		assert.equal(typeof status.uptime_ms, 'number');
		await assert.rejects(conn.sendRequest('no/such/method', {}), (e) => e.code === -32601 && e.data.reason === 'unknown_method');
	} finally {
		conn.dispose();
		sock.destroy();
	}
});

test('vscode-jsonrpc runs a command and receives its notifications', async () => {
	const sock = await open();
	const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(sock), new rpc.StreamMessageWriter(sock));
	const out = [];
	const exited = new Promise((resolve) => conn.onNotification('exec/exited', resolve));
	conn.onNotification('exec/output', (p) => out.push(Buffer.from(p.data, 'base64').toString()));
	conn.listen();
	try {
		const start = await conn.sendRequest('exec/start', { argv: ['echo', 'framed'], cwd: process.env.CXT_WS, stdin: false });
		assert.match(start.id, /^x/);
		const ex = await exited;
		assert.equal(ex.exit_code, 0);
		assert.equal(out.join(''), 'framed\n');
	} finally {
		conn.dispose();
		sock.destroy();
	}
});
