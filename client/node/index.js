// SPDX-License-Identifier: MIT
//
// codexd-client: a Node.js client of codexd for IDE plugins and tools.
// Plain JavaScript (CommonJS) with TypeScript types in index.d.ts; no
// dependencies, no build step.  See README.md and codexd-protocol(7).
//
// The daemon is trusted to decide, not to be well-formed: frames are
// bounded and parsed defensively, and a connection that sends garbage is
// closed with a ProtocolError.
'use strict';

const net = require('node:net');
const { EventEmitter } = require('node:events');

const DEFAULT_SOCKET = '/run/codexd/codexd.sock';
const PROTOCOL_VERSION = 1;
const MAX_FRAME = 16 * 1024 * 1024;
const MAX_HEADER = 1024;
const VERSION = '0.1.0';

const ErrorCode = Object.freeze({
	ParseError: -32700,
	InvalidRequest: -32600,
	MethodNotFound: -32601,
	InvalidParams: -32602,
	InternalError: -32603,
	PermissionDenied: -32001,
	Forbidden: -32002,
	ApprovalDenied: -32003,
	SandboxUnavailable: -32004,
	LimitReached: -32005,
	AuditUnavailable: -32006,
	NotFound: -32007,
	SpawnFailed: -32008,
	BadState: -32009,
	ConfigInvalid: -32010,
	ShuttingDown: -32011,
});

/** An error answer of the daemon: code, message and data.reason. */
class CodexdError extends Error {
	constructor(code, message, data) {
		super(message);
		this.name = this.constructor.name;
		this.code = code;
		this.data = data && typeof data === 'object' ? data : {};
		this.reason = typeof this.data.reason === 'string' ? this.data.reason : undefined;
	}
}
class ParseError extends CodexdError {}
class InvalidRequestError extends CodexdError {}
class MethodNotFoundError extends CodexdError {}
class InvalidParamsError extends CodexdError {}
class InternalError extends CodexdError {}
class PermissionDeniedError extends CodexdError {}
class ForbiddenError extends CodexdError {}
class ApprovalDeniedError extends CodexdError {}
class SandboxUnavailableError extends CodexdError {}
class LimitReachedError extends CodexdError {}
class AuditUnavailableError extends CodexdError {}
class NotFoundError extends CodexdError {}
class SpawnFailedError extends CodexdError {}
class BadStateError extends CodexdError {}
class ConfigInvalidError extends CodexdError {}
class ShuttingDownError extends CodexdError {}

const errorClasses = new Map([
	[ErrorCode.ParseError, ParseError],
	[ErrorCode.InvalidRequest, InvalidRequestError],
	[ErrorCode.MethodNotFound, MethodNotFoundError],
	[ErrorCode.InvalidParams, InvalidParamsError],
	[ErrorCode.InternalError, InternalError],
	[ErrorCode.PermissionDenied, PermissionDeniedError],
	[ErrorCode.Forbidden, ForbiddenError],
	[ErrorCode.ApprovalDenied, ApprovalDeniedError],
	[ErrorCode.SandboxUnavailable, SandboxUnavailableError],
	[ErrorCode.LimitReached, LimitReachedError],
	[ErrorCode.AuditUnavailable, AuditUnavailableError],
	[ErrorCode.NotFound, NotFoundError],
	[ErrorCode.SpawnFailed, SpawnFailedError],
	[ErrorCode.BadState, BadStateError],
	[ErrorCode.ConfigInvalid, ConfigInvalidError],
	[ErrorCode.ShuttingDown, ShuttingDownError],
]);

function errorFromWire(e) {
	const code = e && Number.isInteger(e.code) ? e.code : ErrorCode.InternalError;
	const message = e && typeof e.message === 'string' ? e.message : 'error';
	const Cls = errorClasses.get(code) || CodexdError;
	return new Cls(code, message, e && e.data);
}

/** The connection ended (or could not be made) before an answer came. */
class ConnectionClosedError extends Error {
	constructor(message) {
		super(message);
		this.name = 'ConnectionClosedError';
	}
}

/** The daemon sent something that is not a valid message; the connection is closed. */
class ProtocolError extends Error {
	constructor(message) {
		super(message);
		this.name = 'ProtocolError';
	}
}

// ------------------------------------------------------------------ framing

/** Newline framing: one JSON text per line. */
class LineDecoder {
	constructor() {
		this.chunks = [];
		this.size = 0;
	}
	push(buf, onFrame) {
		let start = 0;
		for (;;) {
			const nl = buf.indexOf(0x0a, start);
			if (nl < 0) break;
			const part = buf.subarray(start, nl);
			const line = this.chunks.length ? Buffer.concat([...this.chunks, part]) : part;
			this.chunks = [];
			this.size = 0;
			start = nl + 1;
			if (line.length > MAX_FRAME) throw new ProtocolError('frame too large');
			const text = line.toString('utf8').replace(/\r$/, '');
			if (text.length) onFrame(text);
		}
		if (start < buf.length) {
			this.chunks.push(buf.subarray(start));
			this.size += buf.length - start;
			if (this.size > MAX_FRAME) throw new ProtocolError('frame too large');
		}
	}
	static encode(text) {
		return Buffer.from(text + '\n', 'utf8');
	}
}

/** Content-Length framing (the Language Server Protocol's base protocol). */
class HeaderDecoder {
	constructor() {
		this.buf = Buffer.alloc(0);
		this.want = -1;
	}
	push(data, onFrame) {
		this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
		for (;;) {
			if (this.want < 0) {
				const end = this.buf.indexOf('\r\n\r\n');
				if (end < 0) {
					if (this.buf.length > MAX_HEADER) throw new ProtocolError('header too long');
					return;
				}
				const header = this.buf.subarray(0, end).toString('latin1');
				const m = /^content-length:[ \t]*(\d{1,10})[ \t]*$/im.exec(header);
				if (!m) throw new ProtocolError('header without Content-Length');
				this.want = Number(m[1]);
				if (this.want > MAX_FRAME) throw new ProtocolError('frame too large');
				this.buf = this.buf.subarray(end + 4);
			}
			if (this.buf.length < this.want) return;
			const body = this.buf.subarray(0, this.want).toString('utf8');
			this.buf = this.buf.subarray(this.want);
			this.want = -1;
			onFrame(body);
		}
	}
	static encode(text) {
		const body = Buffer.from(text, 'utf8');
		return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
	}
}

// ------------------------------------------------------------------ exec

const OUTPUT_EVENTS = new Set(['output', 'stdout', 'stderr', 'pty']);

/**
 * A running command.  Output arrives as 'output' events ({stream, data})
 * and per-stream 'stdout' / 'stderr' / 'pty' events (Buffer), or through
 * the async iterator; 'exit' and the `exit` promise give exec/exited.
 * Output that arrives while nobody listens is kept until a listener or an
 * iterator takes it, so nothing is lost between `await client.exec()` and
 * attaching a handler.
 */
class ExecHandle extends EventEmitter {
	constructor(client, result, options) {
		super();
		this.client = client;
		this.result = result;
		this.id = result.id;
		this.pid = result.pid;
		this._queue = [];
		this._iterators = 0;
		this._wake = null;
		this._exitInfo = null;
		this._collect = options && options.collect ? { stdout: [], stderr: [] } : null;
		this.exit = new Promise((resolve, reject) => {
			this._resolveExit = resolve;
			this._rejectExit = reject;
		});
		// A lost connection rejects `exit`; unobserved, that must not end the process.
		this.exit.catch(() => {});
		this.on('newListener', (name) => {
			// After the listener is added, before the caller's next await resumes.
			if (OUTPUT_EVENTS.has(name)) queueMicrotask(() => this._flush());
		});
	}

	_consumers() {
		let n = this._iterators;
		for (const e of OUTPUT_EVENTS) n += this.listenerCount(e);
		return n;
	}

	_emitOutput(ev) {
		this.emit('output', ev);
		this.emit(ev.stream, ev.data);
	}

	_flush() {
		if (this._iterators || this._consumers() === 0) return;
		while (this._queue.length) this._emitOutput(this._queue.shift());
		this._finishIfDone();
	}

	_onOutput(params) {
		if (typeof params.data !== 'string' || typeof params.stream !== 'string') return;
		const ev = { stream: params.stream, data: Buffer.from(params.data, 'base64') };
		if (this._collect) (ev.stream === 'stderr' ? this._collect.stderr : this._collect.stdout).push(ev.data);
		if (this._consumers() && !this._queue.length && !this._iterators) this._emitOutput(ev);
		else this._queue.push(ev);
		if (this._wake) this._wake();
	}

	_onExited(params) {
		this._exitInfo = params;
		if (this._collect) {
			params.stdout = Buffer.concat(this._collect.stdout);
			params.stderr = Buffer.concat(this._collect.stderr);
		}
		if (this._wake) this._wake();
		setImmediate(() => {
			this._flush();
			this._finishIfDone(true);
		});
	}

	_finishIfDone(force) {
		if (!this._exitInfo || this._done) return;
		if (this._queue.length && (this._consumers() || !force)) return;
		this._done = true;
		this._resolveExit(this._exitInfo);
		this.emit('exit', this._exitInfo);
	}

	/** Queue bytes for the command's standard input; resolves once they are in its pipe. */
	write(data) {
		const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
		return this.client.execWrite(this.id, buf);
	}
	closeStdin() {
		return this.client.execCloseStdin(this.id);
	}
	signal(signal) {
		return this.client.execSignal(this.id, signal);
	}
	resize(rows, cols) {
		return this.client.execResize(this.id, rows, cols);
	}

	async *[Symbol.asyncIterator]() {
		this._iterators++;
		try {
			for (;;) {
				if (this._queue.length) {
					yield this._queue.shift();
					continue;
				}
				if (this._exitInfo) return;
				await new Promise((resolve) => {
					this._wake = resolve;
				});
				this._wake = null;
			}
		} finally {
			this._iterators--;
			this._finishIfDone(true);
		}
	}
}

// ------------------------------------------------------------------ client

/**
 * A connection to codexd.  Use CodexdClient.connect(); every method of
 * codexd-protocol(7) has a typed wrapper, and request() sends any other.
 * Events: 'notification' (method, params) for every notification,
 * 'approvalRequest' (params), 'approvalResolved' (params), 'close', 'error'.
 */
class CodexdClient extends EventEmitter {
	constructor(socket, options) {
		super();
		this.socket = socket;
		this.options = options;
		this.framing = options.framing === 'content-length' ? 'content-length' : 'line';
		this.decoder = this.framing === 'line' ? new LineDecoder() : new HeaderDecoder();
		this.encode = this.framing === 'line' ? LineDecoder.encode : HeaderDecoder.encode;
		this.nextId = 1;
		this.pending = new Map();
		this.execs = new Map();
		this.closed = false;
		this.helloResult = null;
		this.onApproval = typeof options.onApproval === 'function' ? options.onApproval : null;

		socket.on('data', (buf) => {
			try {
				this.decoder.push(buf, (text) => this._onFrame(text));
			} catch (e) {
				this._fail(e instanceof ProtocolError ? e : new ProtocolError(String(e && e.message)));
			}
		});
		socket.on('error', (e) => this._fail(new ConnectionClosedError(`codexd connection: ${e.message}`)));
		socket.on('close', () => this._fail(new ConnectionClosedError('codexd closed the connection')));
	}

	/**
	 * Connect and say hello.  options: socketPath (default $CODEXD_SOCKET,
	 * else /run/codexd/codexd.sock), clientName, clientVersion, onApproval
	 * (makes can_approve true), framing ('line' or 'content-length').
	 */
	static connect(options = {}) {
		const path = options.socketPath || process.env.CODEXD_SOCKET || DEFAULT_SOCKET;
		return new Promise((resolve, reject) => {
			const socket = net.createConnection(path);
			const onError = (e) => {
				const err = new ConnectionClosedError(`cannot reach codexd at ${path}: ${e.message}`);
				err.cause = e;
				reject(err);
			};
			socket.once('error', onError);
			socket.once('connect', async () => {
				socket.removeListener('error', onError);
				const client = new CodexdClient(socket, options);
				try {
					client.helloResult = await client.hello({
						client: options.clientName || 'codexd-client (node)',
						version: options.clientVersion || VERSION,
						can_approve: !!client.onApproval,
						protocol_version: PROTOCOL_VERSION,
					});
					resolve(client);
				} catch (e) {
					client.close();
					reject(e);
				}
			});
		});
	}

	_fail(err) {
		if (this.closed) return;
		this.closed = true;
		for (const p of this.pending.values()) p.reject(err);
		this.pending.clear();
		for (const h of this.execs.values()) {
			h._done = true;
			h._rejectExit(err);
			if (h.listenerCount('error')) h.emit('error', err);
		}
		this.execs.clear();
		this.socket.destroy();
		if (!(err instanceof ConnectionClosedError) && this.listenerCount('error')) this.emit('error', err);
		this.emit('close', err);
	}

	_send(msg) {
		if (this.closed) throw new ConnectionClosedError('the connection is closed');
		this.socket.write(this.encode(JSON.stringify(msg)));
	}

	_onFrame(text) {
		let msg;
		try {
			msg = JSON.parse(text);
		} catch {
			throw new ProtocolError('the daemon sent a message that is not JSON');
		}
		if (!msg || typeof msg !== 'object' || Array.isArray(msg) || msg.jsonrpc !== '2.0')
			throw new ProtocolError('the daemon sent a message that is not JSON-RPC 2.0');
		if (typeof msg.method === 'string') {
			if (msg.id !== undefined && msg.id !== null) this._onRequest(msg);
			else this._onNotification(msg.method, msg.params || {});
			return;
		}
		if (msg.id === null || msg.id === undefined) {
			// A connection-level error: the daemon closes next.
			const err = errorFromWire(msg.error);
			if (this.listenerCount('error')) this.emit('error', err);
			for (const p of this.pending.values()) p.reject(err);
			this.pending.clear();
			return;
		}
		const p = this.pending.get(msg.id);
		if (!p) return;
		this.pending.delete(msg.id);
		if (msg.error) p.reject(errorFromWire(msg.error));
		else if (p.transform) {
			// Synchronously, so that notifications in the same chunk find what it sets up.
			try {
				p.resolve(p.transform(msg.result));
			} catch (e) {
				p.reject(e);
			}
		} else p.resolve(msg.result);
	}

	_onNotification(method, params) {
		if ((method === 'exec/output' || method === 'exec/exited') && params && typeof params.id === 'string') {
			const h = this.execs.get(params.id);
			if (h) {
				if (method === 'exec/output') h._onOutput(params);
				else {
					this.execs.delete(params.id);
					h._onExited(params);
				}
			}
		}
		if (method === 'approval/resolved') this.emit('approvalResolved', params);
		this.emit('notification', method, params);
		this.emit(method, params);
	}

	async _onRequest(msg) {
		if (msg.method !== 'approval/request') {
			this._reply(msg.id, undefined, { code: ErrorCode.MethodNotFound, message: 'this client does not answer this', data: { reason: 'unknown_method' } });
			return;
		}
		this.emit('approvalRequest', msg.params);
		// Without a callback (approval/watch only), stay silent: the application
		// may answer with approvalRespond(), or someone else will.
		if (!this.onApproval) return;
		let decision;
		try {
			decision = await this.onApproval(msg.params);
		} catch {
			decision = undefined;
		}
		const avail = Array.isArray(msg.params && msg.params.available_decisions) ? msg.params.available_decisions : [];
		if (typeof decision === 'string' && avail.includes(decision)) this._reply(msg.id, { decision });
		else this._reply(msg.id, undefined, { code: ErrorCode.MethodNotFound, message: 'declined to answer', data: { reason: 'unknown_method' } });
	}

	_reply(id, result, error) {
		if (this.closed) return;
		this._send(error ? { jsonrpc: '2.0', id, error } : { jsonrpc: '2.0', id, result });
	}

	/** Send any request; resolves with its result or rejects with a CodexdError. */
	request(method, params = {}) {
		return this._request(method, params, null);
	}

	_request(method, params, transform) {
		return new Promise((resolve, reject) => {
			if (this.closed) {
				reject(new ConnectionClosedError('the connection is closed'));
				return;
			}
			const id = this.nextId++;
			this.pending.set(id, { resolve, reject, transform });
			this._send({ jsonrpc: '2.0', id, method, params });
		});
	}

	/** Close the connection: the daemon kills every command it started. */
	close() {
		if (this.closed) return;
		this.socket.end();
		this._fail(new ConnectionClosedError('closed by the client'));
	}

	// ---- typed methods (codexd-protocol(7) "METHODS")
	hello(params = {}) {
		return this.request('hello', params);
	}
	daemonStatus() {
		return this.request('daemon/status');
	}
	configShow(params = {}) {
		return this.request('config/show', params);
	}
	policyCheck(params) {
		return this.request('policy/check', params);
	}
	policyReload() {
		return this.request('policy/reload');
	}
	netCheck(params) {
		return this.request('net/check', params);
	}
	/** exec/start as is: the result only; notifications come as events. */
	execStart(params) {
		return this.request('exec/start', params);
	}
	/**
	 * Run a command: resolves with an ExecHandle once it started (after any
	 * approval), rejects with ForbiddenError, ApprovalDeniedError ... when
	 * refused.  options.collect keeps stdout and stderr for the exit info.
	 */
	async exec(params, options = {}) {
		const p = { stdin: false, ...params };
		if (p.cwd === undefined) p.cwd = process.cwd();
		return this._request('exec/start', p, (result) => {
			if (!result || typeof result.id !== 'string')
				throw new CodexdError(0, `not run: ${(result && (result.reason || result.decision)) || 'no id'}`, { reason: 'suggest', ...result });
			const h = new ExecHandle(this, result, options);
			this.execs.set(result.id, h);
			return h;
		});
	}
	/** Run a command to its end: {exit_code or signal, ..., stdout, stderr}. */
	async run(params) {
		const h = await this.exec(params, { collect: true });
		h.on('output', () => {});
		return h.exit;
	}
	execWrite(id, data) {
		const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
		return this.request('exec/write', { id, data: buf.toString('base64') });
	}
	execCloseStdin(id) {
		return this.request('exec/close_stdin', { id });
	}
	execSignal(id, signal) {
		return this.request('exec/signal', { id, signal });
	}
	execResize(id, rows, cols) {
		return this.request('exec/resize', { id, rows, cols });
	}
	approvalWatch() {
		return this.request('approval/watch');
	}
	approvalList() {
		return this.request('approval/list');
	}
	approvalRespond(approval_id, decision) {
		return this.request('approval/respond', { approval_id, decision });
	}
	sessionCreate(params = {}) {
		return this.request('session/create', params);
	}
	sessionList(params = {}) {
		return this.request('session/list', params);
	}
	sessionShow(params) {
		return this.request('session/show', params);
	}
	sessionKill(params) {
		return this.request('session/kill', params);
	}
	auditQuery(params = {}) {
		return this.request('audit/query', params);
	}
	auditExport(params = {}) {
		return this.request('audit/export', params);
	}
	auditVerify(params = {}) {
		return this.request('audit/verify', params);
	}
}

function connect(options) {
	return CodexdClient.connect(options);
}

module.exports = {
	connect,
	CodexdClient,
	ExecHandle,
	ErrorCode,
	CodexdError,
	ParseError,
	InvalidRequestError,
	MethodNotFoundError,
	InvalidParamsError,
	InternalError,
	PermissionDeniedError,
	ForbiddenError,
	ApprovalDeniedError,
	SandboxUnavailableError,
	LimitReachedError,
	AuditUnavailableError,
	NotFoundError,
	SpawnFailedError,
	BadStateError,
	ConfigInvalidError,
	ShuttingDownError,
	ConnectionClosedError,
	ProtocolError,
	DEFAULT_SOCKET,
	PROTOCOL_VERSION,
};
