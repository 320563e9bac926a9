import { describe, expect, it } from 'vitest';
import {
  compileEventPattern,
  EventPatternError,
  matchesEventPattern,
} from '../../../lib/local/event-pattern';

const order = {
  version: '0',
  source: 'precis.shop',
  'detail-type': 'OrderPlaced',
  resources: ['arn:aws:ecs:local:1:task/a', 'arn:aws:ecs:local:1:task/b'],
  detail: {
    orderId: 'o-1',
    total: 42.5,
    currency: 'EUR',
    channel: 'web',
    giftWrap: null,
    tags: ['gift', 'vip'],
    items: [{ sku: 'A1', qty: 2 }, { sku: 'B2' }],
    customer: { email: 'ada@example.com', sourceIp: '10.1.2.3' },
  },
};

// [description, pattern, expected]
const cases: [string, unknown, boolean][] = [
  ['exact value', { source: ['precis.shop'] }, true],
  ['one of several values', { 'detail-type': ['OrderCancelled', 'OrderPlaced'] }, true],
  ['no value matches', { source: ['other'] }, false],
  ['every field must match', { source: ['precis.shop'], 'detail-type': ['OrderCancelled'] }, false],
  ['nested field', { detail: { currency: ['EUR'] } }, true],
  ['number equality', { detail: { total: [42.5] } }, true],
  ['null value', { detail: { giftWrap: [null] } }, true],
  ['event array: any element', { detail: { tags: ['vip'] } }, true],
  ['event array: none', { detail: { tags: ['new'] } }, false],
  ['array of objects', { detail: { items: { sku: ['B2'] } } }, true],
  ['prefix', { detail: { orderId: [{ prefix: 'o-' }] } }, true],
  ['prefix miss', { detail: { orderId: [{ prefix: 'x-' }] } }, false],
  ['prefix ignoring case', { source: [{ prefix: { 'equals-ignore-case': 'PRECIS.' } }] }, true],
  ['suffix', { detail: { customer: { email: [{ suffix: '@example.com' }] } } }, true],
  ['equals-ignore-case', { detail: { currency: [{ 'equals-ignore-case': 'eur' }] } }, true],
  ['wildcard', { resources: [{ wildcard: 'arn:aws:ecs:*:task/b' }] }, true],
  ['anything-but value', { detail: { channel: [{ 'anything-but': 'store' }] } }, true],
  ['anything-but list hit', { detail: { channel: [{ 'anything-but': ['store', 'web'] }] } }, false],
  ['anything-but prefix', { detail: { orderId: [{ 'anything-but': { prefix: 'test-' } }] } }, true],
  ['anything-but on missing field', { detail: { coupon: [{ 'anything-but': 'x' }] } }, false],
  ['exists true', { detail: { orderId: [{ exists: true }] } }, true],
  ['exists false on missing', { detail: { coupon: [{ exists: false }] } }, true],
  ['exists false on present', { detail: { orderId: [{ exists: false }] } }, false],
  ['exists false under a missing object', { detail: { refund: { amount: [{ exists: false }] } } }, true],
  ['numeric range', { detail: { total: [{ numeric: ['>', 0, '<=', 100] }] } }, true],
  ['numeric out of range', { detail: { total: [{ numeric: ['>=', 50] }] } }, false],
  ['numeric on string', { detail: { orderId: [{ numeric: ['>', 0] }] } }, false],
  ['numeric on array elements', { detail: { items: { qty: [{ numeric: ['=', 2] }] } } }, true],
  ['cidr', { detail: { customer: { sourceIp: [{ cidr: '10.0.0.0/8' }] } } }, true],
  ['cidr miss', { detail: { customer: { sourceIp: [{ cidr: '192.168.0.0/16' }] } } }, false],
  ['$or', { $or: [{ source: ['nope'] }, { detail: { channel: ['web'] } }] }, true],
  ['$or none', { $or: [{ source: ['nope'] }, { detail: { channel: ['app'] } }] }, false],
  ['missing field', { detail: { coupon: ['SPRING'] } }, false],
];

describe('EventBridge pattern matching', () => {
  it.each(cases)('%s', (_name, pattern, expected) => {
    expect(matchesEventPattern(pattern, order)).toBe(expected);
  });

  it('accepts JSON strings, as in Lambda FilterCriteria', () => {
    const filter = compileEventPattern(
      '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"status":{"S":["queued"]}}}}',
    );
    expect(filter({ eventName: 'INSERT', dynamodb: { NewImage: { status: { S: 'queued' } } } })).toBe(true);
    expect(filter({ eventName: 'MODIFY', dynamodb: { NewImage: { status: { S: 'queued' } } } })).toBe(false);
    expect(filter({ eventName: 'INSERT', dynamodb: { Keys: {} } })).toBe(false);
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '[1]'],
    ['a bare value', { source: 'precis.shop' }],
    ['an empty rule list', { source: [] }],
    ['an unknown operator', { source: [{ sounds_like: 'x' }] }],
    ['a malformed numeric rule', { detail: { total: [{ numeric: ['>'] }] } }],
    ['a bad cidr', { ip: [{ cidr: '10.0.0.0' }] }],
  ])('rejects %s at compile time', (_name, pattern) => {
    expect(() => compileEventPattern(pattern)).toThrow(EventPatternError);
  });
});
