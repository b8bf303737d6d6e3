"""The CMA-ES job's configuration sections (see jobs/*.toml and docs/cmaes.md)."""
from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from ..profiles import MAX_ABS_WEIGHT

BOARDS = ("square8", "hex8", "square19", "hexagonal")


@dataclass
class RunSection:
    seed: int = 1                 # every random choice of the run derives from it


@dataclass
class GameSection:
    board: str = "square8"
    players: int = 2
    max_moves: int = 200          # applied moves (bookkeeping included); a capped game is a draw
    eval_randomness: float = -1.0  # epsilon; -1 = RingRift's: 0.02 with 2 players, 0 with 3-4
    eval_mode: str = "auto"       # full | light | auto (the board's training mode)
    opening_random_plies: int = 0  # uniformly random moves before the heuristics take over
    state_pool: str = ""          # pool.h5 of start positions; "default": the shipped pool of the board and
                                  # player count (ringrift_mpi.statepool); "" = the initial position


@dataclass
class CMAESSection:
    generations: int = 10
    population_size: int = 0      # 0 = pycma's default, 4 + 3 ln(tuned weights)
    sigma: float = 0.5
    sigma_scale: str = "relative"  # relative: per weight, times max(|baseline weight|, 1); absolute
    games_per_eval: int = 20      # games per candidate per generation (a multiple of players)
    baseline: str = ""            # RingRift profile JSON; "" = BASE_V1_BALANCED_WEIGHTS
    start: str = ""               # profile the first iteration's search is centred on; "" = the baseline
    opponent: str = "baseline"    # the other seats: baseline (as RingRift) | random (uniform random players)
    tune: str = "active"          # active: weights the evaluation reads here; all: all 59
    bound: float = 0.0            # |weight| bound; 0 = RingRift's max(100, 2 max|baseline|)


@dataclass
class IterateSection:
    iterations: int = 1           # > 1: the iteration's candidate replaces the baseline when it wins the match
    eval_games: int = 100         # the candidate's games in the match (3-4 players: as many mirrored ones again)
    alpha: float = 0.01           # promotion needs the match's exact one-sided sign-test p-value below this
    promote_margin: float = 0.0   # and a match score (wins + draws/2) / games at least this (0: no minimum)
    candidate: str = "best"       # what plays the match: best (the highest generation fitness) | mean (CMA-ES's mean)
    anchor: bool = True           # once something was promoted, the candidate must also beat cmaes.baseline


@dataclass
class FarmSection:
    games_per_task: int = 8       # games in one (candidate, batch) task: tens of milliseconds
    prefetch: int = 3             # tasks a worker holds so it never waits for rank 0


class CMAESConfig(Config):
    BUDGET_KEYS = ("cmaes.generations", "iterate.iterations")
    # results are stored by task index and every game has its own seed, so neither the task size
    # nor the prefetch depth changes a result (tests/jobs/test_cmaes_faults.py resumes across a change)
    EXECUTION_KEYS = ("farm.games_per_task", "farm.prefetch")

    @classmethod
    def defaults(cls) -> "CMAESConfig":
        return cls({"run": RunSection(), "game": GameSection(), "cmaes": CMAESSection(),
                    "iterate": IterateSection(), "farm": FarmSection()})

    def validate(self) -> None:
        g, c, it, fm = self.game, self.cmaes, self.iterate, self.farm
        if g.board not in BOARDS:
            self.fail("game.board", f"unknown board {g.board!r} (expected one of {', '.join(BOARDS)})")
        if g.players not in (2, 3, 4):
            self.fail("game.players", f"must be 2, 3 or 4 (got {g.players})")
        if g.eval_mode not in ("auto", "full", "light"):
            self.fail("game.eval_mode", f"must be auto, full or light (got {g.eval_mode!r})")
        if g.max_moves < 1:
            self.fail("game.max_moves", "must be >= 1")
        if not (g.eval_randomness == -1.0 or 0.0 <= g.eval_randomness <= 1.0):
            self.fail("game.eval_randomness", "must be in [0, 1] (or -1 for RingRift's default)")
        if g.opening_random_plies < 0:
            self.fail("game.opening_random_plies", "must be >= 0")
        if c.generations < 0:
            self.fail("cmaes.generations", "must be >= 0")
        if c.population_size < 0 or c.population_size == 1:
            self.fail("cmaes.population_size", "must be 0 (pycma's default) or >= 2")
        if not 0 < c.sigma <= MAX_ABS_WEIGHT:  # also refuses nan from a caller that skipped coercion
            self.fail("cmaes.sigma", f"must be a number in (0, {MAX_ABS_WEIGHT:g}] (got {c.sigma!r})")
        if c.sigma_scale not in ("relative", "absolute"):
            self.fail("cmaes.sigma_scale", "must be relative or absolute")
        if c.games_per_eval < g.players or c.games_per_eval % g.players:
            self.fail("cmaes.games_per_eval", f"must be a positive multiple of game.players ({g.players}): "
                                              "every start position is played once with the candidate in each seat")
        if c.opponent not in ("baseline", "random"):
            self.fail("cmaes.opponent", f"must be baseline or random (got {c.opponent!r})")
        if c.opponent == "random" and it.iterations > 1:
            self.fail("iterate.iterations", "must be 1 with cmaes.opponent = random: promotion is a match "
                                            "against the incumbent, which a random opponent never plays")
        if c.tune not in ("active", "all"):
            self.fail("cmaes.tune", "must be active or all")
        if not 0 <= c.bound <= MAX_ABS_WEIGHT:
            self.fail("cmaes.bound", f"must be in [0, {MAX_ABS_WEIGHT:g}] (0: RingRift's rule)")
        if it.iterations < 1:
            self.fail("iterate.iterations", "must be >= 1")
        if it.eval_games < g.players or it.eval_games % g.players:
            self.fail("iterate.eval_games", f"must be a positive multiple of game.players ({g.players})")
        if not 0.0 <= it.promote_margin <= 1.0:
            self.fail("iterate.promote_margin", "must be in [0, 1]")
        if not 0.0 < it.alpha < 1.0:
            self.fail("iterate.alpha", f"must be in (0, 1) (got {it.alpha!r})")
        if it.candidate not in ("best", "mean"):
            self.fail("iterate.candidate", f"must be best or mean (got {it.candidate!r})")
        if fm.games_per_task < 1 or fm.prefetch < 1:
            self.fail("farm", "games_per_task and prefetch must be >= 1")

    @property
    def epsilon(self) -> float:
        e = self.game.eval_randomness
        return (0.02 if self.game.players == 2 else 0.0) if e == -1.0 else e

    @property
    def pool_path(self) -> str:
        """game.state_pool as a file ("default": the shipped pool for the board and player count)."""
        if self.game.state_pool == "default":
            from ..statepool import default_pool
            return default_pool(self.game.board, self.game.players)
        return self.game.state_pool

    @property
    def mode_name(self) -> str:
        if self.game.eval_mode != "auto":
            return self.game.eval_mode
        return "light" if self.game.board in ("square19", "hexagonal") else "full"


# RingRift's run_cmaes_optimization.py flag names, as overrides of the config file
FLAGS = {
    "--generations": ("cmaes.generations", int), "--population-size": ("cmaes.population_size", int),
    "--games-per-eval": ("cmaes.games_per_eval", int), "--sigma": ("cmaes.sigma", float),
    "--board": ("game.board", str), "--num-players": ("game.players", int),
    "--baseline": ("cmaes.baseline", str), "--max-moves": ("game.max_moves", int),
    "--eval-randomness": ("game.eval_randomness", float), "--heuristic-eval-mode": ("game.eval_mode", str),
    "--seed": ("run.seed", int), "--iterations": ("iterate.iterations", int),
    "--opening-random-plies": ("game.opening_random_plies", int), "--state-pool": ("game.state_pool", str),
    "--opponent": ("cmaes.opponent", str), "--start": ("cmaes.start", str), "--alpha": ("iterate.alpha", float),
}
