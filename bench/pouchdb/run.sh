#!/usr/bin/env bash
# CouchDB-protocol replication baseline: installs the pinned npm packages into
# bench/pouchdb/node_modules (only there) if missing, then runs replicate.mjs.
# Exit codes: those of replicate.mjs (0 ok, 1 failure, 2 usage); 1 if the
# install fails.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "run.sh: node and npm are required (Node >= 20)" >&2
  exit 1
fi

if [ ! -d node_modules ]; then
  if [ -f package-lock.json ]; then
    echo "run.sh: node_modules missing: npm ci" >&2
    npm ci --no-audit --no-fund >&2 || { echo "run.sh: npm ci failed" >&2; exit 1; }
  else
    echo "run.sh: no package-lock.json: npm install" >&2
    npm install --no-audit --no-fund >&2 || { echo "run.sh: npm install failed" >&2; exit 1; }
  fi
fi

exec node replicate.mjs "$@"
