import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emailAddressProblem,
  emailSchema,
  mailboxOf,
  normaliseEmailAddress,
} from '../../../lib/domain/email-address';

const accepted = (address: string) => emailAddressProblem(address) === undefined;

describe('email addresses the public form takes (RFC 5321/5322)', () => {
  it.each([
    'ana@example.com',
    'Ana.Silva@Example.COM',
    'ana+news@example.co.uk',
    "o'brien@example.ie",
    'a@b.co',
    'x_y-z@sub-domain.example.org',
    'ana@xn--bcher-kva.de',
    'ana@bücher.de',
    `${'a'.repeat(64)}@example.com`,
    `ana@${'d'.repeat(63)}.com`,
  ])('accepts %s', (address) => {
    expect(emailAddressProblem(address)).toBeUndefined();
  });

  it.each([
    ['a control character (NUL)', 'ana\u0000@example.com', 'control characters'],
    ['a newline (header injection)', 'ana@example.com\nBcc: x@evil.test', 'control characters'],
    ['a DEL', 'ana\u007f@example.com', 'control characters'],
    ['a space', 'ana silva@example.com', 'spaces'],
    ['no @', 'ana.example.com', 'email address'],
    ['two @', 'ana@bo@example.com', 'one @'],
    ['nothing before the @', '@example.com', 'name before'],
    ['a leading dot in the name', '.ana@example.com', 'dot'],
    ['a trailing dot in the name', 'ana.@example.com', 'dot'],
    ['two dots in the name', 'ana..silva@example.com', 'two dots'],
    ['a leading dot in the domain', 'ana@.example.com', 'dot'],
    ['a trailing dot in the domain', 'ana@example.com.', 'dot'],
    ['two dots in the domain', 'ana@example..com', 'two dots'],
    ['a domain without a dot', 'ana@localhost', 'with a dot'],
    ['no domain', 'ana@', 'domain'],
    ['a label starting with a hyphen', 'ana@-example.com', 'hyphen'],
    ['a label ending with a hyphen', 'ana@example-.com', 'hyphen'],
    ['a label of 64 characters', `ana@${'d'.repeat(64)}.com`, '63'],
    ['a name of 65 characters', `${'a'.repeat(65)}@example.com`, '64'],
    [
      '255 characters in all',
      `ana@${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.${'g'.repeat(66)}.com`,
      '254',
    ],
    ['a quoted name', '"ana silva"@example.com', 'spaces'],
    ['a quoted name without spaces', '"ana"@example.com', 'may hold only'],
    ['an address literal', 'ana@[192.0.2.1]', 'may hold only'],
    ['a numeric top-level domain', 'ana@192.0.2.1', 'top-level'],
    ['an underscore in the domain', 'ana@ex_ample.com', 'may hold only'],
    ['a percent-encoded domain', 'ana@ex%41mple.com', 'may hold only'],
    ['a full-width dot', 'ana@bücher．de', 'valid domain'],
    ['angle brackets', '<ana@example.com>', 'may hold only'],
  ])('refuses %s, saying why', (_, address, why) => {
    expect(emailAddressProblem(address)).toContain(why);
  });

  it('normalises to lower case with the domain in ASCII', () => {
    expect(normaliseEmailAddress('Ana.Silva@Bücher.DE')).toBe('ana.silva@xn--bcher-kva.de');
    expect(emailSchema.parse('  Ana@Example.com ')).toBe('ana@example.com');
    const refused = emailSchema.safeParse('ana..silva@example.com');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe('must not have two dots in a row');
  });
});

describe('email address checks hold for any input (property-based)', () => {
  const atom = fc.stringMatching(/^[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,12}$/);
  const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
  const local = fc.array(atom, { minLength: 1, maxLength: 4 }).map((atoms) => atoms.join('.'));
  const domain = fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/))
    .map(([labels, tld]) => [...labels, tld].join('.'));
  const address = fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`);

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary-ascii' }), fc.string({ unit: 'grapheme' })), (text) => {
        const problem = emailAddressProblem(text);
        expect(problem === undefined || typeof problem === 'string').toBe(true);
      }),
    );
  });

  it('accepts every well-formed dot-atom address, and fast-check’s own RFC addresses', () => {
    fc.assert(fc.property(address, (a) => accepted(a)));
    fc.assert(fc.property(fc.emailAddress(), (a) => accepted(a)));
  });

  it('refuses an address with a control character anywhere', () => {
    fc.assert(
      fc.property(
        address,
        fc.nat(),
        fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f),
        (a, at, code) => {
          const i = at % (a.length + 1);
          return (
            emailAddressProblem(`${a.slice(0, i)}${String.fromCharCode(code)}${a.slice(i)}`) !== undefined
          );
        },
      ),
    );
  });

  it('refuses leading, trailing and doubled dots in either part', () => {
    fc.assert(
      fc.property(local, domain, fc.integer({ min: 0, max: 5 }), (l, d, where) => {
        const variants = [`.${l}@${d}`, `${l}.@${d}`, `${l}@.${d}`, `${l}@${d}.`];
        const doubled = (text: string) => text.replace('.', '..');
        if (l.includes('.')) variants.push(`${doubled(l)}@${d}`);
        variants.push(`${l}@${doubled(d)}`);
        return !accepted(variants[where % variants.length] as string);
      }),
    );
  });

  it('refuses labels over 63, names over 64 and addresses over 254 characters', () => {
    fc.assert(
      fc.property(local, domain, fc.integer({ min: 64, max: 80 }), (l, d, n) => {
        return (
          !accepted(`${l}@${'a'.repeat(n)}.${d}`) &&
          !accepted(`${'a'.repeat(n + 1)}@${d}`) &&
          !accepted(`${l}@${Array.from({ length: 5 }, () => 'b'.repeat(50)).join('.')}.${d}`)
        );
      }),
    );
  });

  it('refuses a label that starts or ends with a hyphen', () => {
    fc.assert(
      fc.property(
        local,
        label,
        domain,
        fc.boolean(),
        (l, x, d, front) => !accepted(`${l}@${front ? `-${x}` : `${x}-`}.${d}`),
      ),
    );
  });

  it('counts every +tag of a mailbox as that mailbox', () => {
    const name = local.filter((l) => !l.includes('+'));
    fc.assert(
      fc.property(
        name,
        domain,
        atom,
        (l, d, tag) => mailboxOf(`${l}+${tag}@${d}`) === mailboxOf(`${l}@${d}`),
      ),
    );
  });
});

describe('the mailbox an address delivers to (counting confirmation emails)', () => {
  it.each([
    ['ana@example.com', 'ana@example.com'],
    ['ana+1@example.com', 'ana@example.com'],
    ['ana+news+2@example.com', 'ana@example.com'],
    ['a.n.a@example.com', 'a.n.a@example.com'],
    ['a.n.a+x@gmail.com', 'ana@gmail.com'],
    ['ana.silva@googlemail.com', 'anasilva@gmail.com'],
    ['+tag@example.com', '+tag@example.com'],
  ])('%s is counted as %s', (address, mailbox) => {
    expect(mailboxOf(address)).toBe(mailbox);
  });
});
