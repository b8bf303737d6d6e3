"""Every RingRift fixture through the conformance code, case by case.

A file passes when every case it yields passes, except the cases known-stale.json names (RingRift's
own suites do not check them either; the conformance command reports them apart). A file that
yields no case left to check fails, unless EXPECTED_EMPTY says why it is empty: a folder of files
that all read as nothing must not pass as green.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ringrift_mpi.conformance.cli import _cases
from tests.conftest import FIXTURES, REPO_ROOT, fixtures_missing

# Cases our engine does not pass yet, with what we saw; strict, so a fix shows up. The five that
# were here (RR-CANON contradictions, docs/rules.md) are in known-stale.json now.
OPEN: dict[str, str] = {}
# (file, case): evaluation positions that do not pass yet (none).
OPEN_EVAL: set[tuple[str, str]] = set()
# Files (relative to the fixture folder) that yield no case to count, and why.
EXPECTED_EMPTY = {
    "contract-vectors/chain_capture_extended_theoretical.reference.json":
        "reference notes shaped like a bundle (status 'theoretical'); RingRift runs none of them",
    "golden-games/captures_square8_2p_8840e2e0.json":
        "its one game is known-stale: recorded by an older engine, stops after 14 moves yet claims an outcome",
    "golden-games/smoke_hex8_2p_mjk8qhtj.json":
        "its one game is known-stale: recorded by an older engine, stops after 2 moves yet claims an outcome",
    "rules-parity/v2/state_action.hexagonal_2p.process_territory.multi_region.json":
        "its one case is known-stale: a stack at (7,7), off the hexagonal board",
    "rules-parity/v2/trace.hexagonal_2p.process_territory.multi_region.json":
        "its one case is known-stale: a stack at (7,7), off the hexagonal board",
}


def _stale() -> set[str]:
    p = FIXTURES / "known-stale.json"
    if not p.is_file():
        return set()
    d = json.loads(p.read_text())
    return set(d.get("stale", {})) | set(d.get("staleGames", {}))


def _params():
    if not FIXTURES.is_dir():
        return [pytest.param(None, id="fixtures-missing")]
    files = sorted(p for p in FIXTURES.rglob("*.json") if p.name != "known-stale.json")
    return [pytest.param(f, id=str(f.relative_to(FIXTURES))) for f in files]


@pytest.mark.parametrize("path", _params())
def test_fixture_file(path: Path | None):
    if path is None:
        fixtures_missing()
    rel = path.relative_to(FIXTURES).as_posix()
    stale = _stale()
    failures = []
    counted = 0
    for case in _cases(str(path)):
        key = case.record_id or case.case_id
        if key in stale:
            continue
        counted += 1
        if key in OPEN or (path.name, key) in OPEN_EVAL:
            assert not case.ok, f"{key} passes now: remove it from OPEN"
            continue
        if not case.ok:
            failures.append(f"{case.case_id}: {case.detail}")
    assert not failures, "\n".join(failures)
    if rel in EXPECTED_EMPTY:
        assert counted == 0, f"{rel} now yields {counted} case(s) to check: remove it from EXPECTED_EMPTY"
    else:
        assert counted > 0, f"{rel} yields no case to check (add it to EXPECTED_EMPTY, saying why, if that is right)"


def test_expected_empty_names_existing_files(ringrift_fixtures):
    missing = [rel for rel in EXPECTED_EMPTY if not (ringrift_fixtures / rel).is_file()]
    assert not missing, f"EXPECTED_EMPTY names files that are not there: {missing}"


@pytest.mark.parametrize("require,outcome", [("", "1 skipped"), ("1", "1 failed")])
def test_missing_fixtures_skip_or_fail_by_the_switch(tmp_path, require, outcome):
    """RINGRIFT_REQUIRE_FIXTURES (set by .ci/run) turns a missing fixture folder from a skip into an error."""
    env = dict(os.environ, RINGRIFT_FIXTURES=str(tmp_path / "nowhere"), RINGRIFT_REQUIRE_FIXTURES=require)
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "tests/conformance/test_fixtures.py::test_fixture_file"],
                       cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert outcome in p.stdout, p.stdout[-2000:]
    assert (p.returncode != 0) == (require == "1"), p.stdout[-2000:]
    if require:
        assert "RINGRIFT_REQUIRE_FIXTURES is set" in p.stdout
