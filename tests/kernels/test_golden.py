"""Golden playthroughs: regenerate each committed tests/golden file and diff it."""
from pathlib import Path

import pytest

from ringrift_mpi import golden

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CONFIGS = [(b, p) for b in golden.BOARDS for p in golden.PLAYERS]


def test_every_config_has_a_golden_file():
    missing = [golden.filename(b, p) for b, p in CONFIGS if not (GOLDEN / golden.filename(b, p)).is_file()]
    assert not missing, f"missing golden files {missing}; run: python -m ringrift_mpi.golden --write tests/golden"


@pytest.mark.parametrize("board,players", CONFIGS)
def test_golden_playthrough(board, players):
    path = GOLDEN / golden.filename(board, players)
    if not path.is_file():
        pytest.skip(f"{path} missing (see test_every_config_has_a_golden_file)")
    h = golden.parse_header(path)
    assert (h["board"], h["players"]) == (board, players)
    expected = path.read_text().splitlines()
    actual = golden.playthrough(board, players, h["seed"], h["move_cap"])
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
