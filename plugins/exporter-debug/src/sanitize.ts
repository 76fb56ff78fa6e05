// Event text is untrusted: a control character, an escape sequence or a bidirectional
// override in a field could rewrite the operator's terminal or disguise a line, so they
// are printed escaped (\u001b) instead.
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
// JSON.stringify already escapes C0 characters inside strings; its raw newlines are layout.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Text safe to print within one terminal line. */
export function safeText(text: string): string {
  return text.replace(UNSAFE_IN_LINE, escapeChar);
}

/** Output of JSON.stringify made safe to print, keeping its line breaks (and staying valid JSON). */
export function safeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, escapeChar);
}
