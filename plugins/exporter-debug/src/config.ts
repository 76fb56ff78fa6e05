import { Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    verbosity: Type.Union([Type.Literal('basic'), Type.Literal('normal'), Type.Literal('detailed')], {
      default: 'normal',
      description: '`basic`: one line per batch (count and event types); `normal`: one line per event (time, type, id, a short summary of `data`); `detailed`: every event in full, pretty-printed.',
    }),
    stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')], {
      default: 'stdout',
      description: 'Where to print.',
    }),
    color: Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')], {
      default: 'auto',
      description: '`auto`: colours when the stream is a terminal and neither NO_COLOR is set nor TERM is `dumb`; `always` / `never` decide regardless.',
    }),
  },
  { additionalProperties: false },
);

export type DebugConfig = Static<typeof configSchema>;
