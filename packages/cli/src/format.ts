/**
 * A count as people read it: `12,345`. Not `Intl.NumberFormat`: the ICU locale data it
 * loads stays resident for the whole run (about 7 MB, measured with `RssFile`), which the
 * progress line alone would cost every `ferry run`.
 */
export function formatCount(value: number): string {
  const [whole = '', fraction] = String(value).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
