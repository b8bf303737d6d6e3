"""A read-only, named view of a kernel state for Python code that compares it with RingRift's.

The kernel state is a flat int32 array whose tables sit at offsets stored in
its header (kernels.state). Code outside the kernels reads it through this view,
in RingRift's terms (phase name, rings in hand, eliminated rings, ...), so a
change of layout touches the kernels and this file only.
"""
from __future__ import annotations

import numpy as np

from kernels import state as S

from .gamestate import Board


class StateView:
    """What a RingRift GameState shows, read from the kernel state ``s`` (never written)."""

    __slots__ = ("board", "s")

    def __init__(self, board: Board, s: np.ndarray):
        self.board, self.s = board, s

    def _cells(self, slot: int) -> np.ndarray:
        s = self.s
        return s[s[slot]:s[slot] + self.board.n]

    def _player(self, slot: int, p: int) -> int:
        return int(self.s[self.s[slot] + p])

    # --- game -------------------------------------------------------------------------
    @property
    def players(self) -> int:
        return int(self.s[S.H_P])

    @property
    def current_player(self) -> int:
        return int(self.s[S.H_CUR])

    @property
    def phase(self) -> str:
        return S.PHASE_NAMES[self.s[S.H_PHASE]]

    @property
    def active(self) -> bool:
        return bool(self.s[S.H_STATUS] == S.ACTIVE)

    @property
    def game_status(self) -> str:
        return "active" if self.active else "completed"

    @property
    def winner(self) -> int | None:
        return int(self.s[S.H_WINNER]) or None

    # --- players ----------------------------------------------------------------------
    def hand(self, p: int) -> int:
        """players[p].ringsInHand"""
        return self._player(S.O_HAND, p)

    def eliminated(self, p: int) -> int:
        """players[p].eliminatedRings: the rings p eliminated (what victory counts)."""
        return self._player(S.O_ELIM, p)

    def board_eliminated(self, p: int) -> int:
        """board.eliminatedRings[p]: kept beside the per-player count; the two may differ in input states."""
        return self._player(S.O_BELIM, p)

    def territory(self, p: int) -> int:
        """players[p].territorySpaces"""
        return self._player(S.O_TERR, p)

    @property
    def total_eliminated(self) -> int:
        """totalRingsEliminated"""
        return int(self.s[S.H_TOTAL_ELIM])

    # --- cells ------------------------------------------------------------------------
    def height(self, c: int) -> int:
        return int(self.s[self.s[S.O_H] + c])

    def controller(self, c: int) -> int:
        """The player on top of the stack at c, 0 when there is none."""
        return int(self.s[self.s[S.O_CTRL] + c])

    def cap(self, c: int) -> int:
        return int(self.s[self.s[S.O_CAP] + c])

    def marker(self, c: int) -> int:
        return int(self.s[self.s[S.O_MARK] + c])

    def collapsed(self, c: int) -> int:
        """The owner of the collapsed space at c, 0 when it is open."""
        return int(self.s[self.s[S.O_COLL] + c])

    def stack_order(self, c: int) -> int:
        """When the stack at c was created: RingRift's ``board.stacks`` order sorts by it."""
        return int(self.s[self.s[S.O_ORD] + c])

    def stack_cells(self) -> list[int]:
        return [int(c) for c in np.flatnonzero(self._cells(S.O_H))]

    def marker_cells(self) -> list[int]:
        return [int(c) for c in np.flatnonzero(self._cells(S.O_MARK))]

    def collapsed_cells(self) -> list[int]:
        return [int(c) for c in np.flatnonzero(self._cells(S.O_COLL))]

    def counts(self) -> dict:
        """stackCount, markerCount, collapsedCount, as RingRift's vectors and summaries name them."""
        return {"stackCount": int((self._cells(S.O_H) > 0).sum()),
                "markerCount": int((self._cells(S.O_MARK) > 0).sum()),
                "collapsedCount": int((self._cells(S.O_COLL) > 0).sum())}

    @property
    def s_invariant(self) -> int:
        """RingRift's S = markers + collapsed + eliminated (kernels.state.s_invariant)."""
        return int(S.s_invariant(self.s))


def lps_actor_mask(s: np.ndarray) -> np.ndarray:
    """A copy of the state's lpsCurrentRoundActorMask table (per player, -1 unset)."""
    return s[s[S.O_LPSM]:s[S.O_LPSM] + S.NP1].copy()


def set_lps_actor_mask(s: np.ndarray, mask: np.ndarray) -> None:
    """Overwrite the state's lpsCurrentRoundActorMask table with one taken by ``lps_actor_mask``."""
    s[s[S.O_LPSM]:s[S.O_LPSM] + S.NP1] = mask
