import { type SESv2Client, SESv2ServiceException, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SesTagError, toSesTags } from '../../domain/campaigns/ses-tags';
import {
  type EmailSender,
  type OutgoingEmail,
  ProviderRejectedError,
  ProviderThrottledError,
} from '../../ports/message-senders';

// Errors SES raises before accepting a message: nothing was sent.
// `TooManyRequestsException` (429) is SES v2's answer to a send over the account's rate; `Throttling`
// is its query-protocol name (SES v1, older SDKs).
const THROTTLED = new Set([
  'TooManyRequestsException',
  'TooManyRequests',
  'Throttling',
  'LimitExceededException',
  'SendingPausedException',
]);
const REJECTED = new Set([
  'MessageRejected',
  'BadRequestException',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'NotFoundException',
]);

/** SES v2 SendEmail with Simple content (HTML + text rendered by us), headers and tags. */
export class SesEmailSender implements EmailSender {
  constructor(
    private readonly client: SESv2Client,
    private readonly options: { from: string; configurationSet: string },
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    let tags: { Name: string; Value: string }[];
    try {
      // SES refuses a tag outside [A-Za-z0-9_-] (an occasion's `:` and `.`): encoded (ses-tags.ts).
      tags = toSesTags(email.tags);
    } catch (err) {
      // A tag SES could never take: refused before the call, like SES would.
      if (err instanceof SesTagError) throw new ProviderRejectedError('InvalidTag', { cause: err });
      throw err;
    }
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [email.to] },
          ConfigurationSetName: this.options.configurationSet,
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: {
                Html: { Data: email.html, Charset: 'UTF-8' },
                Text: { Data: email.text, Charset: 'UTF-8' },
              },
              Headers: Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value })),
            },
          },
          EmailTags: tags,
        }),
      );
      if (!out.MessageId) throw new Error('SES accepted the email without a message id');
      return { messageId: out.MessageId };
    } catch (err) {
      if (err instanceof SESv2ServiceException && THROTTLED.has(err.name)) {
        throw new ProviderThrottledError('SES did not take the email', { cause: err });
      }
      if (err instanceof SESv2ServiceException && REJECTED.has(err.name)) {
        throw new ProviderRejectedError(err.name, { cause: err });
      }
      throw err;
    }
  }
}
