// SES message tags (EmailTags on SendEmail; `mail.tags` on the events SES publishes) may hold only
// ASCII letters, digits, `_` and `-`, at most 256 characters, in the name and in the value (SES v2
// API reference, MessageTag: https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html).
// Our values do not: an occasion is often an ISO instant (`2026-12-07T09:00:00.000Z`), and SES
// refuses the whole send for one bad tag. So every tag name and value goes through this encoding
// on the way to SES and back.
//
// The encoding: letters, digits and `-` stay as they are; every other character, `_` included, is
// written as `_XX` per UTF-8 byte (XX upper-case hex): `09:00` → `09_3A00`. Why this one:
// - dates, UUIDs and campaign slugs (our ids) hold no `_`, so they pass unchanged and stay
//   readable in the SES console and in CloudWatch dimensions;
// - decoding a value that was never encoded (events of mail sent before the encoding) is the
//   identity unless it happens to hold `_` + two upper-case hex digits;
// - any string round-trips, not only the characters we use today.

/** The longest tag name or value SES takes. */
export const SES_TAG_MAX_LENGTH = 256;

/** What SES accepts in a tag name or value. */
export const SES_TAG_PATTERN = /^[A-Za-z0-9_-]*$/;

const utf8Encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });
const PLAIN = /[A-Za-z0-9-]/;
const ESCAPES = /(?:_[0-9A-F]{2})+/g;

/** A tag (name or value) whose encoded form SES would not take (longer than 256 characters). */
export class SesTagError extends Error {
  override readonly name = 'SesTagError';
  readonly code = 'invalid_ses_tag';
}

/** `value` in SES's tag alphabet, reversibly; throws SesTagError when it would exceed 256 characters. */
export function encodeSesTag(value: string): string {
  let out = '';
  for (const char of value) {
    if (PLAIN.test(char)) {
      out += char;
      continue;
    }
    for (const byte of utf8Encoder.encode(char))
      out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length > SES_TAG_MAX_LENGTH) {
    throw new SesTagError(`An SES tag encodes to ${out.length} characters (at most ${SES_TAG_MAX_LENGTH})`);
  }
  return out;
}

/**
 * The value `encodeSesTag` was given. A run of escapes that is not UTF-8 is left as it is, so a
 * value that was never encoded (an old event) comes back unchanged.
 */
export function decodeSesTag(value: string): string {
  return value.replace(ESCAPES, (run) => {
    const bytes = Uint8Array.from(run.slice(1).split('_'), (hex) => Number.parseInt(hex, 16));
    try {
      return utf8.decode(bytes);
    } catch {
      return run;
    }
  });
}

/** Whether SES takes `text` as a tag name or value as it is. */
export function isValidSesTag(text: string): boolean {
  return text.length <= SES_TAG_MAX_LENGTH && SES_TAG_PATTERN.test(text);
}

/** Our tags as SES EmailTags: names and values encoded. */
export function toSesTags(tags: Record<string, string>): { Name: string; Value: string }[] {
  return Object.entries(tags).map(([name, value]) => ({
    Name: encodeSesTag(name),
    Value: encodeSesTag(value),
  }));
}

/** `mail.tags` of an SES event (`{ name: [value] }`) with names and values decoded. */
export function fromSesTags(tags: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(tags).map(([name, values]) => [decodeSesTag(name), values.map(decodeSesTag)]),
  );
}
