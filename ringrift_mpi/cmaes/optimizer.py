"""pycma around the tuned weights: construction, ask/tell, and exact replay for resume.

The search runs over the *tuned* weights only (cmaes.tune = active: those the
evaluation reads for this board, player count and mode; the rest stay at the
baseline). With sigma_scale = relative each coordinate's step is sigma times
max(|baseline weight|, 1) (pycma's CMA_stds), since RingRift's weights span 0.5 to
1000. pycma draws its samples from our own seeded generator (its ``randn``
option), so a resume replays ask/tell from the recorded fitness values and
reaches the identical state: nothing is pickled.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..profiles import MAX_ABS_WEIGHT

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pycma warns when matplotlib is absent
    import cma


class Optimizer:
    def __init__(self, baseline: np.ndarray, tuned: list[int], *, sigma: float, relative: bool,
                 popsize: int, bound: float, seed: int):
        self.baseline = np.asarray(baseline, np.float64).copy()
        self.tuned = np.asarray(tuned, np.int64)
        x0 = self.baseline[self.tuned]
        rng = np.random.default_rng(seed)
        # RingRift's bound, capped where profiles stop loading (a tuned weight must load again)
        bd = bound or min(max(100.0, 2.0 * float(np.abs(self.baseline).max())), MAX_ABS_WEIGHT)
        opts = {"seed": seed % (2 ** 31 - 1) + 1, "verbose": -9, "bounds": [-bd, bd],
                "randn": lambda *shape: rng.standard_normal(shape),
                "tolfun": 0, "tolx": 0, "tolfunhist": 0, "tolstagnation": 10 ** 9, "tolflatfitness": 10 ** 9,
                "maxiter": 10 ** 9, "verb_filenameprefix": "", "verb_log": 0, "verb_disp": 0}
        if relative:
            opts["CMA_stds"] = np.maximum(np.abs(x0), 1.0)
        if popsize:
            opts["popsize"] = popsize
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.es = cma.CMAEvolutionStrategy(x0, sigma, opts)
        self.popsize = self.es.popsize

    def ask(self) -> np.ndarray:
        return np.array(self.es.ask(), np.float64)

    def tell(self, X: np.ndarray, fitness: np.ndarray) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.es.tell(list(X), list(-np.asarray(fitness, np.float64)))  # pycma minimises

    def full(self, X: np.ndarray) -> np.ndarray:
        """Tuned vectors [n, tuned] -> complete 59-weight vectors [n, 59]."""
        out = np.repeat(self.baseline[None, :], len(X), axis=0)
        out[:, self.tuned] = X
        return out

    @property
    def mean(self) -> np.ndarray:
        return self.full(np.asarray(self.es.mean)[None, :])[0]

    @property
    def sigma(self) -> float:
        return float(self.es.sigma)
