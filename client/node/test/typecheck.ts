// SPDX-License-Identifier: MIT
// Compiled with `tsc --noEmit --strict` by tests/integration/t_mcp.sh: the
// declarations in index.d.ts must describe how an IDE plugin uses the
// module.  Never run.
import {
	connect,
	CodexdClient,
	CodexdError,
	ForbiddenError,
	ApprovalDeniedError,
	ErrorCode,
	ExecHandle,
	ApprovalRequestParams,
	ApprovalDecision,
	ExecExit,
	HelloResult,
	PolicyCheckResult,
	Methods,
} from '../index';

async function plugin(): Promise<void> {
	const client: CodexdClient = await connect({
		clientName: 'my-ide',
		framing: 'content-length',
		onApproval: async (req: ApprovalRequestParams): Promise<ApprovalDecision | undefined> => {
			const ok: boolean = req.available_decisions.includes('approve');
			return ok && req.argv[0] === 'git' ? 'approve' : 'deny';
		},
	});
	const hello: HelloResult = client.helloResult ?? (await client.hello());
	const role: 'admin' | 'member' | 'viewer' | 'none' = hello.caller.role;
	void role;

	const h: ExecHandle = await client.exec({ argv: ['make'], sandbox: 'workspace-write', timeout_ms: 60000 });
	h.on('stdout', (d: Buffer) => process.stdout.write(d));
	h.on('output', (ev) => {
		const s: 'stdout' | 'stderr' | 'pty' = ev.stream;
		void s;
	});
	for await (const ev of h) {
		const n: number = ev.data.length;
		void n;
	}
	await h.write('input\n');
	await h.signal('TERM');
	const exit: ExecExit = await h.exit;
	const code: number | undefined = exit.exit_code;
	void code;
	for (const d of exit.denials) {
		if (d.kind === 'file') {
			const p: string = d.path;
			void p;
		}
	}

	const p: PolicyCheckResult = await client.policyCheck({ argv: ['git', 'push'] });
	const decision: 'allow' | 'prompt' | 'forbidden' | undefined = p.decision;
	void decision;
	const st: Methods['daemon/status'][1] = await client.request('daemon/status');
	void st.uptime_ms;

	client.on('exec/output', (params) => {
		const id: string = params.id;
		void id;
	});
	client.on('approvalResolved', (r) => {
		const by: string = r.by;
		void by;
	});

	try {
		await client.run({ argv: ['rm', '-rf', '/'] });
	} catch (e) {
		if (e instanceof ForbiddenError) {
			const c: number = e.code;
			const reason: string | undefined = e.reason;
			void c, reason;
		} else if (e instanceof ApprovalDeniedError && e.data.by === 'timeout') {
			void ErrorCode.ApprovalDenied;
		} else if (e instanceof CodexdError) {
			throw e;
		}
	}
	client.close();
}
void plugin;
