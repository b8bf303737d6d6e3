"""Every RingRift fixture through the conformance code, case by case."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ringrift_mpi.conformance.cli import _cases
from tests.conftest import FIXTURES

# Cases our engine does not pass yet, with what we saw; strict so a fix shows up.
OPEN = {
    # Contradict RR-CANON and the current engines; RingRift's own suites do not check them (see docs/rules.md).
    "forced_elimination.monotone_chain.final.square8": "1-player FE chain: the bare board is a global stalemate "
                                                       "(R173), the lone player wins; fixture expects no winner",
    "recovery.overlength_option1": "game ends (last player standing) where the fixture stays active, as in the "
                                   "known-stale recovery.exact_length_option1 and ref_hex8_3p_seed14 ply 209",
    "recovery.fallback_reposition": "game ends (last player standing) where the fixture stays active, as in the "
                                    "known-stale recovery.exact_length_option1 and ref_hex8_3p_seed14 ply 209",
    "hexagonal_2p.process_territory.multi_region": "fixture has a stack at (7,7), off its hexagonal board",
    "trace.hexagonal_2p.process_territory.multi_region.json": "fixture has a stack at (7,7), off its hexagonal board",
}
# (file, case): evaluation positions that do not pass yet (none).
OPEN_EVAL: set[tuple[str, str]] = set()


def _stale() -> set[str]:
    p = FIXTURES / "known-stale.json"
    if not p.is_file():
        return set()
    d = json.loads(p.read_text())
    return set(d.get("stale", {})) | set(d.get("staleGames", {}))


def _params():
    if not FIXTURES.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"RingRift fixtures not found at {FIXTURES}"))]
    files = sorted(p for p in FIXTURES.rglob("*.json") if p.name != "known-stale.json")
    return [pytest.param(f, id=str(f.relative_to(FIXTURES))) for f in files]


@pytest.mark.parametrize("path", _params())
def test_fixture_file(path: Path):
    stale = _stale()
    failures = []
    for case in _cases(str(path)):
        key = case.record_id or case.case_id
        if key in stale:
            continue
        if key in OPEN or (path.name, key) in OPEN_EVAL:
            assert not case.ok, f"{key} passes now: remove it from OPEN"
            continue
        if not case.ok:
            failures.append(f"{case.case_id}: {case.detail}")
    assert not failures, "\n".join(failures)
