"""The LAN launch path: mpiexec with a hostfile (here: localhost), and the doctor's rank check."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ringrift_mpi import doctor
from ringrift_mpi import profiles as PR

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "jobs" / "smoke_cmaes.toml")


def _mpi_env(**extra):
    """A child mpiexec's environment: this Python's bin (the MPICH wheel) first, no inherited MPI/Slurm state."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PMI_", "HYDRA_", "HYDI_", "MPIR_", "OMPI_", "SLURM_", "RINGRIFT_WORLD"))}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


def _mpiexec() -> str:
    exe = shutil.which("mpiexec", path=_mpi_env()["PATH"])
    if exe is None:
        pytest.skip("no mpiexec (pip install -e '.[mpich]')")
    return exe


def test_cmaes_with_localhost_hostfile_matches_one_process(tmp_path):
    """`mpiexec -f macs.txt` as on the Macs (MPICH syntax host:N), here with localhost: same profile as 1 rank."""
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("localhost:2\n")
    one = subprocess.run([sys.executable, "-m", "ringrift_mpi.cmaes", "--config", SMOKE, "--run-dir",
                          str(tmp_path / "one")], env=_mpi_env(), cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert one.returncode == 0, one.stderr[-2000:]
    two = subprocess.run([_mpiexec(), "-f", str(hosts), "-n", "2", sys.executable, "-m", "ringrift_mpi.cmaes",
                          "--config", SMOKE, "--run-dir", str(tmp_path / "two")], env=_mpi_env(), cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stderr[-2000:]
    assert "2 rank(s)" in two.stdout
    a, b = PR.load_profile(tmp_path / "one" / "profile.json"), PR.load_profile(tmp_path / "two" / "profile.json")
    assert a.weights == b.weights and a.fitness == b.fitness


def test_doctor_one_row_per_rank(tmp_path):
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("localhost:2\n")
    p = subprocess.run([_mpiexec(), "-f", str(hosts), "-n", "2", sys.executable, "-m", "ringrift_mpi.doctor"],
                       env=_mpi_env(), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["rank", "host", "cores"]
    assert [ln.split()[0] for ln in lines[1:3]] == ["0", "1"]
    assert lines[-1].startswith("ok: 2 rank(s) on 1 host(s) agree")


def test_doctor_fails_on_another_checkout(tmp_path):
    """Rank 1 runs an edited copy of the package (an older checkout on one Mac): one line names it."""
    copy = tmp_path / "other"
    for sub in ("ringrift_mpi", "kernels"):
        shutil.copytree(ROOT / sub, copy / sub, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "kernels" / "games.py", "a") as f:
        f.write("\n# edited on one machine only\n")
    cmd = [sys.executable, "-m", "ringrift_mpi.doctor"]  # run outside the checkout: `-m` puts the cwd first
    p = subprocess.run([_mpiexec(), "-n", "1", *cmd, ":", "-n", "1", "-env", "PYTHONPATH", str(copy), *cmd],
                       env=_mpi_env(), cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, (p.stdout, p.stderr)
    err = [ln for ln in p.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "source differs between ranks" in err[0] and "rank(s) 1 " in err[0], p.stderr
    assert len(p.stdout.strip().splitlines()) == 3  # header + one row per rank


def test_mismatch_lines_name_field_values_and_ranks():
    base = {"rank": 0, "host": "mac1", "python": "3.11.7", "ringrift_mpi": "0.1.0", "source": "abc",
            "numpy": "2.4", "numba": "0.68.1", "mpi4py": "4.1", "mpi": "MPICH 5"}
    rows = [dict(base, rank=i, host=f"mac{i // 2}") for i in range(5)]
    assert doctor.mismatches(rows) == []
    rows[4]["numba"] = "0.61.0"
    rows[3]["numba"] = "0.61.0"
    rows[0]["cores"] = 99  # cores and memory may differ
    (line,) = doctor.mismatches(rows)
    assert line == "numba differs between ranks: '0.68.1' on rank(s) 0-2 (mac0, mac1); '0.61.0' on rank(s) 3-4 (mac1, mac2)"


def test_warm_reports_the_cache(tmp_path):
    p = subprocess.run([sys.executable, "-m", "ringrift_mpi.doctor", "--warm"], env=_mpi_env(), cwd=ROOT,
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    assert "kernels ready in" in p.stdout and "now: warm" in p.stdout
