#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3) into .tmp/code-server for the extension's
# end-to-end test. Idempotent: does nothing when it is already there.
# Needs (Debian): apt-get install -y chromium libkrb5-dev ripgrep
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.100.3
DEST=.tmp/code-server
BIN=$DEST/node_modules/code-server/out/node/entry.js
if [ -f "$BIN" ] && [ -f "$DEST/.installed-$VERSION" ]; then
  echo "code-server $VERSION already in $DEST"
  exit 0
fi
command -v rg >/dev/null || { echo "install-code-server: ripgrep missing (apt-get install -y ripgrep)" >&2; exit 1; }
mkdir -p "$DEST"
ROOT=$PWD
export TMPDIR=$ROOT/.tmp
# @vscode/ripgrep downloads rg from GitHub: pre-fill its cache with the system's rg.
CACHE=$TMPDIR/vscode-ripgrep-cache-1.15.11
STAGE=$TMPDIR/rgstage
mkdir -p "$CACHE" "$STAGE"
cp "$(command -v rg)" "$STAGE/rg"
tar -czf "$CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$STAGE" rg
[ -f "$DEST/package.json" ] || echo '{"name":"tickbridge-code-server","private":true}' > "$DEST/package.json"
export npm_config_yes=true # node-pty's postinstall runs npx node-gyp
echo "installing code-server $VERSION into $DEST (about a minute)"
(cd "$DEST" && npm install --unsafe-perm --no-audit --no-fund --loglevel=error "code-server@$VERSION")
touch "$DEST/.installed-$VERSION"
echo "code-server $VERSION installed in $DEST"
