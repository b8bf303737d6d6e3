"""Encoding vectors: RingRift's training-data exporter output for the positions of a reference trace.

A file (``kind: ringrift-encoding-vectors``) names its reference trace in
``source``; the trace is looked up in ``--traces DIR`` or else in
``../ref-traces/`` beside the file's folder. We replay the trace, push every
ply's base frame into the history ring, and at each listed ply compare the
position before the move: stacked features (every entry, zero or not),
globals and the played move's policy index, all exactly as float32 / int;
then the game's value targets. One case per listed position ("ply N"), plus
one for the values.
"""
from __future__ import annotations

import json
import os
from typing import Iterator

import numpy as np

from kernels import encoding as E
from kernels import moves as M
from kernels import state as S
from kernels.apply import apply_move
from kernels.encoding.layout import MAX_PLAYERS

from ..interop import InteropError, legal_moves_list, move_from_json, state_from_json
from .runner import Case, pick_recovery

KIND = "ringrift-encoding-vectors"


def find_trace(path: str, source: str, traces: str | None) -> tuple[str | None, list[str]]:
    """The trace file a vector file names, and the places looked at."""
    if not source or os.path.basename(source) != source:
        return None, []
    dirs = [traces] if traces else [os.path.join(os.path.dirname(os.path.abspath(path)), os.pardir, "ref-traces")]
    tried = [os.path.normpath(os.path.join(d, source)) for d in dirs]
    for p in tried:
        if os.path.isfile(p):
            return p, tried
    return None, tried


def _fmt(v) -> str:
    return str(np.float32(v))


def _dense(feat: dict, what: str) -> np.ndarray:
    try:
        shape = tuple(int(v) for v in feat["shape"])
        nz = np.asarray(feat["nz"], np.float64).reshape(-1, 2)
    except (KeyError, TypeError, ValueError) as e:
        raise InteropError(f"{what}: malformed features ({e})") from None
    out = np.zeros(int(np.prod(shape)), np.float32)
    idx = nz[:, 0].astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= out.size):
        raise InteropError(f"{what}: a nonzero index lies outside shape {list(shape)}")
    out[idx] = nz[:, 1].astype(np.float32)
    return out.reshape(shape)


def _first_feature_diff(want: np.ndarray, got: np.ndarray, planes: int) -> str | None:
    if want.shape != got.shape:
        return f"features: shape: expected {list(want.shape)}, got {list(got.shape)}"
    bad = np.flatnonzero(want.ravel() != got.ravel())
    if bad.size == 0:
        return None
    ch, row, col = (int(v) for v in np.unravel_index(bad[0], want.shape))
    frame, plane = divmod(ch, planes)
    which = "current frame" if frame == 0 else f"history frame {frame}"
    more = f" ({bad.size} entries differ)" if bad.size > 1 else ""
    return (f"features: channel {ch} ({which}, plane {plane}) row {row} col {col}: "
            f"expected {_fmt(want[ch, row, col])}, got {_fmt(got[ch, row, col])}{more}")


def _check_position(board, s, pos: dict, ring, count: int, m: int, feat, glob) -> str | None:
    want_p, want_ph = pos.get("currentPlayer"), pos.get("phase")
    got_ph = S.PHASE_NAMES[s[S.H_PHASE]]
    if want_p is not None and int(want_p) != int(s[S.H_CUR]) or want_ph is not None and want_ph != got_ph:
        return (f"replay reached player {int(s[S.H_CUR])} in {got_ph}, the vector was made with player "
                f"{want_p} in {want_ph}")
    E.stack_frames(ring, count, feat)
    err = _first_feature_diff(_dense(pos["features"], "features"), feat, E.BASE_PLANES[board.id])
    if err:
        return err
    E.global_features(board.geo, s, glob)
    want_g = np.asarray(pos["globals"], np.float64).astype(np.float32)
    if want_g.shape != glob.shape:
        return f"globals: expected {want_g.size} values, got {glob.size}"
    bad = np.flatnonzero(want_g != glob)
    if bad.size:
        k = int(bad[0])
        return f"globals[{k}]: expected {_fmt(want_g[k])}, got {_fmt(glob[k])}"
    got_i = int(E.policy_index(board.geo, s, m))
    if got_i != int(pos["policyIndex"]):
        return (f"policy index of {M.MOVE_TYPE_NAMES[M.mtype(m)]}: expected {int(pos['policyIndex'])}, "
                f"got {got_i}")
    return None


def _check_values(s, want) -> str | None:
    if want is None:
        if E.has_winner(s):
            return f"the vector has no values (no winner), our replay ends with winner {int(s[S.H_WINNER])}"
        return None
    if not E.has_winner(s):
        return "the vector has values, our replay ends without a winner"
    P = int(s[S.H_P])
    by = want.get("byPlayer") or {}
    for p in range(1, P + 1):
        w = by.get(str(p))
        if w is None:
            return f"values.byPlayer: no entry for player {p}"
        g = np.float32(E.value_for(s, p))
        if np.float32(w) != g:
            return f"values.byPlayer[{p}]: expected {_fmt(w)}, got {_fmt(g)}"
    mp = np.zeros(MAX_PLAYERS, np.float32)
    E.values_mp(s, mp)
    want_mp = np.asarray(want.get("valuesMp"), np.float64).astype(np.float32)
    if want_mp.shape != mp.shape:
        return f"values.valuesMp: expected {want_mp.size} values, got {mp.size}"
    bad = np.flatnonzero(want_mp != mp)
    if bad.size:
        k = int(bad[0])
        return f"values.valuesMp[{k}]: expected {_fmt(want_mp[k])}, got {_fmt(mp[k])}"
    return None


def check_encoding(d: dict, name: str, path: str, traces: str | None = None) -> Iterator[Case]:
    try:
        source = str(d["source"])
        positions = d["positions"]
        if not isinstance(positions, list):
            raise InteropError("'positions' must be a list")
        by_ply = {int(p["ply"]): p for p in positions}
        want_values = d["values"]
    except InteropError as e:
        yield Case(name, False, f"bad input: {e}")
        return
    except (KeyError, TypeError, ValueError) as e:
        yield Case(name, False, f"bad input: missing or malformed field {e}")
        return
    trace_path, tried = find_trace(path, source, traces)
    if trace_path is None:
        where = ", ".join(tried) if tried else "(not a plain file name)"
        yield Case(name, False, f"reference trace {source!r} not found at {where}; pass --traces DIR")
        return
    try:
        with open(trace_path, encoding="utf-8") as f:
            trace = json.load(f)
        board, s = state_from_json(trace["initialState"])
        moves = trace["moves"]
        counts = trace.get("legalMoveCounts") or []
    except (OSError, ValueError) as e:
        yield Case(name, False, f"cannot read reference trace {trace_path}: {e}")
        return
    except (InteropError, KeyError, TypeError) as e:
        yield Case(name, False, f"bad reference trace {trace_path}: {e}")
        return
    if board.name != d.get("boardType") or int(s[S.H_P]) != d.get("numPlayers"):
        yield Case(name, False, f"{source} is {board.name} {int(s[S.H_P])}p, the vectors say "
                                f"{d.get('boardType')} {d.get('numPlayers')}p")
        return
    if board.size != E.SPATIAL[board.id]:
        yield Case(name, False, f"{source}: board size {board.size} is not the encoder's {E.SPATIAL[board.id]}")
        return
    ring = E.new_ring(board.id)
    feat = np.zeros(E.feature_shape(board.id), np.float32)
    glob = np.zeros(E.N_GLOBALS, np.float32)
    count = 0
    for i, mj in enumerate(moves):
        pos = by_ply.pop(i, None)
        try:
            if s[S.H_STATUS] != S.ACTIVE:
                raise InteropError(f"game already over, the trace continues with {mj.get('type')}")
            legal = legal_moves_list(board, s)
            if mj.get("type") == "recovery_slide" and "recoveryOption" not in mj and "option" not in mj:
                m = pick_recovery(board, s, {"legalMoveCounts": counts}, i, legal, mj)
            else:
                m = move_from_json(board, s, mj, f"ply {i}", legal)
        except InteropError as e:
            yield Case(f"ply {i}", False, f"replay of {source} stops: {e}")
            return
        count = E.push_frame(board.geo, s, ring, count)
        if pos is not None:
            try:
                err = _check_position(board, s, pos, ring, count, m, feat, glob)
            except InteropError as e:
                err = f"bad input: {e}"
            except (KeyError, TypeError, ValueError) as e:
                err = f"bad input: missing or malformed field {e}"
            yield Case(f"ply {i}", err is None, err or "")
        apply_move(board.geo, s, m)
    for ply in sorted(by_ply):
        yield Case(f"ply {ply}", False, f"{source} has only {len(moves)} plies")
    try:
        err = _check_values(s, want_values)
    except (AttributeError, TypeError, ValueError) as e:
        err = f"bad input: values: {e}"
    yield Case("values", err is None, err or "")
