#!/usr/bin/env bash
# The README's test command. Installs what the tests need and a fresh Debian or Ubuntu machine lacks
# (saying what and why), then runs `dotnet test` with the arguments given (none: the whole solution).
# Once those are there, `dotnet test` alone is the inner loop.
#
#   ./test.sh                                                  every test project, on SQLite
#   CPOM_TEST_STORAGE=Postgres ./test.sh tests/CpomExchange.Gateway.Tests    the same on PostgreSQL
#   ./test.sh --prepare-only                                   install what is missing, run nothing
set -euo pipefail
cd "$(dirname "$0")"

say() { echo "test.sh: $*" >&2; }

if ! command -v dotnet >/dev/null 2>&1; then
  say "the .NET 10 SDK is required (dotnet not found): https://dotnet.microsoft.com/download"
  exit 1
fi

# What the tests start themselves, and the Debian package that brings it.
missing=() why=()
if [ -z "${PG_BIN:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql); why+=("postgresql: PostgreSQL's server binaries (the tests start a throw-away server of their own in a temporary folder, and delete it)")
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm); why+=("nodejs, npm: Node.js runs Azurite, the Azure Storage emulator of tools/azurite")
fi
if [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium); why+=("chromium: the browser the web console's tests drive (Playwright, /usr/bin/chromium)")
fi

if [ ${#missing[@]} -gt 0 ]; then
  say "installing with apt-get: ${missing[*]}"
  for line in "${why[@]}"; do say "  - $line"; done
  if ! command -v apt-get >/dev/null 2>&1; then
    say "apt-get not found: install them with your package manager (or set PG_BIN to the folder of initdb), then run ./test.sh again."
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; say "(through sudo: you may be asked for your password)"; fi
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    # Debian starts a default cluster with the package; the tests need none and start their own.
    say "stopping the default PostgreSQL cluster Debian started (the tests start their own)"
    $sudo service postgresql stop >/dev/null 2>&1 || true
  fi
  say "installed: ${missing[*]}"
fi

if [ ! -x tools/azurite/node_modules/.bin/azurite ]; then
  say "npm ci in tools/azurite: the pinned Azurite (tools/azurite/package-lock.json), in that folder only"
  npm ci --prefix tools/azurite --no-audit --no-fund >/dev/null
fi

if [ "${1:-}" = "--prepare-only" ]; then
  exit 0
fi
exec dotnet test "$@"
