"""Keeps numba's on-disk cache of the kernels in step with their sources.

numba keys a cached function on its own file's timestamp and size only. A kernel
whose callee lives in another file (most of them: games.py calls players.py,
which calls heuristic.py, ...) would load its old machine code, old callee
included, after that callee changed: an upgraded checkout would silently play
the previous rules or evaluator. So each cache directory of the kernels holds a
digest of every kernel source, and the kernels' cache files there are deleted
when it differs (first import after an upgrade: one recompile).

Cache directories are numba's own (``__pycache__`` beside the sources,
``NUMBA_CACHE_DIR``, or the per-user fallback), found by numba's locator.
"""
from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAMP = "ringrift-kernels.sources"


def sources_digest() -> str:
    """sha256 over the path and bytes of every .py file of the kernels package."""
    h = hashlib.sha256()
    for path in sorted(HERE.rglob("*.py")):
        h.update(path.relative_to(HERE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def cache_dir(source_dir: Path) -> str | None:
    """Where numba caches the functions of the .py files in ``source_dir`` (None: nowhere)."""
    # numba picks the directory from the function's file: a probe "defined" in that directory
    namespace: dict = {}
    exec(compile("def probe():\n    pass\n", str(source_dir / "__init__.py"), "exec"), namespace)
    try:
        from numba.core.caching import FunctionCache
        return FunctionCache(namespace["probe"]).cache_path
    except RuntimeError:  # no writable location: numba will not cache either
        return None
    except (ImportError, AttributeError, TypeError) as e:  # numba's internals moved
        warnings.warn(f"kernels: cannot locate numba's cache ({e}); after changing the kernels, "
                      "delete their cached files (__pycache__/*.nbi, *.nbc) by hand", stacklevel=2)
        return None


def drop_stale() -> list[str]:
    """Delete the kernels' cache files wherever the stamp is not the sources' digest; returns them."""
    digest = sources_digest()
    dropped: list[str] = []
    for source_dir in sorted({p.parent for p in HERE.rglob("*.py")}):
        where = cache_dir(source_dir)  # numba's locator has created it
        if where is None:
            continue
        stamp = os.path.join(where, STAMP)
        try:
            with open(stamp, encoding="ascii") as f:
                if f.read().strip() == digest:
                    continue
        except (OSError, UnicodeDecodeError):
            pass
        modules = {p.stem for p in source_dir.glob("*.py")}
        try:
            for name in os.listdir(where):
                if name.endswith((".nbi", ".nbc")) and name.split(".", 1)[0] in modules:
                    try:
                        os.remove(os.path.join(where, name))
                        dropped.append(name)
                    except FileNotFoundError:  # another rank of the same job got there first
                        pass
            tmp = f"{stamp}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="ascii") as f:
                f.write(digest + "\n")
            os.replace(tmp, stamp)
        except OSError:  # a read-only or vanished cache: numba copes with it the same way
            continue
    return dropped
