import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import * as sesModule from 'aws-ses-v2-local';
import { keepIdleConnections, PortInUseError } from './http-server';

// The SES v2 emulator (npm aws-ses-v2-local) in-process. Its mail store is module-global, so
// every emulator started in one process shares it. Web inbox at `/`, JSON at `/store`.

export interface SesLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

// The package is CommonJS with `exports.default`; depending on the loader (Node ESM, tsx,
// vitest) the function arrives as the default export or one level deeper.
const startServer = (): StartServer => {
  const candidates: unknown[] = [
    (sesModule as { default?: unknown }).default,
    (sesModule as { default?: { default?: unknown } }).default?.default,
  ];
  const found = candidates.find((candidate) => typeof candidate === 'function');
  if (!found) throw new Error('aws-ses-v2-local does not export a server function');
  return found as StartServer;
};

/** The emulator never settles its start promise when the port is taken, so check first. */
const assertPortFree = (port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(`SES emulator port ${port} is in use; set SES_PORT to another port`, {
              cause: error,
            })
          : error,
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });

/**
 * What the emulator answers to SES v2 GetAccount (it reads AWS_SES_ACCOUNT in its own process at each
 * request): a production account whose MaxSendRate (emails per second) the sender paces to. Locally
 * 200 by default, above what the emulator takes on this machine (~130 a second), so local runs are not
 * slowed; the config's `sendRates.email` or this option tries a real account's rate.
 */
export const localSesAccount = (maxSendRate: number) => ({
  DedicatedIpAutoWarmupEnabled: false,
  Details: {
    AdditionalContactEmailAddresses: [],
    ContactLanguage: 'EN',
    MailType: 'MARKETING',
    ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
    UseCaseDescription: 'Precis local runtime',
    WebsiteURL: 'http://localhost',
  },
  EnforcementStatus: 'HEALTHY',
  ProductionAccessEnabled: true,
  SendingEnabled: true,
  SendQuota: { Max24HourSend: 1_000_000, MaxSendRate: maxSendRate, SentLast24Hours: 0 },
  SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
});

export const DEFAULT_LOCAL_MAX_SEND_RATE = 200;

export const startSesLocal = async (
  options: { port?: number; maxSendRate?: number } = {},
): Promise<SesLocal> => {
  process.env.AWS_SES_ACCOUNT = JSON.stringify(
    localSesAccount(options.maxSendRate ?? DEFAULT_LOCAL_MAX_SEND_RATE),
  );
  const requested = options.port ?? 8005;
  if (requested !== 0) await assertPortFree(requested);
  const server = await startServer()({ host: '127.0.0.1', port: requested });
  // The SES stand-in forwards to it over kept-alive connections: the same reset race as ours.
  keepIdleConnections(server);
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};
