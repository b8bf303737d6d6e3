"""Value targets from a finished game (RingRift's exporter, rank-aware values).

Players are ranked by (eliminated rings, territory spaces), larger first;
equal keys keep seat order (Python's stable sort). Rank k of n is worth
``1 - 2 (k - 1) / (n - 1)``: +1, -1 with 2 players; +1, 0, -1 with 3;
+1, +1/3, -1/3, -1 with 4. The actual winner does not enter the ranking: a
3-4 player game's winner can get less than +1, as in RingRift's data.

- ``values`` (one per sample): from the point of view of the player to move
  in the sample; with 2 players +1 for the winner and -1 for the loser, with
  3-4 the rank value.
- ``values_mp`` (4 per sample): every seat's rank value in seat order
  (2 players included), 0 in unused slots.

Games without a winner give no samples (``has_winner``).
"""
from __future__ import annotations

from ..state import H_P, H_WINNER, O_ELIM, O_TERR, jit


@jit
def has_winner(s):
    return s[H_WINNER] != 0


@jit
def rank(s, p):
    """1-based final rank of player p by (eliminated rings, territory), seat order on ties."""
    e, t = s[s[O_ELIM] + p], s[s[O_TERR] + p]
    k = 1
    for q in range(1, s[H_P] + 1):
        if q == p:
            continue
        eq, tq = s[s[O_ELIM] + q], s[s[O_TERR] + q]
        if eq > e or (eq == e and (tq > t or (tq == t and q < p))):
            k += 1
    return k


@jit
def rank_value(s, p):
    n = s[H_P]
    return 1.0 - 2.0 * (rank(s, p) - 1) / (n - 1)


@jit
def value_for(s, p):
    """The scalar value target of a sample whose player to move is p (s: the final state)."""
    if s[H_P] == 2:
        return 1.0 if s[H_WINNER] == p else -1.0
    return rank_value(s, p)


@jit
def values_mp(s, out):
    """Write the 4-wide seat-order value targets of final state s into out (float32, 4)."""
    out[:] = 0.0
    for p in range(1, s[H_P] + 1):
        out[p - 1] = rank_value(s, p)


@jit
def sample_values(s, movers, out):
    """out[i] = value_for(s, movers[i]) for every sample of one game."""
    for i in range(movers.shape[0]):
        out[i] = value_for(s, movers[i])
