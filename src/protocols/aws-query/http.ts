// The Query protocol on Node's own HTTP server. The AWS wire is one endpoint ("/", GET or POST)
// whose body SigV4 hashes as raw bytes, so its requests go straight from Node's parser to the
// Query handler: a web framework's routing, hooks and reply pipeline would add nothing to it but
// time (measured: they cost about as much as the whole of GetUser). Every other request (console,
// health, test endpoints) goes on to the framework.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { clientOfRequest } from '../../http/client.ts';
import { newRequestId } from '../../crypto/ids.ts';
import { REQUEST_TOO_LARGE, requestTooLargeResponse, toQueryErrorResponse } from './errors.ts';
import {
  handleQueryRequest,
  type QueryHandlerDeps,
  type QueryRequest,
  type QueryResponse,
} from './handler.ts';

export interface QueryServerOptions {
  readonly deps: QueryHandlerDeps;
  /** Largest body accepted; a larger one is refused with 413 before it is read. */
  readonly bodyLimit: number;
  /** Requests to "/" naming an X-Amz-Target: the JSON protocol's services (aws-json/). */
  readonly json?: (request: QueryRequest) => Promise<QueryResponse>;
  /** Requests whose method and path a REST-JSON operation routes (Access Analyzer's POST /policy/validation). */
  readonly restJson?: {
    serves(method: string, path: string): boolean;
    handle(request: QueryRequest): Promise<QueryResponse>;
  };
  /** Where every request that is not for the Query endpoint goes. */
  readonly otherwise: (req: IncomingMessage, res: ServerResponse) => void;
  /** PEM certificate chain and key: the server speaks HTTPS (HTTP/1.1, keep-alive as over HTTP). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

export function createQueryServer(options: QueryServerOptions): Server {
  const send = batchedSender();
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (isQueryRequest(req) || options.restJson?.serves(req.method ?? '', pathOf(req.url ?? '')))
      serveQuery(options, send, req, res);
    else options.otherwise(req, res);
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : createServer(listener);
  // Clients (the SDKs' agents) keep connections open between calls; closing them sooner than a
  // client expects makes it send on a socket the server is closing.
  server.keepAliveTimeout = 72_000;
  return server;
}

function isQueryRequest(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  return (req.method === 'POST' || req.method === 'GET') && (url === '/' || url.startsWith('/?'));
}

type Send = (res: ServerResponse, response: QueryResponse) => void;

function serveQuery(
  options: QueryServerOptions,
  send: Send,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.bodyLimit) return refuseTooLarge(options, send, req, res);
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > options.bodyLimit) {
      refused = true;
      refuseTooLarge(options, send, req, res);
    } else chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    const questionMark = req.url!.indexOf('?');
    const client = clientOfRequest(req);
    const request: QueryRequest = {
      method: req.method!,
      path: questionMark < 0 ? req.url! : req.url!.slice(0, questionMark),
      query: questionMark < 0 ? '' : req.url!.slice(questionMark + 1),
      headers: req.headers,
      // GET requests carry their parameters in the query string; a body is not theirs to send.
      body: req.method === 'POST' ? body : '',
      sourceIp: client.ip,
      secure: client.secure,
      userAgent: req.headers['user-agent'],
    };
    const json =
      options.json && req.method === 'POST' && req.headers['x-amz-target'] ? options.json : undefined;
    const rest = options.restJson?.serves(request.method, request.path) ? options.restJson : undefined;
    (rest ? rest.handle(request) : json ? json(request) : handleQueryRequest(options.deps, request)).then(
      (response) => send(res, response),
      (error: unknown) => {
        const requestId = newRequestId();
        options.deps.logError(error, requestId);
        send(res, { ...toQueryErrorResponse('iam', error, requestId), headers: xmlHeaders(requestId) });
      },
    );
  });
  req.on('error', () => res.destroy());
}

/**
 * The 413 in the shape the request's client reads: JSON for the JSON protocol (a POST naming an
 * X-Amz-Target), REST-JSON's `x-amzn-ErrorType` and message for a REST-JSON route, XML otherwise.
 */
function tooLargeRefusal(
  options: QueryServerOptions,
  req: IncomingMessage,
  requestId: string,
): QueryResponse {
  const { code, message } = REQUEST_TOO_LARGE;
  if (options.restJson?.serves(req.method ?? '', pathOf(req.url ?? '')))
    return {
      status: 413,
      headers: {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': code,
      },
      body: JSON.stringify({ message }),
    };
  if (options.json !== undefined && req.method === 'POST' && req.headers['x-amz-target'] !== undefined)
    return {
      status: 413,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
      body: JSON.stringify({ __type: code, message }),
    };
  return { ...requestTooLargeResponse(requestId), headers: xmlHeaders(requestId) };
}

/** What is left of a refused body is read and discarded up to this much; past it, the connection goes. */
const DISCARD_LIMIT = 16 * 1024 * 1024;

function refuseTooLarge(
  options: QueryServerOptions,
  send: Send,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const requestId = newRequestId();
  const started = performance.now();
  // The answer goes at once, and the rest of the body is read and discarded (up to a limit) before
  // the connection serves anything else: closing it while the client still sends would reset it,
  // and the client would see a broken pipe instead of the 413.
  const refusal = tooLargeRefusal(options, req, requestId);
  send(res, refusal);
  options.deps.observe?.(
    {
      service: 'iam',
      requestId,
      started,
      status: refusal.status,
      error: REQUEST_TOO_LARGE,
    },
    { method: req.method!, path: pathOf(req.url!), sourceIp: clientOfRequest(req).ip },
  );
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT) req.socket.destroy();
  });
  req.resume();
}

function pathOf(url: string): string {
  const questionMark = url.indexOf('?');
  return questionMark < 0 ? url : url.slice(0, questionMark);
}

function xmlHeaders(requestId: string): Record<string, string> {
  return { 'content-type': 'text/xml', 'x-amzn-requestid': requestId };
}

/**
 * Responses finished in one turn of the event loop are written together at its end. Each write
 * to a client that is waiting wakes it, and on a busy machine (or a VM) that wake-up costs more
 * than answering GetUser; written in a burst, the client wakes once for all of them (measured
 * with 64 connections: 30-40% less server CPU per request). The delay is that of one turn.
 */
function batchedSender(): Send {
  let outbox: [ServerResponse, QueryResponse][] = [];
  let waiting = 0;
  const flush = () => {
    const ready = outbox;
    outbox = [];
    waiting = 0;
    for (const [res, response] of ready) write(res, response);
  };
  return (res, response) => {
    if (outbox.length === 0) setImmediate(flush);
    outbox.push([res, response]);
    // Large answers (a page of ListUsers) are not held: their own size, not the wake-up,
    // dominates their write, and holding them through a long turn makes them outlive the young
    // generation (measured: ListUsers at c=64 took twice the CPU per request when held).
    waiting += typeof response.body === 'string' ? response.body.length : FLUSH_AT_CHARACTERS;
    if (waiting >= FLUSH_AT_CHARACTERS) flush();
  };
}

const FLUSH_AT_CHARACTERS = 64 * 1024;

function write(res: ServerResponse, response: QueryResponse): void {
  if (res.headersSent || res.destroyed) return;
  const body = response.body;
  if (typeof body === 'string') {
    res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  // A large document, already UTF-8 in parts: their lengths add up to the body's, and each goes
  // to the socket as it is (measuring or re-encoding one string of it took 100-240 ms).
  let length = 0;
  for (const part of body) length += part.length;
  res.writeHead(response.status, { ...response.headers, 'content-length': length });
  res.cork(); // the parts leave together; end() uncorks
  for (const part of body) res.write(part);
  res.end();
}
