"""``python -m ringrift_mpi.statepool DATASET --out pool.h5`` or ``--defaults``."""
from __future__ import annotations

import argparse
import sys

from ..storage import StorageError


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m ringrift_mpi.statepool",
        description="Sample diverse mid-game positions of a self-play dataset into a state pool (pool.h5), "
                    "or rebuild the shipped default pools (--defaults).")
    ap.add_argument("dataset", nargs="?", help="a self-play run directory, its dataset.h5, a shard or merged file")
    ap.add_argument("--out", help="the pool file to write")
    ap.add_argument("--size", type=int, default=32, help="positions (default 32)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--games", type=int, default=200, help="sample from the first N games by id (default 200)")
    ap.add_argument("--from", dest="lo", type=float, default=0.1, help="earliest position, as a fraction of its "
                                                                       "game (default 0.1)")
    ap.add_argument("--to", dest="hi", type=float, default=0.95, help="latest, exclusive (default 0.95)")
    ap.add_argument("--defaults", action="store_true", help="rebuild the 12 shipped pools (statepool/defaults.py)")
    args = ap.parse_args(argv)
    if args.defaults:
        from .defaults import BOARDS, build
        for b in BOARDS:
            for p in (2, 3, 4):
                r = build(b, p)
                print(f"{r['path']}: {r['states']} positions of {r['games_used']} games, {r['bytes']} bytes; "
                      f"phases {r['phases']}")
        return 0
    if not args.dataset or not args.out:
        ap.error("give a DATASET and --out FILE (or --defaults)")
    from ..storage.pool import write_pool
    from .sample import sample_states
    try:
        states, facts = sample_states(args.dataset, args.size, args.seed, args.games, args.lo, args.hi)
        write_pool(args.out, states, facts["board"], facts["players"],
                   source=f"ringrift_mpi.statepool from {args.dataset}: {len(states)} of {facts['candidates']} "
                          f"positions of {facts['games']} games, seed {args.seed}")
    except (StorageError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{args.out}: {len(states)} {facts['board']} {facts['players']}p positions from {facts['games_used']} "
          f"games; phases {facts['phases']}; plies {min(facts['plies'])}..{max(facts['plies'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
