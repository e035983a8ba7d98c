const { execFileSync } = require('node:child_process');
const path = require('node:path');

// Some tests run the service as users do, from dist/: build it once for the whole run.
module.exports = () => {
  const root = path.join(__dirname, '..', '..');
  execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
};
