import * as z from '../zod';
import { type LocalRoute, LocalRouteError } from './http-server';
import { INJECTED_EVENTS } from './provider-events';
import type { InjectedResult, ProviderEventsStandIn } from './provider-events-stand-in';

// `POST /local/provider-events {"event": "bounce", "to": "ana@example.com"}` (local runtime only, admin
// key): the provider's event for the latest email or text sent to that address or number, or for
// `"messageId"`, published now through the same path as the real one (provider-events-stand-in.ts).
// `precis simulate bounce ana@example.com` calls it.

const InjectionSchema = z
  .strictObject({
    event: z.enum(INJECTED_EVENTS),
    to: z.optional(z.string().check(z.minLength(1), z.maxLength(320))),
    messageId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  })
  .check(
    z.refine((r) => r.to !== undefined || r.messageId !== undefined, {
      message: 'give the address or number, or the message id',
      path: ['to'],
    }),
  );

export function providerEventsRoute(standIn: Pick<ProviderEventsStandIn, 'inject'>): LocalRoute {
  return async (_query, body): Promise<InjectedResult> => {
    const parsed = InjectionSchema.safeParse(body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new LocalRouteError(400, `${where}${issue?.message ?? 'invalid request'}`);
    }
    const { event, to, messageId } = parsed.data;
    return standIn.inject(event, to, messageId);
  };
}
