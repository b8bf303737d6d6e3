"""State pools (``pool.h5``): show a position, export it as RingRift JSON, phase and ply histograms."""
from __future__ import annotations

import numpy as np

from kernels import state as S

from ...storage import StorageError
from ...storage.pool import POOL_FORMAT, _load
from ..dispatch import NotApplicable, Selection, handles


def _one_state(path: str, sel: Selection) -> tuple[dict, np.ndarray]:
    """The selected state, checked with the kernel invariant checker (a broken ring list would
    otherwise draw nonsense or loop)."""
    if sel.game is not None or sel.ply is not None:
        raise NotApplicable(f"{path}: a state pool holds positions, not games: use --index I")
    attrs, states = _load(path)
    if sel.index is None:
        raise NotApplicable(f"{path}: which position? --index I (0 to {len(states) - 1})")
    if not 0 <= sel.index < len(states):
        raise NotApplicable(f"{path}: --index {sel.index} is out of range (the pool holds {len(states)} states, "
                            f"0 to {len(states) - 1})")
    s = states[sel.index].copy()
    from kernels import geometry as G
    from kernels.playout import INVARIANT_NAMES, invariant_violation
    b = int(s[S.H_BOARD]) if 0 <= s[S.H_BOARD] < len(G.BOARD_NAMES) else -1
    if b < 0 or s[S.H_N] != G.BOARD_CELLS[b] or s.size != S.state_size(int(s[S.H_N]), int(s[S.H_R])):
        raise StorageError(f"{path}: state {sel.index} is not a kernel state of a standard board")
    v = invariant_violation(G.build(b), s.copy(), 0)
    if v:
        raise StorageError(f"{path}: state {sel.index} fails the kernel invariant check ({INVARIANT_NAMES[v]})")
    return attrs, s


@handles("show", POOL_FORMAT)
def show(path: str, fmt, sel: Selection) -> str:
    from ...interop.moves import legal_moves_list
    from ..render import board_of, render
    attrs, s = _one_state(path, sel)
    title = f"{path}: state {sel.index}" + (f" (source: {attrs['source']})" if attrs.get("source") else "")
    text = render(s, title=title)
    if s[S.H_STATUS] == S.ACTIVE:
        text += f"legal moves: {len(legal_moves_list(board_of(s), s))} (the pool stores no move played)\n"
    return text


# facts RingRift's GameState keeps only in moveHistory (which a pool does not store): slot -> what
HISTORY_FACTS = ((S.H_ATTACKER, "the capturing stack"), (S.H_CHAIN, "the capture chain's position"),
                 (S.H_TERR_ELIM, "the region just processed"), (S.H_RUN_CHANGE, "whether this turn changed the board"),
                 (S.H_RUN_RECOVERY, "a recovery this turn"), (S.H_LAST_MOVER, "who moved last"),
                 (S.H_P1_MOVED, "swap-rule history"), (S.H_P2_MOVED, "swap-rule history"))


def lost_in_json(s: np.ndarray) -> tuple[list[str], int, int]:
    """Load ``state_to_json(s)`` back and compare the legal moves: (what the JSON could not carry,
    legal moves of s, legal moves of the loaded state); ([], k, k) when it plays the same."""
    from ...interop import state_from_json, state_to_json
    from ...interop.moves import legal_moves_list
    from ..render import board_of
    board = board_of(s)
    board2, t = state_from_json(state_to_json(board, s))
    a, b = np.sort(legal_moves_list(board, s)), np.sort(legal_moves_list(board2, t))
    if np.array_equal(a, b):
        return [], len(a), len(b)
    lost = list(dict.fromkeys(what for slot, what in HISTORY_FACTS if s[slot] != t[slot]))
    return lost or ["something outside the GameState"], len(a), len(b)


@handles("export-json", POOL_FORMAT)
def export_json(path: str, fmt, sel: Selection) -> dict:
    import sys

    from ...interop import state_to_json
    from ..render import board_of
    _, s = _one_state(path, sel)
    lost, k1, k2 = lost_in_json(s)
    if lost:  # the JSON is still the position; say what RingRift will not know about its history
        print(f"note: {path}: state {sel.index}: a GameState keeps {', '.join(lost)} only in moveHistory, which a "
              f"pool does not store; loaded back, this JSON offers {k2} legal moves where the pool state has {k1}",
              file=sys.stderr)
    return state_to_json(board_of(s), s)


def _bars(counts: list[tuple[str, int]], total: int, width: int = 40) -> list[str]:
    top = max((c for _, c in counts), default=0) or 1
    lab = max((len(k) for k, _ in counts), default=0)
    return [f"  {k:<{lab}} {c:6d} {100 * c / total:5.1f} %  {'#' * max(1 if c else 0, round(width * c / top))}"
            for k, c in counts]


@handles("stats", POOL_FORMAT)
def stats(path: str, fmt) -> str:
    attrs, states = _load(path)
    n = len(states)
    out = [f"{path}: {n} {attrs.get('board')} {attrs.get('players')}p states"]
    phase = states[:, S.H_PHASE]
    out.append("phase:")
    out += _bars([(name, int((phase == i).sum())) for i, name in enumerate(S.PHASE_NAMES) if (phase == i).any()], n)
    cur = states[:, S.H_CUR]
    out.append("player to move:")
    out += _bars([(f"P{p}", int((cur == p).sum())) for p in range(1, int(attrs.get("players", 4)) + 1)], n)
    ply = states[:, S.H_PLY]
    out.append(f"ply (moves applied): min {int(ply.min())}, median {float(np.median(ply)):g}, max {int(ply.max())}")
    step = max(1, -(-(int(ply.max()) - int(ply.min()) + 1) // 10))
    edges = np.arange(int(ply.min()), int(ply.max()) + step + 1, step)
    if len(edges) > 2:
        hist, _ = np.histogram(ply, bins=edges)
        out += _bars([(f"{a}-{b - 1}" if b - 1 > a else f"{a}", int(c)) for a, b, c in zip(edges, edges[1:], hist)], n)
    h = np.array([(s[s[S.O_H]:s[S.O_H] + s[S.H_N]] > 0).sum() for s in states])
    out.append(f"stacks on the board: min {int(h.min())}, median {float(np.median(h)):g}, max {int(h.max())}")
    return "\n".join(out)
