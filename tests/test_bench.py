"""Smoke test of ringrift-bench (tiny config, no compile timing)."""
import json

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
    assert "games/s heuristic/random" in text and len(rows) == 1 and 0 < float(rows[0][1]) < 1, text


def test_modes_are_a_registry():
    assert "random" in bench.MODES


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
