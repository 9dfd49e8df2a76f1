"""The fixtures the Rust tests compare against are what botocore and the AWS CLI produce today:
each generator script, run against the pinned boto3/botocore/AWS CLI of this venv, must rewrite
its fixture byte for byte (a fixture typed or edited by hand would fail here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def test_the_token_fixture_is_botocores_own():
    run = subprocess.run([sys.executable, str(HERE / "gen_botocore_tokens.py"), "--check"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_output_fixture_is_the_aws_clis_own(tmp_path):
    fresh = tmp_path / "cli_output.json"
    run = subprocess.run([sys.executable, str(HERE / "gen_cli_output_fixtures.py"), "--output", str(fresh)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    committed = ROOT / "crates" / "awscli" / "tests" / "fixtures" / "cli_output.json"
    assert fresh.read_bytes() == committed.read_bytes(), "rerun tests/interop/gen_cli_output_fixtures.py"
