#!/usr/bin/env bash
# Copies the built DSFR assets the web console uses from the npm package pinned in package.json
# (package-lock.json) into gateway/CpomExchange.Gateway/wwwroot/dsfr, which is committed: the
# gateway then serves them with no network at run time and no Node.js on the machine.
# To update DSFR: change the version in package.json, run `npm install --package-lock-only`
# here, then this script, then the console tests (CSP and accessibility), and commit the result.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dist="$here/node_modules/@gouvfr/dsfr/dist"
target="$here/../../gateway/CpomExchange.Gateway/wwwroot/dsfr"
npm ci --prefix "$here" --no-audit --no-fund --ignore-scripts >/dev/null
version=$(node -p "require('$here/node_modules/@gouvfr/dsfr/package.json').version")
rm -rf "$target"
mkdir -p "$target/dsfr" "$target/fonts" "$target/favicon"
cp "$dist/dsfr/dsfr.min.css" "$dist/dsfr/dsfr.module.min.js" "$dist/dsfr/dsfr.nomodule.min.js" "$target/dsfr/"
cp "$dist"/fonts/*.woff2 "$dist"/fonts/*.woff "$target/fonts/"
cp "$dist"/favicon/* "$target/favicon/"
# Only the icons the stylesheet refers to (the full set is 1,800 files).
grep -o 'url([^)]*)' "$dist/dsfr/dsfr.min.css" | sed -e 's/^url(//' -e 's/)$//' -e 's/^"//' -e 's/"$//' \
  | grep '^\.\./icons/' | sort -u | while read -r ref; do
    file="${ref#../}"
    mkdir -p "$target/$(dirname "$file")"
    cp "$dist/$file" "$target/$file"
  done
cp "$dist/../LICENSE.md" "$target/LICENSE.md" 2>/dev/null || true
echo "$version" > "$target/VERSION"
echo "DSFR $version copied to $target ($(find "$target" -type f | wc -l) files, $(du -sh "$target" | cut -f1))."
