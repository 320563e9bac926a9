import {
  CheckIfPhoneNumberIsOptedOutCommand,
  PublishCommand,
  type SNSClient,
  SNSServiceException,
} from '@aws-sdk/client-sns';
import {
  type OutgoingSms,
  ProviderRejectedError,
  ProviderThrottledError,
  type SmsSender,
} from '../../ports/message-senders';

// SNS answers `Throttled` (ThrottledException in the SDK) when the account's SMS rate is exceeded.
const THROTTLED = new Set([
  'ThrottledException',
  'Throttled',
  'Throttling',
  'ThrottlingException',
  'KMSThrottlingException',
]);
const REJECTED = new Set(['InvalidParameterException', 'InvalidParameter', 'OptedOutException']);

/** SNS Publish to an E.164 number, promotional type. */
export class SnsSmsSender implements SmsSender {
  constructor(private readonly client: SNSClient) {}

  async isOptedOut(phone: string): Promise<boolean> {
    const out = await this.client.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: phone }));
    return out.isOptedOut === true;
  }

  async send(sms: OutgoingSms): Promise<{ messageId: string }> {
    try {
      const out = await this.client.send(
        new PublishCommand({
          PhoneNumber: sms.to,
          Message: sms.text,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': {
              DataType: 'String',
              StringValue: sms.transactional ? 'Transactional' : 'Promotional',
            },
            // Ours: ids only, for reading a message back (SMS delivery ignores them).
            ...Object.fromEntries(
              Object.entries(sms.tags).map(([name, value]) => [
                `precis.${name}`,
                { DataType: 'String', StringValue: value },
              ]),
            ),
          },
        }),
      );
      if (!out.MessageId) throw new Error('SNS accepted the SMS without a message id');
      return { messageId: out.MessageId };
    } catch (err) {
      if (err instanceof SNSServiceException && THROTTLED.has(err.name)) {
        throw new ProviderThrottledError('SNS did not take the SMS', { cause: err });
      }
      if (err instanceof SNSServiceException && REJECTED.has(err.name)) {
        throw new ProviderRejectedError(err.name, { cause: err });
      }
      throw err;
    }
  }
}
