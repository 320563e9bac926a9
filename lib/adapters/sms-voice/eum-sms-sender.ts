import {
  ConflictException,
  DescribeOptedOutNumbersCommand,
  type PinpointSMSVoiceV2Client,
  ResourceNotFoundException,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import {
  type OutgoingSms,
  ProviderRejectedError,
  ProviderThrottledError,
  type SmsSender,
} from '../../ports/message-senders';

export interface EumSmsSettings {
  /** The configuration set whose event destination carries the texts' events to the feedback function. */
  configurationSet: string;
  /** Phone number, pool or sender ID (id or ARN); absent, the service picks one of the account's. */
  originationIdentity?: string;
  /** The opt-out list the origination identity uses (STOP replies land there). */
  optOutList: string;
}

// Context (echoed in every SMS event, like SES tags): at most 5 entries, values 1–800 characters
// without whitespace (SendTextMessage API reference). Our ids are far inside that; a value that is
// not is left out rather than refused, as the row is still found by the message id the sender stores.
const CONTEXT_VALUE = /^\S{1,800}$/;

/** AWS End User Messaging SMS (`pinpoint-sms-voice-v2` SendTextMessage), with our ids in `Context`. */
export class EumSmsSender implements SmsSender {
  /** `reads`: the client of the opted-out check, which keeps the SDK's retries (sends make one attempt). */
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly settings: EumSmsSettings,
    private readonly reads: PinpointSMSVoiceV2Client = client,
  ) {}

  async isOptedOut(phone: string): Promise<boolean> {
    try {
      const out = await this.reads.send(
        new DescribeOptedOutNumbersCommand({
          OptOutListName: this.settings.optOutList,
          OptedOutNumbers: [phone],
        }),
      );
      return (out.OptedOutNumbers ?? []).some((n) => n.OptedOutNumber === phone);
    } catch (err) {
      // A number the list does not hold may be answered as a missing opted-out number.
      if (err instanceof ResourceNotFoundException && err.ResourceType === 'opted-out-number') return false;
      throw err;
    }
  }

  async send(sms: OutgoingSms): Promise<{ messageId: string }> {
    const { configurationSet, originationIdentity } = this.settings;
    try {
      const out = await this.client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: sms.to,
          MessageBody: sms.text,
          MessageType: sms.transactional ? 'TRANSACTIONAL' : 'PROMOTIONAL',
          ConfigurationSetName: configurationSet,
          ...(originationIdentity ? { OriginationIdentity: originationIdentity } : {}),
          Context: Object.fromEntries(
            Object.entries(sms.tags).filter(([, value]) => CONTEXT_VALUE.test(value)),
          ),
        }),
      );
      if (!out.MessageId) throw new Error('End User Messaging accepted the SMS without a message id');
      return { messageId: out.MessageId };
    } catch (err) {
      if (err instanceof ThrottlingException) {
        throw new ProviderThrottledError('End User Messaging did not take the SMS', { cause: err });
      }
      // The monthly spend limit: nothing sent, safe to try again later (as SNS's quota was).
      if (err instanceof ServiceQuotaExceededException) {
        throw new ProviderThrottledError(`End User Messaging quota: ${err.Reason ?? 'exceeded'}`, {
          cause: err,
        });
      }
      // Opted out between the check and the send (STOP just now), a refused number or body: for good.
      if (err instanceof ValidationException || err instanceof ConflictException) {
        throw new ProviderRejectedError(`${err.name}: ${err.Reason ?? 'refused'}`, { cause: err });
      }
      // Anything else (access denied, a missing configuration set) is ours to fix: the message
      // stays on the queue and reaches the dead-letter queue, as before.
      throw err;
    }
  }
}
