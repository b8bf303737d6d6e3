"""A kernel state drawn as text: the board (square or hex), then the players, the stacks and the
turn. Pure Python over ``kernels.state`` arrays, for ``ringrift-h5 show`` and anyone else.

Cells: ``P:h`` a stack controlled by player P, h rings high; ``mP`` a marker of P; ``#P`` a
collapsed space (P's territory; ``#n`` neutral); ``.`` empty. Square boards have x across and
y down, as RingRift's "x,y" keys; hex boards one row per z (cube coordinates, top z = -r),
x growing to the right and y = -x - z, as RingRift's "x,y,z" keys. Every stack is also listed
with its key and its rings, bottom to top.
"""
from __future__ import annotations

import math

import numpy as np

from kernels import geometry as G
from kernels import state as S

LEGEND = "P:h stack of player P, h rings high; mP marker; #P collapsed (P's territory, #n neutral); . empty"


def board_of(s: np.ndarray):
    """The interop Board (coordinates, keys) a state is laid out for, its size read from the cell count."""
    from ..interop import Board
    b, n = int(s[S.H_BOARD]), int(s[S.H_N])
    if G.is_hex(b):
        r = int(round((math.sqrt(12 * n - 3) - 3) / 6))  # n = 3r(r+1) + 1
        size = 2 * r + 1
    else:
        size = int(round(math.sqrt(n)))
    board = Board.get(b, size)
    if board.n != n:
        raise ValueError(f"state of {n} cells is no {G.BOARD_NAMES[b]} board")
    return board


def _tok(s: np.ndarray, c: int, P: int) -> str:
    h = s[s[S.O_H] + c]
    if h:
        return f"{s[s[S.O_CTRL] + c]}:{h}"
    m = s[s[S.O_MARK] + c]
    if m:
        return f"m{m}"
    k = s[s[S.O_COLL] + c]
    if k:
        return f"#{k}" if k <= P else "#n"
    return "."


def _grid(board, s: np.ndarray) -> list[str]:
    P = int(s[S.H_P])
    toks = [_tok(s, c, P) for c in range(board.n)]
    w = max(4, max(len(t) for t in toks) + 1)
    if not board.hex:
        size = board.size
        lab = len(str(size - 1)) + 1
        out = [" " * lab + "".join(str(x).rjust(w) for x in range(size)) + "   x"]
        for y in range(size):
            out.append(str(y).rjust(lab) + "".join(toks[y * size + x].rjust(w) for x in range(size)))
        out.append("y".rjust(lab))
        return out
    # hex: half-cell columns, col = 2x + z, so each row sits half a cell from the next
    hw = (w + 1) // 2
    rows: dict[int, list[tuple[int, str]]] = {}
    for c, (x, _y, z) in enumerate(board.coords):
        rows.setdefault(z, []).append((2 * x + z, toks[c]))
    cmin = min(col for r in rows.values() for col, _ in r)
    labels = {z: f"z={z}" for z in rows}
    lab = max(len(v) for v in labels.values()) + 1
    out = []
    for z in sorted(rows):
        line = [" "] * ((max(col for col, _ in rows[z]) - cmin) * hw + w)
        for col, t in rows[z]:
            at = (col - cmin) * hw + w - len(t)
            line[at:at + len(t)] = t
        out.append(labels[z].rjust(lab) + "".join(line).rstrip())
    first = min(rows)
    xs = sorted(board.coords[c][0] for c in range(board.n) if board.coords[c][2] == first)
    out.append(f"{'':>{lab}}rows: z from {first} (top) to {max(rows)}; along a row x grows to the right "
               f"(top row x = {xs[0]}..{xs[-1]}), y = -x - z")
    return out


def _players(s: np.ndarray) -> list[str]:
    P, cur = int(s[S.H_P]), int(s[S.H_CUR])
    active = s[S.H_STATUS] == S.ACTIVE
    out = ["player   in hand  eliminated  territory"]
    for p in range(1, P + 1):
        mark = " <- to move" if active and p == cur else ""
        win = " winner" if s[S.H_WINNER] == p else ""
        out.append(f"P{p:<6} {s[s[S.O_HAND] + p]:>8} {s[s[S.O_ELIM] + p]:>11} {s[s[S.O_TERR] + p]:>10}{mark}{win}")
    out.append(f"victory at {s[S.H_VICTORY]} rings eliminated or {s[S.H_TERR_VICTORY]} territory spaces; "
               f"{s[S.H_TOTAL_ELIM]} eliminated in all")
    return out


def _reading_order(board, c: int) -> tuple:
    x, y, z = board.coords[c]
    return (z, x) if board.hex else (y, x)


def _stacks(board, s: np.ndarray) -> list[str]:
    cells = sorted((c for c in range(board.n) if s[s[S.O_H] + c]), key=lambda c: _reading_order(board, c))
    if not cells:
        return ["stacks: none"]
    buf = np.empty(max(int(s[S.H_R]), 1), np.int32)
    items = []
    for c in cells:
        k = S.rings_of(s, c, buf)
        items.append(f"{board.key(c)} P{s[s[S.O_CTRL] + c]} h{k} cap{s[s[S.O_CAP] + c]} "
                     f"[{' '.join(str(int(v)) for v in buf[:k])}]")
    out = [f"stacks ({len(cells)}, row by row; key, controller, height, cap, rings bottom to top):"]
    line = " "
    for it in items:  # packed a few to a line
        if len(line) + len(it) + 3 > 100 and line.strip():
            out.append(line.rstrip(" ;"))
            line = " "
        line += f" {it};"
    out.append(line.rstrip(" ;"))
    return out


def _counts(board, s: np.ndarray, table: int, what: str) -> str:
    P = int(s[S.H_P])
    v = s[s[table]:s[table] + board.n]
    per = [f"P{p} {int((v == p).sum())}" for p in range(1, P + 1) if (v == p).any()]
    if (v > P).any():
        per.append(f"neutral {int((v > P).sum())}")
    return f"{what} {int((v > 0).sum())}" + (f" ({', '.join(per)})" if per else "")


def _turn(board, s: np.ndarray) -> list[str]:
    out = []
    ph = s[S.H_PHASE]
    # the attacker and chain cells are only meaningful while a capture is being decided
    for slot, what, when in ((S.H_MUSTMOVE, "placed this turn, must move: the stack at", True),
                             (S.H_ATTACKER, "the capturing stack is at", ph in (S.CAPTURE, S.CHAIN_CAPTURE)),
                             (S.H_CHAIN, "capture chain at", ph == S.CHAIN_CAPTURE)):
        if when and s[slot] >= 0:
            out.append(f"{what} {board.key(int(s[slot]))}")
    if s[S.H_PENDING_LINE]:
        out.append("a line reward elimination is owed")
    if s[S.H_TERR_ELIM]:
        out.append("a territory self-elimination is owed")
    if s[S.H_HIT_CAP]:
        out.append("ended at the move cap")
    return out


def header(board, s: np.ndarray) -> str:
    P = int(s[S.H_P])
    parts = [f"{board.name}", f"{P} players", f"ply {int(s[S.H_PLY])}"]
    if s[S.H_STATUS] == S.ACTIVE:
        parts += [f"P{int(s[S.H_CUR])} to move", f"phase {S.PHASE_NAMES[s[S.H_PHASE]]}"]
    else:
        w = int(s[S.H_WINNER])
        parts += ["game over", f"winner P{w}" if w else "no winner"]
    return ", ".join(parts)


def render(s: np.ndarray, move: int | None = None, title: str | None = None) -> str:
    """The position ``s`` as text; ``move`` (a legal move code of ``s``) is shown as the move played."""
    s = np.asarray(s)
    board = board_of(s)
    lines = [title] if title else []
    lines.append(header(board, s))
    lines += _grid(board, s)
    lines.append(LEGEND)
    lines += _players(s)
    lines += _stacks(board, s)
    lines.append(_counts(board, s, S.O_MARK, "markers") + "; " + _counts(board, s, S.O_COLL, "collapsed spaces"))
    turn = _turn(board, s)
    if turn:
        lines.append("; ".join(turn))
    if move is not None:
        from ..golden import notation
        lines.append(f"move played: P{int(s[S.H_CUR])} {notation(board, s, int(move))}")
    return "\n".join(lines) + "\n"
