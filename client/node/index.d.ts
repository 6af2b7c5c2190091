// SPDX-License-Identifier: MIT
// TypeScript types of codexd-client: every method, request and notification
// of codexd-protocol(7), protocol version 1.  Members the daemon may add
// later are allowed by index signatures where the protocol says results
// can grow.

import { EventEmitter } from 'node:events';

export declare const DEFAULT_SOCKET: string;
export declare const PROTOCOL_VERSION: 1;

// ------------------------------------------------------------------ errors

export declare const ErrorCode: {
	readonly ParseError: -32700;
	readonly InvalidRequest: -32600;
	readonly MethodNotFound: -32601;
	readonly InvalidParams: -32602;
	readonly InternalError: -32603;
	readonly PermissionDenied: -32001;
	readonly Forbidden: -32002;
	readonly ApprovalDenied: -32003;
	readonly SandboxUnavailable: -32004;
	readonly LimitReached: -32005;
	readonly AuditUnavailable: -32006;
	readonly NotFound: -32007;
	readonly SpawnFailed: -32008;
	readonly BadState: -32009;
	readonly ConfigInvalid: -32010;
	readonly ShuttingDown: -32011;
};
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Machine-readable reasons (error.data.reason). */
export type ErrorReason =
	| 'parse_error'
	| 'frame_too_large'
	| 'bad_header'
	| 'invalid_request'
	| 'unknown_method'
	| 'invalid_params'
	| 'internal'
	| 'role'
	| 'forbidden'
	| 'requirements'
	| 'user_config_invalid'
	| 'approval_denied'
	| 'sandbox_unavailable'
	| 'limit_reached'
	| 'audit_unavailable'
	| 'not_found'
	| 'spawn_failed'
	| 'stdin_closed'
	| 'bad_state'
	| 'config_invalid'
	| 'shutting_down'
	| (string & {});

export interface ErrorData {
	reason?: ErrorReason;
	/** -32001 */
	required_role?: Role;
	role?: Role;
	/** Refusals of exec/start. */
	decision?: 'forbidden' | 'deny' | 'abort' | (string & {});
	source?: DecisionSource;
	by?: ApprovalAnsweredBy;
	matched_rules?: MatchedRule[];
	exit_code?: number;
	stage?: string;
	errno?: string;
	what?: string;
	path?: string;
	generation?: number;
	available_decisions?: ApprovalDecision[];
	[key: string]: unknown;
}

/** An error answer of the daemon. */
export declare class CodexdError extends Error {
	readonly code: number;
	readonly data: ErrorData;
	/** data.reason */
	readonly reason: ErrorReason | undefined;
}
export declare class ParseError extends CodexdError {}
export declare class InvalidRequestError extends CodexdError {}
export declare class MethodNotFoundError extends CodexdError {}
export declare class InvalidParamsError extends CodexdError {}
export declare class InternalError extends CodexdError {}
export declare class PermissionDeniedError extends CodexdError {}
export declare class ForbiddenError extends CodexdError {}
export declare class ApprovalDeniedError extends CodexdError {}
export declare class SandboxUnavailableError extends CodexdError {}
export declare class LimitReachedError extends CodexdError {}
export declare class AuditUnavailableError extends CodexdError {}
export declare class NotFoundError extends CodexdError {}
export declare class SpawnFailedError extends CodexdError {}
export declare class BadStateError extends CodexdError {}
export declare class ConfigInvalidError extends CodexdError {}
export declare class ShuttingDownError extends CodexdError {}
/** The connection ended, or could not be made, before the answer. */
export declare class ConnectionClosedError extends Error {}
/** The daemon sent something that is not a valid message. */
export declare class ProtocolError extends Error {}

// ------------------------------------------------------------------ common types

export type Role = 'admin' | 'member' | 'viewer' | 'none';
export type SandboxMode = 'read-only' | 'workspace-write' | 'danger-full-access';
export type ApprovalPolicy =
	| 'untrusted'
	| 'on-failure'
	| 'on-request'
	| 'never'
	| 'granular'
	| 'suggest'
	| 'interactive'
	| 'auto-edit'
	| 'full-auto';
export type NetworkMode = 'off' | 'proxy' | 'full';
export type ApprovalDecision = 'approve' | 'approve_for_session' | 'approve_always' | 'deny' | 'abort';
export type DecisionSource = 'rule' | 'heuristic' | 'policy' | (string & {});
export type ApprovalAnsweredBy =
	| 'requester'
	| 'watcher'
	| 'respond'
	| 'reviewer'
	| 'session'
	| 'timeout'
	| 'no_approver'
	| 'cancelled'
	| (string & {});
export type SignalName =
	| 'HUP' | 'INT' | 'QUIT' | 'KILL' | 'USR1' | 'USR2' | 'PIPE' | 'ALRM' | 'TERM' | 'CONT'
	| 'STOP' | 'TSTP' | 'TTIN' | 'TTOU' | 'WINCH' | 'ABRT' | 'SEGV' | 'BUS' | 'FPE' | 'ILL'
	| 'TRAP' | 'SYS' | 'XCPU' | 'XFSZ' | `SIG${string}`;

export interface PrefixRuleMatch {
	matchedPrefix: string[];
	decision: 'allow' | 'prompt' | 'forbidden';
	resolvedProgram?: string;
	justification?: string;
	layer: 'managed' | 'user' | 'project';
	source: string;
}
export interface GlobRuleMatch {
	globRuleMatch: {
		pattern: string;
		path: string;
		decision: 'allow' | 'prompt' | 'forbidden';
		justification?: string;
		layer: 'managed' | 'user' | 'project';
		file: string;
	};
}
export type MatchedRule = PrefixRuleMatch | GlobRuleMatch;

// ------------------------------------------------------------------ methods

export interface HelloParams {
	client?: string;
	version?: string;
	can_approve?: boolean;
	protocol_version?: number;
}
export interface KernelFeatures {
	kernel: string;
	landlock_abi: number;
	landlock_errata: number;
	seccomp: boolean;
	seccomp_notify: boolean;
	pidfd: boolean;
	clone3: boolean;
	namespaces: { mount: boolean; pid: boolean; net: boolean; ipc: boolean; uts: boolean; cgroup: boolean; user: boolean };
	cgroup: 'v2' | 'hybrid' | 'v1' | 'none';
	cgroup_v2_controllers: boolean;
	[key: string]: unknown;
}
export interface HelloResult {
	daemon: 'codexd';
	version: string;
	protocol_version: number;
	caller: { uid: number; user: string; gid: number; groups: number[]; role: Role; pid: number };
	features: KernelFeatures;
	[key: string]: unknown;
}

export interface DaemonStatusResult {
	version: string;
	pid: number;
	uptime_ms: number;
	rss_kib: number;
	policy: { generation: number; socket: string; last_reload_error?: string };
	connections: { open: number; limit: number };
	execs: { running: number; limit: number };
	audit: { state: string; [key: string]: unknown };
	proxy: { state: string; [key: string]: unknown };
	features: KernelFeatures;
	cgroups: { mode: 'v2' | 'v1' | 'none'; controllers: string[]; reason?: string };
	counters: Record<string, number>;
	[key: string]: unknown;
}

export interface ConfigShowParams {
	origins?: boolean;
	cwd?: string;
	config_overrides?: string[];
}
export interface ConfigShowResult {
	values: Record<string, unknown>;
	pass_through: Record<string, unknown>;
	files: string[];
	origins?: Record<string, string>;
	effective?: {
		sandbox_mode: SandboxMode;
		approval_policy: ApprovalPolicy;
		writable_roots: string[];
		network_access: boolean;
		exclude_slash_tmp: boolean;
		exclude_tmpdir_env_var: boolean;
		origins: Record<string, string>;
		profile: string | null;
		warnings: string[];
		files: Record<string, unknown>;
		user: Record<string, unknown>;
		project: Record<string, unknown>;
		errors: string[];
		[key: string]: unknown;
	};
	[key: string]: unknown;
}

export interface PolicyCheckParams {
	argv: string[];
	resolved_program?: string;
	rules?: { name: string; text: string }[];
}
export interface PolicyCheckResult {
	matchedRules: { prefixRuleMatch: PrefixRuleMatch }[];
	decision?: 'allow' | 'prompt' | 'forbidden';
	generation: number;
	[key: string]: unknown;
}

export interface PolicyReloadResult {
	generation: number;
}

export interface NetCheckParams {
	host: string;
	port?: number;
	protocol?: 'http' | 'https' | 'socks5_tcp' | 'socks5_udp';
	allow_domains?: string[];
	deny_domains?: string[];
	/** a session/create session whose network_domains count as allowed */
	session?: string;
}
export interface NetCheckResult {
	decision?: string;
	[key: string]: unknown;
}

export interface ExecNetwork {
	mode: NetworkMode;
	allow_domains?: string[];
	deny_domains?: string[];
}
export interface ExecStartParams {
	argv: string[];
	cwd: string;
	sandbox?: SandboxMode;
	approval_policy?: ApprovalPolicy;
	network?: NetworkMode | ExecNetwork;
	writable_roots?: string[];
	env?: Record<string, string>;
	set_env?: Record<string, string>;
	stdio?: 'pipe' | 'fds';
	stdin?: boolean;
	tty?: boolean;
	rows?: number;
	cols?: number;
	timeout_ms?: number;
	log_denials?: boolean;
	escalate?: boolean;
	justification?: string;
	prefix_rule?: string[];
	session?: string;
	config_overrides?: string[];
	profile?: string;
}
export interface ExecStartResult {
	/** null under approval policy "suggest" (nothing ran). */
	id: string | null;
	decision: 'allow' | 'approve' | 'approve_for_session' | 'approve_always' | 'suggest';
	pid?: number;
	sandbox?: SandboxMode;
	network?: NetworkMode;
	stdio?: 'pipe' | 'fds';
	decision_source?: DecisionSource;
	approved_by?: ApprovalAnsweredBy;
	approval_policy?: ApprovalPolicy;
	sandbox_origin?: string;
	matched_rules?: MatchedRule[];
	warnings?: string[];
	reason?: string;
	[key: string]: unknown;
}

export interface ApprovalListResult {
	approvals: (ApprovalRequestParams & { age_ms: number })[];
}
export interface ApprovalWatchResult {
	pending: number;
}

// Not implemented by every daemon (-32601 until they are).
export interface SessionParams {
	id?: string;
	[key: string]: unknown;
}
export interface AuditQueryParams {
	since?: string;
	until?: string;
	user?: string;
	session?: string;
	type?: string;
	format?: 'json' | 'csv' | 'cef' | 'syslog';
	[key: string]: unknown;
}

// ------------------------------------------------------------------ daemon -> client

export interface ExecOutputParams {
	id: string;
	stream: 'stdout' | 'stderr' | 'pty';
	/** base64 */
	data: string;
}
export type Denial =
	| { kind: 'syscall'; syscall: string; count: number; pid: number; nr?: number; request?: string; flags?: string; persona?: string }
	| { kind: 'network'; syscall: string; family?: string; operation?: string; path?: string; error?: string; count: number; pid: number }
	| {
			kind: 'file';
			operation: string;
			path: string;
			path_truncated?: boolean;
			error: string;
			syscall?: string;
			reason?: 'deny_read' | (string & {});
			count: number;
			pid: number;
	  };
export interface ExecExitedParams {
	id: string;
	duration_ms: number;
	timed_out: boolean;
	denials: Denial[];
	denials_complete: boolean;
	exit_code?: number;
	signal?: SignalName | 'UNKNOWN';
	signal_number?: number;
	core_dumped?: true;
	rusage?: { user_ms: number; system_ms: number; max_rss_kib: number };
	killed?: true;
	oom_killed?: true;
	pids_limited?: true;
	limits?: { memory_max_mb?: number; pids_max?: number; cpu_percent?: number };
	[key: string]: unknown;
}
export interface ApprovalRequestParams {
	approval_id: string;
	session: string | null;
	argv: string[];
	argv_truncated?: boolean;
	command: string;
	cwd: string;
	reason: string;
	justification: string | null;
	escalate: boolean;
	sandbox: SandboxMode;
	matched_rules: MatchedRule[];
	proposed_prefix_rule: string[] | null;
	available_decisions: ApprovalDecision[];
	requester: { uid: number; user: string; pid: number; client: string | null };
	timeout_ms: number;
	network?: { host: string; port: number; protocol: string };
	[key: string]: unknown;
}
export interface ApprovalResolvedParams {
	approval_id: string;
	decision: ApprovalDecision;
	by: ApprovalAnsweredBy;
}
/** A decision of the network proxy for one of this connection's commands. */
export interface NetEventParams {
	/** The exec whose sandbox made the connection. */
	id: string;
	/** "open": the destination is connected; "closed": it ended, or was refused. */
	state: 'open' | 'closed';
	host: string;
	port: number;
	protocol: 'http' | 'https' | 'socks5_tcp' | 'socks5_udp' | 'dns';
	decision: 'allow' | 'deny';
	/** "allowed", "approved", "denied", "not_allowed", "not_allowed_local", ... */
	reason: string;
	/** The HTTP method, when known. */
	method?: string;
	/** The address connected to, or the local one that was refused. */
	address?: string;
	/** Bytes from the sandbox to the destination (0 while open). */
	bytes_out: number;
	/** Bytes from the destination to the sandbox (0 while open). */
	bytes_in: number;
	session?: string;
}

/** Method name -> [params, result]. */
export interface Methods {
	hello: [HelloParams, HelloResult];
	'daemon/status': [Record<string, never>, DaemonStatusResult];
	'config/show': [ConfigShowParams, ConfigShowResult];
	'policy/check': [PolicyCheckParams, PolicyCheckResult];
	'policy/reload': [Record<string, never>, PolicyReloadResult];
	'net/check': [NetCheckParams, NetCheckResult];
	'exec/start': [ExecStartParams, ExecStartResult];
	'exec/write': [{ id: string; data: string }, { written: number }];
	'exec/close_stdin': [{ id: string }, Record<string, never>];
	'exec/signal': [{ id: string; signal: SignalName | number | `${number}` }, Record<string, never>];
	'exec/resize': [{ id: string; rows: number; cols: number }, Record<string, never>];
	/** Withdraw an exec/start of this connection that has not started (error -32800 "cancelled"). */
	'exec/cancel': [{ request_id: number | string }, { cancelled: boolean }];
	'approval/watch': [Record<string, never>, ApprovalWatchResult];
	'approval/list': [Record<string, never>, ApprovalListResult];
	'approval/respond': [{ approval_id: string; decision: ApprovalDecision }, Record<string, never>];
	'session/create': [SessionParams, Record<string, unknown>];
	'session/list': [SessionParams, Record<string, unknown>];
	'session/show': [SessionParams, Record<string, unknown>];
	'session/kill': [SessionParams, Record<string, unknown>];
	'audit/query': [AuditQueryParams, Record<string, unknown>];
	'audit/export': [AuditQueryParams, Record<string, unknown>];
	'audit/verify': [{ from_seq?: number }, Record<string, unknown>];
}

/** Notification name -> params. */
export interface Notifications {
	'exec/output': ExecOutputParams;
	'exec/exited': ExecExitedParams;
	'approval/resolved': ApprovalResolvedParams;
	'net/event': NetEventParams;
}

// ------------------------------------------------------------------ the client

export interface ConnectOptions {
	/** Default: $CODEXD_SOCKET, else /run/codexd/codexd.sock. */
	socketPath?: string;
	clientName?: string;
	clientVersion?: string;
	/**
	 * Answers approval/request (hello then says can_approve).  Return one of
	 * request.available_decisions; anything else, or a throw, declines, and
	 * another approver may answer.
	 */
	onApproval?: (request: ApprovalRequestParams) => ApprovalDecision | undefined | Promise<ApprovalDecision | undefined>;
	/** 'line' (default) or 'content-length' (LSP base protocol framing). */
	framing?: 'line' | 'content-length';
}

export interface OutputEvent {
	stream: 'stdout' | 'stderr' | 'pty';
	data: Buffer;
}

export interface ExecExit extends ExecExitedParams {
	/** With exec(..., {collect: true}) and run(). */
	stdout?: Buffer;
	stderr?: Buffer;
}

export interface ExecOptions {
	/** Keep all stdout and stderr and add them to the exit info. */
	collect?: boolean;
}

export declare class ExecHandle extends EventEmitter {
	readonly client: CodexdClient;
	readonly id: string;
	readonly pid: number | undefined;
	readonly result: ExecStartResult;
	/** exec/exited; rejects with ConnectionClosedError if the connection is lost. */
	readonly exit: Promise<ExecExit>;
	write(data: string | Uint8Array): Promise<{ written: number }>;
	closeStdin(): Promise<Record<string, never>>;
	signal(signal: SignalName | number): Promise<Record<string, never>>;
	resize(rows: number, cols: number): Promise<Record<string, never>>;
	[Symbol.asyncIterator](): AsyncIterator<OutputEvent>;

	on(event: 'output', listener: (ev: OutputEvent) => void): this;
	on(event: 'stdout' | 'stderr' | 'pty', listener: (data: Buffer) => void): this;
	on(event: 'exit', listener: (exit: ExecExit) => void): this;
	on(event: 'error', listener: (err: Error) => void): this;
	on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export declare class CodexdClient extends EventEmitter {
	static connect(options?: ConnectOptions): Promise<CodexdClient>;
	readonly framing: 'line' | 'content-length';
	readonly closed: boolean;
	/** What hello answered at connect. */
	readonly helloResult: HelloResult | null;

	request<M extends keyof Methods>(method: M, params?: Methods[M][0]): Promise<Methods[M][1]>;
	request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
	close(): void;

	hello(params?: HelloParams): Promise<HelloResult>;
	daemonStatus(): Promise<DaemonStatusResult>;
	configShow(params?: ConfigShowParams): Promise<ConfigShowResult>;
	policyCheck(params: PolicyCheckParams): Promise<PolicyCheckResult>;
	policyReload(): Promise<PolicyReloadResult>;
	netCheck(params: NetCheckParams): Promise<NetCheckResult>;
	execStart(params: ExecStartParams): Promise<ExecStartResult>;
	/** cwd defaults to process.cwd(), stdin to false. */
	exec(params: Omit<ExecStartParams, 'cwd'> & { cwd?: string }, options?: ExecOptions): Promise<ExecHandle>;
	run(params: Omit<ExecStartParams, 'cwd'> & { cwd?: string }): Promise<ExecExit>;
	execWrite(id: string, data: string | Uint8Array): Promise<{ written: number }>;
	execCloseStdin(id: string): Promise<Record<string, never>>;
	execSignal(id: string, signal: SignalName | number): Promise<Record<string, never>>;
	execResize(id: string, rows: number, cols: number): Promise<Record<string, never>>;
	approvalWatch(): Promise<ApprovalWatchResult>;
	approvalList(): Promise<ApprovalListResult>;
	approvalRespond(approval_id: string, decision: ApprovalDecision): Promise<Record<string, never>>;
	sessionCreate(params?: SessionParams): Promise<Record<string, unknown>>;
	sessionList(params?: SessionParams): Promise<Record<string, unknown>>;
	sessionShow(params: SessionParams): Promise<Record<string, unknown>>;
	sessionKill(params: SessionParams): Promise<Record<string, unknown>>;
	auditQuery(params?: AuditQueryParams): Promise<Record<string, unknown>>;
	auditExport(params?: AuditQueryParams): Promise<Record<string, unknown>>;
	auditVerify(params?: Record<string, unknown>): Promise<Record<string, unknown>>;

	on<N extends keyof Notifications>(event: N, listener: (params: Notifications[N]) => void): this;
	on(event: 'notification', listener: (method: string, params: Record<string, unknown>) => void): this;
	on(event: 'approvalRequest', listener: (params: ApprovalRequestParams) => void): this;
	on(event: 'approvalResolved', listener: (params: ApprovalResolvedParams) => void): this;
	on(event: 'close', listener: (err: Error) => void): this;
	on(event: 'error', listener: (err: Error) => void): this;
	on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export declare function connect(options?: ConnectOptions): Promise<CodexdClient>;
