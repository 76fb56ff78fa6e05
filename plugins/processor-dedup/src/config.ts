import { Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    windowSeconds: Type.Integer({ minimum: 1, default: 3600, description: 'An id seen within this many seconds is a duplicate.' }),
    maxIds: Type.Integer({ minimum: 1, default: 1_000_000, description: 'Most ids remembered (the memory bound: about 90 bytes each, 120 while evicting); past it the oldest are forgotten first.' }),
    key: Type.String({ minLength: 1, default: 'id', description: 'The field that identifies an event, as a dotted path (`id`, `data.deliveryId`).' }),
  },
  { additionalProperties: false },
);

export type DedupConfig = Static<typeof configSchema>;
