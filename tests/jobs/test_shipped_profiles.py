"""The shipped profiles: one per board and player count, each following from its job, all of them in
one trained-profiles file that RingRift's loader reads (RINGRIFT_TRAINED_HEURISTIC_PROFILES)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kernels.heuristic_weights import HEURISTIC_WEIGHT_KEYS
from ringrift_mpi import profiles as PR
from ringrift_mpi.cmaes.config import BOARDS, CMAESConfig

ROOT = Path(__file__).resolve().parents[2]
MERGED = ROOT / "profiles" / "trained_heuristic_profiles.json"
ABBREV = {"square8": "sq8", "square19": "sq19", "hex8": "hex8", "hexagonal": "hex"}  # RingRift's BOARD_ABBREV
CONFIGS = [(b, p) for b in BOARDS for p in (2, 3, 4)]


@pytest.mark.parametrize("board,players", CONFIGS)
def test_each_profile_follows_from_its_job(board, players):
    name = f"{board}_{players}p"
    prof = PR.load_profile(ROOT / "profiles" / f"{name}.json")
    job = CMAESConfig.load(str(ROOT / "jobs" / "profiles" / f"{name}.toml"), env={})
    assert prof.filled == [] and len(prof.weights) == 59
    assert (prof.meta["board"], prof.meta["num_players"]) == (board, players) == (job.game.board, job.game.players)
    assert prof.meta["config_hash"] == job.config_hash(), f"profiles/{name}.json is stale: rerun its job"


def test_merged_file_loads_with_all_59_keys_under_ringrifts_ids():
    ps = PR.load_profiles(MERGED)
    want = {f"heuristic_v1_{ABBREV[b]}_{p}p" for b, p in CONFIGS} | {f"heuristic_v1_{p}p" for p in (2, 3, 4)}
    assert set(ps.profiles) == want
    import json
    raw = json.loads(MERGED.read_text())["profiles"]
    for pid, prof in ps.profiles.items():
        assert prof.filled == [] and sorted(raw[pid]) == sorted(HEURISTIC_WEIGHT_KEYS), pid
    for b, p in CONFIGS:  # the same weights as the single files; the legacy ids are square8's
        single = PR.load_profile(ROOT / "profiles" / f"{b}_{p}p.json").weights
        assert ps.profiles[f"heuristic_v1_{ABBREV[b]}_{p}p"].weights == single
        if b == "square8":
            assert ps.profiles[f"heuristic_v1_{p}p"].weights == single


@pytest.mark.skipif(not os.path.isdir(os.environ.get("RINGRIFT_CHECKOUT", "/nonexistent")),
                    reason="RINGRIFT_CHECKOUT (a RingRift checkout) is not set")
def test_ids_are_the_ones_ringrifts_loader_and_ladder_look_up():
    """Every id is a key of RingRift's BOARD_PROFILE_MAP / PLAYER_COUNT_PROFILE_MAP (read from its source)."""
    src = (Path(os.environ["RINGRIFT_CHECKOUT"]) / "ai-service" / "app" / "ai" / "heuristic_weights.py").read_text()
    known = set(re.findall(r'"(heuristic_v1_(?:sq8|sq19|hex8|hex)_[234]p)"', src))
    known |= set(re.findall(r'\d: "(heuristic_v1_[234]p)"', src))
    assert set(PR.load_profiles(MERGED).profiles) <= known, sorted(set(PR.load_profiles(MERGED).profiles) - known)
