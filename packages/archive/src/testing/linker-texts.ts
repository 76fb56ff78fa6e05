/**
 * Event texts of every shape a linker must write byte for byte: large integers and
 * integer-like keys, text beyond ASCII (escaped and not), spaces before the closing brace,
 * empty objects, one larger than any linker's first buffer, deep nesting. Shared by the
 * tests of the version-2 and version-3 linkers.
 */
export const LINKER_TEXTS: readonly string[] = [
  '{"id":"evt_1","type":"grant.created","data":{"n":12345678901234567890,"10":"x","2":"y"}}',
  '{"id":"evt_2","data":{"who":"wrïter-東京-😀","esc":"\\u00e9é"}}',
  '{"id":"evt_3","data":{}  }',
  '{ }',
  '{}',
  `{"id":"evt_4","data":{"big":"${'€'.repeat(3000)}","ascii":"${'a'.repeat(90000)}"}}`,
  '{"id":"evt_5","data":{"deep":[[[[{"a":[1,2,{"b":null}]}]]]]}}',
];

/** An upstream Ferry's envelope, beyond ASCII. */
export const UPSTREAM_ENVELOPE = '{"v":2,"writer":"edge-東","seq":4,"hash":"00"}';
