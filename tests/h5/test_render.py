"""The text renderer (ringrift_mpi.h5.render): golden pictures of a known square and a known hex
position, and every board's grid read back cell by cell against the state."""
from __future__ import annotations

import re

import numpy as np
import pytest

from kernels import state as S
from ringrift_mpi.h5.render import render
from tests.h5.positions import seeded

# square8, 2 players, seed 5, after 90 random moves (regenerate: print(render(s, m)) for
# seeded("square8", 2, 5, 90); check a changed picture by eye before pasting it)
SQUARE8_2P = """\
square8, 2 players, ply 90, P2 to move, phase movement
     0   1   2   3   4   5   6   7   x
 0  m2  m2   .  #2  #2  #2  #2  #2
 1  m1   .   .   .  #2  #2  #2  #2
 2  m2   .  m2   . 2:3  #2  #2  #2
 3   .  m1  #1  m2  #2  #2  #2  #2
 4   .   .   .   .   .   .  #2  #1
 5  #2   .   .   . 2:2  #2  #1  #1
 6 2:2 1:1   .  #1  #2  #1  #1  #1
 7 1:3 2:7  #1  #1  #1  #1  #1  #1
 y
P:h stack of player P, h rings high; mP marker; #P collapsed (P's territory, #n neutral); . empty
player   in hand  eliminated  territory
P1             2           8         14
P2             1           7         20 <- to move
victory at 18 rings eliminated or 33 territory spaces; 15 eliminated in all
stacks (6, row by row; key, controller, height, cap, rings bottom to top):
  4,2 P2 h3 cap1 [1 1 2]; 4,5 P2 h2 cap2 [2 2]; 0,6 P2 h2 cap2 [2 2]; 1,6 P1 h1 cap1 [1]
  0,7 P1 h3 cap3 [1 1 1]; 1,7 P2 h7 cap3 [2 2 1 1 2 2 2]
markers 7 (P1 2, P2 5); collapsed spaces 34 (P1 14, P2 20)
placed this turn, must move: the stack at 4,5
move played: P2 move_stack 4,5>1,5
"""

# hex8, 3 players, seed 2, after 84 random moves
HEX8_3P = """\
hex8, 3 players, ply 84, P2 to move, phase movement
 z=-4          m1   . 2:1  m1   .
 z=-3         .  m1   . 2:2  m3   .
 z=-2       .   . 2:2   . 3:5  m2   .
 z=-1     . 1:3   .  #1 2:1  m1  #1 1:4
  z=0  m3   .  m2   .  #3  m3   . 3:1   .
  z=1    m1   .   .  m1 2:2  #3   .  m2
  z=2       .   .   .  m1 1:4  m3   .
  z=3       1:2  m3   .   .  m3 2:3
  z=4           .   .   .   . 1:2
     rows: z from -4 (top) to 4; along a row x grows to the right (top row x = 0..4), y = -x - z
P:h stack of player P, h rings high; mP marker; #P collapsed (P's territory, #n neutral); . empty
player   in hand  eliminated  territory
P1             3           2          2
P2             5           1          0 <- to move
P3            10           1          2
victory at 24 rings eliminated or 31 territory spaces; 4 eliminated in all
stacks (13, row by row; key, controller, height, cap, rings bottom to top):
  2,2,-4 P2 h1 cap1 [2]; 2,1,-3 P2 h2 cap2 [2 2]; 0,2,-2 P2 h2 cap2 [2 2]
  2,0,-2 P3 h5 cap3 [3 1 3 3 3]; -2,3,-1 P1 h3 cap1 [2 2 1]; 1,0,-1 P2 h1 cap1 [2]
  4,-3,-1 P1 h4 cap4 [1 1 1 1]; 3,-3,0 P3 h1 cap1 [3]; 0,-1,1 P2 h2 cap2 [2 2]
  0,-2,2 P1 h4 cap3 [3 1 1 1]; -4,1,3 P1 h2 cap2 [1 1]; 1,-4,3 P2 h3 cap2 [3 2 2]
  0,-4,4 P1 h2 cap2 [1 1]
markers 16 (P1 7, P2 3, P3 6); collapsed spaces 4 (P1 2, P3 2)
placed this turn, must move: the stack at 2,1,-3
move played: P2 move_stack 2,1,-3>4,-1,-3
"""


@pytest.mark.parametrize("config,expected", [(("square8", 2, 5, 90), SQUARE8_2P), (("hex8", 3, 2, 84), HEX8_3P)])
def test_known_positions_render_as_expected(config, expected):
    board, s, m = seeded(*config)
    got = render(s, m)
    if got != expected:
        exp, act = expected.splitlines(), got.splitlines()
        i = next((k for k, (a, b) in enumerate(zip(exp, act)) if a != b), min(len(exp), len(act)))
        pytest.fail(f"{config}: line {i + 1} differs\n  expected: {exp[i] if i < len(exp) else '<end>'}\n"
                    f"  rendered: {act[i] if i < len(act) else '<end>'}\nwhole picture:\n{got}")


def _token(s, c, P):
    h = s[s[S.O_H] + c]
    if h:
        return f"{s[s[S.O_CTRL] + c]}:{h}"
    if s[s[S.O_MARK] + c]:
        return f"m{s[s[S.O_MARK] + c]}"
    k = s[s[S.O_COLL] + c]
    return (f"#{k}" if k <= P else "#n") if k else "."


@pytest.mark.parametrize("board_name,players,seed,plies", [
    ("square8", 2, 1, 70), ("square8", 4, 3, 120), ("square19", 2, 4, 300), ("hex8", 2, 6, 60),
    ("hexagonal", 3, 7, 400), ("hexagonal", 4, 8, 150)])
def test_every_cell_is_drawn_where_it_is(board_name, players, seed, plies):
    """Read the grid back: row by row, the tokens are the cells of that row (y on square boards,
    z on hex boards) in x order, and each hex token sits at column 2x + z (half a cell per row)."""
    board, s, _ = seeded(board_name, players, seed, plies)
    text = render(s).splitlines()
    P = int(s[S.H_P])
    if not board.hex:
        rows = text[2:2 + board.size]
        for y, line in enumerate(rows):
            label, *toks = line.split()
            assert int(label) == y
            assert toks == [_token(s, y * board.size + x, P) for x in range(board.size)], (y, line)
        return
    r = (board.size - 1) // 2
    rows = text[1:1 + 2 * r + 1]
    ends = {}
    for z, line in zip(range(-r, r + 1), rows):
        label, *toks = line.split()
        assert label == f"z={z}"
        cells = sorted((c for c in range(board.n) if board.coords[c][2] == z), key=lambda c: board.coords[c][0])
        assert toks == [_token(s, c, P) for c in cells], (z, line)
        for c, mt in zip(cells, re.finditer(r"\S+", line[len(label) + line.index(label):])):
            ends[c] = mt.end() + len(label) + line.index(label)
    # the right edge of each token is linear in 2x + z: the same step between neighbours everywhere
    cols = {c: 2 * board.coords[c][0] + board.coords[c][2] for c in ends}
    c0 = min(ends, key=lambda c: cols[c])
    step = {(ends[c] - ends[c0]) / (cols[c] - cols[c0]) for c in ends if cols[c] != cols[c0]}
    assert len(step) == 1, step


def test_stack_list_and_counts_match_the_state():
    board, s, _ = seeded("square19", 3, 9, 250)
    text = render(s)
    buf = np.empty(int(s[S.H_R]), np.int32)
    listed = re.findall(r"(-?\d+,-?\d+) P(\d) h(\d+) cap(\d+) \[([\d ]+)\]", text)
    want = []
    for c in range(board.n):
        k = S.rings_of(s, c, buf)
        if k:
            want.append((board.key(c), str(s[s[S.O_CTRL] + c]), str(k), str(s[s[S.O_CAP] + c]),
                         " ".join(str(v) for v in buf[:k])))
    assert sorted(listed) == sorted(want) and len(want) > 5
    n_mark = int((s[s[S.O_MARK]:s[S.O_MARK] + board.n] > 0).sum())
    assert f"markers {n_mark}" in text
    for p in range(1, 4):
        row = re.search(rf"^P{p} +(\d+) +(\d+) +(\d+)", text, re.M)
        assert tuple(map(int, row.groups())) == (s[s[S.O_HAND] + p], s[s[S.O_ELIM] + p], s[s[S.O_TERR] + p])


def test_a_finished_game_names_the_winner():
    from kernels.playout import random_playout
    from ringrift_mpi.interop import initial_state
    board, s = initial_state("hex8", 2)
    random_playout(board.geo, s, 11, 0, np.zeros(0, np.int64))
    head = render(s).splitlines()[0]
    w = int(s[S.H_WINNER])
    assert "game over" in head and (f"winner P{w}" if w else "no winner") in head, head
    assert "to move" not in render(s)
