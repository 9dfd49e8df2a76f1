"""The wire, call by call, against a recording of the binary before a refactor: the scripted run
of `wire_script.py` (every served operation and its error cases, in raw HTTP) must give exactly
the responses in `fixtures/wire_recording.json` (status, content-type, x-amzn-ErrorType and body
text, after the script's normalisation of ids, times and tokens).

Re-record (only when a change to the wire is intended):
    .venv/bin/python tests/interop/wire_script.py target/release/stepwise tests/interop/fixtures/wire_recording.json

STEPWISE_WIRE_FIXTURE points the comparison at another recording.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import wire_script
from stepwise_harness import serving

DEFAULT_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "wire_recording.json"
FIELDS = ("call", "method", "path", "status", "headers", "body")


def fixture_path() -> Path:
    configured = os.environ.get("STEPWISE_WIRE_FIXTURE")
    return Path(configured) if configured else DEFAULT_FIXTURE


def excerpt(want: Any, got: Any, width: int = 160) -> tuple[str, str, str]:
    """(where, expected, actual): long strings are cut to the region around their first
    differing character, so that a changed message inside a large body stays readable."""
    if not (isinstance(want, str) and isinstance(got, str)) or max(len(want), len(got)) <= 2 * width:
        return "", repr(want), repr(got)
    at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
    start = max(0, at - width // 2)

    def cut(text: str) -> str:
        piece = text[start:start + width]
        return ("…" if start else "") + repr(piece) + ("…" if start + width < len(text) else "")

    return f" (first difference at character {at})", cut(want), cut(got)


def first_difference(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> str | None:
    """A readable description of the first record that differs, or None."""
    for i, (want, got) in enumerate(zip(expected, actual)):
        if want == got:
            continue
        lines = [f"record #{i} ({want.get('call')!r}) differs from the recording:"]
        for key in FIELDS + tuple(k for k in {**want, **got} if k not in FIELDS):
            if want.get(key) != got.get(key):
                where, exp, act = excerpt(want.get(key), got.get(key))
                lines.append(f"  {key}{where}:")
                lines.append(f"    expected: {exp}")
                lines.append(f"    actual:   {act}")
        return "\n".join(lines)
    if len(expected) != len(actual):
        n = min(len(expected), len(actual))
        extra = expected[n:] if len(expected) > n else actual[n:]
        which = "missing from this run" if len(expected) > n else "not in the recording"
        return (f"{len(expected)} calls recorded, {len(actual)} made; the first {which}: "
                f"{extra[0].get('call')!r}")
    return None


def test_every_response_matches_the_recording(stepwise_bin: Path, tmp_path_factory: pytest.TempPathFactory):
    path = fixture_path()
    expected = json.loads(path.read_text(encoding="utf-8"))
    with serving(stepwise_bin, tmp_path_factory, "wire-recording") as server:
        actual = wire_script.run(server.endpoint)
    difference = first_difference(expected, actual)
    if difference is not None:
        pytest.fail(f"{difference}\n(recording: {path})", pytrace=False)
