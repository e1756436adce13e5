/** The walk-through printed when local mode is ready (the README's "Try it locally" section tells the same story). */
export function localGuide(urls: { serviceUrl: string; freshdeskUrl: string; xurrentUrl: string; playgroundUrl: string | null }): string {
  const port = new URL(urls.serviceUrl).port;
  const globex = `http://localhost:${port}/i/globex`;
  const open = urls.playgroundUrl
    ? `Open ${urls.playgroundUrl} (the Microsoft 365 Agents Playground): you are the admin of "acme" there.`
    : 'The Agents Playground is off (LOCAL_PLAYGROUND=false): drive the same steps with the deskbridge CLI.';
  return `
DeskBridge is running in LOCAL MODE: no Slack or Microsoft credentials are set, so it runs two simulated helpdesks
and the Teams endpoint answers this machine only. Nothing here talks to the internet.

  acme    simulated Freshdesk  ${urls.freshdeskUrl}   (3 sample tickets)
  globex  simulated Xurrent    ${urls.xurrentUrl}   (service "End-User Support")

${open}
  1. In the personal chat, send: connect
     Destination ${globex}, Script mode, names "Acme" / "Globex", name "Acme to Globex",
     incoming group "Support"; post the invitation to the team's General channel. Copy the code (DB1.…).
  2. Accept it as globex (globex's admin has no Teams tenant here, so use the CLI):
       npx deskbridge connections accept --instance globex --code DB1.…
  3. Rules: send "approvers self-approval on", then "rules Acme to Globex"; edit a script, Request publish,
     and Approve on the approval card.
  4. Send "subscribe all" in the General channel for status notices.
  5. Choose what syncs and create a ticket in the simulated Freshdesk:
       npx deskbridge triggers add "Acme to Globex" --query "priority:>0"
       npx deskbridge local ticket "Printer on fire"
     It appears in Xurrent at once (webhook): curl -s -H "Authorization: Bearer local-globex-xurrent-token" \\
       -H "X-4me-Account: globex" ${urls.xurrentUrl}/v1/requests
  6. The General channel shows the status notices (connection active, errors, recoveries).
`;
}
