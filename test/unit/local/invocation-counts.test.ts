import { describe, expect, it } from 'vitest';
import { invocationRows, invocationsOnly, invocationsPer } from '../../../bench/support';
import { Activity } from '../../../lib/local/activity';

// What the orders and signup benches print as "function invocations per order / per signup".
describe('invocation counts', () => {
  it('counts each invocation of a function and the records its event carried', () => {
    const activity = new Activity();
    activity.count('OrdersApi', { body: '{}' });
    activity.count('OrdersStream', { Records: [{}, {}, {}] });
    activity.count('OrdersStream', { Records: [{}] });
    expect(activity.invocations()).toEqual({
      OrdersApi: { invocations: 1, records: 0 },
      OrdersStream: { invocations: 2, records: 4 },
    });
  });

  it('hands out copies, so an earlier count can be diffed against a later one', () => {
    const activity = new Activity();
    activity.count('ProfileStream', { Records: [{}, {}] });
    const before = activity.invocations();
    activity.count('ProfileStream', { Records: [{}] });
    activity.count('Triggers', { Records: [{}, {}] });
    expect(before).toEqual({ ProfileStream: { invocations: 1, records: 2 } });

    const per = invocationsPer(before, activity.invocations(), 2);
    expect(per).toEqual({
      ProfileStream: { invocations: 0.5, records: 0.5 },
      Triggers: { invocations: 0.5, records: 1 },
    });
    expect(invocationsOnly(per)).toEqual({ ProfileStream: 0.5, Triggers: 0.5 });
    expect(invocationRows(per).at(-1)).toMatch(/^ {2}total +invocations +1\.00$/);
  });

  it('leaves out functions that did not run in between', () => {
    const activity = new Activity();
    activity.count('Planner', {});
    const before = activity.invocations();
    activity.count('SignupApi', {});
    expect(Object.keys(invocationsPer(before, activity.invocations(), 1))).toEqual(['SignupApi']);
  });
});
