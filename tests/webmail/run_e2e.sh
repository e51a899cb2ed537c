#!/bin/sh
# ctest entry webmail_e2e: run_e2e.sh SERVER WEBMAIL BUILD_DIR
# Installs playwright-core (npm ci, from package-lock.json) into BUILD_DIR/e2e
# once, then runs webmail_e2e.mjs there. Exits 77 (ctest SKIP) only when
# node, npm, python3 or Debian's chromium is not installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
server=$1 webmail=$2 build=$3
chromium=${CHROMIUM:-/usr/bin/chromium}
for tool in node npm python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is not installed"; exit 77; }
done
[ -x "$chromium" ] || { echo "SKIP: $chromium is not installed (apt-get install chromium)"; exit 77; }

work="$build/e2e"
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/webmail_e2e.mjs" "$here/imap_helper.py" "$work/"
cd "$work"
# Idempotent and offline-tolerant: an existing install of the locked version is kept.
if ! node -e "process.exit(require('./node_modules/playwright-core/package.json').version === require('./package-lock.json').packages['node_modules/playwright-core'].version ? 0 : 1)" 2>/dev/null; then
    npm ci --no-audit --no-fund --prefer-offline >npm-ci.log 2>&1 || { cat npm-ci.log; echo "npm ci failed"; exit 1; }
fi
exec node webmail_e2e.mjs "$server" "$webmail" "$chromium" "$build"
