/**
 * Import direction, as DESIGN.md's table sets it: arrows only point down the table, no package
 * imports an app, and packages reach each other only through their `@switchyard/*` names.
 * `bun run lint:deps` (part of `bun run test`) fails on any violation.
 */
const layers = {
  // package: the packages it may import
  'flow-balancer': [],
  'worker-pool': ['flow-balancer'],
  'multi-tier': ['worker-pool', 'flow-balancer'],
  coordinator: ['multi-tier', 'flow-balancer', 'journal'],
  journal: [],
};
const all = Object.keys(layers);
const target = (names) =>
  `^(packages/(${names.join('|')})/|@switchyard/(${names.join('|')})$|node_modules/@switchyard/(${names.join('|')})/)`;

const forbidden = [
  {
    name: 'no-package-imports-an-app',
    comment: 'Packages sit below the apps in DESIGN.md; an app may import a package, never the reverse.',
    severity: 'error',
    from: { path: '^packages/' },
    to: { path: '^(apps/|@switchyard/(mcp-server|bench)$)' },
  },
  {
    name: 'no-relative-import-across-packages',
    comment: 'Reach another package only through its @switchyard/* name (its src/index.ts API).',
    severity: 'error',
    from: { path: '^(packages|apps)/([^/]+)/' },
    to: { path: '^(packages|apps)/', pathNot: ['^$1/$2/', '/dist/'], dependencyTypes: ['local'] },
  },
  {
    name: 'flow-balancer-is-pure',
    comment: 'flow-balancer is pure logic: no Node or Bun built-ins, no I/O.',
    severity: 'error',
    from: { path: '^packages/flow-balancer/src/', pathNot: '\\.test\\.ts$' },
    to: { dependencyTypes: ['core'] },
  },
  {
    name: 'no-circular',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
];
for (const pkg of all) {
  const notAllowed = all.filter((other) => other !== pkg && !layers[pkg].includes(other));
  if (notAllowed.length === 0) continue;
  forbidden.push({
    name: `layering-${pkg}`,
    comment: `${pkg} may import only: ${layers[pkg].join(', ') || 'no other @switchyard package'} (DESIGN.md).`,
    severity: 'error',
    from: { path: `^packages/${pkg}/` },
    to: { path: target(notAllowed) },
  });
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|\\.turbo)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
