"""Diverse mid-game positions from a self-play dataset, as kernel states for a state pool.

Every stored game carries its move list, so any ply can be rebuilt by replaying.
``sample_states`` replays the first ``games`` games (in id order), takes the
position before every ply whose progress through its game (ply / length) lies in
[lo, hi) (so: still in play, past the opening, short of the end), and picks
``size`` of them spread evenly over bins of (phase, progress fifth): bins take
turns, each giving its next position in a seeded random order, and a position
already taken (same stacks, markers, collapsed cells, hands, scores, player to
move and phase) is skipped. The result is a function of the dataset, the seed and
the arguments.
"""
from __future__ import annotations

import hashlib

import numpy as np

from kernels import state as S
from kernels.apply import apply_move
from kernels.newgame import new_game

from ..storage import StorageError
from ..storage.dataset import Dataset

PROGRESS_BINS = 5


def position_key(s: np.ndarray) -> bytes:
    """What makes two positions the same for play (not how they were reached)."""
    n = int(s[S.H_N])
    parts = [s[s[k]:s[k] + n] for k in (S.O_H, S.O_CTRL, S.O_MARK, S.O_COLL)]
    parts.append(s[s[S.O_CNT]:s[S.O_CNT] + n * S.NP1])
    parts += [s[s[k]:s[k] + S.NP1] for k in (S.O_HAND, S.O_ELIM, S.O_TERR, S.O_BELIM)]
    parts.append(s[[S.H_CUR, S.H_PHASE, S.H_MUSTMOVE, S.H_CHAIN, S.H_PENDING_LINE, S.H_TERR_ELIM]])
    return hashlib.sha1(b"".join(np.ascontiguousarray(p, np.int32).tobytes() for p in parts)).digest()


def sample_states(path: str, size: int = 32, seed: int = 0, games: int = 200, lo: float = 0.1,
                  hi: float = 0.95) -> tuple[np.ndarray, dict]:
    """(states [size, slot], facts: board, players, games used, candidates, phases and plies taken)."""
    if size < 1 or not 0.0 <= lo < hi <= 1.0:
        raise ValueError("size must be >= 1 and 0 <= lo < hi <= 1")
    with Dataset(path) as ds:
        board, players = ds.board, ds.players
        rows = np.argsort(ds.games["id"], kind="stable")[:games]
        lists = [(int(ds.games["id"][r]), ds.moves(int(r))) for r in rows]
        name = ds.attrs["board"]
    from kernels import geometry as G
    from kernels.state import PHASE_NAMES
    geo = G.build(board)
    bins: dict[int, list] = {}  # (phase, progress fifth) -> [(game index, ply, position key)]
    for gi, (_, moves) in enumerate(lists):
        s = new_game(board, players)
        L = len(moves)
        for ply in range(L):
            prog = ply / L
            if lo <= prog < hi and s[S.H_STATUS] == S.ACTIVE:
                b = int(s[S.H_PHASE]) * PROGRESS_BINS + int(PROGRESS_BINS * (prog - lo) / (hi - lo))
                bins.setdefault(b, []).append((gi, ply, position_key(s)))
            apply_move(geo, s, moves[ply])
    if not bins:
        raise StorageError(f"{path}: no positions between {lo:.0%} and {hi:.0%} of a game to sample from")
    rng = np.random.default_rng(seed)
    queues = [[bins[k][i] for i in rng.permutation(len(bins[k]))] for k in sorted(bins)]
    picked, seen = [], set()
    while len(picked) < size and any(queues):
        for q in queues:
            while q and len(picked) < size:
                gi, ply, key = q.pop()
                if key not in seen:
                    seen.add(key)
                    picked.append((gi, ply))
                    break
    picked.sort()
    states, facts = [], []
    for gi in sorted({g for g, _ in picked}):
        want = {ply for g, ply in picked if g == gi}
        s = new_game(board, players)
        moves = lists[gi][1]
        for ply in range(max(want) + 1):
            if ply in want:
                states.append(s.copy())
                facts.append((lists[gi][0], ply, PHASE_NAMES[int(s[S.H_PHASE])]))
            apply_move(geo, s, moves[ply])
    phases: dict[str, int] = {}
    for f in facts:
        phases[f[2]] = phases.get(f[2], 0) + 1
    return np.array(states, np.int32), {
        "board": name, "players": players, "games": len(lists), "candidates": sum(map(len, bins.values())),
        "states": len(states), "games_used": len({f[0] for f in facts}), "phases": phases,
        "plies": [f[1] for f in facts]}
