import { changesOf, type EchoBotSpec, graphSender, startWebhookServer } from './echo-bot-parts.ts';

export type ReferenceServerSpec = EchoBotSpec;

/**
 * Issue #16's reference target: what a webhook bot costs with no storage at all. A node:http
 * server that answers Meta's subscription handshake, checks X-Hub-Signature-256, JSON.parses each
 * webhook and, for every text message in it, at once POSTs the same echo the demo bot sends
 * ("You said: <text>") to the Graph API through one keep-alive agent. Status webhooks are verified
 * and parsed like any other and then dropped. No durability, dedupe or order: whatever Switchboard
 * costs beyond this is the price of its guarantees (and its overhead).
 */
export async function startReferenceServer(
  spec: ReferenceServerSpec,
): Promise<{ url: string; inFlight(): number; close(): Promise<void> }> {
  const graph = graphSender(spec);
  const server = await startWebhookServer(spec, (payload, res) => {
    res.writeHead(200).end();
    for (const m of changesOf(payload).messages) graph.send(m.from, `You said: ${m.text}`);
  });
  return {
    url: server.url,
    inFlight: graph.inFlight,
    close: async () => {
      graph.close();
      await server.close();
    },
  };
}
