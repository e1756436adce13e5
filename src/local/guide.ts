/** The walk-through printed when local mode is ready (the README's "Try it locally" section tells the same story). */
export function localGuide(urls: {
  serviceUrl: string;
  freshdeskUrl: string;
  xurrentUrl: string;
  playgroundUrl: string | null;
}): string {
  const port = new URL(urls.serviceUrl).port;
  const globex = `http://localhost:${port}/i/globex`;
  const open = urls.playgroundUrl
    ? `Open ${urls.playgroundUrl} (the Microsoft 365 Agents Playground) in a browser. You are Alex Wilber, who
administers "acme"; DeskBridge is installed in "My Team" as "Test Bot". In the General channel, start each post by
mentioning the bot: type @Te and pick Test Bot. Reloading the Playground's page clears its history (the invitation
and notices are gone from view; DeskBridge keeps everything).`
    : 'The Agents Playground is off (LOCAL_PLAYGROUND=false): the CLI steps below still work.';
  return `
DeskBridge is running in LOCAL MODE: no Slack or Microsoft credentials are set, so it runs two simulated helpdesks
in this process and the Teams endpoint answers this machine only. Nothing here talks to the internet.

  acme    simulated Freshdesk  ${urls.freshdeskUrl}   (3 sample tickets)
  globex  simulated Xurrent    ${urls.xurrentUrl}   (service "End-User Support")

${open}
  1. General: "subscribe all" (status notices), "approvers channel", "approvers add me", "approvers self-approval on".
  2. Personal chat: "connect". Destination ${globex}, Script mode, remote name "Globex", name "Acme to Globex",
     an incoming group, then post the invitation to General. The finished card keeps the code (DB1.…): copy it.
  3. Accept it as globex (globex's admin has no Teams tenant here, so with the CLI, in another terminal in this
     folder; it finds this service through ./data):
       npx deskbridge connections accept --instance globex --code DB1.…
       npx deskbridge connections list            # both sides active; acme's id is the one to use below
  4. General: "rules <acme's connection id>" (the first 8 characters are enough), add a line to the outgoing
     script, Request publish; on the approval card in General, click Approve. Where nobody can click:
       npx deskbridge approvals list               # then: npx deskbridge approvals approve <request>
  5. Choose what syncs, and create a ticket in the simulated Freshdesk:
       npx deskbridge triggers add <acme's connection id> --query "priority:>0"
       npx deskbridge local ticket "Printer on fire"
     It reaches Xurrent within a second (webhook):
       curl -s -H "Authorization: Bearer local-globex-xurrent-token" -H "X-Xurrent-Account: globex" ${urls.xurrentUrl}/v1/requests
  6. General shows the status notices ("pending → active"; try "npx deskbridge connections deactivate <id>").
`;
}
