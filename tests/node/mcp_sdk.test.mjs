// SPDX-License-Identifier: MIT
// The official MCP TypeScript SDK client drives `codexctl mcp` against the
// real daemon (run by tests/integration/t_mcp.sh as an unprivileged member).
//
// Environment: CODEXCTL (the binary), CODEXD_SOCKET, CXT_NPM (where
// tests/node/setup installed the packages), CXT_WS (a workspace owned by
// the user), CXT_TOK (a word that a "prompt" rule matches after "echo"),
// CXT_FORBID (a program name that a "forbidden" rule matches).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const env = (name) => {
	const v = process.env[name];
	if (!v) throw new Error(`${name} is not set`);
	return v;
};
const CODEXCTL = env('CODEXCTL');
const WS = env('CXT_WS');
const TOK = env('CXT_TOK');
const FORBID = env('CXT_FORBID');
const require = createRequire(path.join(env('CXT_NPM'), 'package.json'));
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
const { ElicitRequestSchema, LATEST_PROTOCOL_VERSION } = require('@modelcontextprotocol/sdk/types.js');

// A connected SDK client on a fresh `codexctl mcp`; capabilities as given.
async function connect(capabilities = {}, args = []) {
	const transport = new StdioClientTransport({
		command: CODEXCTL,
		args: ['mcp', '-C', WS, ...args],
		env: { ...process.env },
		stderr: 'pipe',
	});
	let stderr = '';
	transport.stderr?.on('data', (d) => { stderr += d; });
	const client = new Client({ name: 'cxt-sdk-test', version: '1.0.0' }, { capabilities });
	await client.connect(transport);
	client.stderrText = () => stderr;
	return client;
}

const text = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

test('handshake, tools/list, and ls in a workspace-write sandbox', async () => {
	fs.writeFileSync(path.join(WS, 'marker-for-ls'), 'x');
	const client = await connect();
	try {
		const info = client.getServerVersion();
		assert.equal(info.name, 'codexd');
		assert.ok(client.getServerCapabilities().tools, 'tools capability');
		const { tools } = await client.listTools();
		const names = tools.map((t) => t.name).sort();
		assert.deepEqual(names, ['net_check', 'policy_check', 'run_command']);
		const run = tools.find((t) => t.name === 'run_command');
		assert.equal(run.inputSchema.type, 'object');
		assert.equal(run.outputSchema.type, 'object');

		const r = await client.callTool({
			name: 'run_command',
			arguments: { argv: ['ls', '-a'], sandbox: 'workspace-write' },
		});
		assert.equal(r.isError, false, text(r));
		assert.equal(r.structuredContent.exit_code, 0);
		assert.equal(r.structuredContent.sandbox, 'workspace-write');
		assert.match(r.structuredContent.stdout, /^marker-for-ls$/m);
		assert.match(text(r), /exit code 0/);
	} finally {
		await client.close();
	}
});

test('the sandbox holds: writes in the workspace land, writes outside are refused and reported', async () => {
	const client = await connect();
	try {
		const r = await client.callTool({
			name: 'run_command',
			arguments: {
				command: 'echo inside > made-by-mcp; touch /usr/cxt-mcp-denied; echo "rc=$?"',
				sandbox: 'workspace-write',
			},
		});
		assert.equal(r.isError, false, text(r));
		const sc = r.structuredContent;
		assert.equal(fs.readFileSync(path.join(WS, 'made-by-mcp'), 'utf8'), 'inside\n');
		assert.ok(!fs.existsSync('/usr/cxt-mcp-denied'), 'nothing written outside');
		assert.match(sc.stdout, /rc=1/);
		assert.match(sc.stderr, /touch/);
		const d = sc.denials.find((x) => x.path === '/usr/cxt-mcp-denied');
		assert.ok(d, `denial reported: ${JSON.stringify(sc.denials)}`);
		assert.match(text(r), /denied: .*\/usr\/cxt-mcp-denied/);
	} finally {
		await client.close();
	}
});

test('stdin, exit status, and long output truncated in the middle', async () => {
	const client = await connect();
	try {
		const r = await client.callTool({
			name: 'run_command',
			arguments: { command: 'cat; seq 1 100000; exit 3', stdin: 'from-stdin\n', max_output_bytes: 1000 },
		});
		const sc = r.structuredContent;
		assert.equal(sc.exit_code, 3);
		assert.equal(sc.stdout_truncated, true);
		assert.ok(sc.stdout.startsWith('from-stdin\n1\n2\n'), sc.stdout.slice(0, 40));
		assert.ok(sc.stdout.endsWith('99999\n100000\n'));
		assert.match(sc.stdout, /bytes left out/);
		assert.ok(sc.stdout_bytes > 500000);
		assert.ok(sc.stdout.length < 1200);
	} finally {
		await client.close();
	}
});

test('a forbidden command is a tool error with the reason', async () => {
	const client = await connect();
	try {
		const r = await client.callTool({ name: 'run_command', arguments: { argv: ['touch', FORBID] } });
		assert.equal(r.isError, true);
		assert.match(text(r), /refused/);
		assert.match(text(r), /forbidden/);
		const p = await client.callTool({ name: 'policy_check', arguments: { argv: ['touch', FORBID] } });
		assert.equal(p.isError, false);
		assert.equal(p.structuredContent.decision, 'forbidden');
		assert.ok(p.structuredContent.matchedRules.length >= 1);
	} finally {
		await client.close();
	}
});

test('net_check answers, or says the daemon lacks net/check', async () => {
	const client = await connect();
	try {
		const r = await client.callTool({ name: 'net_check', arguments: { host: 'example.com', port: 443, protocol: 'https' } });
		if (r.isError) assert.match(text(r), /net\/check is not available/);
		else assert.equal(typeof r.structuredContent, 'object');
	} finally {
		await client.close();
	}
});

test('invalid arguments and unknown tools are JSON-RPC errors', async () => {
	const client = await connect();
	try {
		await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), /unknown tool/);
		await assert.rejects(client.callTool({ name: 'run_command', arguments: { argv: [] } }), /argv/);
		await assert.rejects(client.callTool({ name: 'run_command', arguments: { argv: ['true'], bogus: 1 } }), /unknown argument/);
		await assert.rejects(client.callTool({ name: 'run_command', arguments: { argv: ['true'], command: 'true' } }), /either/);
		await assert.rejects(client.callTool({ name: 'run_command', arguments: { argv: ['true'], timeout_ms: -5 } }), /timeout_ms/);
		// Still serving.
		const r = await client.callTool({ name: 'run_command', arguments: { argv: ['true'] } });
		assert.equal(r.structuredContent.exit_code, 0);
	} finally {
		await client.close();
	}
});

test('a command that needs approval asks through elicitation: approve', async () => {
	const asked = [];
	const client = await connect({ elicitation: {} });
	client.setRequestHandler(ElicitRequestSchema, async (req) => {
		asked.push(req.params);
		return { action: 'accept', content: { decision: 'approve' } };
	});
	try {
		const r = await client.callTool({ name: 'run_command', arguments: { argv: ['echo', TOK, 'approved'], justification: 'testing elicitation' } });
		assert.equal(r.isError, false, text(r));
		assert.equal(r.structuredContent.stdout, `${TOK} approved\n`);
		assert.equal(r.structuredContent.decision, 'approve');
		assert.equal(r.structuredContent.approved_by, 'requester');
		assert.equal(asked.length, 1);
		assert.match(asked[0].message, new RegExp(TOK));
		assert.match(asked[0].message, /testing elicitation/);
		const schema = asked[0].requestedSchema.properties.decision;
		assert.ok(schema.enum.includes('approve') && schema.enum.includes('deny'));
	} finally {
		await client.close();
	}
});

test('a command that needs approval asks through elicitation: decline refuses', async () => {
	const client = await connect({ elicitation: {} });
	client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
	try {
		const r = await client.callTool({ name: 'run_command', arguments: { argv: ['echo', TOK, 'declined'] } });
		assert.equal(r.isError, true);
		assert.match(text(r), /not approved/);
		assert.match(text(r), /approval_denied/);
	} finally {
		await client.close();
	}
});

// codexctl as this user, with a time limit.
function ctl(...args) {
	return execFileSync(CODEXCTL, args, { encoding: 'utf8', timeout: 10000 });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('without elicitation, the command waits for codexctl approvals', async () => {
	const watch = spawn(CODEXCTL, ['--json', 'approvals', 'watch', '--no-prompt'], { stdio: ['ignore', 'pipe', 'pipe'] });
	let werr = '';
	watch.stderr.on('data', (d) => { werr += d; });
	const client = await connect();
	try {
		for (let i = 0; i < 100 && !/watching approvals/.test(werr); i++) await sleep(100);
		assert.match(werr, /watching approvals/);
		const call = client.callTool({ name: 'run_command', arguments: { argv: ['echo', TOK, 'watched'] } });
		let id = null;
		for (let i = 0; i < 100 && !id; i++) {
			const list = JSON.parse(ctl('--json', 'approvals', 'list'));
			const a = list.approvals.find((x) => x.argv.includes('watched'));
			if (a) id = a.approval_id;
			else await sleep(100);
		}
		assert.ok(id, 'the approval is pending');
		ctl('approvals', 'approve', id);
		const r = await call;
		assert.equal(r.isError, false, text(r));
		assert.equal(r.structuredContent.stdout, `${TOK} watched\n`);
	} finally {
		watch.kill('SIGTERM');
		await client.close();
	}
});

test('without elicitation and without a watcher, the refusal says how to approve', async () => {
	const client = await connect();
	try {
		const r = await client.callTool({ name: 'run_command', arguments: { argv: ['echo', TOK, 'nobody'] } });
		assert.equal(r.isError, true);
		assert.match(text(r), /no_approver/);
		assert.match(text(r), /codexctl approvals watch/);
	} finally {
		await client.close();
	}
});

test('cancelling a call kills the command', async () => {
	const client = await connect();
	try {
		const ac = new AbortController();
		const marker = `${TOK}-cancel`;
		const call = client.callTool({ name: 'run_command', arguments: { command: `exec -a ${marker} sleep 60` } }, undefined, { signal: ac.signal });
		const running = () => { try { execFileSync('pgrep', ['-f', marker]); return true; } catch { return false; } };
		for (let i = 0; i < 100 && !running(); i++) await sleep(100);
		assert.ok(running(), 'the command started');
		ac.abort();
		await assert.rejects(call);
		for (let i = 0; i < 100 && running(); i++) await sleep(100);
		assert.ok(!running(), 'the command was killed');
		// The session goes on.
		const r = await client.callTool({ name: 'run_command', arguments: { argv: ['echo', 'after'] } });
		assert.equal(r.structuredContent.stdout, 'after\n');
	} finally {
		await client.close();
	}
});

test('cancelling a call that waits for approval withdraws the approval; nothing runs', async () => {
	const asked = [];
	let withdrawn = false;
	const client = await connect({ elicitation: {} });
	// The person never answers; the elicitation ends only when it is withdrawn.
	client.setRequestHandler(ElicitRequestSchema, (req, extra) => new Promise((resolve, reject) => {
		asked.push(req.params);
		extra.signal.addEventListener('abort', () => { withdrawn = true; reject(new Error('withdrawn')); });
	}));
	const marker = `${TOK}-withdrawn-${process.pid}`;
	try {
		const ac = new AbortController();
		const call = client.callTool({ name: 'run_command', arguments: { argv: ['echo', TOK, marker] } }, undefined, { signal: ac.signal });
		for (let i = 0; i < 100 && asked.length === 0; i++) await sleep(100);
		assert.equal(asked.length, 1, 'the approval was shown');
		const pending = () => JSON.parse(ctl('--json', 'approvals', 'list')).approvals.filter((x) => x.argv.includes(marker));
		assert.equal(pending().length, 1, 'the daemon waits for the approval');
		ac.abort();
		await assert.rejects(call);
		for (let i = 0; i < 100 && !withdrawn; i++) await sleep(100);
		assert.ok(withdrawn, 'the elicitation was withdrawn (notifications/cancelled)');
		assert.equal(pending().length, 0, 'no approval left pending');
		// The daemon saw the exec abandoned, and nothing ran.
		const records = () => ctl('audit', 'query', '--type', 'exec', '--format', 'json')
			.split('\n').filter((l) => l.includes(marker)).map((l) => JSON.parse(l));
		let mine = records();
		for (let i = 0; i < 50 && !mine.some((r) => r.event === 'exec.refused'); i++) { await sleep(100); mine = records(); }
		const refused = mine.find((r) => r.event === 'exec.refused');
		assert.ok(refused, `exec.refused recorded: ${JSON.stringify(mine)}`);
		assert.equal(refused.reason, 'cancelled');
		assert.ok(!mine.some((r) => r.event === 'exec.start'), `nothing started: ${JSON.stringify(mine)}`);
		// The server goes on.
		const r = await client.callTool({ name: 'run_command', arguments: { argv: ['echo', 'after-withdrawal'] } });
		assert.equal(r.structuredContent.stdout, 'after-withdrawal\n');
	} finally {
		await client.close();
	}
});

test('protocol version negotiation', async () => {
	assert.ok(LATEST_PROTOCOL_VERSION);
	// The SDK's newest revision is answered with itself when we speak it.
	const client = await connect();
	try {
		const sdkLatest = LATEST_PROTOCOL_VERSION;
		const ours = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
		if (ours.includes(sdkLatest)) {
			const out = execFileSync(CODEXCTL, ['mcp', '-C', WS], {
				input: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: sdkLatest, capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) + '\n',
				encoding: 'utf8',
				timeout: 10000,
			});
			assert.equal(JSON.parse(out.split('\n')[0]).result.protocolVersion, sdkLatest);
		}
	} finally {
		await client.close();
	}
	for (const [want, got] of [['2025-11-25', '2025-11-25'], ['2025-06-18', '2025-06-18'], ['2025-03-26', '2025-03-26'], ['2024-11-05', '2024-11-05'], ['1999-01-01', '2025-11-25']]) {
		const out = execFileSync(CODEXCTL, ['mcp', '-C', WS], {
			input: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: want, capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) + '\n',
			encoding: 'utf8',
			timeout: 10000,
		});
		assert.equal(JSON.parse(out.split('\n')[0]).result.protocolVersion, got);
	}
});
