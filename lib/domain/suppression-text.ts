// How a profile's suppression reads, in the CLI and on the dashboard (no imports: the dashboard
// bundles it).

interface Suppressed {
  reason: string;
  at: string;
}

/**
 * `email: bounce since 2026-06-15 · sms: opt_out since …`, or `—`: the channels no message goes to,
 * why and since when.
 */
export function suppressionText(suppression: { email?: Suppressed; sms?: Suppressed } | undefined): string {
  const parts = (['email', 'sms'] as const).flatMap((channel) => {
    const entry = suppression?.[channel];
    return entry ? [`${channel}: ${entry.reason} since ${entry.at.slice(0, 10)}`] : [];
  });
  return parts.length > 0 ? parts.join(' · ') : '—';
}
