import { describe, it } from 'vitest';
import { conformanceCases } from '@ferry/sdk/testkit';
import definition from './index.js';

describe('processor filter: conformance', () => {
  for (const c of conformanceCases(definition, {
    config: {
      include: { types: ['grant.*', 'budget.{threshold,exhausted}'] },
      exclude: { where: [{ field: 'data.agentId', matches: '^ag_test_' }, { field: 'data.amount', lt: 10 }] },
    },
    invalidConfigs: [
      { config: { include: { where: [{ field: 'data.x', matches: '([a-z]' }] } }, because: 'the regular expression does not compile' },
      { config: { include: { where: [{ field: 'data.x', equals: 1, notEquals: 2 }] } }, because: 'a condition has two operators' },
      { config: { include: { where: [{ field: 'data.x' }] } }, because: 'a condition has no operator' },
      { config: { exclude: {} }, because: 'an empty matcher would match every event' },
      { config: { include: { type: ['grant.*'] } }, because: '"type" is a typo of "types"' },
      { config: { drop: { types: ['*'] } }, because: '"drop" is not an option' },
    ],
  })) {
    it(c.name, c.run);
  }
});
