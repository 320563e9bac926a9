// Reads an orders CSV (`customer_id,date,amount`, date YYYY-MM-DD or YYYYMMDD) into columns for the
// LTV code. Streams the file in chunks and parses bytes directly — no per-line strings, splits or
// regexes, no Date objects — so 7 million rows read in well under a second.
//
// Exports: readOrdersCsv(file, opts?) → OrdersTable, OrdersCsvError.

import { open, stat } from 'node:fs/promises';
import { dayNumber, daysInMonth } from '../domain/ltv/day-number';
import type { OrderColumns } from '../domain/ltv/summarise';

export interface OrdersTable extends OrderColumns {
  /** Customer id for each customer index, in order of first appearance. */
  customerIds: string[];
  /** First and last order day in the file (day numbers; NaN when there are no rows). */
  minDay: number;
  maxDay: number;
}

export class OrdersCsvError extends Error {
  readonly code = 'ORDERS_CSV_INVALID';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'OrdersCsvError';
  }
}

export interface ReadOrdersOptions {
  /** Called after each chunk with bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  chunkSize?: number;
}

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const DASH = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const EXPECTED_HEADER = ['customer_id', 'date', 'amount'];
// Exact powers of ten: mantissa / 10^k is then one correctly rounded division, like parseFloat.
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

// Day number of the 1st of each month, 1900–2199: a table lookup instead of calendar arithmetic.
const TABLE_FIRST_YEAR = 1900;
const MONTH_START = Int32Array.from({ length: 300 * 12 }, (_, i) =>
  dayNumber(TABLE_FIRST_YEAR + Math.floor(i / 12), (i % 12) + 1, 1),
);
const MONTH_LENGTH = Uint8Array.from({ length: 300 * 12 }, (_, i) =>
  daysInMonth(TABLE_FIRST_YEAR + Math.floor(i / 12), (i % 12) + 1),
);

// Numeric ids below this use a flat lookup table (at most 64 MB), larger ones a Map.
const DENSE_ID_LIMIT = 1 << 24;

// Plain functions and loops on purpose: for 8–10 byte fields they beat Buffer.compare/copy calls.
function sameBytes(buf: Buffer, start: number, prev: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[start + i] !== prev[i]) return false;
  return true;
}

export async function readOrdersCsv(file: string, opts: ReadOrdersOptions = {}): Promise<OrdersTable> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OrdersCsvError(
      code === 'ENOENT'
        ? `orders file not found: ${file}`
        : `cannot read orders file ${file} (${code ?? 'error'})`,
    );
  }
  const handle = await open(file, 'r');
  try {
    // ~24 bytes per row is typical; the arrays grow by half if the guess is short.
    const parser = new OrdersParser(file, Math.max(1024, Math.ceil(size / 22)));
    let buf = Buffer.allocUnsafe(opts.chunkSize ?? 1 << 22);
    let carry = 0;
    let bytesRead = 0;
    for (;;) {
      if (carry >= buf.length - 1) {
        // A line longer than the buffer: grow it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const { bytesRead: n } = await handle.read(buf, carry, buf.length - carry - 1, null);
      bytesRead += n;
      let end = carry + n;
      const eof = n === 0;
      // Terminate a last line that has no newline, so every line the parser sees ends with LF.
      if (eof && end > 0 && buf[end - 1] !== LF) buf[end++] = LF;
      const consumed = parser.feed(buf, end);
      carry = end - consumed;
      if (carry > 0) buf.copy(buf, 0, consumed, end);
      opts.onProgress?.(bytesRead, size);
      if (eof) break;
    }
    return parser.finish();
  } finally {
    await handle.close();
  }
}

class OrdersParser {
  private customer: Int32Array;
  private day: Int32Array;
  private amount: Float64Array;
  private length = 0;
  private line = 0;
  private headerSeen = false;
  private denseIds = new Int32Array(1 << 16).fill(-1);
  private readonly numericIds = new Map<number, number>();
  private readonly stringIds = new Map<string, number>();
  private readonly customerIds: string[] = [];
  private readonly prevId = new Uint8Array(256);
  private prevIdLength = -1;
  private prevCustomer = -1;
  private minDay = Number.POSITIVE_INFINITY;
  private maxDay = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly file: string,
    capacity: number,
  ) {
    this.customer = new Int32Array(capacity);
    this.day = new Int32Array(capacity);
    this.amount = new Float64Array(capacity);
  }

  /**
   * Parses every complete (LF-terminated) line in buf[0, end); returns the bytes consumed.
   * The common row shape — unquoted id, date, plain decimal amount — is parsed inline in one pass
   * over the bytes; anything else (quotes, exponents, errors) goes to the slower helpers.
   */
  feed(buf: Buffer, end: number): number {
    // (A negative offset would make lastIndexOf search from the buffer's end.)
    const limit = end > 0 ? buf.lastIndexOf(LF, end - 1) + 1 : 0;
    let pos = 0;
    if (!this.headerSeen && limit > 0) {
      const nl = buf.indexOf(LF);
      this.line++;
      this.header(buf, 0, nl > 0 && buf[nl - 1] === CR ? nl - 1 : nl);
      pos = nl + 1;
    }
    let customer = this.customer;
    let day = this.day;
    let amount = this.amount;
    let length = this.length;
    let minDay = this.minDay;
    let maxDay = this.maxDay;
    while (pos < limit) {
      this.line++;
      const lineStart = pos;
      let p = pos;
      let c = buf[p]!;
      if (c === QUOTE || c === LF || c === CR || c === COMMA) {
        // Hand the state to the slow path and take it back.
        this.length = length;
        this.minDay = minDay;
        this.maxDay = maxDay;
        pos = this.slowLine(buf, lineStart);
        customer = this.customer;
        day = this.day;
        amount = this.amount;
        length = this.length;
        minDay = this.minDay;
        maxDay = this.maxDay;
        continue;
      }
      // customer_id: a canonical decimal id is resolved by a table lookup on the value computed
      // while scanning; anything else (and each new id) goes through customerIndex.
      let numericId = 0;
      let canonical = c !== ZERO;
      while (c !== COMMA && c !== LF) {
        const v = c - ZERO;
        if (v >= 0 && v <= 9) numericId = numericId * 10 + v;
        else canonical = false;
        c = buf[++p]!;
      }
      if (c !== COMMA) this.fail('expected 3 fields: customer_id,date,amount');
      const dense = this.denseIds;
      const cust =
        canonical && p - lineStart <= 15 && numericId < dense.length && dense[numericId]! >= 0
          ? dense[numericId]!
          : this.customerIndex(buf, lineStart, p);
      // date
      const dateStart = ++p;
      c = buf[p]!;
      while (c !== COMMA && c !== LF) c = buf[++p]!;
      if (c !== COMMA) this.fail('expected 3 fields: customer_id,date,amount');
      const d = this.parseDate(buf, dateStart, p);
      // amount: [-]digits[.digits] as an exact mantissa and one division, like parseFloat.
      const amountStart = ++p;
      c = buf[p]!;
      const negative = c === DASH;
      if (negative) c = buf[++p]!;
      let mantissa = 0;
      let digits = 0;
      let dot = -1;
      for (;;) {
        const v = c - ZERO;
        if (v >= 0 && v <= 9) {
          mantissa = mantissa * 10 + v;
          digits++;
        } else if (c === DOT && dot < 0) {
          dot = digits;
        } else {
          break;
        }
        c = buf[++p]!;
      }
      let value: number;
      if ((c === LF || (c === CR && buf[p + 1] === LF)) && digits > 0 && digits <= 15) {
        value = mantissa / POW10[dot < 0 ? 0 : digits - dot]!;
        if (negative) value = -value;
        pos = c === LF ? p + 1 : p + 2;
      } else {
        const nl = buf.indexOf(LF, p);
        value = this.parseAmount(buf, amountStart, nl > amountStart && buf[nl - 1] === CR ? nl - 1 : nl);
        pos = nl + 1;
      }
      if (length === customer.length) {
        this.length = length;
        this.grow();
        customer = this.customer;
        day = this.day;
        amount = this.amount;
      }
      customer[length] = cust;
      day[length] = d;
      amount[length] = value;
      length++;
      if (d < minDay) minDay = d;
      if (d > maxDay) maxDay = d;
    }
    this.length = length;
    this.minDay = minDay;
    this.maxDay = maxDay;
    return limit;
  }

  /** A line the fast path does not handle (quoted id, blank, malformed); returns the next position. */
  private slowLine(buf: Buffer, start: number): number {
    const nl = buf.indexOf(LF, start);
    const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    if (end > start) this.row(buf, start, end);
    return nl + 1;
  }

  private fail(reason: string): never {
    throw new OrdersCsvError(`${this.file} line ${this.line}: ${reason}`, this.line);
  }

  private header(buf: Buffer, start: number, end: number): void {
    let text = buf.toString('utf8', start, end);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const fields = text.split(',').map((f) =>
      f
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase(),
    );
    if (fields.length !== 3 || fields.some((f, i) => f !== EXPECTED_HEADER[i])) {
      this.fail(`expected the header 'customer_id,date,amount', got '${text.slice(0, 80)}'`);
    }
    this.headerSeen = true;
  }

  private row(buf: Buffer, start: number, end: number): void {
    // customer_id
    let idStart = start;
    let idEnd: number;
    let p: number;
    if (buf[start] === QUOTE) {
      idStart = start + 1;
      idEnd = buf.indexOf(QUOTE, idStart);
      if (idEnd < 0 || idEnd >= end || buf[idEnd + 1] !== COMMA) this.fail('unterminated quoted customer_id');
      p = idEnd + 2;
    } else {
      idEnd = idStart;
      while (idEnd < end && buf[idEnd] !== COMMA) idEnd++;
      if (idEnd >= end) this.fail('expected 3 fields: customer_id,date,amount');
      p = idEnd + 1;
    }
    if (idEnd === idStart) this.fail('empty customer_id');
    const customer = this.customerIndex(buf, idStart, idEnd);

    // date
    const dateStart = p;
    while (p < end && buf[p] !== COMMA) p++;
    if (p >= end) this.fail('expected 3 fields: customer_id,date,amount');
    const d = this.parseDate(buf, dateStart, p);
    p++;

    // amount
    const amount = this.parseAmount(buf, p, end);

    if (this.length === this.customer.length) this.grow();
    this.customer[this.length] = customer;
    this.day[this.length] = d;
    this.amount[this.length] = amount;
    this.length++;
    if (d < this.minDay) this.minDay = d;
    if (d > this.maxDay) this.maxDay = d;
  }

  private customerIndex(buf: Buffer, start: number, end: number): number {
    const len = end - start;
    // Exports are usually grouped by customer: compare with the previous id before any lookup.
    if (len === this.prevIdLength && sameBytes(buf, start, this.prevId, len)) return this.prevCustomer;
    let index: number | undefined;
    // Canonical decimal ids (no leading zero, ≤ 15 digits) use a numeric key: no string per row.
    let numeric = len <= 15 && (buf[start] !== ZERO || len === 1);
    let value = 0;
    for (let i = start; numeric && i < end; i++) {
      const c = buf[i]! - ZERO;
      if (c < 0 || c > 9) numeric = false;
      else value = value * 10 + c;
    }
    if (numeric && value < DENSE_ID_LIMIT) {
      // Small numeric ids index a flat table: no hashing at all.
      if (value >= this.denseIds.length) {
        let size = this.denseIds.length;
        while (size <= value) size *= 2;
        const bigger = new Int32Array(size).fill(-1);
        bigger.set(this.denseIds);
        this.denseIds = bigger;
      }
      index = this.denseIds[value]!;
      if (index < 0) {
        index = this.customerIds.length;
        this.denseIds[value] = index;
        this.customerIds.push(buf.toString('latin1', start, end));
      }
    } else if (numeric) {
      index = this.numericIds.get(value);
      if (index === undefined) {
        index = this.customerIds.length;
        this.numericIds.set(value, index);
        this.customerIds.push(buf.toString('latin1', start, end));
      }
    } else {
      const id = buf.toString('utf8', start, end);
      index = this.stringIds.get(id);
      if (index === undefined) {
        index = this.customerIds.length;
        this.stringIds.set(id, index);
        this.customerIds.push(id);
      }
    }
    if (len <= this.prevId.length) {
      for (let i = 0; i < len; i++) this.prevId[i] = buf[start + i]!;
      this.prevIdLength = len;
      this.prevCustomer = index;
    } else {
      this.prevIdLength = -1;
    }
    return index;
  }

  private parseDate(buf: Buffer, start: number, end: number): number {
    const len = end - start;
    let mo: number;
    let da: number;
    if (len === 10 && buf[start + 4] === DASH && buf[start + 7] === DASH) {
      mo = start + 5;
      da = start + 8;
    } else if (len === 8) {
      mo = start + 4;
      da = start + 6;
    } else {
      return this.badDate(buf, start, end);
    }
    // c − '0' as unsigned exceeds 9 for any non-digit.
    const y1 = (buf[start]! - ZERO) >>> 0;
    const y2 = (buf[start + 1]! - ZERO) >>> 0;
    const y3 = (buf[start + 2]! - ZERO) >>> 0;
    const y4 = (buf[start + 3]! - ZERO) >>> 0;
    const m1 = (buf[mo]! - ZERO) >>> 0;
    const m2 = (buf[mo + 1]! - ZERO) >>> 0;
    const d1 = (buf[da]! - ZERO) >>> 0;
    const d2 = (buf[da + 1]! - ZERO) >>> 0;
    if (y1 > 9 || y2 > 9 || y3 > 9 || y4 > 9 || m1 > 9 || m2 > 9 || d1 > 9 || d2 > 9) {
      return this.badDate(buf, start, end);
    }
    const y = y1 * 1000 + y2 * 100 + y3 * 10 + y4;
    const m = m1 * 10 + m2;
    const d = d1 * 10 + d2;
    if (m < 1 || m > 12 || d < 1) return this.badDate(buf, start, end);
    const month = (y - TABLE_FIRST_YEAR) * 12 + m - 1;
    if (month >= 0 && month < MONTH_START.length) {
      if (d > MONTH_LENGTH[month]!) return this.badDate(buf, start, end);
      return MONTH_START[month]! + d - 1;
    }
    if (d > daysInMonth(y, m)) return this.badDate(buf, start, end);
    return dayNumber(y, m, d);
  }

  private badDate(buf: Buffer, start: number, end: number): never {
    this.fail(`invalid date '${buf.toString('utf8', start, end)}' (expected YYYY-MM-DD or YYYYMMDD)`);
  }

  private parseAmount(buf: Buffer, start: number, end: number): number {
    let p = start;
    let negative = false;
    if (buf[p] === DASH) {
      negative = true;
      p++;
    } else if (buf[p] === 0x2b) {
      p++;
    }
    let mantissa = 0;
    let digits = 0;
    let decimals = 0;
    let seenDot = false;
    for (; p < end; p++) {
      const c = buf[p]!;
      if (c === DOT && !seenDot) {
        seenDot = true;
        continue;
      }
      const v = c - ZERO;
      if (v < 0 || v > 9) break;
      mantissa = mantissa * 10 + v;
      digits++;
      if (seenDot) decimals++;
    }
    if (p === end && digits > 0 && digits <= 15 && decimals < POW10.length) {
      const value = mantissa / POW10[decimals]!;
      return negative ? -value : value;
    }
    // Rare forms (exponents, long mantissas, surrounding quotes or spaces): defer to Number().
    const text = buf
      .toString('utf8', start, end)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    const value = text === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) this.fail(`invalid amount '${text.slice(0, 40)}'`);
    return value;
  }

  private grow(): void {
    const capacity = Math.ceil(this.customer.length * 1.5) + 1024;
    const customer = new Int32Array(capacity);
    customer.set(this.customer);
    this.customer = customer;
    const day = new Int32Array(capacity);
    day.set(this.day);
    this.day = day;
    const amount = new Float64Array(capacity);
    amount.set(this.amount);
    this.amount = amount;
  }

  finish(): OrdersTable {
    if (!this.headerSeen)
      throw new OrdersCsvError(`${this.file}: empty file (expected a header 'customer_id,date,amount')`);
    const n = this.length;
    return {
      length: n,
      customerCount: this.customerIds.length,
      customer: this.customer.subarray(0, n),
      day: this.day.subarray(0, n),
      amount: this.amount.subarray(0, n),
      customerIds: this.customerIds,
      minDay: n > 0 ? this.minDay : Number.NaN,
      maxDay: n > 0 ? this.maxDay : Number.NaN,
    };
  }
}
