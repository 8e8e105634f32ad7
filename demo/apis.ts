// Response shapes of the demo LLM for each API it speaks: OpenAI Chat Completions, OpenAI Completions,
// the OpenAI Responses API (text output only) and (minimal) Anthropic Messages, each as one JSON body
// or as a list of server-sent events.

import { isObject, typeName, type Obj } from '../controlplane/validate.ts';

/** Everything an API needs to shape its answer; the same for every API. */
export interface Answer {
  readonly id: string;
  readonly model: string;
  /** Unix seconds. */
  readonly created: number;
  readonly text: string;
  /** Pieces of `text` in order, one per streamed delta. */
  readonly pieces: readonly string[];
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface ServerSentEvent {
  readonly event?: string;
  readonly data: string;
}

export interface DemoApi {
  readonly path: string;
  readonly idPrefix: string;
  /** The text to answer about, or a message saying why the body is not a request of this API. */
  readonly promptOf: (body: Obj) => { prompt: string } | { problem: string };
  readonly complete: (answer: Answer) => object;
  readonly stream: (answer: Answer, includeUsage: boolean) => ServerSentEvent[];
}

const DONE: ServerSentEvent = { data: '[DONE]' };

function openaiUsage(a: Answer) {
  return { prompt_tokens: a.promptTokens, completion_tokens: a.completionTokens, total_tokens: a.promptTokens + a.completionTokens };
}

/**
 * OpenAI streams: one chunk per piece, a closing chunk with finish_reason, then (include_usage) a
 * chunk with empty choices carrying usage, then [DONE]. With include_usage every earlier chunk has
 * `usage: null`, as OpenAI does.
 */
function openaiStream(a: Answer, includeUsage: boolean, object: string, choices: readonly object[]): ServerSentEvent[] {
  const chunk = (choice: object[], usage: object | null) => ({
    data: JSON.stringify({ id: a.id, object, created: a.created, model: a.model, choices: choice, ...(includeUsage ? { usage } : {}) }),
  });
  const events = choices.map((choice) => chunk([choice], null));
  if (includeUsage) events.push(chunk([], openaiUsage(a)));
  events.push(DONE);
  return events;
}

/**
 * The text of a message `content`: a string, or the text parts of a content array joined by "\n"
 * (`text` parts in Chat Completions and Anthropic Messages, `input_text` in the Responses API).
 */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content
    .filter((part): part is Obj => isObject(part) && (part.type === 'text' || part.type === 'input_text') && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join('\n');
}

function what(value: unknown): string {
  if (value === undefined) return 'nothing';
  return Array.isArray(value) && value.length === 0 ? 'an empty array' : typeName(value);
}

/** The text of the last user message of a conversation array (chat `messages`, Responses `input`). */
function lastUserText(items: readonly unknown[]): string {
  const last = [...items].reverse().find((m) => isObject(m) && m.role === 'user');
  return (isObject(last) ? textOf(last.content) : undefined) ?? '';
}

/** The last user message of a `messages` array, shared by Chat Completions and Anthropic Messages. */
function lastUserMessage(body: Obj): { prompt: string } | { problem: string } {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return { problem: `messages: expected a non-empty array, got ${what(messages)}` };
  return { prompt: lastUserText(messages) };
}

const chat: DemoApi = {
  path: '/v1/chat/completions',
  idPrefix: 'chatcmpl-demo-',
  promptOf: lastUserMessage,
  complete: (a) => ({
    id: a.id,
    object: 'chat.completion',
    created: a.created,
    model: a.model,
    choices: [{ index: 0, message: { role: 'assistant', content: a.text }, logprobs: null, finish_reason: 'stop' }],
    usage: openaiUsage(a),
  }),
  stream: (a, includeUsage) =>
    openaiStream(a, includeUsage, 'chat.completion.chunk', [
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      ...a.pieces.map((content) => ({ index: 0, delta: { content }, logprobs: null, finish_reason: null })),
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
    ]),
};

const completions: DemoApi = {
  path: '/v1/completions',
  idPrefix: 'cmpl-demo-',
  promptOf: (body) => {
    const prompt = body.prompt;
    if (typeof prompt === 'string') return { prompt };
    if (Array.isArray(prompt) && prompt.every((p) => typeof p === 'string')) return { prompt: prompt.join('\n') };
    return { problem: `prompt: expected a string or an array of strings, got ${what(prompt)}` };
  },
  complete: (a) => ({
    id: a.id,
    object: 'text_completion',
    created: a.created,
    model: a.model,
    choices: [{ index: 0, text: a.text, logprobs: null, finish_reason: 'stop' }],
    usage: openaiUsage(a),
  }),
  stream: (a, includeUsage) =>
    openaiStream(a, includeUsage, 'text_completion', [
      ...a.pieces.map((text) => ({ index: 0, text, logprobs: null, finish_reason: null })),
      { index: 0, text: '', logprobs: null, finish_reason: 'stop' },
    ]),
};

/** An event named by its data's `type`, as Anthropic and the Responses API stream them. */
function typedEvent(data: { type: string } & Obj): ServerSentEvent {
  return { event: data.type, data: JSON.stringify(data) };
}

const messages: DemoApi = {
  path: '/v1/messages',
  idPrefix: 'msg_demo_',
  promptOf: lastUserMessage,
  complete: (a) => ({
    id: a.id,
    type: 'message',
    role: 'assistant',
    model: a.model,
    content: [{ type: 'text', text: a.text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: a.promptTokens, output_tokens: a.completionTokens },
  }),
  // Anthropic streams always report usage (message_start and message_delta) and have no [DONE].
  stream: (a) => [
    typedEvent({
      type: 'message_start',
      message: {
        id: a.id,
        type: 'message',
        role: 'assistant',
        model: a.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: a.promptTokens, output_tokens: 0 },
      },
    }),
    typedEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ...a.pieces.map((text) => typedEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    typedEvent({ type: 'content_block_stop', index: 0 }),
    typedEvent({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: a.completionTokens } }),
    typedEvent({ type: 'message_stop' }),
  ],
};

/** A Responses API response object; `usage` is null until the response is complete, as OpenAI streams it. */
function responseObject(a: Answer, complete: boolean) {
  return {
    id: a.id,
    object: 'response',
    created_at: a.created,
    status: complete ? 'completed' : 'in_progress',
    model: a.model,
    output: complete ? [outputMessage(a, true)] : [],
    usage: complete ? { input_tokens: a.promptTokens, output_tokens: a.completionTokens, total_tokens: a.promptTokens + a.completionTokens } : null,
  };
}

const outputText = (text: string) => ({ type: 'output_text', text, annotations: [] });

function outputMessage(a: Answer, complete: boolean) {
  return { id: messageIdOf(a), type: 'message', status: complete ? 'completed' : 'in_progress', role: 'assistant', content: complete ? [outputText(a.text)] : [] };
}

const messageIdOf = (a: Answer) => a.id.replace(/^resp_/, 'msg_');

const responses: DemoApi = {
  path: '/v1/responses',
  idPrefix: 'resp_demo_',
  promptOf: (body) => {
    const input = body.input;
    if (typeof input === 'string') return { prompt: input };
    if (!Array.isArray(input) || input.length === 0) return { problem: `input: expected a string or a non-empty array of input items, got ${what(input)}` };
    return { prompt: lastUserText(input) };
  },
  complete: (a) => responseObject(a, true),
  // Responses streams are typed events, numbered in order; usage comes with response.completed and
  // there is no [DONE].
  stream: (a) => {
    const part = { item_id: messageIdOf(a), output_index: 0, content_index: 0 };
    const typed: ({ type: string } & Obj)[] = [
      { type: 'response.created', response: responseObject(a, false) },
      { type: 'response.output_item.added', output_index: 0, item: outputMessage(a, false) },
      { type: 'response.content_part.added', ...part, part: outputText('') },
      ...a.pieces.map((delta) => ({ type: 'response.output_text.delta', ...part, delta })),
      { type: 'response.output_text.done', ...part, text: a.text },
      { type: 'response.content_part.done', ...part, part: outputText(a.text) },
      { type: 'response.output_item.done', output_index: 0, item: outputMessage(a, true) },
      { type: 'response.completed', response: responseObject(a, true) },
    ];
    return typed.map((data, sequence_number) => typedEvent({ ...data, sequence_number }));
  },
};

export const DEMO_APIS: readonly DemoApi[] = [chat, completions, responses, messages];
