// The dependency rule (docs/architecture.md): every import points down the layers
//   core -> storage/jobs -> channels -> records -> features -> edges
// and nothing forms a cycle. `npm run depcheck` (run by .ci/run) fails on any violation that is not
// in .dependency-cruiser-known-violations.json, the list of old ones still being paid down.

const { LAYERS } = require('./scripts/dependency-layers.cjs');

const upward = [];
LAYERS.forEach((layer, i) => {
  const above = LAYERS.slice(i + 1).map((l) => l.path);
  if (above.length === 0) return;
  upward.push({
    name: `${layer.name}-imports-up`,
    comment: `${layer.name} may import only ${LAYERS.slice(0, i + 1).map((l) => l.name).join(', ')}`,
    severity: 'error',
    from: { path: layer.path, pathNot: '\\.test\\.ts$' },
    to: { path: above.map((p) => `(${p})`).join('|') },
  });
});

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'modules that import each other in a loop', severity: 'error', from: { pathNot: '\\.test\\.ts$' }, to: { circular: true } },
    ...upward,
    {
      name: 'whatsapp-internals',
      comment: 'outside the adapter, the WhatsApp channel is used through its public surface (channels/whatsapp-cloud/index.ts)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/channels/whatsapp-cloud/|\\.test\\.ts$' },
      to: { path: '^src/channels/whatsapp-cloud/', pathNot: '^src/channels/whatsapp-cloud/index\\.ts$' },
    },
    {
      name: 'telegram-internals',
      comment: 'outside the adapter, the Telegram channel is used through its public surface (channels/telegram/index.ts)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/channels/telegram/|\\.test\\.ts$' },
      to: { path: '^src/channels/telegram/', pathNot: '^src/channels/telegram/index\\.ts$' },
    },
    {
      name: 'simulator-stands-alone',
      comment: 'the simulator is a product of its own: it uses core and the WhatsApp channel\'s public surface, nothing of Switchboard',
      severity: 'error',
      from: { path: '^src/simulator/' },
      to: { path: '^src/', pathNot: '^src/(simulator/|core/|channels/whatsapp-cloud/index\\.ts$)' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // TypeScript 7's compiler API is not one dependency-cruiser can use; swc parses the sources.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a layer's types belong to it as much as its code.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // ESM-only packages (typebox) resolve through their `exports` "import" condition.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    exclude: { path: '\\.test\\.ts$' },
    reporterOptions: {
      archi: { collapsePattern: '^src/(channels/[^/]+|[^/]+)' },
    },
  },
};
