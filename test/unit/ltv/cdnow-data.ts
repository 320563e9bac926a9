import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDay } from '../../../lib/domain/ltv/day-number';

// The CDNOW sample and golden values, copied into the repository (see its README for source and licence).
export const CDNOW_DIR = resolve(import.meta.dirname, '../../fixtures/cdnow');
export const CDNOW_RAW = resolve(CDNOW_DIR, 'CDNOW_sample.txt');

export const CALIBRATION_END = parseDay('1997-09-30')!;
export const HOLDOUT_END = parseDay('1998-06-30')!;

export interface CdnowOrder {
  customerId: string;
  day: number;
  amount: number;
}

/** Rows of `master_id sample_id yyyymmdd number_of_cds dollars`; sample_id is the customer. */
export function cdnowOrders(): CdnowOrder[] {
  return readFileSync(CDNOW_RAW, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [, sampleId, date, , dollars] = line.trim().split(/\s+/);
      return { customerId: sampleId!, day: parseDay(date!)!, amount: Number(dollars) };
    });
}

/** The same orders as the documented CSV input (customer_id,date,amount). */
export function cdnowCsv(): string {
  const lines = readFileSync(CDNOW_RAW, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [, sampleId, date, , dollars] = line.trim().split(/\s+/);
      return `${sampleId},${date},${dollars}`;
    });
  return `customer_id,date,amount\n${lines.join('\n')}\n`;
}

export type GoldenRow = Record<string, number>;

export function goldenRows(): GoldenRow[] {
  const [header, ...lines] = readFileSync(resolve(CDNOW_DIR, 'golden_cdnow_published.csv'), 'utf8')
    .trim()
    .split('\n');
  const names = header!.split(',');
  return lines.map((line) => {
    const values = line.split(',');
    return Object.fromEntries(names.map((name, i) => [name, Number(values[i])]));
  });
}
