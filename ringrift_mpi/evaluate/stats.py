"""Match statistics: exact sign test, score interval over sets, Elo difference.

A match is played in *sets*: one start position and one seed, played once with
the candidate in every seat (the 2-player pair), and with 3-4 players once more
with the opponent in every seat among candidate copies (the mirror). Swapping the
two players' labels maps a set onto itself, so under the null hypothesis "neither
player is preferred" the set's statistic ``T = (candidate's wins) - (opponent's
wins in the mirrored games)`` is as likely to be positive as negative. The
one-sided p-value of "the candidate is stronger" is then the exact binomial tail
``P(X >= plus)``, X ~ Binomial(plus + minus, 1/2), over the sets with T != 0
(the sign test on decisive sets). It asks nothing about the distribution of
games: no normal approximation, no independence between the games of one set.

The score (RingRift's: 1 a sole win, 1/2 no winner, 0 another seat won) and its
95 % interval are computed over sets (the set is the independent unit), as a
ratio estimate with a normal interval. The Elo difference uses the Luce model
that reduces to Elo with 2 players: a player rated D above P-1 equal opponents
wins a decisive game with probability q = 10^(D/400) / (10^(D/400) + P - 1);
with 2 players q is the score (draws half), with 3-4 the share of decisive games
the candidate wins.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

Z95 = 1.959963984540054  # standard normal 97.5 % quantile


def binom_half_sf(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2), exactly (integer arithmetic, then one rounding)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    tail = 0
    c = math.comb(n, k)
    for i in range(k, n + 1):
        tail += c
        c = c * (n - i) // (i + 1)
    return float(Fraction(tail, 1 << n))


def sign_test(plus: int, minus: int) -> float:
    """One-sided exact sign test: p of at least ``plus`` favourable sets among the decisive ones."""
    return binom_half_sf(int(plus), int(plus) + int(minus))


def ratio_interval(num: np.ndarray, den: np.ndarray) -> tuple[float, float, float]:
    """sum(num) / sum(den) over sets, with a 95 % normal interval from the sets' spread."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    n, tot = len(num), float(den.sum())
    if n == 0 or tot <= 0:
        return float("nan"), float("nan"), float("nan")
    r = float(num.sum()) / tot
    if n < 2:
        return r, float("nan"), float("nan")
    resid = num - r * den
    se = math.sqrt(float(resid.var(ddof=1)) * n) / tot
    return r, max(0.0, r - Z95 * se), min(1.0, r + Z95 * se)


def elo(q: float, players: int) -> float:
    """Rating difference (Luce model, = Elo with 2 players) for decisive win share q; +-inf at 0 and 1."""
    if not math.isfinite(q):
        return float("nan")
    if q <= 0.0:
        return -math.inf
    if q >= 1.0:
        return math.inf
    return 400.0 * math.log10(q * (players - 1) / (1.0 - q))


def summarize(outcomes: np.ndarray, mirror: np.ndarray | None, players: int) -> dict:
    """Statistics of one candidate's match.

    outcomes: int8 [set, seat]: the candidate's game with it in that seat, 2 a win,
    1 no winner, 0 another seat won. mirror: int8 [set, seat] for 3-4 players: the
    opponent alone in that seat among candidate copies, 2 the opponent won (None for
    2 players, whose pair is its own mirror; 3-4 players without it get no p-value).
    """
    o = np.asarray(outcomes, np.int64)
    wins, draws, losses = (o == 2).sum(1), (o == 1).sum(1), (o == 0).sum(1)
    games = o.shape[1]
    if mirror is not None:
        t = wins - (np.asarray(mirror) == 2).sum(1)
    elif players == 2:
        t = wins - losses
    else:  # 3-4 players without the mirror (a match against random players): no exact test
        t = None
    plus, minus = (0, 0) if t is None else (int((t > 0).sum()), int((t < 0).sum()))
    score, lo, hi = ratio_interval(wins + draws / 2.0, np.full(len(o), games))
    if players == 2:
        q, qlo, qhi = score, lo, hi
    else:
        q, qlo, qhi = ratio_interval(wins, wins + losses)
    return {"sets": int(len(o)), "games": int(o.size), "wins": int(wins.sum()), "draws": int(draws.sum()),
            "losses": int(losses.sum()), "score": score, "score_lo": lo, "score_hi": hi,
            "parity": 1.0 / players, "elo": elo(q, players), "elo_lo": elo(qlo, players),
            "elo_hi": elo(qhi, players), "sets_better": plus, "sets_worse": minus,
            "sets_even": int(len(o)) - plus - minus,
            "p_value": float("nan") if t is None else sign_test(plus, minus),
            "mirror_games": 0 if mirror is None else int(np.asarray(mirror).size),
            "mirror_opponent_wins": 0 if mirror is None else int((np.asarray(mirror) == 2).sum())}


def fmt_elo(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "+inf" if x > 0 else "-inf"
    return f"{x:+.0f}" if abs(x) >= 0.5 else "0"


def fmt_p(p: float) -> str:
    return f"{p:.3g}" if p >= 1e-4 else f"{p:.1e}"
