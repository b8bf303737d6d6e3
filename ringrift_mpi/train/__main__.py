"""``python -m ringrift_mpi.train --config jobs/train_<board>_<n>p.toml --run-dir DIR [--data FILE ...]``."""
from __future__ import annotations

import argparse
import sys

from ..config import ConfigError
from ..storage import StorageError
from .config import FLAGS, TrainConfig


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m ringrift_mpi.train",
                                 description="Train a policy-value network on self-play datasets (torch DDP).")
    ap.add_argument("--config", metavar="FILE", help="job config (TOML), e.g. jobs/train_square8_2p.toml")
    ap.add_argument("--run-dir", required=True, metavar="DIR",
                    help="output folder; rerunning the same command on it resumes from its checkpoint")
    ap.add_argument("--data", nargs="+", metavar="FILE", help="dataset files (instead of data.paths)")
    for flag, (key, typ) in FLAGS.items():
        ap.add_argument(flag, type=typ, dest="ov_" + key.replace(".", "__"), metavar=typ.__name__.upper(),
                        help=f"override {key}")
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    ov = {k[3:].replace("__", "."): v for k, v in vars(args).items() if k.startswith("ov_") and v is not None}
    if args.data:
        ov["data.paths"] = ",".join(args.data)
    try:
        cfg = TrainConfig.load(args.config, overrides=ov)
        for w in cfg.warnings:
            print(w, file=sys.stderr)
        from .loop import run
        return run(cfg, args.run_dir)
    except (ConfigError, StorageError, RuntimeError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
