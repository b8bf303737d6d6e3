"""The self-play job's configuration sections (jobs/selfplay_*.toml, docs/selfplay.md)."""
from __future__ import annotations

from dataclasses import dataclass

from ..config import Config

BOARDS = ("square8", "square19", "hex8", "hexagonal")
# RingRift's THEORETICAL_MAX_MOVES (ai-service/app/training/env.py): its self-play move limits
RINGRIFT_MAX_MOVES = {
    "square8": {2: 600, 3: 900, 4: 1400}, "square19": {2: 2400, 3: 3000, 4: 3600},
    "hex8": {2: 600, 3: 900, 4: 1400}, "hexagonal": {2: 3600, 3: 4200, 4: 4800},
}
# games per task: tens of milliseconds to a second of play on one core (docs/heuristic.md "Speed")
GAMES_PER_TASK = {"square8": 8, "hex8": 8, "square19": 1, "hexagonal": 1}
COMPRESSIONS = ("gzip", "lzf", "none")


@dataclass
class RunSection:
    seed: int = 1                 # game i is a function of (seed, i) and the settings below
    games: int = 100              # games in the dataset; raise it and rerun to extend a run


@dataclass
class GameSection:
    board: str = "square8"
    players: int = 2
    max_moves: int = 0            # moves (bookkeeping included) before a game is a draw; 0 = RingRift's limit
    eval_mode: str = "auto"       # heuristic evaluation: full | light | auto (full on square8/hex8)
    opening_random_plies: int = 0  # uniformly random moves before the seats' players take over


@dataclass
class PlayersSection:
    seats: str = "default"        # comma-separated, one for all seats or one per seat: default | random | FILE.json
    epsilon: float = 0.05         # heuristic seats: chance of a uniformly random move
    temperature: float = 0.0      # heuristic seats: > 0 samples moves by softmax(score / temperature)
    rotate: bool = True           # game i moves every seat's player i seats on, so each plays every seat


@dataclass
class DatasetSection:
    sample_every: int = 1         # every n-th ply is a sample (RingRift's --sample-every)
    compression: str = "gzip"     # gzip (level 1) | lzf (h5py only) | none (docs/formats.md: sizes, costs)
    shard_mb: int = 256           # a rank writes a shard when this much is buffered ...
    flush_seconds: float = 120.0  # ... or this long after its last one (0: after every task)


@dataclass
class FarmSection:
    games_per_task: int = 0       # 0 = by board (GAMES_PER_TASK)
    prefetch: int = 2             # tasks a worker holds
    progress_seconds: float = 10.0  # rank 0 prints a progress line this often


class SelfplayConfig(Config):
    BUDGET_KEYS = ("run.games",)
    # how the games are spread and buffered changes no game and no row (tests compare the datasets)
    EXECUTION_KEYS = ("farm.games_per_task", "farm.prefetch", "farm.progress_seconds", "dataset.compression",
                      "dataset.shard_mb", "dataset.flush_seconds")

    @classmethod
    def defaults(cls) -> "SelfplayConfig":
        return cls({"run": RunSection(), "game": GameSection(), "players": PlayersSection(),
                    "dataset": DatasetSection(), "farm": FarmSection()})

    def validate(self) -> None:
        r, g, p, d, fm = self.run, self.game, self.players, self.dataset, self.farm
        if r.games < 0:
            self.fail("run.games", "must be >= 0")
        if g.board not in BOARDS:
            self.fail("game.board", f"unknown board {g.board!r} (expected one of {', '.join(BOARDS)})")
        if g.players not in (2, 3, 4):
            self.fail("game.players", f"must be 2, 3 or 4 (got {g.players})")
        if g.max_moves < 0:
            self.fail("game.max_moves", "must be >= 0 (0: RingRift's limit for the board)")
        if g.eval_mode not in ("auto", "full", "light"):
            self.fail("game.eval_mode", f"must be auto, full or light (got {g.eval_mode!r})")
        if g.opening_random_plies < 0:
            self.fail("game.opening_random_plies", "must be >= 0")
        specs = self.seat_specs
        if len(specs) not in (1, g.players) or any(not s for s in specs):
            self.fail("players.seats", f"give one player for all seats or one per seat ({g.players}), "
                                       f"comma-separated (got {p.seats!r})")
        if not 0.0 <= p.epsilon <= 1.0:
            self.fail("players.epsilon", "must be in [0, 1]")
        if p.temperature < 0.0:
            self.fail("players.temperature", "must be >= 0")
        if d.sample_every < 1:
            self.fail("dataset.sample_every", "must be >= 1")
        if d.compression not in COMPRESSIONS:
            self.fail("dataset.compression", f"must be one of {', '.join(COMPRESSIONS)} (got {d.compression!r})")
        if d.shard_mb < 1 or d.flush_seconds < 0:
            self.fail("dataset", "shard_mb must be >= 1 and flush_seconds >= 0")
        if fm.games_per_task < 0 or fm.prefetch < 1 or fm.progress_seconds <= 0:
            self.fail("farm", "games_per_task must be >= 0, prefetch >= 1, progress_seconds > 0")

    @property
    def seat_specs(self) -> list[str]:
        return [s.strip() for s in self.players.seats.split(",")]

    @property
    def max_moves(self) -> int:
        g = self.game
        return g.max_moves or RINGRIFT_MAX_MOVES[g.board][g.players]

    @property
    def mode_name(self) -> str:
        if self.game.eval_mode != "auto":
            return self.game.eval_mode
        return "light" if self.game.board in ("square19", "hexagonal") else "full"

    @property
    def games_per_task(self) -> int:
        return self.farm.games_per_task or GAMES_PER_TASK[self.game.board]


FLAGS = {
    "--games": ("run.games", int), "--seed": ("run.seed", int), "--board": ("game.board", str),
    "--num-players": ("game.players", int), "--max-moves": ("game.max_moves", int),
    "--seats": ("players.seats", str), "--epsilon": ("players.epsilon", float),
    "--temperature": ("players.temperature", float), "--games-per-task": ("farm.games_per_task", int),
    "--flush-seconds": ("dataset.flush_seconds", float),
}
