/**
 * Line-by-line questions over injected streams, for `--configure`. Works the same with a terminal
 * and with answers piped in (one answer per line): lines are pulled from one readline iterator that
 * is created up front, so answers that arrive before their question are kept, not dropped.
 * On a TTY, secret answers are not echoed (the echo stream is muted while the line is typed).
 */
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import type { ZodType } from 'zod';
import { AgentError } from '../errors.js';

export interface PromptIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

export interface AskOptions {
  /** Shown as `[default]` and used for an empty answer. */
  default?: string;
  /** Do not echo the answer on a terminal; never shown as a default. */
  secret?: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Adapts a zod schema (the same one the settings file uses) to a prompt validator. */
export function viaSchema<T>(schema: ZodType<T>): (answer: string) => Parsed<T> {
  return (answer) => {
    const r = schema.safeParse(answer);
    return r.success ? { ok: true, value: r.data } : { ok: false, message: r.error.issues[0]?.message ?? 'invalid value' };
  };
}

/** The answers ran out (EOF or Ctrl-C) before a question was answered. */
export class InputEndedError extends AgentError {
  constructor(question: string) {
    super('E_BAD_ARGUMENT', `input ended before an answer to "${question}"`);
    this.name = 'InputEndedError';
  }
}

/** Passes writes through unless muted; readline echoes typed characters through it. */
class EchoGate extends Writable {
  muted = false;
  constructor(private readonly target: NodeJS.WritableStream) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    // Forwarded synchronously so prompts and say() lines keep their order on the target.
    if (!this.muted) this.target.write(chunk);
    done();
  }
}

export class Prompter {
  readonly #rl: Interface;
  readonly #lines: AsyncIterator<string>;
  readonly #echo: EchoGate;
  readonly #output: NodeJS.WritableStream;

  constructor(io: PromptIO) {
    this.#output = io.output;
    this.#echo = new EchoGate(io.output);
    const terminal = (io.input as { isTTY?: boolean }).isTTY === true;
    this.#rl = createInterface({ input: io.input, output: this.#echo, terminal, historySize: 0 });
    // Ctrl-C at a prompt ends the input; the pending question then fails instead of hanging.
    this.#rl.on('SIGINT', () => this.#rl.close());
    this.#lines = this.#rl[Symbol.asyncIterator]();
  }

  /** Writes a line of information (not a question). */
  say(text: string): void {
    this.#output.write(`${text}\n`);
  }

  /**
   * Asks once; returns the answer trimmed (secrets verbatim), or the default for an empty answer.
   * Throws InputEndedError when the input ends first.
   */
  async ask(question: string, opts: AskOptions = {}): Promise<string> {
    const shown = opts.default !== undefined && opts.secret !== true ? ` [${opts.default}]` : '';
    this.#rl.setPrompt(`${question}${shown}: `);
    this.#rl.prompt();
    if (opts.secret === true) this.#echo.muted = true;
    let next: IteratorResult<string>;
    try {
      next = await this.#lines.next();
    } finally {
      this.#echo.muted = false;
    }
    if (next.done === true) throw new InputEndedError(question);
    // A terminal echoes the Enter of a visible answer; otherwise end the prompt line ourselves.
    if (!this.#rl.terminal || opts.secret === true) this.#output.write('\n');
    const answer = opts.secret === true ? next.value : next.value.trim();
    return answer === '' && opts.default !== undefined ? opts.default : answer;
  }

  /** Asks until `parse` accepts the answer, printing why each rejected answer was refused. */
  async askValid<T>(question: string, parse: (answer: string) => Parsed<T> | Promise<Parsed<T>>, opts: AskOptions = {}): Promise<T> {
    for (;;) {
      const r = await parse(await this.ask(question, opts));
      if (r.ok) return r.value;
      this.say(`  ${r.message}; please try again.`);
    }
  }

  async askYesNo(question: string, defaultYes: boolean): Promise<boolean> {
    return this.askValid(`${question} Y/N`, (a) => {
      const v = a.toLowerCase();
      if (v === 'y' || v === 'yes') return { ok: true, value: true };
      if (v === 'n' || v === 'no') return { ok: true, value: false };
      return { ok: false, message: 'answer Y or N' };
    }, { default: defaultYes ? 'Y' : 'N' });
  }

  /** Asks for a secret twice until both entries match; empty is refused unless `optional`. */
  async askSecretTwice(question: string, optional = false): Promise<string> {
    for (;;) {
      const first = await this.ask(question, { secret: true });
      if (first === '') {
        if (optional) return '';
        this.say('  a value is required; please try again.');
        continue;
      }
      if (/[\r\n]/.test(first)) {
        this.say('  must be a single line; please try again.');
        continue;
      }
      const subject = question.replace(/\s*\(.*\)$/, ''); // "Agent password (hint)" -> "Agent password"
      const second = await this.ask(`Confirm ${subject.charAt(0).toLowerCase()}${subject.slice(1)}`, { secret: true });
      if (first === second) return first;
      this.say('  the two entries differ; please try again.');
    }
  }

  close(): void {
    this.#rl.close();
  }
}
