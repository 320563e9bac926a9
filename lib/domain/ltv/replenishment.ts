// Per-category replenishment: when a customer restocks a category on a regular cycle (coffee,
// contact lenses, pet food), the next restock is due one typical gap after the last one.
//
// Exports: replenishmentDate(purchaseDays, opts?) → { nextDay, medianGap, coefficientOfVariation } | undefined
//
// "Regular" (defaults, both options): at least 3 purchases on distinct days (so at least two gaps
// to compare) and a coefficient of variation of the gaps (population sd / mean) of at most 0.5,
// i.e. gaps typically within half a cycle of each other: 28, 30, 35 days is regular; 5, 60, 200 is
// not. The median gap is used rather than the mean so one late restock does not shift the date.
// Days are integer day numbers (day-number.ts). Pure: no I/O.

export interface ReplenishmentOptions {
  minPurchases?: number;
  maxCoefficientOfVariation?: number;
}

export interface Replenishment {
  nextDay: number;
  medianGap: number;
  coefficientOfVariation: number;
}

export function replenishmentDate(
  purchaseDays: readonly number[],
  opts: ReplenishmentOptions = {},
): Replenishment | undefined {
  const minPurchases = opts.minPurchases ?? 3;
  const maxCv = opts.maxCoefficientOfVariation ?? 0.5;
  // Several orders on one day are one purchase.
  const days = [...new Set(purchaseDays)].sort((p, q) => p - q);
  if (days.length < Math.max(2, minPurchases)) return undefined;
  const gaps = days.slice(1).map((d, i) => d - days[i]!);
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  const variance = gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length;
  const coefficientOfVariation = Math.sqrt(variance) / mean;
  if (!(coefficientOfVariation <= maxCv)) return undefined;
  const sorted = [...gaps].sort((p, q) => p - q);
  const mid = sorted.length >> 1;
  const medianGap = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { nextDay: days[days.length - 1]! + Math.round(medianGap), medianGap, coefficientOfVariation };
}
