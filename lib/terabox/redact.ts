/**
 * Keeps the account's credentials (the ndus cookie, jsToken, bdstoken) out of every string that
 * can leave the client: error messages, causes, stack traces, URLs, header dumps, log events.
 *
 * Two layers, because either alone has gaps:
 * - patterns mask the value after a known key (`ndus=`, `jsToken=`, `"bdstoken":"`, the
 *   `fn%28%22...%22%29` form in /main's templateData), which also covers tokens we have not
 *   learnt yet (a body snippet of a fresh /main page);
 * - known values (registered with `Redactor.addSecret`) are masked wherever they appear, raw or
 *   URL-encoded, which covers a token echoed without its key (a node-fetch message, a stack).
 */

import { REDACTED, redactPatterns } from '../shared/credentials';

export { REDACTED, redactPatterns };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Shortest secret masked by value: shorter ones would mask innocent text (patterns still apply). */
const MIN_SECRET_LENGTH = 4;

/** Masks the known credential values and the credential patterns. */
export class Redactor {
  private readonly secrets = new Set<string>();
  private matcher: RegExp | undefined;

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const s of secrets) this.addSecret(s);
  }

  /** Registers a value to mask, with its URL-encoded and form-encoded spellings. */
  addSecret(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH) return;
    const before = this.secrets.size;
    for (const v of [value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+'), JSON.stringify(value).slice(1, -1)]) {
      if (v.length >= MIN_SECRET_LENGTH) this.secrets.add(v);
    }
    if (this.secrets.size !== before) this.matcher = undefined;
  }

  /** Masks secrets in a string. */
  redact(text: string): string {
    let out = text;
    if (this.secrets.size > 0) {
      // Longest first, so an encoded spelling is not half-masked by its raw prefix.
      this.matcher ??= new RegExp([...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
      out = out.replace(this.matcher, REDACTED);
    }
    return redactPatterns(out);
  }

  /** A URL with credential query parameters masked (kept readable: path and other params stay). */
  redactUrl(url: string): string {
    return this.redact(url);
  }

  /** A copy of the headers with every value redacted; the Cookie header keeps only cookie names. */
  redactHeaders(headers: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (/^(cookie|set-cookie)$/i.test(name)) {
        out[name] = value
          .split(';')
          .map((part) => {
            const eq = part.indexOf('=');
            return eq < 0 ? this.redact(part) : `${part.slice(0, eq)}=${/^\s*lang$/i.test(part.slice(0, eq)) ? part.slice(eq + 1) : REDACTED}`;
          })
          .join(';');
      } else {
        out[name] = this.redact(value);
      }
    }
    return out;
  }

  /**
   * A redacted copy of any thrown value, safe to keep as a `cause`: an Error keeps its name,
   * system `code`, message and stack (redacted) and its own cause chain (redacted, depth-limited).
   */
  redactError(error: unknown, depth = 0): Error {
    if (!(error instanceof Error)) {
      let text: string;
      try {
        text = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
      } catch {
        text = String(error);
      }
      return new Error(this.redact(text));
    }
    const copy = new Error(this.redact(error.message));
    copy.name = error.name;
    if (error.stack) copy.stack = this.redact(error.stack);
    for (const key of ['code', 'errno', 'type', 'syscall', 'status'] as const) {
      const value = (error as unknown as Record<string, unknown>)[key];
      if (typeof value === 'string' || typeof value === 'number') {
        (copy as unknown as Record<string, unknown>)[key] = typeof value === 'string' ? this.redact(value) : value;
      }
    }
    if (error.cause !== undefined && depth < 4) copy.cause = this.redactError(error.cause, depth + 1);
    return copy;
  }

  /**
   * Redacts, in place, an error the client is about to throw: message, stack, string fields
   * and its cause chain. Used at the client's public boundary as the final scrub.
   */
  scrub<E>(error: E, depth = 0): E {
    if (!(error instanceof Error) || depth > 4) return error;
    error.message = this.redact(error.message);
    if (error.stack) error.stack = this.redact(error.stack);
    const record = error as unknown as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (typeof record[key] === 'string') record[key] = this.redact(record[key] as string);
    }
    if (error.cause !== undefined) {
      error.cause = error.cause instanceof Error ? this.scrub(error.cause, depth + 1) : this.redactError(error.cause);
    }
    return error;
  }
}
