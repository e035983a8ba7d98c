const { execFileSync } = require('node:child_process');
const path = require('node:path');

// Some tests run the service as users do, from dist/: build it once for the whole run.
module.exports = () => {
  const root = path.join(__dirname, '..', '..');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
};
