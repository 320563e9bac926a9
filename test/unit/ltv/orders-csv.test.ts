import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { OrdersCsvError, readOrdersCsv } from '../../../lib/cli/orders-csv';
import { formatDay, parseDay } from '../../../lib/domain/ltv/day-number';

const dir = mkdtempSync(join(tmpdir(), 'precis-orders-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(text: string): string {
  const path = join(dir, `orders-${n++}.csv`);
  writeFileSync(path, text);
  return path;
}

async function rows(path: string, chunkSize?: number) {
  const t = await readOrdersCsv(path, chunkSize ? { chunkSize } : {});
  return Array.from({ length: t.length }, (_, i) => ({
    customerId: t.customerIds[t.customer[i]!]!,
    date: formatDay(t.day[i]!),
    amount: t.amount[i]!,
  }));
}

describe('readOrdersCsv', () => {
  it('reads both date forms, CRLF, a BOM, quoted ids, blank lines and a last line without newline', async () => {
    const path = write(
      '\uFEFFcustomer_id,date,amount\r\n42,2024-01-31,19.99\r\n"C-7",20240201,5\r\n\r\n0042,2024-02-02,-3.5\r\n42,2024-02-03,1e2',
    );
    expect(await rows(path)).toEqual([
      { customerId: '42', date: '2024-01-31', amount: 19.99 },
      { customerId: 'C-7', date: '2024-02-01', amount: 5 },
      // '0042' is a different customer from '42': ids are strings.
      { customerId: '0042', date: '2024-02-02', amount: -3.5 },
      { customerId: '42', date: '2024-02-03', amount: 100 },
    ]);
    const t = await readOrdersCsv(path);
    expect(t.customerCount).toBe(3);
    expect([formatDay(t.minDay), formatDay(t.maxDay)]).toEqual(['2024-01-31', '2024-02-03']);
  });

  it('reports the first bad line with its number', async () => {
    const path = write('customer_id,date,amount\n1,2024-01-01,5\n1,2024-01-02,5\n1,2024/01/03,5\n');
    await expect(readOrdersCsv(path)).rejects.toThrow(/line 4: invalid date '2024\/01\/03'/);
    await expect(readOrdersCsv(path)).rejects.toBeInstanceOf(OrdersCsvError);
    await expect(readOrdersCsv(write('customer_id,date,amount\n,2024-01-01,5\n'))).rejects.toThrow(
      /line 2: empty customer_id/,
    );
  });

  // Outside input gets a property test: any well-formed file parses to exactly its rows, however the
  // file is cut into chunks.
  const idArb = fc.oneof(
    fc.integer({ min: 0, max: 20_000_000 }).map(String),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
  );
  const rowArb = fc.record({
    customerId: idArb,
    day: fc.integer({ min: parseDay('1990-01-01')!, max: parseDay('2030-12-31')! }),
    cents: fc.integer({ min: -100_000, max: 10_000_000 }),
    compactDate: fc.boolean(),
    quoted: fc.boolean(),
  });

  it('parses any well-formed file to its rows, for any chunk size (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 1, maxLength: 30 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.constantFrom(16, 64, 4096),
        async (input, eol, trailingNewline, chunkSize) => {
          const lines = input.map((r) => {
            const date = r.compactDate ? formatDay(r.day).replaceAll('-', '') : formatDay(r.day);
            const id = r.quoted ? `"${r.customerId}"` : r.customerId;
            return `${id},${date},${(r.cents / 100).toFixed(2)}`;
          });
          const path = write(`customer_id,date,amount${eol}${lines.join(eol)}${trailingNewline ? eol : ''}`);
          expect(await rows(path, chunkSize)).toEqual(
            input.map((r) => ({ customerId: r.customerId, date: formatDay(r.day), amount: r.cents / 100 })),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
