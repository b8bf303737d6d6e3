"""plot: a PNG a person can read, whose pixels show the run's curves (not an empty axes)."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from ringrift_mpi.h5 import main
from ringrift_mpi.storage.cmaes_run import RunRecord, write_run

pytest.importorskip("matplotlib", reason="the plot extra: pip install 'ringrift-mpi[plot]'")

BEST, MEAN, SIGMA, PROMOTED = "#e6550d", "#08519c", "#54278f", "#31a354"


def _mask(img: np.ndarray, color: str, tol: float = 0.06) -> np.ndarray:
    rgb = np.array([int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.all(np.abs(img[:, :, :3] - rgb) < tol, axis=2)


def _read(path) -> np.ndarray:
    import matplotlib.image as mpimg
    return mpimg.imread(str(path))


def _synthetic_run(path, rising: bool, promoted: int) -> None:
    """Two iterations of six generations; the best candidate's fitness rises (or falls) steadily."""
    cfg = {"game": {"board": "hex8", "players": 2}, "cmaes": {"generations": 6, "opponent": "baseline"},
           "iterate": {"iterations": 2}}
    rec = RunRecord({"config": json.dumps(cfg), "config_hash": "h", "seed": 3, "versions": "{}", "sessions": "[]",
                     "weight_keys": json.dumps([f"W{i}" for i in range(59)]), "tuned": "[0]"})
    rng = np.random.default_rng(1)
    for k in range(12):
        top = 0.15 + 0.07 * k if rising else 0.92 - 0.07 * k
        wins = np.clip(np.round(np.array([top, top - 0.1, top - 0.2, top - 0.3]) * 20), 0, 20).astype(int)
        rec.add_generation(iteration=k // 6, generation_in_iteration=k % 6, ranks=2, candidates=rng.normal(size=(4, 59)),
                           fitness=wins / 20, wins=wins, draws=np.zeros(4, int), losses=20 - wins,
                           mean=rng.normal(size=59), sigma=0.5 * 0.9 ** (k % 6), wall_s=1.0, games=80)
    for i in range(2):
        rec.add_iteration(baseline=np.zeros(59), best=np.ones(59), best_fitness=0.6, eval_score=0.6, eval_wins=12,
                          eval_draws=0, eval_losses=8, eval_p=0.004, anchor_p=float("nan"),
                          promoted=promoted if i == 0 else 0)
    write_run(str(path), rec)


def test_a_real_run_plots_its_curves(run_dir, tmp_path, capsys):
    out = tmp_path / "run.png"
    assert main(["plot", run_dir, "-o", str(out)]) == 0
    said = capsys.readouterr().out.strip()
    assert said == f"{out}: fitness (best, mean, spread) and sigma of 4 generations, 2 evaluation matches", said
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and 20_000 < out.stat().st_size < 2_000_000
    img = _read(out)
    h, w = img.shape[:2]
    assert 600 <= h <= 1200 and 900 <= w <= 1600, img.shape
    best, mean, sigma = _mask(img, BEST), _mask(img, MEAN), _mask(img, SIGMA)
    assert best.sum() > 300 and mean.sum() > 300 and sigma.sum() > 300, (best.sum(), mean.sum(), sigma.sum())
    rows = lambda m: np.nonzero(m)[0]  # noqa: E731
    # fitness in the upper panel, sigma in the lower one; the best curve never below the mean
    assert max(rows(best).max(), rows(mean).max()) < rows(sigma).min()
    assert np.median(rows(best)) <= np.median(rows(mean))


def test_the_picture_follows_the_data(tmp_path, capsys):
    up, down = tmp_path / "up", tmp_path / "down"
    up.mkdir(), down.mkdir()
    _synthetic_run(up / "run.h5", rising=True, promoted=1)
    _synthetic_run(down / "run.h5", rising=False, promoted=0)
    assert main(["plot", str(up)]) == 0 and main(["plot", str(down)]) == 0  # default: beside run.h5
    a, b = _read(up / "run.png"), _read(down / "run.png")
    assert a.shape == b.shape and not np.array_equal(a, b)
    h, w = a.shape[:2]

    def centroid_rows(img, color, x0, x1):
        r, c = np.nonzero(_mask(img, color))
        keep = (c >= x0 * w) & (c < x1 * w)
        return r[keep].mean()

    # rising best fitness: higher on the right (smaller row); falling: the other way round
    assert centroid_rows(a, BEST, 0.05, 0.35) - centroid_rows(a, BEST, 0.65, 0.97) > 0.1 * h
    assert centroid_rows(b, BEST, 0.65, 0.97) - centroid_rows(b, BEST, 0.05, 0.35) > 0.1 * h
    # the promotion is marked only where there was one
    assert _mask(a, PROMOTED, 0.03).sum() > 50 and _mask(b, PROMOTED, 0.03).sum() == 0


def test_without_matplotlib_one_line_and_exit_2(run_dir, tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    capsys.readouterr()
    assert main(["plot", run_dir, "-o", str(tmp_path / "x.png")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip() == ("ringrift-h5: plot needs matplotlib, which is not installed: "
                                         "pip install 'ringrift-mpi[plot]' (or: pip install matplotlib)"), err
    assert not (tmp_path / "x.png").exists()
