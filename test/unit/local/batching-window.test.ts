import { describe, expect, it } from 'vitest';
import { capBatchingWindow } from '../../../lib/local/runtime';

describe('capBatchingWindow', () => {
  const mapping = { id: 'Customers', maxBatchingWindowSeconds: 1 };

  it('keeps the template window when no cap is given', () => {
    expect(capBatchingWindow(mapping, undefined)).toBe(mapping);
  });

  it('lowers a window above the cap, and a cap of 0 means deliver at once', () => {
    expect(capBatchingWindow(mapping, 250)).toEqual({ id: 'Customers', maxBatchingWindowSeconds: 0.25 });
    expect(capBatchingWindow(mapping, 0).maxBatchingWindowSeconds).toBe(0);
  });

  it('never raises a window below the cap', () => {
    expect(
      capBatchingWindow({ ...mapping, maxBatchingWindowSeconds: 0.1 }, 5_000).maxBatchingWindowSeconds,
    ).toBe(0.1);
  });
});
