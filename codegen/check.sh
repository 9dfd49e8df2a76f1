#!/usr/bin/env bash
# Fails when the generated wire model in crates/api/src is stale: regenerates it into a
# temporary directory with $PYTHON (default python3, which must have the pinned botocore)
# and compares it with the committed files.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$python" "$root/codegen/gen_model.py" --out-dir "$tmp"

status=0
for f in model.rs schema.rs operations.rs; do
    if ! diff -u "$root/crates/api/src/$f" "$tmp/$f" >"$tmp/$f.diff"; then
        echo "stale: crates/api/src/$f (regenerate with: $python codegen/gen_model.py)" >&2
        head -n 40 "$tmp/$f.diff" >&2
        status=1
    fi
done
exit "$status"
