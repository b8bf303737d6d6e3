"""``python -m ringrift_mpi.selfplay.export npz|merge ...``: the dataset verbs from the command line.

    python -m ringrift_mpi.selfplay.export npz RUN_DIR OUT.npz [--limit N]   # RingRift's exporter NPZ
    python -m ringrift_mpi.selfplay.export merge OUT.h5 DATASET [DATASET ...]  # one dataset file

Both call ringrift_mpi.storage.dataset (export_npz, merge), which the ``ringrift-h5``
tool's ``export-npz`` and ``merge`` verbs call too. Errors are one line, exit 2.
"""
from __future__ import annotations

import argparse
import sys

from ..storage import StorageError
from ..storage.dataset import export_npz, merge


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.selfplay.export", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="verb", required=True)
    n = sub.add_parser("npz", help="RingRift's exporter NPZ (python -m app.training.train --data-path OUT)")
    n.add_argument("dataset", help="a run directory, its dataset.h5, a shard or a merged dataset file")
    n.add_argument("out", help="the .npz to write")
    n.add_argument("--limit", type=int, default=0, help="only the first N positions in game order (RingRift's "
                                                        "trainer loads the whole file into memory)")
    m = sub.add_parser("merge", help="one dataset file holding every game of the inputs")
    m.add_argument("out")
    m.add_argument("datasets", nargs="+")
    m.add_argument("--compression", default="gzip", choices=("gzip", "lzf", "none"))
    args = ap.parse_args(argv)
    try:
        if args.verb == "npz":
            r = export_npz(args.dataset, args.out, limit=args.limit)
            print(f"{args.out}: {r['positions']} positions of {r['games']} games, {r['bytes']:,} bytes")
        else:
            r = merge(args.datasets, args.out, args.compression)
            print(f"{args.out}: {r['games']} games, {r['positions']} positions")
    except StorageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
