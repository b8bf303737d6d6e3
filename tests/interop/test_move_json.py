"""Moves we write are the moves RingRift's Python engine lists, field for field.

Positions are built here (hex8 and square8, two players). Where a test names the exact
answer (a cell, a field), it is the one RingRift's engine gives for the same position
(``GameEngine.get_valid_moves``, checked with RingRift at 2aa9f89b5); the replay harness
outside the project checks whole games the same way.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

from kernels import moves as M
from kernels import state as S
from kernels.apply import apply_move
from ringrift_mpi.interop import InteropError, move_from_json, move_to_json, state_from_json, state_to_json
from ringrift_mpi.interop.moves import legal_moves_list
from ringrift_mpi.interop.regions import ringrift_region_order

HEX = ((1, 0, -1), (1, -1, 0), (0, -1, 1), (-1, 0, 1), (-1, 1, 0), (0, 1, -1))
# A two-cell region at hex8's edge, and every cell around it (collapsed: the region's border).
REGION = [(-4, 2, 2), (-3, 2, 1)]
AROUND = sorted({(x + dx, y + dy, z + dz) for x, y, z in REGION for dx, dy, dz in HEX
                 if max(abs(x + dx), abs(y + dy), abs(z + dz)) <= 4} - set(REGION))


def _pos(c):
    return {"x": c[0], "y": c[1], "z": c[2]} if len(c) == 3 else {"x": c[0], "y": c[1]}


def _key(c):
    return ",".join(map(str, c))


def _stack(c, rings):  # bottom first, as RingRift's Python engine writes them
    cap = next((i for i, r in enumerate(reversed(rings)) if r != rings[-1]), len(rings))
    return {"position": _pos(c), "rings": rings, "stackHeight": len(rings), "capHeight": cap,
            "controllingPlayer": rings[-1]}


def _state(board, stacks, collapsed=(), markers=(), phase="territory_processing", hands=(10, 10),
           elim=(0, 0), history=()):
    return {
        "boardType": board, "currentPlayer": 1, "currentPhase": phase, "gameStatus": "active",
        "board": {"type": board, "size": 9 if board == "hex8" else 8,
                  "stacks": {_key(c): _stack(c, r) for c, r in stacks},
                  "markers": {_key(c): {"player": p, "position": _pos(c), "type": "regular"} for c, p in markers},
                  "collapsedSpaces": {_key(c): o for c, o in collapsed}},
        "players": [{"playerNumber": p, "ringsInHand": hands[p - 1], "eliminatedRings": elim[p - 1],
                     "territorySpaces": 0} for p in (1, 2)],
        "moveHistory": list(history), "rulesOptions": {"swapRuleEnabled": False},
    }


def _json_moves(board, s):
    return [move_to_json(board, s, m) for m in legal_moves_list(board, s)]


def test_territory_option_names_the_cell_ringrift_names():
    # Player 1's stack alone in a region walled off by collapsed spaces, and one outside to pay with.
    board, s = state_from_json(_state("hex8", [((-4, 2, 2), [1]), ((2, -1, -1), [2, 1]), ((0, 0, 0), [2])],
                                      collapsed=[(c, 2) for c in AROUND]))
    [opt] = [mj for mj in _json_moves(board, s) if mj["type"] == "choose_territory_option"]
    # RingRift lists the region's cells in the order of a Python set of its cell numbers: here
    # not the lowest-numbered cell first, nor the order our kernel's flood fill finds them.
    assert opt["to"] == {"x": -3, "y": 2, "z": 1}
    assert opt["disconnectedRegions"][0]["spaces"] == [_pos((-3, 2, 1)), _pos((-4, 2, 2))]
    # The forward check compares `to` for these moves now: the region named by its other cell
    # is not a move RingRift lists.
    assert M.mtype(move_from_json(board, s, opt)) == M.CHOOSE_TERRITORY_OPTION
    wrong = copy.deepcopy(opt)
    wrong["to"] = _pos((-4, 2, 2))
    with pytest.raises(InteropError, match="not legal here"):
        move_from_json(board, s, wrong)


def test_region_order_is_a_permutation_and_starts_where_ringrift_does():
    from kernels import geometry as G
    # hex8 cell numbers 2 and 8 (cells (-4,2,2) and (-3,2,1)) share a slot of an 8-slot set
    assert ringrift_region_order(G.HEX8, 9, [2, 8]) == [8, 2]
    rng = np.random.default_rng(5)
    for _ in range(50):
        cells = rng.choice(361, size=int(rng.integers(1, 40)), replace=False)
        order = ringrift_region_order(G.SQUARE19, 19, cells)
        # (a random set need not be connected: the order then covers the start's component)
        assert set(order) <= set(int(c) for c in cells) and min(cells) in order


def test_skip_placement_names_the_players_first_stack():
    # RingRift names the first stack (board dict order) the player controls; none when the skip
    # leads to recovery (no stack of its own).
    st = _state("square8", [((5, 5), [2]), ((3, 3), [1, 1]), ((1, 1), [1])], phase="ring_placement")
    board, s = state_from_json(st)
    [skip] = [mj for mj in _json_moves(board, s) if mj["type"] == "skip_placement"]
    assert skip["to"] == {"x": 3, "y": 3}
    st = _state("square8", [((5, 5), [1, 2]), ((6, 6), [2])], markers=[((0, 0), 1)], phase="ring_placement")
    board, s = state_from_json(st)
    [skip] = [mj for mj in _json_moves(board, s) if mj["type"] == "skip_placement"]
    assert "to" not in skip


# --- a territory self-elimination after a recovery slide, with and without the history ----------

RECOVERY_STACKS = [((0, 0, 0), [1, 2]), ((1, -1, 0), [1, 1, 2]), ((2, 0, -2), [2]), ((-1, 1, 0), [2, 2])]
RECOVERY_HISTORY = [
    {"type": "recovery_slide", "player": 1, "from": _pos((3, -2, -1)), "to": _pos((3, -1, -2)),
     "recoveryMode": "fallback"},
    {"type": "choose_territory_option", "player": 1, "to": _pos((-3, 2, 1)),
     "disconnectedRegions": [{"spaces": [_pos((-3, 2, 1)), _pos((-4, 2, 2))], "controllingPlayer": 1,
                              "isDisconnected": True}]},
]


def _recovery_position(history):
    # Player 1 controls no stack (it recovered this turn) and has just processed REGION: it owes
    # one buried ring (RR-CANON-R114), from a stack it need not control.
    return _state("hex8", RECOVERY_STACKS, collapsed=[(c, 1) for c in REGION] + [(c, 2) for c in AROUND],
                  markers=[((3, 0, -3), 1), ((3, -1, -2), 1)], hands=(0, 5), elim=(2, 0), history=history)


def test_recovery_elimination_is_listed_with_its_context():
    board, s = state_from_json(_recovery_position(RECOVERY_HISTORY))
    got = sorted((mj["type"], mj["to"]["x"], mj["to"]["y"], mj.get("eliminationContext")) for mj in _json_moves(board, s))
    assert got == [("eliminate_rings_from_stack", 0, 0, "recovery"), ("eliminate_rings_from_stack", 1, -1, "recovery")]


def test_history_free_state_takes_the_elimination_its_history_would_list():
    """An evaluation-vector state (moveHistory emptied) whose move list was made with its history.

    RingRift's engines list the elimination only from moveHistory (the last move a region choice
    by the same player): from the bare JSON they list no_territory_action, and so do we. The move
    itself, read non-strictly as fixtures are, must still be taken, and paid as RingRift pays it
    (one buried ring of player 1, not the cap of player 2's stack).
    """
    mj = {"type": "eliminate_rings_from_stack", "player": 1, "to": _pos((1, -1, 0))}
    board, with_h = state_from_json(_recovery_position(RECOVERY_HISTORY))
    apply_move(board.geo, with_h, move_from_json(board, with_h, mj))

    board, bare = state_from_json(_recovery_position([]))
    assert [x["type"] for x in _json_moves(board, bare)] == ["no_territory_action"]
    with pytest.raises(InteropError, match="not legal here"):
        move_from_json(board, bare.copy(), mj)
    m = move_from_json(board, bare, mj, strict=False)
    apply_move(board.geo, bare, m)

    c = board.cell(mj["to"])
    for t in (with_h, bare):
        assert (t[t[S.O_H] + c], t[t[S.O_CTRL] + c], t[t[S.O_ELIM] + 1]) == (2, 2, 3)
    assert state_to_json(board, with_h) == state_to_json(board, bare)


def test_history_free_elimination_must_fit_the_stack():
    board, bare = state_from_json(_recovery_position([]))
    # player 2's own stack holds no ring of player 1: neither context can pay with it
    for ctx in (None, "territory", "recovery"):
        mj = {"type": "eliminate_rings_from_stack", "player": 1, "to": _pos((2, 0, -2))}
        if ctx:
            mj["eliminationContext"] = ctx
        with pytest.raises(InteropError, match="not legal here"):
            move_from_json(board, bare.copy(), mj, strict=False)
    # a move that names the territory context needs a stack player 1 controls
    mj = {"type": "eliminate_rings_from_stack", "player": 1, "to": _pos((0, 0, 0)), "eliminationContext": "territory"}
    with pytest.raises(InteropError, match="not legal here"):
        move_from_json(board, bare.copy(), mj, strict=False)


def test_recovery_slide_carries_what_ringrift_applies():
    # Player 1 controls no stack, has a buried ring and markers 0-2,4 on row 0 (square8 2p: lines of 4).
    st = _state("square8", [((5, 5), [1, 2]), ((6, 6), [2, 2])], phase="movement", hands=(0, 5),
                markers=[((0, 0), 1), ((1, 0), 1), ((2, 0), 1), ((4, 0), 1), ((3, 1), 1)])
    board, s = state_from_json(st)
    got = {(mj["from"]["x"], mj["from"]["y"], mj["recoveryOption"]): mj for mj in _json_moves(board, s)
           if mj["type"] == "recovery_slide"}
    assert sorted(got) == [(3, 1, 1), (3, 1, 2), (4, 0, 1)]  # 3,1 -> 3,0 makes five: both options
    assert got[(3, 1, 2)]["collapsePositions"] == [{"x": x, "y": 0} for x in range(4)]
    assert all("collapsePositions" not in mj and "extractionStacks" not in mj
               for k, mj in got.items() if k[2] == 1)
    # No line to make: fallback slides, each naming the first stack (dict order) holding a
    # buried ring of player 1, the one RingRift's apply_move extracts it from.
    st = _state("square8", [((7, 7), [2]), ((6, 6), [1, 2]), ((5, 5), [1, 1, 2])], phase="movement",
                hands=(0, 5), markers=[((0, 0), 1)])
    board, s = state_from_json(st)
    slides = [mj for mj in _json_moves(board, s) if mj["type"] == "recovery_slide"]
    assert slides and all(mj["recoveryMode"] == "fallback" and mj["extractionStacks"] == ["6,6"] for mj in slides)
