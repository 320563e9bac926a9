import * as z from '../zod';

// Email addresses as the public form takes them: the RFC 5321 "Mailbox" that SMTP servers (SES
// among them) accept, written as an RFC 5322 dot-atom. Deliberately narrower than RFC 5322 allows:
// no quoted local parts ("ana smith"@…), no comments, no address literals (@[192.0.2.1]) — nobody
// signs up to a newsletter with those, and each is a way to smuggle odd bytes into a mail header.
//
// And the "mailbox" an address delivers to, for counting confirmation emails (see mailboxOf).

/** RFC 5321 §4.5.3.1: the longest path is 256 octets with its angle brackets, so 254 for the address. */
export const MAX_ADDRESS_LENGTH = 254;
/** RFC 5321 §4.5.3.1.1 (local part) and RFC 1035 §2.3.4 (one label of a domain). */
export const MAX_LOCAL_PART_LENGTH = 64;
export const MAX_LABEL_LENGTH = 63;

// RFC 5322 §3.2.3 atext: letters, digits and these specials; dots only between atoms.
const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
// RFC 1035 / 5890 LDH label (A-labels `xn--…` included): letters, digits, hyphens inside.
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why an address is refused, as the `email` field error says it; undefined when it is acceptable. */
export function emailAddressProblem(address: string): string | undefined {
  if (CONTROL.test(address)) return 'must not contain control characters';
  if (/\s/u.test(address)) return 'must not contain spaces';
  if (address.length > MAX_ADDRESS_LENGTH) return `must be at most ${MAX_ADDRESS_LENGTH} characters`;
  const at = address.lastIndexOf('@');
  if (at === -1) return 'must be an email address such as ana@example.com';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local === '') return 'must have a name before the @';
  if (local.includes('@')) return 'must hold one @';
  if (local.length > MAX_LOCAL_PART_LENGTH)
    return `must have at most ${MAX_LOCAL_PART_LENGTH} characters before the @`;
  if (local.startsWith('.') || local.endsWith('.')) return 'must not start or end the name with a dot';
  if (local.includes('..')) return 'must not have two dots in a row';
  if (!local.split('.').every((atom) => ATEXT.test(atom)))
    return "may hold only letters, digits, dots and ! # $ % & ' * + / = ? ^ _ ` { | } ~ - before the @";
  return domainProblem(domain);
}

function domainProblem(domain: string): string | undefined {
  if (domain === '') return 'must have a domain after the @, such as example.com';
  if (domain.startsWith('.') || domain.endsWith('.')) return 'must not start or end the domain with a dot';
  if (domain.includes('..')) return 'must not have two dots in a row';
  const ascii = asciiDomain(domain);
  if (ascii === undefined) return 'must have a valid domain after the @, such as example.com';
  const labels = ascii.split('.');
  if (labels.length < 2) return 'must have a domain with a dot, such as example.com';
  for (const label of labels) {
    if (label.length > MAX_LABEL_LENGTH)
      return `must not have a domain part longer than ${MAX_LABEL_LENGTH} characters`;
    if (label.startsWith('-') || label.endsWith('-'))
      return 'must not start or end a domain part with a hyphen';
    if (!LABEL.test(label)) return 'may hold only letters, digits, hyphens and dots after the @';
  }
  if (/^[0-9]+$/.test(labels.at(-1) as string)) return 'must end with a top-level domain such as .com';
  return undefined;
}

/**
 * The domain as DNS knows it: ASCII lower case, an internationalised name as its A-labels
 * (`bücher.de` → `xn--bcher-kva.de`, by the WHATWG URL parser's IDNA); undefined when it cannot be
 * one. Only the IDNA mapping of letters is let through, never of dots: full-width and ideographic
 * dots, which the URL parser reads as dots, refuse.
 */
function asciiDomain(domain: string): string | undefined {
  if (/^[\x21-\x7e]*$/.test(domain)) return domain.toLowerCase();
  if (/[\x20-\x2c\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\u3002\uff0e\uff61]/.test(domain)) return undefined;
  try {
    const ascii = new URL(`http://${domain}/`).hostname;
    return /^[a-z0-9.-]+$/.test(ascii) ? ascii : undefined;
  } catch {
    return undefined; // not a host name the URL parser (so IDNA) accepts
  }
}

/**
 * The address stored and looked up: trimmed, the domain in ASCII (A-labels), all lower-cased.
 * Local parts are case-sensitive in theory (RFC 5321 §2.4) and case-insensitive at every provider
 * a customer uses; one customer per address needs one spelling.
 */
export function normaliseEmailAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = asciiDomain(address.slice(at + 1)) ?? address.slice(at + 1);
  return `${address.slice(0, at)}@${domain}`.toLowerCase();
}

/** Domains where dots in the name are ignored by the provider, and their canonical name. */
const DOTLESS_DOMAINS: Record<string, string> = { 'gmail.com': 'gmail.com', 'googlemail.com': 'gmail.com' };

/**
 * The mailbox an (already normalised) address delivers to, for counting confirmation emails per
 * mailbox: the `+tag` sub-address dropped (`ana+news@x.com` → `ana@x.com`), and at Gmail the dots
 * too, with googlemail.com read as gmail.com (`a.n.a+1@googlemail.com` → `ana@gmail.com`). A
 * counting key only: the customer keeps the address they typed.
 */
export function mailboxOf(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1).toLowerCase();
  let local = address.slice(0, at).toLowerCase();
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  const dotless = DOTLESS_DOMAINS[domain];
  if (dotless !== undefined) return `${local.replaceAll('.', '')}@${dotless}`;
  return `${local}@${domain}`;
}

/**
 * An email address as people type it: trimmed, checked against RFC 5321/5322 (see email-address.ts:
 * no control characters, no stray dots, a dotted domain of valid labels, 64/254 characters) and
 * normalised (lower case, the domain in ASCII). Shared by every input that takes one.
 */
export const emailSchema = z.pipe(
  z.string({ error: 'must be text' }).check(z.trim()),
  z.transform((email, ctx) => {
    const problem = emailAddressProblem(email);
    if (problem === undefined) return normaliseEmailAddress(email);
    ctx.issues.push({ code: 'custom', message: problem, input: email });
    return z.NEVER;
  }),
);
