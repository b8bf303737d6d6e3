"""Victory precedence within one move: a threshold the move itself reaches beats a
last-player-standing award made by the turn rotation inside the same move.

RingRift's apply_move rotates the turn (which may award LPS to the next player at the start
of their turn) and then runs _check_victory regardless, so a forced elimination that takes
its own player to the ring-elimination threshold wins for that player. Found on a RingRift
reference game (hex8 2p) replayed here; this is the same situation on square8.
"""
from __future__ import annotations

from kernels import moves as M
from kernels import state as S
from kernels.apply import apply_move
from ringrift_mpi.interop import state_from_json
from ringrift_mpi.interop.moves import legal_moves_list


def _stack(x, y, rings):  # bottom to top, as RingRift's Python engine writes them
    return {"position": {"x": x, "y": y}, "rings": rings, "stackHeight": len(rings),
            "capHeight": next((i for i, r in enumerate(reversed(rings)) if r != rings[-1]), len(rings)),
            "controllingPlayer": rings[-1]}


def _position(p2_eliminated: int) -> dict:
    stacks = [_stack(0, 0, [1, 2, 2, 2]), _stack(5, 5, [1]), _stack(7, 3, [1, 1, 1])]
    return {
        "boardType": "square8", "currentPlayer": 2, "currentPhase": "forced_elimination",
        "gameStatus": "active", "victoryThreshold": 18, "territoryVictoryThreshold": 33,
        "board": {"type": "square8", "size": 8, "markers": {}, "collapsedSpaces": {},
                  "stacks": {f"{s['position']['x']},{s['position']['y']}": s for s in stacks}},
        "players": [{"playerNumber": 1, "ringsInHand": 0, "eliminatedRings": 8, "territorySpaces": 0},
                    {"playerNumber": 2, "ringsInHand": 0, "eliminatedRings": p2_eliminated,
                     "territorySpaces": 0}],
        # player 1 has had three exclusive rounds: LPS is due at the start of their next turn
        "lpsRoundsRequired": 3, "lpsRoundIndex": 9, "lpsCurrentRoundFirstPlayer": 1,
        "lpsCurrentRoundActorMask": {"1": True, "2": False},
        "lpsConsecutiveExclusiveRounds": 3, "lpsConsecutiveExclusivePlayer": 1,
    }


def _forced_elimination(p2_eliminated: int):
    board, s = state_from_json(_position(p2_eliminated))
    legal = [int(m) for m in legal_moves_list(board, s)]
    assert [M.mtype(m) for m in legal] == [M.FORCED_ELIMINATION]
    apply_move(board.geo, s, legal[0])
    return s


def test_forced_elimination_reaching_the_threshold_wins_for_its_player():
    s = _forced_elimination(15)  # cap of 3 -> 18 credited
    assert s[S.H_STATUS] == S.COMPLETED
    assert int(s[s[S.O_ELIM] + 2]) == 18
    assert int(s[S.H_WINNER]) == 2 and int(s[S.H_CUR]) == 2


def test_below_the_threshold_the_lps_award_stands():
    s = _forced_elimination(10)
    assert s[S.H_STATUS] == S.COMPLETED
    assert int(s[S.H_WINNER]) == 1 and int(s[S.H_CUR]) == 1
