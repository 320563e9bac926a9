// Money arithmetic in integer minor units (cents): summing floats drifts (0.1 + 0.2 !== 0.3),
// summing integers does not. Amounts arrive already converted to the reporting currency, which
// Precis treats as having two decimals; a zero-decimal currency (JPY) simply has no fraction.

const MINOR_PER_MAJOR = 100;

/** 12.34 → 1234. Rounds half away from zero on the decimal digits, so 1.005 → 101 (not 100). */
export function toMinorUnits(amount: number): number {
  if (!Number.isFinite(amount)) throw new RangeError(`amount must be a finite number, got ${amount}`);
  // Shifting the decimal point in the string form avoids 1.005 * 100 = 100.49999….
  const shifted = Number(`${Math.abs(amount)}e2`);
  const minor = Math.round(Number.isFinite(shifted) ? shifted : Math.abs(amount) * MINOR_PER_MAJOR);
  return amount < 0 && minor !== 0 ? -minor : minor;
}

/** 1234 → 12.34. */
export function fromMinorUnits(minor: number): number {
  return minor / MINOR_PER_MAJOR;
}

/** Rounds an amount to the cent. */
export function roundMoney(amount: number): number {
  return fromMinorUnits(toMinorUnits(amount));
}

/** Sums amounts exactly to the cent. */
export function sumMoney(amounts: readonly number[]): number {
  let minor = 0;
  for (const amount of amounts) minor += toMinorUnits(amount);
  return fromMinorUnits(minor);
}
