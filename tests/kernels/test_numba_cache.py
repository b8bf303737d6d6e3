"""The kernels' numba cache is emptied when any kernel source changes (kernels/numba_cache.py)."""
from pathlib import Path

from numba.core import config

from kernels import numba_cache


def _stamps(root: Path) -> list[Path]:
    return sorted(root.rglob(numba_cache.STAMP))


def test_cache_files_survive_while_the_sources_match_and_go_when_they_change(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path))
    assert numba_cache.drop_stale() == []
    stamps = _stamps(tmp_path)
    # one cache directory per source directory: kernels/ and kernels/encoding/
    assert len(stamps) == len({p.parent for p in numba_cache.HERE.rglob("*.py")}) >= 2
    digest = numba_cache.sources_digest()
    assert all(p.read_text().strip() == digest for p in stamps)

    where = next(p.parent for p in stamps if p.parent.name.startswith("kernels"))  # kernels/*.py's
    ours = ["heuristic.evaluate-118.py311.nbi", "heuristic.evaluate-118.py311.0.nbc", "games.run-40.py311.nbi"]
    foreign = ["somebody_else.f-1.py311.nbi", "README"]
    for name in ours + foreign:
        (where / name).write_bytes(b"x")

    assert numba_cache.drop_stale() == []  # same sources: nothing recompiles
    assert all((where / name).exists() for name in ours + foreign)

    (where / numba_cache.STAMP).write_text("digest of an older checkout\n")
    assert sorted(numba_cache.drop_stale()) == sorted(ours)
    assert not any((where / name).exists() for name in ours)
    assert all((where / name).exists() for name in foreign)
    assert (where / numba_cache.STAMP).read_text().strip() == digest


def test_the_digest_covers_every_kernel_source(tmp_path, monkeypatch):
    copy = tmp_path / "kernels"
    for path in numba_cache.HERE.rglob("*.py"):
        target = copy / path.relative_to(numba_cache.HERE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    monkeypatch.setattr(numba_cache, "HERE", copy)
    before = numba_cache.sources_digest()
    assert before == numba_cache.sources_digest()
    (copy / "encoding" / "__init__.py").write_text((copy / "encoding" / "__init__.py").read_text() + "# edit\n")
    assert numba_cache.sources_digest() != before
