/**
 * The first member name that occurs twice in one object of a JSON text, if any. JSON
 * parsers disagree on such text (JavaScript keeps the last, others the first), so a record
 * with one could verify here and read differently elsewhere: verify reports it.
 * `text` must be valid JSON (already parsed once).
 */
export function duplicateName(text: string): string | undefined {
  const objects: Array<Set<string> | undefined> = []; // undefined: an array
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = i + 1;
      while (end < text.length) {
        const d = text.charCodeAt(end);
        if (d === 0x5c) end += 2;
        else if (d === 0x22) break;
        else end++;
      }
      if (expectName) {
        const name = JSON.parse(text.slice(i, end + 1)) as string; // so "\u0061" and "a" are one name
        const seen = objects[objects.length - 1] as Set<string>;
        if (seen.has(name)) return name;
        seen.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === 0x7b) {
      objects.push(new Set());
      expectName = true;
    } else if (c === 0x5b) {
      objects.push(undefined);
    } else if (c === 0x7d || c === 0x5d) {
      objects.pop();
      expectName = false;
    } else if (c === 0x2c) {
      expectName = objects[objects.length - 1] !== undefined;
    }
  }
  return undefined;
}
