"""Self-play datasets (a shard, merge's output, a run's index ``dataset.h5``): show a position,
export it or its whole game as RingRift JSON, statistics, merge, RingRift's exporter NPZ.

A position is chosen by ``--index I`` (the I-th stored position, a training sample) or
``--game G [--ply K]`` (the position before move K of game G; without ``--ply`` the game's
end). ``export-json --game G`` without ``--ply`` writes the whole game as a RingRift game
record; with ``--ply`` or ``--index`` the position as a GameState. The work is in
ringrift_mpi.storage.dataset; the self-play job's files are described in docs/selfplay.md.
"""
from __future__ import annotations

import json

import numpy as np

from ...storage.dataset import DATASET_FORMAT, INDEX_FORMAT, RINGRIFT_VICTORY, Dataset, export_npz, merge
from ..dispatch import NotApplicable, Selection, companion, handles
from .pool import _bars

FORMATS = (DATASET_FORMAT, INDEX_FORMAT)
companion("selfplay.log", "the self-play job's log")


def _position(path: str, sel: Selection):
    """(game id, ply, length, state before the ply's move, that move or None at the game's end)."""
    with Dataset(path) as ds:
        if sel.index is not None:
            if not 0 <= sel.index < ds.n_positions:
                raise NotApplicable(f"{path}: --index {sel.index} is out of range (the dataset holds "
                                    f"{ds.n_positions} positions, 0 to {ds.n_positions - 1})")
            g = int(ds.game_of([sel.index])[0])
            ply = int(ds.read("move_numbers", sel.index, sel.index + 1)[0])
        elif sel.game is not None:
            rows = np.flatnonzero(ds.games["id"] == sel.game)
            if len(rows) == 0:
                ids = ds.games["id"]
                raise NotApplicable(f"{path}: no game with id {sel.game} (ids {int(ids.min())} to {int(ids.max())}, "
                                    f"{len(ids)} games)" if len(ids) else f"{path}: the dataset holds no games")
            g = int(rows[0])
            L = int(ds.games["length"][g])
            ply = L if sel.ply is None else sel.ply
            if ply > L:
                raise NotApplicable(f"{path}: game {sel.game} has {L} moves: --ply 0 to {L}")
        else:
            raise NotApplicable(f"{path}: which position? --index I (a stored position, 0 to {ds.n_positions - 1}) "
                                "or --game G [--ply K]")
        moves = ds.moves(g)
        s = ds.state(g, ply)
        return int(ds.games["id"][g]), ply, len(moves), s, (int(moves[ply]) if ply < len(moves) else None)


@handles("show", *FORMATS)
def show(path: str, fmt, sel: Selection) -> str:
    from ..render import render
    gid, ply, L, s, m = _position(path, sel)
    where = f"before move {ply + 1} of {L}" if m is not None else f"after its {L} moves"
    return render(s, move=m, title=f"{path}: game {gid}, ply {ply} ({where})")


@handles("export-json", *FORMATS)
def export_json(path: str, fmt, sel: Selection) -> dict:
    if sel.game is not None and sel.ply is None:
        from ...selfplay.records import game_record
        return game_record(path, sel.game)
    from ...interop import state_to_json
    from ..render import board_of
    _, _, _, s, _ = _position(path, sel)
    return state_to_json(board_of(s), s)


@handles("stats", *FORMATS)
def stats(path: str, fmt) -> str:
    with Dataset(path) as ds:
        g = ds.games
        n, P = ds.n_games, ds.players
        phases = ds.read("phases")
        names = json.loads(ds.attrs["phase_names"])
        out = [f"{path}: {n} {ds.attrs['board']} {P}p games, {ds.n_positions} positions "
               f"({ds.counts['plies']} plies stored)"]
        if n == 0:
            return out[0]
        out.append("winner:")
        out += _bars([(f"P{p}", int((g["winner"] == p).sum())) for p in range(1, P + 1)]
                     + [("none", int((g["winner"] == 0).sum()))], n)
        from kernels.games import VICTORY_TYPE_NAMES
        vt = g["victory_type"]
        out.append("how games ended:")
        out += _bars([(f"{name} ({RINGRIFT_VICTORY[i]})", int((vt == i).sum())) for i, name in
                      enumerate(VICTORY_TYPE_NAMES) if (vt == i).any()], n)
        L = g["length"]
        out.append(f"game length (moves): min {int(L.min())}, median {float(np.median(L)):g}, max {int(L.max())}")
        if ds.n_positions:
            out.append("positions by phase:")
            out += _bars([(name, int((phases == i).sum())) for i, name in enumerate(names) if (phases == i).any()],
                         ds.n_positions)
        seats = {}
        for row in g["seat_profiles"]:
            for h in row[:P]:
                seats[h.decode()] = seats.get(h.decode(), 0) + 1
        out.append("seat profiles (seats played): " + ", ".join(f"{k} {v}" for k, v in sorted(seats.items())))
    return "\n".join(out)


@handles("merge", *FORMATS)
def merge_files(paths: list[str], fmt, out: str) -> str:
    r = merge(paths, out)
    return f"{out}: {r['games']} games, {r['positions']} positions from {len(paths)} file(s)"


@handles("export-npz", *FORMATS)
def npz(path: str, fmt, out: str) -> str:
    r = export_npz(path, out)
    return f"{out}: RingRift's exporter NPZ, {r['positions']} positions of {r['games']} games, {r['bytes']:,} bytes"

