import { describe, expect, it } from 'vitest';
import { csvCell, MEMBER_CSV_COLUMNS, membersCsv } from '../../../lib/domain/segment-member-view';
import {
  audienceChanges,
  audiencesOf,
  decodeCursor,
  encodeCursor,
  memberPartition,
  memberPartitions,
  parseSegmentRef,
} from '../../../lib/domain/segment-members';

// Who is in which audience, what a profile write changes, and how a marketer names a segment.

const champion = {
  customerId: 'cus_ana',
  consent: { email: { status: 'confirmed' }, sms: { status: 'none' } },
  segments: {
    rfm: { r: 5, f: 5, m: 5, name: 'Champions' },
    valueTier: 'vip',
    matrix: { volume: 'high', satisfaction: 'high', strategy: 'one-to-one' },
    lifecycle: 'active',
    rules: ['cat-lovers'],
  },
};

describe('audiencesOf', () => {
  it('a Champion with confirmed email is in her RFM segment, tier, stage, matrix cell, rule segments and the email audience', () => {
    expect(audiencesOf(champion)).toEqual([
      'rfm:Champions',
      'valueTier:vip',
      'lifecycle:active',
      'matrix:one-to-one',
      'rule:cat-lovers',
      'consent:email',
    ]);
  });

  it('a new signup not yet scored, email unconfirmed, SMS verified: only the SMS audience', () => {
    expect(audiencesOf({ consent: { email: { status: 'pending' }, sms: { status: 'opted_in' } } })).toEqual([
      'consent:sms',
    ]);
  });

  it('an erased person is in no audience, whatever their item still holds', () => {
    expect(audiencesOf({ ...champion, erasedAt: '2026-11-24T10:00:00Z' })).toEqual([]);
  });

  it('reads a raw stream image leniently (a malformed segments attribute counts as none)', () => {
    expect(audiencesOf({ segments: { rfm: 'x' }, consent: {} })).toEqual([]);
    expect(audiencesOf(undefined)).toEqual([]);
  });
});

describe('audienceChanges', () => {
  it("a Champion gone quiet leaves Champions, VIP and active, and enters Can't Lose, standard and at risk", () => {
    const after = {
      ...champion,
      segments: {
        ...champion.segments,
        rfm: { r: 1, f: 5, m: 5, name: "Can't Lose" },
        valueTier: 'standard',
        lifecycle: 'at_risk',
      },
    };
    expect(audienceChanges(champion, after)).toEqual({
      entered: ["rfm:Can't Lose", 'lifecycle:at_risk', 'valueTier:standard'].sort(),
      exited: ['lifecycle:active', 'rfm:Champions', 'valueTier:vip'],
    });
  });

  it('an unsubscribe leaves the email audience only; an unchanged write changes nothing', () => {
    const unsubscribed = { ...champion, consent: { ...champion.consent, email: { status: 'unsubscribed' } } };
    expect(audienceChanges(champion, unsubscribed)).toEqual({ entered: [], exited: ['consent:email'] });
    expect(audienceChanges(champion, structuredClone(champion))).toEqual({ entered: [], exited: [] });
  });

  it('a first write enters every audience; an erasure leaves them all', () => {
    expect(audienceChanges(undefined, champion).entered).toHaveLength(6);
    expect(audienceChanges(champion, { ...champion, erasedAt: 'now' }).exited).toHaveLength(6);
  });
});

describe('member partitions', () => {
  it('shard a member by id as the day-keyed indexes do; a reader queries every shard', () => {
    expect(memberPartition('rfm:Champions', 'cus_ana', 1)).toBe('rfm:Champions');
    expect(memberPartition('rfm:Champions', 'cus_ana', 8)).toMatch(/^rfm:Champions#[0-7]$/);
    expect(memberPartitions('rfm:Champions', 3)).toEqual([
      'rfm:Champions#0',
      'rfm:Champions#1',
      'rfm:Champions#2',
    ]);
    expect(memberPartitions('consent:email', 1)).toEqual(['consent:email']);
  });
});

describe('parseSegmentRef', () => {
  it.each([
    ['rfm:Champions', 'rfm:Champions'],
    ["rfm:Can't Lose", "rfm:Can't Lose"],
    ['valueTier:vip', 'valueTier:vip'],
    ['lifecycle:at_risk', 'lifecycle:at_risk'],
    ['matrix:retailer-partner', 'matrix:retailer-partner'],
    ['rule:cat-lovers', 'rule:cat-lovers'],
    ['consent:sms', 'consent:sms'],
  ])('names %s', (text, key) => {
    expect(parseSegmentRef(text, ['cat-lovers'])).toEqual({
      ok: true,
      segment: expect.objectContaining({ key }),
    });
  });

  it.each([
    ['champions', /kind:name/],
    ['rfm:champions', /no rfm segment "champions": one of Champions/],
    ['tier:vip', /kind one of rfm, valueTier, lifecycle, matrix, rule, consent/],
    [':vip', /kind:name/],
    ['rule:cat-lovers', /no rule segment "cat-lovers" \(no rule segments are configured\)/],
    ['consent:post', /no consent segment "post": one of email, sms/],
  ])('refuses %s', (text, message) => {
    const parsed = parseSegmentRef(text, []);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(message);
  });
});

describe('cursors', () => {
  it('round-trip a position and refuse anything else', () => {
    expect(decodeCursor(encodeCursor({ shard: 3, after: 'cus_9' }))).toEqual({ shard: 3, after: 'cus_9' });
    expect(decodeCursor(encodeCursor({ shard: 0 }))).toEqual({ shard: 0 });
    for (const bad of [
      '',
      'x',
      Buffer.from('{"s":-1}').toString('base64url'),
      Buffer.from('[1]').toString('base64url'),
    ]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
  });
});

describe('CSV', () => {
  it('quotes commas, quotes and line breaks, and defuses formulas but not a phone number', () => {
    expect(csvCell('Smith, Jr.')).toBe('"Smith, Jr."');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell('+447700900123', { phone: true })).toBe('+447700900123');
    expect(csvCell('+SUM(A1)', { phone: true })).toBe("'+SUM(A1)");
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
  });

  it('writes one line per member under the header', () => {
    const csv = membersCsv(
      [
        {
          customerId: 'cus_ana',
          firstName: 'Ana',
          email: 'ana@example.com',
          phone: '+447700900123',
          timeZone: 'Europe/London',
          locale: 'en-GB',
          consent: { email: 'confirmed', sms: 'opted_in' },
          segments: {
            rfm: { r: 5, f: 5, m: 5, name: 'Champions' },
            valueTier: 'vip',
            matrix: null,
            lifecycle: 'active',
            rules: ['cat-lovers', 'dog-lovers'],
          },
          orderCount: 6,
          totalSpend: 720,
          lastOrderAt: '2026-11-19T10:00:00.000Z',
          clv12m: 512.4,
        },
      ],
      { header: true },
    );
    expect(csv).toBe(
      `${MEMBER_CSV_COLUMNS.join(',')}\r\n` +
        'cus_ana,Ana,,ana@example.com,+447700900123,Europe/London,en-GB,confirmed,opted_in,Champions,vip,active,,cat-lovers dog-lovers,6,720,2026-11-19T10:00:00.000Z,512.4\r\n',
    );
  });
});
