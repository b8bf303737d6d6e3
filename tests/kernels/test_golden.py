"""Golden playthroughs: regenerate each committed tests/golden file and diff it.

Random games pin the rules kernels; greedy-heuristic games (one per board, 2 players) also pin the
evaluator the players use, without RingRift's shared fixtures.
"""
from pathlib import Path

import numpy as np
import pytest

from ringrift_mpi import golden

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CONFIGS = [(b, p) for b in golden.BOARDS for p in golden.PLAYERS]
GREEDY = [(b, golden.GREEDY_PLAYERS) for b in golden.BOARDS]


def test_every_config_has_a_golden_file():
    names = [golden.filename(b, p) for b, p in CONFIGS] + [golden.filename(b, p, "greedy") for b, p in GREEDY]
    missing = [n for n in names if not (GOLDEN / n).is_file()]
    assert not missing, f"missing golden files {missing}; run: python -m ringrift_mpi.golden --write tests/golden"
    assert sorted(p.name for p in GOLDEN.glob("*.txt")) == sorted(names), "golden files nothing regenerates"


@pytest.mark.parametrize("policy,board,players",
                         [("random", b, p) for b, p in CONFIGS] + [("greedy", b, p) for b, p in GREEDY])
def test_golden_playthrough(policy, board, players):
    path = GOLDEN / golden.filename(board, players, policy)
    if not path.is_file():
        pytest.fail(f"{path} missing; run: python -m ringrift_mpi.golden --write tests/golden")
    h = golden.parse_header(path)
    assert (h["policy"], h["board"], h["players"]) == (policy, board, players)
    expected = path.read_text().splitlines()
    actual = golden.regenerate(h)
    d = golden.first_difference(expected, actual)
    if d:
        pytest.fail(f"{path.name} line {d[0]} differs from the engine's game:\n"
                    f"  committed: {d[1]}\n  now:       {d[2]}\n"
                    "If the rules change is intended, regenerate with: python -m ringrift_mpi.golden --write tests/golden")


def test_first_difference_reports_the_changed_line():
    lines = golden.playthrough("square8", 2, golden.SEED)
    changed = list(lines)
    changed[20] = changed[20] + " x"
    assert golden.first_difference(lines, changed) == (21, lines[20], changed[20])
    assert golden.first_difference(lines, lines[:-1])[0] == len(lines)
    engine = next(i for i, l in enumerate(lines) if l.startswith("# engine:"))
    other = list(lines)
    other[engine] = "# engine: ringrift-mpi 9.9.9"
    assert golden.first_difference(lines, other) is None


def test_greedy_golden_shows_an_evaluator_change():
    """A weight nudged by 0.1 % changes no move of the opening, yet the file differs (the score column)."""
    from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
    w = weights_array(BASE_V1_BALANCED_WEIGHTS)
    base = golden.greedy_playthrough("square8", move_cap=12)
    assert golden.first_difference(base, golden.greedy_playthrough("square8", move_cap=12, weights=w.copy())) is None
    nudged = w.copy()
    nudged[np.flatnonzero(nudged)[0]] *= 1.001
    changed = golden.greedy_playthrough("square8", move_cap=12, weights=nudged)
    d = golden.first_difference(base, changed)
    assert d is not None and d[1].split("]")[0] == d[2].split("]")[0], d  # same move, different score
