"""Smoke test of ringrift-bench (tiny config, no compile timing)."""
import json

import numpy as np

from kernels import geometry as G
from ringrift_mpi import bench


def test_bench_json_and_compare(tmp_path, capsys):
    out = tmp_path / "b.json"
    args = ["--boards", "square8,hex8", "--players", "2", "--games", "4", "--no-compile-timing",
            "--check-invariants", "--json", str(out)]
    assert bench.main(args) == 0
    data = json.loads(out.read_text())
    assert [(r["board"], r["players"], r["games"], r["violations"]) for r in data["results"]] == \
        [("square8", 2, 4, 0), ("hex8", 2, 4, 0)]
    assert sum(data["results"][0]["wins"].values()) + data["results"][0]["draws"] == 4
    assert bench.main(args[:-2] + ["--compare", str(out)]) == 0
    text = capsys.readouterr().out
    assert "games/s new/old" in text and "random/hex8/2p" in text
    # a heuristic run compared with the random one: the ratio is per board and player count
    h = tmp_path / "h.json"
    assert bench.main(["--mode", "heuristic", "--boards", "square8", "--players", "2", "--games", "2",
                       "--no-compile-timing", "--json", str(h), "--compare", str(out)]) == 0
    text = capsys.readouterr().out
    rows = [line.split() for line in text.splitlines() if line.startswith("square8/2p")]
    # the column has 2 decimals and heuristic play is 100-1000x slower: it may print 0.00
    assert "games/s heuristic/random" in text and len(rows) == 1 and 0 <= float(rows[0][1]) < 1, text
    ratio = json.loads(h.read_text())["results"][0]["games_per_s"] / data["results"][0]["games_per_s"]
    assert f"{ratio:.2f}" == rows[0][1]


def test_a_registered_mode_is_all_the_cli_needs(tmp_path, monkeypatch):
    """A runner added to MODES is offered by --mode and timed like the built-in ones."""
    calls = []

    def probe(board, players, seeds, max_moves, check):
        calls.append((board, players, len(seeds), max_moves, check))
        g = len(seeds)
        winner = np.arange(g, dtype=np.int64) % (players + 1)  # seats in turn, every (players+1)-th a draw
        return bench.GameBatch(winner, np.full(g, 10, np.int64), np.zeros(g, np.int64), np.zeros(g, np.int64),
                               np.full(g, 30, np.int64))

    monkeypatch.setitem(bench.MODES, "probe", probe)
    out = tmp_path / "p.json"
    assert bench.main(["--mode", "probe", "--boards", "hex8", "--players", "3", "--games", "8",
                       "--no-compile-timing", "--max-moves", "77", "--json", str(out)]) == 0
    # one warm-up game, then the batch
    assert calls == [(G.HEX8, 3, 1, 77, False), (G.HEX8, 3, 8, 77, False)]
    (r,) = json.loads(out.read_text())["results"]
    assert (r["mode"], r["games"], r["mean_moves"], r["mean_legal"]) == ("probe", 8, 10, 3.0)
    assert (r["wins"], r["draws"]) == ({"1": 2, "2": 2, "3": 2}, 2)


def test_selfplay_mode_reports_speed_write_share_encoding_and_size(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert bench.main(["--mode", "selfplay", "--boards", "square8", "--games", "6", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "write %" in text and "x RingRift" in text and "B/pos" in text, text
    (r,) = json.loads(out.read_text())["results"]
    assert r["board"] == "square8" and r["players"] == 2 and r["games"] == 6 and r["positions"] > 100
    assert 0 < r["write_share"] < 1 and r["encode_us_per_position"] > 0 and r["expand_us_per_position"] > 0
    assert r["dense_bytes_per_position"] == 56 * 8 * 8 * 4 and 0 < r["bytes_per_position"] < 14336
    assert set(r["compressions"]) == {"gzip", "lzf", "none"}
