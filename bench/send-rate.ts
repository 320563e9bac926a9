import { SESv2Client } from '@aws-sdk/client-sesv2';
import { loadConfig } from '../infra/config';
import { HmacLinkSigner } from '../lib/adapters/crypto/hmac-link-signer';
import { InProcessSendPacer } from '../lib/adapters/pacing/in-process-send-pacer';
import { sesMaxSendRate } from '../lib/adapters/ses/ses-account-rate';
import { SesEmailSender } from '../lib/adapters/ses/ses-email-sender';
import type { SendRequest } from '../lib/domain/campaigns/delivery';
import type { Customer } from '../lib/domain/customer';
import { startSesLocal } from '../lib/local/ses-local';
import { type SenderDeps, sendMessage } from '../lib/use-cases/send-message';
import { InMemoryDeliveryLedger } from '../test/fakes/in-memory-delivery-ledger';
import { InMemorySmsNumberDays } from '../test/fakes/in-memory-sms-number-days';
import { option } from './support';

/**
 * `npm run bench -- send-rate [--rate R] [--instances N] [--messages M]`: the achieved email rate
 * against the account's. The SES emulator's account says MaxSendRate R (GetAccount); N sender
 * instances, each with its own pacer (as N Lambda containers), take batches of 10 and process each
 * batch's records in parallel (as Powertools' BatchProcessor does) through the real sender use case
 * into the emulator; a message deferred for the rate goes back to the work list. Prints the achieved
 * messages per second and the most sent in any one second, against R.
 */
const AT = new Date('2026-06-15T08:00:00.000Z'); // 09:00 in London: inside the birthday window

export async function run(args: string[]): Promise<void> {
  const rate = Number(option(args, 'rate', '14'));
  const instances = Number(option(args, 'instances', '5'));
  const messages = Number(option(args, 'messages', '300'));
  const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
  const ses = await startSesLocal({ port: 0, maxSendRate: rate });
  const client = new SESv2Client({
    endpoint: ses.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    const ledger = new InMemoryDeliveryLedger();
    const customers = new Map<string, Customer>();
    const work: SendRequest[] = [];
    for (let i = 0; i < messages; i++) {
      const customerId = `cus_${i}`;
      customers.set(customerId, {
        customerId,
        firstName: 'Ana',
        email: `ana.${i}@example.com`,
        timeZone: 'Europe/London',
        locale: 'en-GB',
        interests: [],
        consent: {
          email: { status: 'confirmed', updatedAt: '2026-01-01T00:00:00Z', source: 'bench' },
          sms: { status: 'none', updatedAt: '2026-01-01T00:00:00Z', source: 'bench' },
        },
        source: 'bench',
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
        version: 1,
      });
      const at = AT.toISOString();
      ledger.put({
        customerId,
        deliveryKey: 'birthday#2026',
        campaignId: 'birthday',
        occasion: '2026',
        channel: 'email',
        status: 'queued',
        plannedAt: at,
        claimedAt: at,
        updatedAt: at,
      });
      work.push({
        version: 1,
        customerId,
        campaignId: 'birthday',
        occasion: '2026',
        channel: 'email',
        plannedAt: at,
      });
    }
    const sentAt: number[] = [];
    let deferred = 0;
    const email = new SesEmailSender(client, {
      from: 'hello@example.com',
      configurationSet: 'precis-campaigns',
    });
    const instance = (): SenderDeps => ({
      customers: { get: async (id) => customers.get(id) },
      ledger,
      email: {
        send: async (message) => {
          const out = await email.send(message);
          sentAt.push(performance.now());
          return out;
        },
      },
      sms: { send: async () => ({ messageId: 'none' }), isOptedOut: async () => false },
      links: new HmacLinkSigner('bench-link-signing-key'),
      queue: {
        // Back on the queue: taken again after its delay (not waited for here: it joins the end).
        enqueue: async (requests) => {
          deferred += requests.length;
          work.push(...requests);
        },
      },
      consent: {
        recordConfirmationSent: async () => {},
        // The bench sends birthday emails only: no code texts.
        recordPhoneCode: async () => false,
        suppress: async () => true,
        suppressIdentity: async () => {},
      },
      numbers: new InMemorySmsNumberDays(),
      clock: { now: () => AT },
      campaigns,
      settings: { ...campaignSettings, publicBaseUrl: 'http://localhost:3000' },
      pacer: new InProcessSendPacer({ rateOf: () => sesMaxSendRate(client).then((r) => r ?? 1), instances }),
    });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: instances }, async () => {
        const deps = instance();
        while (work.length > 0) {
          const batch = work.splice(0, 10);
          await Promise.all(batch.map((request) => sendMessage(deps, request)));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const span = ((sentAt.at(-1) ?? started) - (sentAt[0] ?? started)) / 1000;
    let peak = 0;
    for (let i = 0, j = 0; j < sentAt.length; j++) {
      while ((sentAt[j] as number) - (sentAt[i] as number) >= 1000) i++;
      peak = Math.max(peak, j - i + 1);
    }
    console.log(
      `send-rate benchmark: ${messages} emails, SES MaxSendRate ${rate}/s (GetAccount), ${instances} senders pacing to ${(rate / instances).toFixed(2)}/s each`,
    );
    console.log(
      `  sent ${sentAt.length} in ${seconds.toFixed(1)} s: ${(sentAt.length / Math.max(span, 1e-9)).toFixed(2)} emails/s achieved (first to last send) against ${rate}/s configured; at most ${peak} in any one second; ${deferred} deferred onto the queue`,
    );
  } finally {
    client.destroy();
    await ses.stop();
  }
}
