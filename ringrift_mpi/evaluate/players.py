"""Seat kinds of an evaluation match: a small registry, so a new kind of player is one more entry.

A spec is ``KIND:ARG`` or one of the bare names below:

==========================  ====================================================================
``default``                 RingRift's BASE_V1_BALANCED_WEIGHTS (its CMA-ES baseline)
``random``                  the uniform random player
``profile:PATH`` or ``PATH`` a profile JSON (single, or ``PATH#ID`` for one profile of a multi file);
                            partial profiles are filled from the default, as everywhere in the suite
``ringrift:ID``             a profile RingRift publishes, from its checkout (``RINGRIFT_CHECKOUT``):
                            an id of ``ai-service/data/trained_heuristic_profiles.json``
                            (``heuristic_v1_2p`` ...) or ``optimized``
                            (``ai-service/heuristic_weights_optimized.json``)
``model:PATH``               a trained network (ringrift_mpi/train/seat.py registers it when
                            first asked for, so nothing here imports torch otherwise)
==========================  ====================================================================

Every kind above but ``model`` plays through the kernels' game loop: a 59-weight
greedy HeuristicAI, or the random player (``weights is None``). A kind the
kernels cannot play sets ``engine`` to its own name and registers, beside its
factory, a task function for matches with such a seat (evaluate/match.py
``register_engine``); its module is named in ``PLUGINS`` and imported on first use.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np


class PlayerError(ValueError):
    """A seat spec that names no player (unknown kind, missing file, bad profile); one line."""


@dataclass
class Player:
    spec: str                      # as the user wrote it
    label: str                     # short name for tables
    weights: np.ndarray | None     # float64[59]; None = the uniform random player
    engine: str = "kernels"        # who can play it: the kernels' greedy/random players
    filled: int = 0                # weights filled from the default (partial profiles)
    source: str = ""               # the file it came from, if any
    plays: tuple | None = None     # (board, players) a seat is made for (a model's); None = any


KINDS: dict[str, tuple[Callable[[str], Player], str]] = {}
# kinds registered by their own module, imported when such a seat is first asked for: kind -> (module, help)
PLUGINS: dict[str, tuple[str, str]] = {
    "model": ("ringrift_mpi.train.seat", "a trained network: model:PATH, PATH a model version folder, a model "
                                         "family (its promoted best) or a TorchScript file; @search for a 1-ply "
                                         "value search, @t=T to sample at temperature T (needs torch)"),
}


def load_plugin(kind: str) -> None:
    """Import the module that registers ``kind`` (a no-op for built-in and loaded kinds)."""
    if kind in PLUGINS and kind not in KINDS:
        try:
            importlib.import_module(PLUGINS[kind][0])
        except ImportError as e:
            raise PlayerError(f"{kind}: seats of this kind need {PLUGINS[kind][0]}, which does not import "
                              f"here ({e}); install the [train] extra") from None


def kinds_help() -> dict[str, str]:
    """kind -> one line of help, plugins included (without importing them)."""
    return {**{k: h for k, (_, h) in KINDS.items()}, **{k: h for k, (_, h) in PLUGINS.items()}}


def register(kind: str, factory: Callable[[str], Player], help: str) -> None:
    """Add a seat kind: ``factory(arg)`` builds the Player for ``kind:arg``."""
    KINDS[kind] = (factory, help)


def _default(arg: str) -> Player:
    from kernels.heuristic_weights import BASE_V1_BALANCED_WEIGHTS, weights_array
    return Player("default", "default", weights_array(BASE_V1_BALANCED_WEIGHTS))


def _random(arg: str) -> Player:
    return Player("random", "random", None)


def _profile(arg: str, spec: str | None = None) -> Player:
    from .. import profiles as PR
    path, _, pid = arg.partition("#")
    try:
        if pid:
            ps = PR.load_profiles(path)
            if pid not in ps.profiles:
                raise PlayerError(f"{path}: no profile {pid!r} (it has {', '.join(sorted(ps.profiles))})")
            prof = ps.profiles[pid]
        else:
            prof = PR.load_profile(path)
    except (PR.ProfileError, OSError) as e:
        raise PlayerError(str(e)) from None
    label = pid or os.path.splitext(os.path.basename(path))[0]
    return Player(spec or f"profile:{arg}", label, prof.array(), filled=len(prof.filled), source=path)


def ringrift_profile_path(pid: str) -> str:
    """The file of RingRift's checkout that holds its published profile ``pid``."""
    root = os.environ.get("RINGRIFT_CHECKOUT", "")
    if not root or not os.path.isdir(root):
        raise PlayerError(f"ringrift:{pid}: set RINGRIFT_CHECKOUT to a RingRift checkout "
                          f"(now {root or 'unset'}) to use RingRift's published profiles")
    ai = os.path.join(root, "ai-service")
    if pid == "optimized":
        return os.path.join(ai, "heuristic_weights_optimized.json")
    return os.path.join(ai, "data", "trained_heuristic_profiles.json") + "#" + pid


def _ringrift(arg: str) -> Player:
    p = _profile(ringrift_profile_path(arg), spec=f"ringrift:{arg}")
    p.label = "rr:" + ("optimized" if arg == "optimized" else arg)
    return p


register("default", _default, "RingRift's BASE_V1_BALANCED_WEIGHTS")
register("random", _random, "the uniform random player")
register("profile", _profile, "profile JSON: PATH, or PATH#ID in a multi-profile file")
register("ringrift", _ringrift, "RingRift's published profile ID (RINGRIFT_CHECKOUT), or 'optimized'")


def parse(spec: str) -> Player:
    """A seat spec -> Player (PlayerError, one line, for anything else)."""
    kind, sep, arg = spec.partition(":")
    if sep:
        load_plugin(kind)
    if sep and kind in KINDS:
        return KINDS[kind][0](arg)
    if not sep and spec in KINDS and spec in ("default", "random"):
        return KINDS[spec][0]("")
    if spec.split("#", 1)[0].endswith(".json"):
        return _profile(spec, spec)
    kinds = ", ".join(f"{k} ({h})" for k, h in kinds_help().items())
    raise PlayerError(f"{spec!r}: not a player (a profile .json path, or one of: {kinds})")
