export { archiveKey, parseArchiveKey, objectExtension, KEY_LAYOUTS } from './key.js';
export type { KeyLayout, Compression, KeyInput, ParsedKey } from './key.js';
export { encodeObject, archiveLines, NDJSON_CONTENT_TYPE } from './object.js';
export { ENVELOPE_VERSION, ENVELOPE_FIELD, OBJECT_METADATA } from './envelope.js';
export { hashText, unhashedText, linkHash, splitLine, linkOf, eventOf, GENESIS } from './chain.js';
export type { ChainLink, ChainAlgorithm } from './chain.js';
