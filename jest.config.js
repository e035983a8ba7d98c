const fs = require('node:fs');
const path = require('node:path');

// @nestjs 12 and a good part of its dependency tree ship only ES modules, which Jest cannot
// require. swc compiles every package that declares "type": "module" to CommonJS; the rest are
// left alone (the list is read from node_modules, so it follows dependency updates by itself).
function esModulePackages(root = path.join(__dirname, 'node_modules')) {
  if (!fs.existsSync(root)) return [];
  const names = fs
    .readdirSync(root)
    .flatMap((entry) =>
      entry.startsWith('@') ? fs.readdirSync(path.join(root, entry)).map((n) => `${entry}/${n}`) : [entry],
    );
  return names.flatMap((name) => {
    // A package's own node_modules holds the versions it needs, ES modules where the top-level ones may not be.
    const nested = esModulePackages(path.join(root, name, 'node_modules'));
    try {
      const isModule = JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8')).type === 'module';
      return isModule ? [name, ...nested] : nested;
    } catch {
      return nested;
    }
  });
}

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const esmOnly = [...new Set(esModulePackages())].map(escape);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'json'],
  transform: {
    // The pages' views: JSX rendered on the server by Preact.
    '^.+\\.tsx$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', tsx: true, decorators: true },
          transform: { react: { runtime: 'automatic', importSource: 'preact' } },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  testTimeout: 30000,
};
