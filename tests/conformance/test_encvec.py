"""Encoding vectors through the conformance code: found traces, clean errors, first differing cell named.

Every handed vector file passing is test_fixtures.py's job; these check the
checker (a wrong entry must be caught and named), on copies written to tmp_path.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ringrift_mpi.conformance.cli import _cases
from ringrift_mpi.conformance.runner import detect
from tests.conftest import FIXTURES

ENC = FIXTURES / "encoding-vectors"
needs_fixtures = pytest.mark.skipif(not ENC.is_dir(), reason=f"RingRift encoding vectors not found at {ENC}")


def _vectors(name: str, keep: int) -> dict:
    d = json.loads((ENC / name).read_text())
    d["positions"] = d["positions"][:keep]
    return d


def _write(tmp_path, d: dict, name: str = "enc.json"):
    p = tmp_path / name
    p.write_text(json.dumps(d))
    return p


def _failures(path, traces=None) -> list[str]:
    return [f"{c.case_id}: {c.detail}" for c in _cases(str(path), traces) if not c.ok]


def test_detect_knows_the_kind():
    assert detect({"kind": "ringrift-encoding-vectors", "positions": []}) == "encoding"


@needs_fixtures
def test_missing_trace_is_one_clear_failure(tmp_path):
    p = _write(tmp_path, _vectors("enc_square8_2p_seed1.json", 2))
    fails = _failures(p)
    assert len(fails) == 1
    assert "ref_square8_2p_seed1.json" in fails[0] and "not found" in fails[0] and "--traces" in fails[0]
    rc = subprocess.run([sys.executable, "-m", "ringrift_mpi.conformance", str(p)], capture_output=True, text=True,
                        timeout=600)
    assert rc.returncode == 1 and "Traceback" not in rc.stdout + rc.stderr
    assert rc.stdout.strip().splitlines()[-1] == "0 passed, 1 failed"


@needs_fixtures
def test_traces_option_finds_the_trace(tmp_path):
    p = _write(tmp_path, _vectors("enc_hex8_3p_seed0.json", 4))
    assert _failures(p, str(FIXTURES / "ref-traces")) == []
    rc = subprocess.run([sys.executable, "-m", "ringrift_mpi.conformance", str(p), "--traces",
                         str(FIXTURES / "ref-traces")], capture_output=True, text=True, timeout=600)
    assert rc.returncode == 0, rc.stdout[-2000:]
    assert rc.stdout.strip().splitlines()[-1] == "5 passed, 0 failed"  # 4 positions + the values


@needs_fixtures
def test_a_wrong_feature_entry_is_named(tmp_path):
    d = _vectors("enc_square8_3p_seed0.json", 10)
    pos = d["positions"][9]
    planes, size = 14, 8
    flat, value = pos["features"]["nz"][-1]
    pos["features"]["nz"][-1] = [flat, value / 2]
    ch, rest = divmod(flat, size * size)
    row, col = divmod(rest, size)
    frame, plane = divmod(ch, planes)
    which = "current frame" if frame == 0 else f"history frame {frame}"
    fails = _failures(_write(tmp_path, d), str(FIXTURES / "ref-traces"))
    assert fails == [f"ply {pos['ply']}: features: channel {ch} ({which}, plane {plane}) row {row} col {col}: "
                     f"expected {np.float32(value / 2)}, got {np.float32(value)}"]


@needs_fixtures
def test_a_missing_nonzero_is_caught(tmp_path):
    d = _vectors("enc_hex8_2p_seed0.json", 20)
    d["positions"][19]["features"]["nz"].pop(0)  # our nonzero where the vector says 0
    fails = _failures(_write(tmp_path, d), str(FIXTURES / "ref-traces"))
    assert len(fails) == 1 and fails[0].startswith(f"ply {d['positions'][19]['ply']}: features: channel ")
    assert "expected 0.0, got " in fails[0]


@needs_fixtures
def test_wrong_globals_policy_and_values_are_named(tmp_path):
    d = _vectors("enc_square8_4p_seed0.json", 6)
    d["positions"][2]["globals"][8] += 0.25
    d["positions"][4]["policyIndex"] += 1
    d["values"]["valuesMp"][3] = 0.5
    fails = _failures(_write(tmp_path, d), str(FIXTURES / "ref-traces"))
    assert len(fails) == 3
    assert fails[0].startswith(f"ply {d['positions'][2]['ply']}: globals[8]: expected ")
    assert fails[1].startswith(f"ply {d['positions'][4]['ply']}: policy index of ")
    assert fails[2].startswith("values: values.valuesMp[3]: expected 0.5, got ")


@needs_fixtures
def test_a_game_without_winner_must_have_no_values(tmp_path):
    d = _vectors("enc_square19_2p_seed0.json", 1)
    d["values"] = None
    fails = _failures(_write(tmp_path, d), str(FIXTURES / "ref-traces"))
    assert fails == ["values: the vector has no values (no winner), our replay ends with winner 1"]
