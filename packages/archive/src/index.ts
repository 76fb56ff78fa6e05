export { archiveKey, parseArchiveKey, objectExtension, KEY_LAYOUTS } from './key.js';
export type { KeyLayout, Compression, KeyInput, ParsedKey } from './key.js';
export { encodeObject, archiveLines, NDJSON_CONTENT_TYPE } from './object.js';
export { ENVELOPE_VERSION, ENVELOPE_FIELD, OBJECT_METADATA, GENESIS, hasEnvelope } from './envelope.js';
export type { ChainLink, ChainAlgorithm, UnhashedLink } from './envelope.js';
export { canonicalize, linkText, linkTextWriter, recordText, linkHash, linkOf, storedRecordText, createLinkHasher, createByteHasher, MissingSecretError } from './chain.js';
export type { LinkHasher } from './chain.js';
export { byteLinker, byteRecordParts, byteRecordLine, coveredOf, byteChainCovered, BYTE_CHAIN_VERSION, HASH_TAIL_LENGTH } from './byte-chain.js';
export type { ByteLink, CoveredParts } from './byte-chain.js';
