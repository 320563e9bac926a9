import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';

/**
 * The account's SES sending rate: `SendQuota.MaxSendRate` (emails per second) from SES v2
 * GetAccount. Undefined when SES answers without one.
 */
export async function sesMaxSendRate(client: SESv2Client): Promise<number | undefined> {
  const out = await client.send(new GetAccountCommand({}));
  const rate = out.SendQuota?.MaxSendRate;
  return typeof rate === 'number' && rate > 0 ? rate : undefined;
}
