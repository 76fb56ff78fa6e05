import type { ConfigIssue } from './issue.js';

/**
 * Parses config text, turning a syntax error into an issue that says where it breaks
 * (line, column and the line itself with a caret under the spot).
 */
export function parseConfigText(text: string): { value: unknown } | { issue: ConfigIssue } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = (error as Error).message;
    const position = positionOf(message, text);
    if (position === undefined) {
      return { issue: { path: '', code: 'FERRY_CONFIG_JSON', problem: `not valid JSON (${message})` } };
    }
    const { line, column, excerpt } = locate(text, position);
    const reason = message.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    return {
      issue: {
        path: '',
        code: 'FERRY_CONFIG_JSON',
        problem: `not valid JSON at line ${line}, column ${column}: ${reason}\n${excerpt}`,
      },
    };
  }
}

function positionOf(message: string, text: string): number | undefined {
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) {
    const lines = text.split('\n').slice(0, Number(lineColumn[1]) - 1);
    return lines.reduce((sum, l) => sum + l.length + 1, 0) + Number(lineColumn[2]) - 1;
  }
  if (/end of JSON input/i.test(message)) return text.length;
  return undefined;
}

function locate(text: string, position: number): { line: number; column: number; excerpt: string } {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = text.indexOf('\n', position);
  const source = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd).replace(/\t/g, ' ');
  const column = position - lineStart + 1;
  return { line, column, excerpt: `    ${line} | ${source}\n    ${' '.repeat(String(line).length)} | ${' '.repeat(column - 1)}^` };
}
