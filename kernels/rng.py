"""The kernels' random numbers: splitmix64 on a uint64 state kept in a one-element array.

Every random choice a game makes comes from here, so a seed gives the same
game on every machine, process and thread (``np.random`` inside njit code has
per-thread state and is not used). A stream is ``st = rng_seed(seed)``; each
game owns its stream, so a game does not depend on what else is in its batch.
``rng_below(st, k)`` is ``next % k``: the modulo bias (k <= 8192 against 2**64)
is negligible and, being deterministic, harmless.
"""
from __future__ import annotations

import numpy as np

from .state import jit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_INV53 = 1.0 / 9007199254740992.0


@jit
def rng_seed(seed):
    """A fresh RNG state (uint64[1]) for a non-negative integer seed."""
    st = np.empty(1, np.uint64)
    st[0] = np.uint64(seed)
    return st


@jit
def rng_next(st):
    """Next 64 random bits (splitmix64); advances st[0]."""
    st[0] += _GOLDEN
    z = st[0]
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit
def rng_below(st, k):
    """A number in 0..k-1 (k >= 1)."""
    return np.int64(rng_next(st) % np.uint64(k))


@jit
def rng_uniform(st):
    """A float in [0, 1) with 53 random bits."""
    return np.float64(rng_next(st) >> np.uint64(11)) * _INV53
