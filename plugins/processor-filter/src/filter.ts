import type { FerryEvent } from '@ferry/sdk';
import type { FilterConfig } from './config.js';
import { compileMatcher } from './matcher.js';

export type EventFilter = (events: readonly FerryEvent[]) => readonly FerryEvent[];

/**
 * Compiles the config once. An event passes when (there is no include, or it matches
 * include) and not (there is an exclude and it matches exclude). The kept events are the
 * same objects, in order; when all pass, the input array itself is returned.
 */
export function compileFilter(config: FilterConfig): EventFilter {
  const include = config.include === undefined ? undefined : compileMatcher(config.include);
  const exclude = config.exclude === undefined ? undefined : compileMatcher(config.exclude);
  if (include === undefined && exclude === undefined) return (events) => events;
  const passes = (event: FerryEvent) => (include === undefined || include(event)) && (exclude === undefined || !exclude(event));
  return (events) => {
    let kept: FerryEvent[] | undefined;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as FerryEvent;
      if (passes(event)) kept?.push(event);
      else kept ??= events.slice(0, i);
    }
    return kept ?? events;
  };
}
