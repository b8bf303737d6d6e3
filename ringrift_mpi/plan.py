"""``python -m ringrift_mpi.plan --matrix jobs/matrix_full.toml --nodes 12 --instance c7i.48xlarge``.

Games, core-hours, wall time and dollars for a training matrix on a cluster, from games/s that
``python -m ringrift_mpi.bench --mode heuristic --json FILE`` measured (``--bench FILE``, any
number of files; by default the ones in jobs/bench/), never guessed.

The model, per row (one Slurm array task of ``--ranks-per-row`` MPI ranks, default one node):
a generation plays population x games_per_eval games; its wall time is that work spread over
the ranks, but never less than one farm task (games_per_task games: the farm balances tasks
dynamically, so this is the only floor; ``--efficiency`` applies a measured parallel efficiency,
``python -m ringrift_mpi.cmaes.scaling``); each iteration adds its evaluation match. A game
costs 1 / (games/s on one core) seconds at the row's move cap, times ``--core-speed`` (the
target core's speed relative to the bench machine's, default 1). Rows run at once as far as
the nodes allow (longest first); every node boots once (``--boot-min``) and idles once before
it is released (``--idle-min``, ParallelCluster's ScaledownIdletime), both billed.

Prices in ``INSTANCES`` are examples (us-east-1, Linux, hourly), written down in December
2026 from AWS's public price lists: check today's before spending money. Spot prices move
by the hour and zone.
"""
from __future__ import annotations

import argparse
import glob
import heapq
import json
import math
import os
import sys
from dataclasses import dataclass

from .matrix import Matrix, MatrixError

PRICES_AS_OF = "2026-12 (examples: us-east-1 Linux list prices; spot varies by zone and hour)"


@dataclass(frozen=True)
class Instance:
    cores: int        # physical cores: one MPI rank each (SMT off, as in aws-parallelcluster/)
    vcpus: int
    on_demand: float  # $/hour
    spot: float | None  # $/hour, an example


INSTANCES = {
    "c6i.xlarge": Instance(2, 4, 0.17, 0.07),
    "c6i.32xlarge": Instance(64, 128, 5.44, 2.10),
    "c7i.xlarge": Instance(2, 4, 0.1785, 0.07),
    "c7i.24xlarge": Instance(48, 96, 4.284, 1.60),
    "c7i.48xlarge": Instance(96, 192, 8.568, 3.10),
    "c7a.48xlarge": Instance(192, 192, 9.853, 3.90),
    "hpc7a.96xlarge": Instance(192, 192, 7.20, None),
}
DEFAULT_BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "jobs", "bench", "*.json")


class PlanError(ValueError):
    """Bad input (bench files, arguments); the message names the file."""


def load_bench(paths: list[str]) -> dict[tuple[str, int], dict]:
    """(board, players) -> {"gps": games/s on one core, "max_moves": cap it was measured at, "file": ...}."""
    out = {}
    for p in paths:
        try:
            with open(p) as f:
                data = json.load(f)
        except OSError as e:
            raise PlanError(f"{p}: cannot read bench file: {e.strerror}") from None
        except ValueError as e:
            raise PlanError(f"{p}: not a bench JSON file ({e})") from None
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise PlanError(f"{p}: not a bench JSON file (no \"results\" list; write one with "
                            "python -m ringrift_mpi.bench --mode heuristic --json FILE)")
        cap = (data.get("args") or {}).get("max_moves")
        for r in data["results"]:
            if not isinstance(r, dict) or r.get("mode") != "heuristic":
                continue
            try:
                key, gps = (str(r["board"]), int(r["players"])), float(r["games_per_s"])
            except (KeyError, TypeError, ValueError):
                raise PlanError(f"{p}: a result lacks board, players or games_per_s") from None
            if not gps > 0:
                raise PlanError(f"{p}: {key[0]} {key[1]}p: games_per_s must be > 0, got {gps}")
            out[key] = {"gps": gps, "max_moves": cap, "file": p, "machine": data.get("machine", {})}
    if not out:
        raise PlanError(f"{', '.join(paths)}: no heuristic results (bench with --mode heuristic)")
    return out


@dataclass
class RowPlan:
    name: str
    games: int
    game_s: float      # seconds per game on one core of the target
    wall_s: float      # the row on its ranks
    note: str = ""

    @property
    def core_s(self) -> float:
        return self.games * self.game_s


def _population(cfg) -> int:
    if cfg.cmaes.population_size:
        return cfg.cmaes.population_size
    from kernels.heuristic_weights import active_weight_indices
    n = 59 if cfg.cmaes.tune == "all" else len(active_weight_indices(cfg.game.board, cfg.game.players, cfg.mode_name))
    return 4 + int(3 * math.log(n))  # pycma's default


def plan_rows(m: Matrix, bench: dict, ranks: int, core_speed: float, efficiency: float = 1.0) -> list[RowPlan]:
    rows = []
    for r in m.rows:
        cfg = m.config(r.index)
        b = bench.get((r.board, r.players))
        if b is None:
            raise PlanError(f"no bench figure for {r.board} {r.players}p in {', '.join(sorted({v['file'] for v in bench.values()}))}"
                            f" (bench with --boards {r.board} --players {r.players})")
        note = ""
        if b["max_moves"] not in (None, 0, cfg.game.max_moves):
            note = f"benched at move cap {b['max_moves']}, row caps at {cfg.game.max_moves}"
        t = 1.0 / (b["gps"] * core_speed)
        P, players = _population(cfg), cfg.game.players
        task_games = max(1, cfg.farm.games_per_task // players) * players
        gen_games = P * cfg.cmaes.games_per_eval
        gen_s = max(gen_games / (ranks * efficiency), min(task_games, gen_games)) * t
        eval_games = cfg.iterate.eval_games * (2 if cfg.cmaes.opponent == "random" else 1)
        eval_s = max(eval_games / (ranks * efficiency), min(task_games, eval_games)) * t
        its, gens = cfg.iterate.iterations, cfg.cmaes.generations
        rows.append(RowPlan(r.name, its * (gens * gen_games + eval_games), t, its * (gens * gen_s + eval_s), note))
    return rows


def schedule(walls: list[float], slots: int) -> float:
    """Makespan of rows (longest first) on `slots` parallel row slots."""
    heap = [0.0] * max(1, slots)
    for w in sorted(walls, reverse=True):
        heapq.heappush(heap, heapq.heappop(heap) + w)
    return max(heap)


@dataclass
class Plan:
    rows: list[RowPlan]
    nodes: int
    nodes_per_row: int
    wall_s: float        # makespan of the rows, without boot
    node_hours: float    # billed: rows' node time + one boot and one idle tail per node
    cost_on_demand: float
    cost_spot: float | None


def make_plan(rows: list[RowPlan], inst: Instance, nodes: int, ranks: int, boot_min: float,
              idle_min: float) -> Plan:
    npr = math.ceil(ranks / inst.cores)
    if nodes < npr:
        raise PlanError(f"--nodes {nodes} is fewer than one row needs ({npr} nodes for {ranks} ranks)")
    slots = nodes // npr
    used = min(nodes, npr * len(rows))  # nodes beyond the rows that can run at once are never started
    wall = schedule([r.wall_s for r in rows], slots)
    node_h = (sum(r.wall_s for r in rows) * npr + used * (boot_min + idle_min) * 60) / 3600
    return Plan(rows, used, npr, wall, node_h, node_h * inst.on_demand,
                None if inst.spot is None else node_h * inst.spot)


def _short(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _hms(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def report(m: Matrix, p: Plan, inst_name: str, inst: Instance, ranks: int, boot_min: float, bench_files) -> str:
    out = [f"matrix {m.name} ({m.path}): {len(p.rows)} rows on {p.nodes} x {inst_name} "
           f"({inst.cores} cores each, one rank per core), {ranks} ranks per row ({p.nodes_per_row} node(s))",
           f"games/s per core from: {', '.join(_short(f) for f in bench_files)}", ""]
    head = ("row", "games", "s/game", "core-hours", "wall", "")
    cells = [(r.name, f"{r.games:,}", f"{r.game_s:.3f}", f"{r.core_s / 3600:.1f}", _hms(r.wall_s), r.note)
             for r in p.rows]
    w = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]
    out.append("  ".join(h.rjust(w[i]) if 0 < i < 5 else h.ljust(w[i]) for i, h in enumerate(head)).rstrip())
    for c in cells:
        out.append("  ".join(x.rjust(w[i]) if 0 < i < 5 else x.ljust(w[i]) for i, x in enumerate(c)).rstrip())
    games = sum(r.games for r in p.rows)
    core_h = sum(r.core_s for r in p.rows) / 3600
    alloc_h = sum(r.wall_s for r in p.rows) * p.nodes_per_row * inst.cores / 3600
    out += ["",
            f"games: {games:,}",
            f"core-hours: {core_h:,.1f} playing games; {alloc_h:,.1f} allocated "
            f"({100 * core_h / alloc_h:.0f} % busy: the rest is ranks waiting at generation ends)",
            f"wall time: {_hms(p.wall_s)} for the rows, plus ~{boot_min:.0f} min for nodes to boot",
            f"node-hours billed: {p.node_hours:,.1f} (rows, one boot and one idle tail per node)",
            f"cost: ${p.cost_on_demand:,.2f} on-demand (${inst.on_demand}/h)"
            + (f", ${p.cost_spot:,.2f} spot (example ${inst.spot}/h)" if p.cost_spot is not None else ", no spot"),
            f"prices: {PRICES_AS_OF}"]
    return "\n".join(out)


def instance_table() -> str:
    lines = [f"instances ({PRICES_AS_OF}):", "instance          cores  vCPUs  on-demand $/h  spot $/h (example)"]
    for k, v in INSTANCES.items():
        lines.append(f"{k:16s}  {v.cores:5d}  {v.vcpus:5d}  {v.on_demand:13.4f}  "
                     f"{'-' if v.spot is None else f'{v.spot:.2f}':>18s}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.plan", description=__doc__.split("\n\n")[0])
    ap.add_argument("--matrix", metavar="FILE", help="matrix TOML, e.g. jobs/matrix_full.toml")
    ap.add_argument("--nodes", type=int, default=None, help="nodes in the queue (default: one per row)")
    ap.add_argument("--instance", default="c7i.48xlarge", help=f"one of {', '.join(INSTANCES)} (default c7i.48xlarge)")
    ap.add_argument("--bench", action="append", metavar="FILE",
                    help="bench JSON (python -m ringrift_mpi.bench --mode heuristic --json FILE); repeatable; "
                         "default jobs/bench/*.json")
    ap.add_argument("--ranks-per-row", type=int, help="MPI ranks per row (default: one node's cores)")
    ap.add_argument("--core-speed", type=float, default=1.0,
                    help="a target core's games/s relative to the bench machine's core (default 1)")
    ap.add_argument("--efficiency", type=float, default=1.0,
                    help="the farm's parallel efficiency at this rank count, as python -m ringrift_mpi.cmaes.scaling "
                         "measures it (default 1: ideal balance)")
    ap.add_argument("--boot-min", type=float, default=5.0, help="minutes for a node to boot and configure (default 5)")
    ap.add_argument("--idle-min", type=float, default=10.0, help="minutes an idle node is kept (default 10)")
    ap.add_argument("--instances", action="store_true", help="print the instance table and exit")
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.instances:
        print(instance_table())
        return 0
    try:
        if not args.matrix:
            raise PlanError("--matrix FILE is required (e.g. jobs/matrix_full.toml)")
        inst = INSTANCES.get(args.instance)
        if inst is None:
            raise PlanError(f"unknown instance {args.instance!r} (known: {', '.join(INSTANCES)}; see --instances)")
        files = args.bench or sorted(glob.glob(DEFAULT_BENCH))
        if not files:
            raise PlanError(f"no bench files given and none in {os.path.dirname(DEFAULT_BENCH)}")
        if args.core_speed <= 0 or not 0 < args.efficiency <= 1 or args.boot_min < 0 or args.idle_min < 0:
            raise PlanError("--core-speed must be > 0, --efficiency in (0, 1], --boot-min and --idle-min >= 0")
        m = Matrix(args.matrix)
        ranks = args.ranks_per_row or inst.cores
        if ranks < 1:
            raise PlanError("--ranks-per-row must be >= 1")
        nodes = args.nodes if args.nodes is not None else math.ceil(ranks / inst.cores) * len(m.rows)
        if nodes < 1:
            raise PlanError("--nodes must be >= 1")
        rows = plan_rows(m, load_bench(files), ranks, args.core_speed, args.efficiency)
        p = make_plan(rows, inst, nodes, ranks, args.boot_min, args.idle_min)
    except (PlanError, MatrixError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(report(m, p, args.instance, inst, ranks, args.boot_min, files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
