import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { ModelError } from '../../orchestration/errors.js';
import { OpenAICompatibleModel, serverSentEvents } from '../../orchestration/OpenAICompatibleModel.js';
import { silentLogger, until } from './helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
let seen: Seen[];
/** Model names of the requests whose response connection has closed. */
let closed: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.on('close', () => closed.push(String(body.model)));
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  closed = [];
});

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const completion = (content: string) => ({
  id: 'cmpl-1',
  model: 'served-model',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
});

const chunk = (content: string): string => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

function model(options: Partial<ConstructorParameters<typeof OpenAICompatibleModel>[0]> = {}): OpenAICompatibleModel {
  return new OpenAICompatibleModel({ baseUrl, model: 'test-model', apiKey: 'sk-test-secret-key-123', timeoutMs: 10_000, logger: silentLogger, ...options });
}

async function failure(p: Promise<unknown>): Promise<ModelError> {
  try {
    await p;
  } catch (e) {
    return e as ModelError;
  }
  throw new Error('expected a rejection');
}

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const piece of stream) out.push(piece);
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('OpenAICompatibleModel.complete', () => {
  it('posts a chat completion and maps the reply', async () => {
    handler = (_req, res) => json(res, 200, completion('Hello there'));
    const r = await model().complete({ system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }], maxTokens: 50, temperature: 0.2 });
    expect(r).toEqual({
      content: 'Hello there',
      model: 'served-model',
      finishReason: 'stop',
      usage: { promptTokens: 11, completionTokens: 3, totalTokens: 14 },
    });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/chat/completions' });
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer sk-test-secret-key-123');
    expect(seen.at(-1)!.body).toEqual({
      model: 'test-model',
      stream: false,
      max_tokens: 50,
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
  });

  it('accepts a base URL that already ends in /v1, and sends no auth without a key', async () => {
    handler = (_req, res) => json(res, 200, completion('ok'));
    await new OpenAICompatibleModel({ baseUrl: `${baseUrl}/v1/`, model: 'm', logger: silentLogger }).complete({ messages: [] });
    expect(seen.at(-1)!.url).toBe('/v1/chat/completions');
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('turns an HTTP error into ModelError with status and the server explanation, never the key', async () => {
    handler = (_req, res) => json(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } });
    const e = await failure(model().complete({ messages: [{ role: 'user', content: 'Hi' }] }));
    expect(e).toBeInstanceOf(ModelError);
    expect(e.code).toBe('ERR_MODEL_HTTP');
    expect(e.message).toBe(`Model test-model at ${baseUrl}/v1/chat/completions: the server answered HTTP 401: Incorrect API key provided`);
    expect(e.context).toMatchObject({ model: 'test-model', status: 401 });
    expect(JSON.stringify(e.toJSON())).not.toContain('sk-test-secret-key-123');
  });

  it('reports a non-JSON error body as text', async () => {
    handler = (_req, res) => {
      res.writeHead(503);
      res.end('upstream overloaded');
    };
    const e = await failure(model().complete({ messages: [] }));
    expect(e.context.status).toBe(503);
    expect(e.message).toContain('HTTP 503: upstream overloaded');
  });

  it('times out with ERR_MODEL_TIMEOUT', async () => {
    handler = (_req, res) => setTimeout(() => json(res, 200, completion('late')), 1_000);
    const e = await failure(model({ timeoutMs: 50 }).complete({ messages: [] }));
    expect(e.code).toBe('ERR_MODEL_TIMEOUT');
    expect(e.context.timeoutMs).toBe(50);
  });

  it('is aborted by the caller signal with ERR_MODEL_ABORTED', async () => {
    handler = (_req, res) => setTimeout(() => json(res, 200, completion('late')), 1_000);
    const controller = new AbortController();
    const p = model({ model: 'abort-probe' }).complete({ messages: [], signal: controller.signal });
    // Matched by model name: a request an earlier test abandoned may still reach the server late.
    await until(() => seen.some((s) => s.body.model === 'abort-probe'));
    controller.abort();
    expect((await failure(p)).code).toBe('ERR_MODEL_ABORTED');
    expect((await failure(model().complete({ messages: [], signal: AbortSignal.abort() }))).code).toBe('ERR_MODEL_ABORTED');
  });

  it('rejects a reply that is not a chat completion', async () => {
    handler = (_req, res) => json(res, 200, { result: 'something else' });
    expect((await failure(model().complete({ messages: [] }))).code).toBe('ERR_MODEL_BAD_RESPONSE');
    handler = (_req, res) => json(res, 200, '<html>proxy page</html>');
    expect((await failure(model().complete({ messages: [] }))).code).toBe('ERR_MODEL_BAD_RESPONSE');
  });

  it('reports an unreachable server as ERR_MODEL_NETWORK', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const e = await failure(new OpenAICompatibleModel({ baseUrl: `http://127.0.0.1:${port}`, model: 'm', logger: silentLogger }).complete({ messages: [] }));
    expect(e.code).toBe('ERR_MODEL_NETWORK');
    expect(e.message).toContain('ECONNREFUSED');
  });
});

describe('OpenAICompatibleModel.stream', () => {
  it('yields the deltas of a server-sent event stream in order', async () => {
    handler = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': keep-alive comment\n\n');
      res.write(chunk('Hel'));
      await sleep(5);
      // One event split across two writes, with CRLF line ends.
      const split = chunk('lo, ').replace(/\n/g, '\r\n');
      res.write(split.slice(0, 12));
      await sleep(5);
      res.write(split.slice(12));
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { role: 'assistant' } }] })}\n\n`);
      res.write(chunk('world'));
      res.write('data: [DONE]\n\n');
      res.end();
    };
    expect(await collect(model().stream({ messages: [{ role: 'user', content: 'Hi' }] }))).toEqual(['Hel', 'lo, ', 'world']);
    expect(seen.at(-1)!.body.stream).toBe(true);
    expect(seen.at(-1)!.headers.accept).toBe('text/event-stream');
  });

  it('times out when the stream stalls between chunks', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('first'));
    };
    const e = await failure(collect(model({ timeoutMs: 100 }).stream({ messages: [] })));
    expect(e.code).toBe('ERR_MODEL_TIMEOUT');
  });

  it('applies the deadline between chunks, not to the whole stream', async () => {
    // A clock under the test's control: wall-clock gaps on a loaded machine would make this flaky.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let feed!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (feed = c) });
      const fakeFetch = (async (_url: string, init: RequestInit) => {
        // As the real fetch does, an abort errors the body being read.
        init.signal!.addEventListener('abort', () => feed.error(init.signal!.reason));
        return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
      }) as typeof fetch;
      const send = (text: string): void => feed.enqueue(new TextEncoder().encode(text));
      const stream = new OpenAICompatibleModel({ baseUrl, model: 'm', timeoutMs: 500, fetch: fakeFetch, logger: silentLogger })
        .stream({ messages: [] })
        [Symbol.asyncIterator]();

      for (let i = 0; i < 5; i++) {
        const next = stream.next();
        send(chunk(String(i)));
        expect(await next).toEqual({ value: String(i), done: false });
        vi.advanceTimersByTime(400);
      }
      // 2000 ms have passed in all, four times the deadline, without a gap reaching it.
      const stalled = stream.next();
      vi.advanceTimersByTime(100);
      const e = await failure(stalled);
      expect(e.code).toBe('ERR_MODEL_TIMEOUT');
    } finally {
      vi.useRealTimers();
    }
  });

  it('surfaces an error event sent mid-stream', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('partial'));
      res.end(`data: ${JSON.stringify({ error: { message: 'context length exceeded' } })}\n\n`);
    };
    const e = await failure(collect(model().stream({ messages: [] })));
    expect(e.code).toBe('ERR_MODEL_STREAM');
    expect(e.message).toContain('context length exceeded');
  });

  it('reports an HTTP error before the stream starts', async () => {
    handler = (_req, res) => json(res, 429, { error: { message: 'Rate limit reached' } });
    const e = await failure(collect(model().stream({ messages: [] })));
    expect(e.code).toBe('ERR_MODEL_HTTP');
    expect(e.context.status).toBe(429);
  });

  it('releases the connection when the consumer stops early', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('one'));
      const timer = setInterval(() => res.write(chunk('more')), 5);
      res.on('close', () => clearInterval(timer));
    };
    for await (const piece of model({ model: 'early-exit' }).stream({ messages: [] })) {
      expect(piece).toBe('one');
      break;
    }
    await until(() => closed.includes('early-exit'));
  });

  it('stops on the caller signal with ERR_MODEL_ABORTED', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('one'));
    };
    const controller = new AbortController();
    const consume = async (): Promise<void> => {
      for await (const _piece of model().stream({ messages: [], signal: controller.signal })) controller.abort();
    };
    expect((await failure(consume())).code).toBe('ERR_MODEL_ABORTED');
  });
});

describe('serverSentEvents', () => {
  const streamOf = (...parts: string[]): ReadableStream<Uint8Array> =>
    new ReadableStream({
      start(c) {
        for (const p of parts) c.enqueue(new TextEncoder().encode(p));
        c.close();
      },
    });

  it('joins multi-line data, skips comments and other fields, and keeps a final event without blank line', async () => {
    const events: string[] = [];
    for await (const e of serverSentEvents(streamOf('event: x\nid: 1\ndata: a\nda', 'ta: b\n\n: note\n\ndata:c\r', '\n\r\ndata: last'))) events.push(e);
    expect(events).toEqual(['a\nb', 'c', 'last']);
  });
});

describe('OpenAICompatibleModel options', () => {
  it('rejects invalid options naming the field', () => {
    expect(() => new OpenAICompatibleModel({ baseUrl: 'ftp://example.com', model: 'm' })).toThrow(InvalidOptionError);
    expect(() => new OpenAICompatibleModel({ baseUrl: 'not a url', model: 'm' })).toThrow(/OpenAICompatibleModel\.baseUrl/);
    expect(() => new OpenAICompatibleModel({ baseUrl, model: '' })).toThrow(/OpenAICompatibleModel\.model/);
    expect(() => new OpenAICompatibleModel({ baseUrl, model: 'm', timeoutMs: 0 })).toThrow(/OpenAICompatibleModel\.timeoutMs/);
  });
});
