"""CMA-ES run directories: ``run.h5`` (stats, plot) and what sits beside it."""
from __future__ import annotations

import json
import os

import numpy as np

from ...storage.cmaes_run import RUN_FORMAT, RunRecord, read_run
from ..dispatch import companion, handles

companion("cmaes.log", "the CMA-ES job's log, every line it printed")
companion("config.json", "the effective configuration, for people")
companion("run.lock", "the run-directory lock (names the last job that held it)")
companion("run.png", "the run drawn by ringrift-h5 plot")


def _last_log_line(run_path: str) -> str | None:
    log = os.path.join(os.path.dirname(os.path.abspath(run_path)), "cmaes.log")
    try:
        with open(log, "rb") as f:
            f.seek(max(0, os.path.getsize(log) - 4096))
            lines = [ln for ln in f.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return None
    return lines[-1] if lines else None


def _n(k: int, what: str, plural: str = "") -> str:
    return f"{k} {what if k == 1 else plural or what + 's'}"


@handles("info", RUN_FORMAT)
def info(path: str, fmt) -> dict:
    d = fmt.describe(path)
    last = _last_log_line(path)
    if last:
        d["cmaes.log ends"] = last
    return d


def _per_generation(rec: RunRecord) -> dict[str, np.ndarray]:
    fit = rec.gen_array("fitness")
    return {"best": fit.max(axis=1), "mean": fit.mean(axis=1), "std": fit.std(axis=1), "min": fit.min(axis=1),
            "sigma": rec.gen_array("sigma"), "iteration": rec.gen_array("iteration")}


@handles("stats", RUN_FORMAT)
def stats(path: str, fmt) -> str:
    rec = read_run(path)
    out = [f"{path}: {rec.n_generations} generation(s), {rec.n_iterations} iteration(s)"]
    if rec.n_generations:
        g = _per_generation(rec)
        pop = rec.gen_array("fitness").shape[1]
        out.append(f"fitness per generation ({pop} candidates each; 1 win, 1/2 no winner, 0 loss):")
        out.append("  gen  iter    best    mean     std     min     sigma   games  wall s")
        games, wall = rec.gen_array("games"), rec.gen_array("wall_s")
        for k in range(rec.n_generations):
            out.append(f"{k + 1:5d} {int(g['iteration'][k]) + 1:5d} {g['best'][k]:7.4f} {g['mean'][k]:7.4f} "
                       f"{g['std'][k]:7.4f} {g['min'][k]:7.4f} {g['sigma'][k]:9.4g} {int(games[k]):7d} "
                       f"{wall[k]:7.1f}")
    if rec.n_iterations:
        cfg = json.loads(rec.attrs.get("config", "{}") or "{}")
        against = "random players" if cfg.get("cmaes", {}).get("opponent") == "random" else "its baseline"
        out.append(f"evaluation matches (each iteration's best candidate against {against}):")
        out.append(" iter  best fitness  eval score   won drawn  lost  promoted")
        for i in range(rec.n_iterations):
            out.append(f"{i + 1:5d} {float(rec.iters['best_fitness'][i]):13.4f} {float(rec.iters['eval_score'][i]):11.4f} "
                       f"{int(rec.iters['eval_wins'][i]):5d} {int(rec.iters['eval_draws'][i]):5d} "
                       f"{int(rec.iters['eval_losses'][i]):5d}  {'yes' if rec.iters['promoted'][i] else 'no'}")
        out.append(f"promotions: {int(np.sum(rec.iters['promoted']))} of {rec.n_iterations}")
    return "\n".join(out)


@handles("plot", RUN_FORMAT)
def plot(path: str, fmt, out: str) -> str:
    from ..plotting import pyplot, save_png
    rec = read_run(path)
    if rec.n_generations == 0:
        from ..dispatch import NotApplicable
        raise NotApplicable(f"{path}: no generation recorded yet, nothing to plot")
    plt = pyplot()
    g = _per_generation(rec)
    fit = rec.gen_array("fitness")
    x = np.arange(1, rec.n_generations + 1)
    cfg = json.loads(rec.attrs.get("config", "{}") or "{}")
    game = cfg.get("game", {})
    vs_random = cfg.get("cmaes", {}).get("opponent") == "random"
    few = rec.n_generations <= 40
    mk = dict(marker="o", markersize=3.5) if few else {}

    fig, (ax, axs) = plt.subplots(2, 1, figsize=(10, 6.4), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    ax.fill_between(x, fit.min(axis=1), fit.max(axis=1), color="#9ecae1", alpha=0.45, lw=0,
                    label="candidates, lowest to highest")
    lo, hi = np.maximum(g["mean"] - g["std"], g["min"]), np.minimum(g["mean"] + g["std"], g["best"])
    ax.fill_between(x, lo, hi, color="#4292c6", alpha=0.35, lw=0,
                    label="mean ± 1 sd")
    ax.plot(x, g["mean"], color="#08519c", lw=1.8, label="mean fitness", **mk)
    ax.plot(x, g["best"], color="#e6550d", lw=1.6, label="best fitness", **mk)
    ax.axhline(0.5, color="0.45", lw=0.9, ls="--", zorder=0,
               label="half the points" if vs_random else "even with the baseline (0.5)")
    # iterations: a boundary line and a label, the evaluation match's score, and whether it was promoted
    it = g["iteration"]
    n_it = int(it.max()) + 1
    for i in range(n_it):
        ks = np.flatnonzero(it == i)
        if not len(ks):
            continue
        if n_it > 1:
            ax.text((ks[0] + ks[-1]) / 2 + 1, 0.985, f"iteration {i + 1}", ha="center", va="top", fontsize=8,
                    color="0.35")
        if i > 0:
            for a in (ax, axs):
                a.axvline(ks[0] + 0.5, color="0.6", lw=0.8, ls=":")
        if i >= rec.n_iterations:
            continue
        xe = ks[-1] + 1
        score = float(rec.iters["eval_score"][i])
        promoted = bool(rec.iters["promoted"][i])
        ax.plot([xe], [score], marker="*" if promoted else "D", markersize=15 if promoted else 7,
                color="#31a354" if promoted else "#756bb1", markeredgecolor="black", markeredgewidth=0.6,
                ls="none", zorder=5, label="evaluation match, promoted" if promoted else
                "evaluation match, not promoted")
        if promoted:
            ax.annotate("promoted", (xe, score), xytext=(0, 10), textcoords="offset points", ha="center",
                        fontsize=8, color="#238b45", fontweight="bold")
    handles_, labels = ax.get_legend_handles_labels()
    seen = {}
    for h, lab in zip(handles_, labels):
        seen.setdefault(lab, h)
    ax.legend(seen.values(), seen.keys(), loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4, fontsize=8,
              frameon=False, handlelength=1.8, columnspacing=1.2)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("fitness (game score)")
    ax.grid(alpha=0.25)
    title = (f"CMA-ES {game.get('board', '?')} {game.get('players', '?')}p vs "
             f"{'random players' if vs_random else 'baseline'}, seed {rec.attrs.get('seed')}: "
             f"{_n(rec.n_generations, 'generation')}, {_n(rec.n_iterations, 'iteration')}, "
             f"{int(np.sum(rec.iters['promoted'])) if rec.n_iterations else 0} promoted")
    fig.suptitle(title, fontsize=11.5, y=0.985)
    fig.text(0.5, 0.945, os.path.abspath(path), ha="center", fontsize=7.5, color="0.45")

    # sigma: pycma restarts at every iteration, so each iteration is its own line
    for i in range(n_it):
        ks = np.flatnonzero(it == i)
        axs.plot(x[ks], g["sigma"][ks], color="#54278f", lw=1.6, **mk)
    if g["sigma"].max() > 8 * g["sigma"].min():
        axs.set_yscale("log")
    axs.set_ylabel("sigma (step size)")
    axs.set_xlabel("generation")
    axs.grid(alpha=0.25)
    axs.set_xlim(0.3, rec.n_generations + 0.7)
    if few:
        axs.set_xticks(x if rec.n_generations <= 20 else x[::2])
    fig.tight_layout(rect=(0, 0, 1, 0.955))
    save_png(fig, out)
    return (f"fitness (best, mean, spread) and sigma of {_n(rec.n_generations, 'generation')}, "
            f"{_n(rec.n_iterations, 'evaluation match', 'evaluation matches')}")
