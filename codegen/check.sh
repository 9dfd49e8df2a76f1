#!/usr/bin/env bash
# Fails when a generated file is stale (the wire model in crates/api/src, the store's
# ResourceKind, the token's OpCode, ...): regenerates every file into a temporary tree with
# $PYTHON (default python3, which must have the pinned botocore) and compares each file it
# wrote with the committed one at the same path, so a newly generated file is checked too.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$python" "$root/codegen/gen_model.py" --out-root "$tmp/out"

status=0
count=0
while IFS= read -r -d '' generated; do
    f="${generated#"$tmp/out/"}"
    count=$((count + 1))
    if ! diff -u "$root/$f" "$generated" >"$tmp/diff" 2>&1; then
        echo "stale: $f (regenerate with: $python codegen/gen_model.py)" >&2
        head -n 40 "$tmp/diff" >&2
        status=1
    fi
done < <(find "$tmp/out" -type f -print0 | sort -z)
if [ "$count" -eq 0 ]; then
    echo "codegen/gen_model.py generated no files" >&2
    status=1
fi
exit "$status"
