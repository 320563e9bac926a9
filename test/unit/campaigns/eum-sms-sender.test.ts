import {
  AccessDeniedException,
  DescribeOptedOutNumbersCommand,
  PinpointSMSVoiceV2Client,
  ResourceNotFoundException,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EumSmsSender } from '../../../lib/adapters/sms-voice/eum-sms-sender';
import { ProviderThrottledError } from '../../../lib/ports/message-senders';

// What EumSmsSender asks End User Messaging SMS, and how it reads the answers the local stand-in
// does not give (test/integration/local/local-aws.test.ts covers the ones it does).

const sms = mockClient(PinpointSMSVoiceV2Client);
afterEach(() => sms.reset());

const sender = () =>
  new EumSmsSender(new PinpointSMSVoiceV2Client({ region: 'eu-west-1' }), {
    configurationSet: 'precis-sms',
    optOutList: 'Default',
    originationIdentity: 'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-1',
  });
const metadata = { $metadata: {}, message: 'x' };
const tags = { campaign: 'birthday', occasion: '2026', customer: 'cus_1' };

describe('EumSmsSender', () => {
  it('sends through the configuration set, from the origination identity, our ids in Context', async () => {
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'm-1' });
    expect(await sender().send({ to: '+447911123456', text: 'Happy birthday', tags })).toEqual({
      messageId: 'm-1',
    });
    expect(sms.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: '+447911123456',
      MessageBody: 'Happy birthday',
      MessageType: 'PROMOTIONAL',
      ConfigurationSetName: 'precis-sms',
      OriginationIdentity: 'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-1',
      Context: tags,
    });
  });

  it('leaves out a Context value End User Messaging would refuse (whitespace), rather than the text', async () => {
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'm-2' });
    await sender().send({
      to: '+447911123456',
      text: 'Hi',
      tags: { ...tags, occasion: 'a b' },
      transactional: true,
    });
    const input = sms.commandCalls(SendTextMessageCommand)[0]?.args[0].input;
    expect(input?.Context).toEqual({ campaign: 'birthday', customer: 'cus_1' });
    expect(input?.MessageType).toBe('TRANSACTIONAL');
  });

  it('the monthly spend limit is a throttle (nothing sent, try later); access denied is ours to fix', async () => {
    sms
      .on(SendTextMessageCommand)
      .rejectsOnce(
        new ServiceQuotaExceededException({ ...metadata, Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' }),
      )
      .rejectsOnce(new AccessDeniedException({ ...metadata }));
    await expect(sender().send({ to: '+447911123456', text: 'Hi', tags })).rejects.toBeInstanceOf(
      ProviderThrottledError,
    );
    await expect(sender().send({ to: '+447911123456', text: 'Hi', tags })).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
  });

  it('asks the opt-out list about one number; a number it does not hold is not opted out', async () => {
    sms
      .on(DescribeOptedOutNumbersCommand)
      .resolvesOnce({
        OptedOutNumbers: [
          { OptedOutNumber: '+447911123456', OptedOutTimestamp: new Date(), EndUserOptedOut: true },
        ],
      })
      .rejectsOnce(new ResourceNotFoundException({ ...metadata, ResourceType: 'opted-out-number' }))
      .rejectsOnce(new ResourceNotFoundException({ ...metadata, ResourceType: 'opt-out-list' }));
    expect(await sender().isOptedOut('+447911123456')).toBe(true);
    expect(await sender().isOptedOut('+447911000000')).toBe(false);
    // A missing list is a configuration error, not "nobody opted out".
    await expect(sender().isOptedOut('+447911000000')).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(sms.commandCalls(DescribeOptedOutNumbersCommand)[0]?.args[0].input).toEqual({
      OptOutListName: 'Default',
      OptedOutNumbers: ['+447911123456'],
    });
  });
});
