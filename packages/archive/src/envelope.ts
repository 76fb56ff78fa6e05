/**
 * The version of the record envelope Ferry writes to archives. Bumped when a reader would
 * misread a record of the new shape (see the README's "Schema versions").
 */
export const ENVELOPE_VERSION = 1;

/** The top-level field of an archived record that carries Ferry's envelope: `{ "v": 1, … }`. */
export const ENVELOPE_FIELD = 'ferry';

/** Object metadata keys (S3 user metadata, `x-amz-meta-*`) every archive object carries. */
export const OBJECT_METADATA = {
  envelopeVersion: 'ferry-envelope-version',
  events: 'ferry-events',
  firstSeq: 'ferry-first-seq',
  batchId: 'ferry-batch-id',
} as const;
