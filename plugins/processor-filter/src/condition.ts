import type { FerryEvent } from '@ferry/sdk';
import { OPERATORS, type ConditionConfig, type Operator, type Scalar } from './config.js';
import { parseFieldPath, resolveField } from './field.js';
import { compilePattern } from './pattern.js';

export type EventPredicate = (event: FerryEvent) => boolean;
type ValueTest = (value: unknown) => boolean;

/**
 * Comparison operators test a single value; on an array field they hold when they hold
 * for any element (as MongoDB does), so `{ "field": "data.scopes", "equals": "admin" }`
 * reads "scopes contain admin". `notEquals` is the negation of `equals`, and `exists`
 * looks at the field itself.
 */
function anyElement(test: ValueTest): ValueTest {
  return (value) => {
    if (!Array.isArray(value)) return test(value);
    for (let i = 0; i < value.length; i++) if (test(value[i])) return true;
    return false;
  };
}

/** The operators a condition names (the schema allows exactly one beside `field`). */
export function operatorsOf(condition: ConditionConfig): Operator[] {
  return OPERATORS.filter((op) => condition[op] !== undefined);
}

function valueTest(condition: ConditionConfig, operator: Operator): ValueTest {
  switch (operator) {
    case 'equals': {
      const expected = condition.equals as Scalar;
      return anyElement((v) => v === expected);
    }
    case 'notEquals': {
      const expected = condition.notEquals as Scalar;
      const equals = anyElement((v) => v === expected);
      return (v) => !equals(v);
    }
    case 'in': {
      // A Set compares like ===, so "5" and 5 stay different.
      const allowed = new Set<unknown>(condition.in);
      return anyElement((v) => allowed.has(v));
    }
    case 'exists': {
      const wanted = condition.exists as boolean;
      return (v) => (v !== undefined) === wanted;
    }
    case 'matches': {
      const compiled = compilePattern(condition.matches as string);
      if ('problem' in compiled) throw new TypeError(`unchecked filter options: ${compiled.problem}`);
      const { regex } = compiled;
      return anyElement((v) => typeof v === 'string' && regex.test(v));
    }
    case 'gt': {
      const bound = condition.gt as number;
      return anyElement((v) => typeof v === 'number' && v > bound);
    }
    case 'gte': {
      const bound = condition.gte as number;
      return anyElement((v) => typeof v === 'number' && v >= bound);
    }
    case 'lt': {
      const bound = condition.lt as number;
      return anyElement((v) => typeof v === 'number' && v < bound);
    }
    case 'lte': {
      const bound = condition.lte as number;
      return anyElement((v) => typeof v === 'number' && v <= bound);
    }
  }
}

/** Compiles one `where` entry, whose options the schema and `validate` have checked. */
export function compileCondition(condition: ConditionConfig): EventPredicate {
  const [operator] = operatorsOf(condition);
  if (operator === undefined) throw new TypeError('unchecked filter options: a condition without an operator');
  const test = valueTest(condition, operator);
  const path = parseFieldPath(condition.field);
  return (event) => test(resolveField(event, path));
}
