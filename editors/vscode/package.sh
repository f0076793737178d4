#!/bin/sh
# Builds spoor-yara-VERSION.vsix from locked dependencies: `npm ci`
# installs exactly what package-lock.json names, `npm test` checks the
# grammar (its tool comes from tests/package-lock.json), then vsce packs
# the extension with its one runtime dependency, vscode-languageclient.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm test
npx --no-install vsce package --skip-license --allow-missing-repository "$@"
