// The layers of src/ (docs/architecture.md), used by .dependency-cruiser.cjs and scripts/architecture-graph.mjs.
/** Layers, lowest first: a module may import its own layer or any below it. */
exports.LAYERS = [
  { name: 'core', path: '^src/(core/|config\\.ts$)' },
  { name: 'storage/jobs', path: '^src/(storage|jobs)/' },
  { name: 'channels', path: '^src/channels/(channel-[^/]+\\.ts|whatsapp-cloud/|telegram/)' },
  { name: 'records', path: '^src/(auth|contacts|conversations)/(?!.*-routes\\.ts$)' },
  {
    name: 'features',
    path: '^src/((routing|templates|flows|messaging|event-webhooks|realtime|costs|bot|media|broadcasts|reports|operations|ai)/(?!.*-routes\\.ts$)|deps\\.ts$)',
  },
  // A feature's *-routes.ts files are its HTTP edge; the composition root and the simulator are edges too.
  {
    name: 'edges',
    path: '^src/(ingest/|http/|cli/|demo/|simulator/|app\\.ts$|main\\.ts$|load-config\\.ts$|load-telegram-config\\.ts$|start-switchboard\\.ts$|simulated-switchboard\\.ts$|[^/]+/.*-routes\\.ts$)',
  },
];
