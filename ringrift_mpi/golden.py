"""Golden playthroughs (open_spiel style): seeded games written as text and diffed by a test.

Two kinds: one uniformly random game per board x player count
(``<board>_<n>p.txt``), and one greedy-heuristic game per board, 2 players
(``greedy_<board>_2p.txt``): RingRift's one-ply HeuristicAI as our players play
it (``kernels.players.greedy_move``, default weights, the board's training
evaluation mode, epsilon 0), with the chosen move's score on every line, so
a change to the evaluator shows up even where the moves stay the same. The
big boards' greedy games stop at a move cap to keep the test short.

``python -m ringrift_mpi.golden --write tests/golden`` (re)writes every file;
``tests/kernels/test_golden.py`` regenerates each in memory and diffs it
against the committed file, so any change to the rules kernels (move
generation order included) or to the evaluator that alters one of these games
shows up as a diff.

File format: ``#`` header lines (board, players, seed, move cap, engine), then
one line per move::

    <ply> P<player> <phase before the move> <move> | <hand>/<eliminated>/<territory> per player after it

(greedy files: ``<move> [<legal moves>] <score>`` where the score is the
mover's evaluation after the move, 10 significant digits).

Cells are RingRift position keys ("x,y" on square boards, "x,y,z" on hex
boards). The last line is the outcome. The random game is ``kernels.playout``'s
``random_playout(geo, s, seed, cap, ...)`` from the standard start.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from kernels import moves as M
from kernels import state as S
from kernels.apply import apply_move
from kernels.movegen import legal_moves
from kernels.playout import random_playout
from kernels.recovery import listing_side_effect
from kernels.rng import rng_below, rng_seed

from .interop import initial_state, move_to_json, summary
from .storage import write_text_atomic

BOARDS = ("square8", "hex8", "square19", "hexagonal")
PLAYERS = (2, 3, 4)
SEED = 1
# a config gets a move cap only if its uncapped file would exceed ~300 KB (none does today)
MOVE_CAPS: dict[tuple[str, int], int] = {}
FORMAT = 1
GREEDY_PLAYERS = 2
# greedy games on the big boards stop early: a full one is ~600 moves of ~1000 scored options each
GREEDY_MOVE_CAPS = {"square8": 0, "hex8": 0, "square19": 300, "hexagonal": 300}


def filename(board: str, players: int, policy: str = "random") -> str:
    return f"{board}_{players}p.txt" if policy == "random" else f"{policy}_{board}_{players}p.txt"


def _engine_version() -> str:
    try:
        from importlib.metadata import version
        return version("ringrift-mpi")
    except Exception:  # pragma: no cover - not installed
        return "unknown"


def _keys(board, positions) -> list[str]:
    return [board.key(board.cell(p)) for p in positions]


def _span(keys: list[str]) -> str:
    return f"{keys[0]}..{keys[-1]}({len(keys)})" if len(keys) > 1 else keys[0]


def notation(board, s: np.ndarray, m: int) -> str:
    """A short readable form of legal move m of state s: type, cells as position keys, extras."""
    m = int(m)
    t = M.mtype(m)
    name = M.MOVE_TYPE_NAMES[t]
    a, b, c = M.mfrom(m), M.mto(m), M.mtarget(m)
    if t == M.PLACE_RING:
        return f"{name} {board.key(b)} x{M.mextra(m)}"
    if t == M.MOVE_STACK:
        return f"{name} {board.key(a)}>{board.key(b)}"
    if t in (M.OVERTAKING_CAPTURE, M.CONTINUE_CAPTURE_SEGMENT):
        return f"{name} {board.key(a)}>{board.key(b)} over {board.key(c)}"
    if t in (M.ELIMINATE_RINGS_FROM_STACK, M.FORCED_ELIMINATION):
        return f"{name} {board.key(b)}"
    if t == M.RECOVERY_SLIDE:
        d = move_to_json(board, s, m)
        opt = f" option {d['recoveryOption']}" if "recoveryOption" in d else ""
        return f"{name} {board.key(a)}>{board.key(b)} {d['recoveryMode']}{opt}"
    if t in (M.PROCESS_LINE, M.CHOOSE_LINE_OPTION):
        d = move_to_json(board, s, m)
        line = d["formedLines"][0]
        txt = f"{name} line {_span(_keys(board, line['positions']))}"
        if t == M.CHOOSE_LINE_OPTION:
            txt += f" collapse {_span(_keys(board, d['collapsedMarkers']))}"
        return txt
    if t == M.CHOOSE_TERRITORY_OPTION:
        d = move_to_json(board, s, m)
        cells = _keys(board, d["disconnectedRegions"][0]["spaces"])
        shown = " ".join(cells) if len(cells) <= 6 else f"{' '.join(cells[:6])} ... ({len(cells)} cells)"
        return f"{name} region {shown}"
    return name


def _scores(s: np.ndarray) -> str:
    P = int(s[S.H_P])
    return " ".join(f"{s[s[S.O_HAND] + p]}/{s[s[S.O_ELIM] + p]}/{s[s[S.O_TERR] + p]}" for p in range(1, P + 1))


def playthrough(board_name: str, players: int, seed: int = SEED, move_cap: int | None = None) -> list[str]:
    """The golden file's lines (without newlines) for one config."""
    cap = MOVE_CAPS.get((board_name, players), 0) if move_cap is None else move_cap
    board, s0 = initial_state(board_name, players)
    s = s0.copy()
    rec = np.zeros(200_000, np.int64)
    n = random_playout(board.geo, s, seed, cap, rec)
    lines = [
        f"# RingRift golden playthrough, format {FORMAT}",
        f"# board: {board_name}",
        f"# players: {players}",
        f"# seed: {seed}",
        f"# move cap: {cap or 'none'}" + (" (set so the file stays under ~300 KB)" if cap else ""),
        "# policy: uniformly random legal move, kernels.playout.random_playout (splitmix64, index % count)",
        f"# engine: ringrift-mpi {_engine_version()} kernels (this line is not compared)",
        "# regenerate: python -m ringrift_mpi.golden --write tests/golden",
        "# columns: ply player phase-before move | hand/eliminated/territory per player after the move",
    ]
    # Replay choosing the moves again here, from legal_moves and the same RNG, so the file
    # also exposes a stale numba cache of random_playout (numba does not recompile a cached
    # caller when only a callee's module changed).
    s = s0.copy()
    st = rng_seed(seed)
    buf = np.empty(M.MAX_MOVES, np.int64)
    for i in range(n):
        listing_side_effect(board.geo, s)  # as random_playout does: the same states, not only the same moves
        k = legal_moves(board.geo, s, buf)
        m = int(buf[rng_below(st, k)]) if k else -1
        if m != int(rec[i]):
            raise RuntimeError(f"{board_name} {players}p seed {seed} move {i + 1}: random_playout chose "
                               f"{int(rec[i])}, legal_moves + RNG give {m}; stale numba cache? "
                               "(delete kernels/__pycache__/*.nbi *.nbc)")
        ply, p, ph = int(s[S.H_PLY]) + 1, int(s[S.H_CUR]), S.PHASE_NAMES[s[S.H_PHASE]]
        txt = notation(board, s, m)
        apply_move(board.geo, s, m)
        lines.append(f"{ply} P{p} {ph} {txt} | {_scores(s)}")
    if cap and n >= cap and s[S.H_STATUS] == S.ACTIVE:
        from kernels.victory import end_capped
        end_capped(s)
    lines.append(_outcome(board, s, n))
    return lines


def _outcome(board, s: np.ndarray, n: int) -> str:
    sm = summary(board, s)
    return (f"# outcome: winner {sm['winner'] or 0} status {sm['gameStatus']} phase {sm['currentPhase']} "
            f"moves {n} capped {'yes' if sm['hitPlyCap'] else 'no'} stacks {sm['stackCount']} "
            f"markers {sm['markerCount']} collapsed {sm['collapsedCount']} "
            f"rings_on_board {sm['totalRingsOnBoard']} eliminated_total {int(s[S.H_TOTAL_ELIM])}")


def greedy_playthrough(board_name: str, players: int = GREEDY_PLAYERS, seed: int = SEED,
                       move_cap: int | None = None, weights: np.ndarray | None = None) -> list[str]:
    """The greedy golden file's lines: one game of kernels.players.greedy_move for every seat.

    ``weights`` (59 floats) replaces the default profile, for tests that change the evaluator.
    """
    from kernels.heuristic import FULL, LIGHT
    from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
    from kernels.players import greedy_move, scratch_for
    from kernels.playout import end_capped
    cap = GREEDY_MOVE_CAPS.get(board_name, 0) if move_cap is None else move_cap
    mode = FULL if board_name in ("square8", "hex8") else LIGHT
    board, s = initial_state(board_name, players)
    w = weights_array(BASE_V1_BALANCED_WEIGHTS) if weights is None else np.asarray(weights, np.float64)
    rng = rng_seed(seed)
    buf, scratch, comp, scores = scratch_for(s)
    lines = [
        f"# RingRift golden playthrough, format {FORMAT}",
        f"# board: {board_name}",
        f"# players: {players}",
        f"# seed: {seed}",
        f"# move cap: {cap or 'none'}" + (" (an opening: keeps the test short)" if cap else ""),
        f"# policy: greedy one-ply heuristic, kernels.players.greedy_move, default weights "
        f"(BASE_V1_BALANCED_WEIGHTS), {'full' if mode == FULL else 'light'} evaluation, epsilon 0, "
        "ties drawn from splitmix64",
        f"# engine: ringrift-mpi {_engine_version()} kernels (this line is not compared)",
        "# regenerate: python -m ringrift_mpi.golden --write tests/golden",
        "# columns: ply player phase-before move [legal moves] mover's score after it "
        "| hand/eliminated/territory per player after the move",
    ]
    n = 0
    while s[S.H_STATUS] == S.ACTIVE and not (cap and n >= cap):
        ply, p, ph = int(s[S.H_PLY]) + 1, int(s[S.H_CUR]), S.PHASE_NAMES[s[S.H_PHASE]]
        m, k = greedy_move(board.geo, s, w, mode, 0.0, 0.0, rng, buf, scratch, comp, scores)
        if k == 0:
            raise RuntimeError(f"{board_name} {players}p seed {seed}: no legal move at ply {ply}")
        score = scores[int(np.flatnonzero(buf[:k] == m)[0])]
        txt = notation(board, s, m)
        apply_move(board.geo, s, int(m))
        n += 1
        lines.append(f"{ply} P{p} {ph} {txt} [{k}] {score:.10g} | {_scores(s)}")
    if s[S.H_STATUS] == S.ACTIVE:
        end_capped(s)
    lines.append(_outcome(board, s, n))
    return lines


def regenerate(head: dict) -> list[str]:
    """The lines of the golden file whose header is ``head`` (see parse_header), made afresh."""
    if head["policy"] == "greedy":
        return greedy_playthrough(head["board"], head["players"], head["seed"], head["move_cap"])
    return playthrough(head["board"], head["players"], head["seed"], head["move_cap"])


def compared(line: str) -> bool:
    return not line.startswith("# engine:")


def parse_header(path: Path) -> dict:
    head = {}
    with open(path) as f:
        for line in f:
            if not line.startswith("# "):
                break
            k, _, v = line[2:].rstrip("\n").partition(": ")
            head[k] = v
    cap = head.get("move cap", "none").split()[0]
    return {"board": head["board"], "players": int(head["players"]), "seed": int(head["seed"]),
            "move_cap": 0 if cap == "none" else int(cap),
            "policy": "greedy" if head.get("policy", "").startswith("greedy") else "random"}


def first_difference(expected: list[str], actual: list[str]) -> tuple[int, str, str] | None:
    """(1-based line number, expected, actual) of the first compared line that differs, or None."""
    for i in range(max(len(expected), len(actual))):
        e = expected[i] if i < len(expected) else "<end of file>"
        a = actual[i] if i < len(actual) else "<end of file>"
        if e != a and (compared(e) or compared(a)):
            return i + 1, e, a
    return None


def write_all(outdir: str | os.PathLike, boards=BOARDS, players=PLAYERS, seed: int = SEED) -> list[Path]:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    jobs = [(filename(b, p), lambda b=b, p=p: playthrough(b, p, seed)) for b in boards for p in players]
    jobs += [(filename(b, GREEDY_PLAYERS, "greedy"), lambda b=b: greedy_playthrough(b, GREEDY_PLAYERS, seed))
             for b in boards]
    for name, make in jobs:
        path = out / name
        write_text_atomic(path, "\n".join(make()) + "\n")
        paths.append(path)
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.golden", description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", metavar="DIR", help="write the golden files into DIR")
    ap.add_argument("--check", metavar="DIR", help="compare the files in DIR with freshly generated ones")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    if not args.write and not args.check:
        ap.error("give --write DIR or --check DIR")
    if args.write:
        for path in write_all(args.write, seed=args.seed):
            print(f"wrote {path} ({path.stat().st_size} bytes)")
        return 0
    bad = 0
    for path in sorted(Path(args.check).glob("*.txt")):
        h = parse_header(path)
        d = first_difference(path.read_text().splitlines(), regenerate(h))
        if d:
            bad += 1
            print(f"{path}: line {d[0]} differs\n  expected: {d[1]}\n  actual:   {d[2]}")
    print("golden files up to date" if not bad else f"{bad} golden file(s) differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
