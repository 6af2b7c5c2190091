// SPDX-License-Identifier: MIT
// Tests of codexd-client against the real daemon (run by
// tests/integration/t_mcp.sh as an unprivileged member, with CODEXD_SOCKET,
// CXT_WS a workspace, CXT_TOK a word a "prompt" rule matches after "echo",
// CXT_FORBID a word a "forbidden" rule matches after "touch").
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const codexd = require('..');

const WS = process.env.CXT_WS;
const TOK = process.env.CXT_TOK;
const FORBID = process.env.CXT_FORBID;

for (const framing of ['line', 'content-length']) {
	test(`connect and hello (${framing} framing)`, async () => {
		const c = await codexd.connect({ clientName: 'node-test', framing });
		try {
			assert.equal(c.helloResult.daemon, 'codexd');
			assert.equal(c.helloResult.protocol_version, codexd.PROTOCOL_VERSION);
			assert.equal(c.helloResult.caller.user, process.env.USER);
			assert.equal(c.helloResult.caller.role, 'member');
			const st = await c.daemonStatus();
			assert.equal(typeof st.uptime_ms, 'number');
		} finally {
			c.close();
		}
	});

	test(`exec streams output events and the exit status (${framing} framing)`, async () => {
		const c = await codexd.connect({ framing });
		try {
			const h = await c.exec({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 7'], cwd: WS });
			assert.match(h.id, /^x[0-9a-f]+$/);
			const out = [], err = [], all = [];
			h.on('stdout', (d) => out.push(d));
			h.on('stderr', (d) => err.push(d));
			h.on('output', (ev) => all.push(ev.stream));
			const exit = await h.exit;
			assert.equal(exit.exit_code, 7);
			assert.equal(exit.timed_out, false);
			assert.equal(Buffer.concat(out).toString(), 'out\n');
			assert.equal(Buffer.concat(err).toString(), 'err\n');
			assert.ok(all.includes('stdout') && all.includes('stderr'));
		} finally {
			c.close();
		}
	});
}

test('exec as an async iterator, with stdin', async () => {
	const c = await codexd.connect();
	try {
		const h = await c.exec({ argv: ['cat'], cwd: WS, stdin: true });
		await h.write('hello ');
		await h.write(Buffer.from('world\n'));
		await h.closeStdin();
		const chunks = [];
		for await (const ev of h) chunks.push(ev);
		assert.equal(Buffer.concat(chunks.map((e) => e.data)).toString(), 'hello world\n');
		assert.ok(chunks.every((e) => e.stream === 'stdout'));
		assert.equal((await h.exit).exit_code, 0);
	} finally {
		c.close();
	}
});

test('output that arrives before a listener is attached is kept', async () => {
	const c = await codexd.connect();
	try {
		const h = await c.exec({ argv: ['echo', 'early'], cwd: WS });
		await new Promise((r) => setTimeout(r, 300));
		const data = [];
		h.on('stdout', (d) => data.push(d));
		await h.exit;
		assert.equal(Buffer.concat(data).toString(), 'early\n');
	} finally {
		c.close();
	}
});

test('run collects everything; a signal ends a command', async () => {
	const c = await codexd.connect();
	try {
		const r = await c.run({ argv: ['sh', '-c', 'printf abc; printf def >&2'], cwd: WS });
		assert.equal(r.exit_code, 0);
		assert.equal(r.stdout.toString(), 'abc');
		assert.equal(r.stderr.toString(), 'def');
		const h = await c.exec({ argv: ['sleep', '60'], cwd: WS });
		await h.signal('KILL');
		const exit = await h.exit;
		assert.equal(exit.signal, 'KILL');
		assert.equal(exit.exit_code, undefined);
	} finally {
		c.close();
	}
});

test('errors are typed exceptions with code and data.reason', async () => {
	const c = await codexd.connect();
	try {
		await assert.rejects(c.exec({ argv: ['touch', FORBID], cwd: WS }), (e) => {
			assert.ok(e instanceof codexd.ForbiddenError);
			assert.ok(e instanceof codexd.CodexdError);
			assert.equal(e.code, codexd.ErrorCode.Forbidden);
			assert.equal(e.reason, 'forbidden');
			assert.equal(e.data.decision, 'forbidden');
			assert.equal(e.data.exit_code, 126);
			return true;
		});
		await assert.rejects(c.request('no/such/method'), (e) => e instanceof codexd.MethodNotFoundError && e.reason === 'unknown_method');
		await assert.rejects(c.exec({ argv: [], cwd: WS }), (e) => e instanceof codexd.InvalidParamsError && e.code === -32602);
		await assert.rejects(c.policyReload(), (e) => e instanceof codexd.PermissionDeniedError && e.data.required_role === 'admin');
		await assert.rejects(c.execSignal('x0000000000000000', 'TERM'), (e) => e instanceof codexd.NotFoundError);
		// The connection is still fine.
		const p = await c.policyCheck({ argv: ['touch', FORBID] });
		assert.equal(p.decision, 'forbidden');
		assert.equal(p.matchedRules[0].prefixRuleMatch.decision, 'forbidden');
	} finally {
		c.close();
	}
});

test('approval callback: approve runs the command', async () => {
	const asked = [];
	const c = await codexd.connect({
		onApproval: async (req) => {
			asked.push(req);
			return 'approve';
		},
	});
	try {
		const resolved = new Promise((r) => c.once('approvalResolved', r));
		const r = await c.run({ argv: ['echo', TOK, 'ok'], cwd: WS, justification: 'node test' });
		assert.equal(r.exit_code, 0);
		assert.equal(r.stdout.toString(), `${TOK} ok\n`);
		assert.equal(asked.length, 1);
		assert.deepEqual(asked[0].argv, ['echo', TOK, 'ok']);
		assert.equal(asked[0].justification, 'node test');
		assert.ok(asked[0].available_decisions.includes('deny'));
		const res = await resolved;
		assert.equal(res.decision, 'approve');
		assert.equal(res.by, 'requester');
	} finally {
		c.close();
	}
});

test('approval callback: deny is an ApprovalDeniedError', async () => {
	const c = await codexd.connect({ onApproval: () => 'deny' });
	try {
		await assert.rejects(c.exec({ argv: ['echo', TOK, 'no'], cwd: WS }), (e) => {
			assert.ok(e instanceof codexd.ApprovalDeniedError);
			assert.equal(e.reason, 'approval_denied');
			assert.equal(e.data.decision, 'deny');
			assert.equal(e.data.by, 'requester');
			return true;
		});
	} finally {
		c.close();
	}
});

test('approvals answered from a second connection (approval/watch, approval/respond)', async () => {
	const watcher = await codexd.connect();
	const runner = await codexd.connect();
	try {
		const req = new Promise((r) => watcher.once('approvalRequest', r));
		// The watcher has no onApproval: it only sees the request and answers with respond.
		await watcher.approvalWatch();
		const started = runner.run({ argv: ['echo', TOK, 'respond'], cwd: WS });
		const list = await new Promise((resolve) => {
			const poll = async () => {
				const l = await watcher.approvalList();
				if (l.approvals.length) resolve(l);
				else setTimeout(poll, 100);
			};
			poll();
		});
		const id = list.approvals[0].approval_id;
		await req;
		await watcher.approvalRespond(id, 'approve');
		const r = await started;
		assert.equal(r.stdout.toString(), `${TOK} respond\n`);
	} finally {
		watcher.close();
		runner.close();
	}
});

test('a closed connection rejects pending requests with ConnectionClosedError', async () => {
	const c = await codexd.connect();
	const h = await c.exec({ argv: ['sleep', '60'], cwd: WS });
	c.close();
	await assert.rejects(h.exit, (e) => e instanceof codexd.ConnectionClosedError);
	await assert.rejects(c.hello(), (e) => e instanceof codexd.ConnectionClosedError);
	await assert.rejects(codexd.connect({ socketPath: '/nonexistent/codexd.sock' }), (e) => e instanceof codexd.ConnectionClosedError);
});
