/**
 * Where an activity may have DeskBridge send its replies: botbuilder posts every answer (and stores, for proactive
 * notices, every conversation reference) to the activity's `serviceUrl`, which the caller writes. With Microsoft
 * credentials only the Bot Connector hosts Microsoft names for Teams are taken: the public cloud, GCC, GCC High and
 * DoD (Microsoft 365 Agents SDK, `TeamsServiceEndpoints`: https://smba.trafficmanager.net/teams/,
 * https://smba.infra.gcc.teams.microsoft.com/teams, https://smba.infra.gov.teams.microsoft.us/teams,
 * https://smba.infra.dod.teams.microsoft.us/teams; regional paths such as /amer/ and /emea/ sit on the same hosts).
 * In local mode the connector is the Agents Playground's or a test's, on this machine.
 */
export const TEAMS_SERVICE_HOSTS = [
  'smba.trafficmanager.net',
  'smba.infra.gcc.teams.microsoft.com',
  'smba.infra.gov.teams.microsoft.us',
  'smba.infra.dod.teams.microsoft.us',
] as const;

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Why DeskBridge will not reply to this `serviceUrl`, or null when it may. */
export function serviceUrlProblem(serviceUrl: unknown, options: { localMode: boolean }): string | null {
  if (typeof serviceUrl !== 'string' || serviceUrl.length > 2048) return 'The activity has no serviceUrl.';
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return 'The activity has no serviceUrl.';
  }
  if (url.username || url.password) return 'The serviceUrl carries credentials.';
  if (options.localMode) {
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname)
      ? null
      : 'In local mode DeskBridge replies only to a connector on this machine (the Agents Playground).';
  }
  const microsoft =
    url.protocol === 'https:' &&
    url.port === '' &&
    (TEAMS_SERVICE_HOSTS as readonly string[]).includes(url.hostname.toLowerCase());
  return microsoft ? null : 'The serviceUrl is not a Microsoft Teams Bot Connector host.';
}
