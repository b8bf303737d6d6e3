"""The ParallelCluster config passes aws-parallelcluster's own schema, offline; a broken copy fails."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "aws-parallelcluster" / "cluster-config.yaml"
VALIDATE = ROOT / "aws-parallelcluster" / "validate.py"


@pytest.fixture(scope="module")
def pcluster_python() -> str:
    """The python of a venv with aws-parallelcluster (tests/launch/setup.sh installs it in the background)."""
    d = os.environ.get("RINGRIFT_TEST_PCLUSTER")
    if not d:
        pytest.skip("no aws-parallelcluster venv for this run (tests/run.sh makes one: "
                    "bash tests/launch/setup.sh up DIR; export RINGRIFT_TEST_PCLUSTER=DIR/pcluster)")
    d = Path(d)
    t0 = time.time()
    while not ((d / "interpreter").exists() or (d / "skip").exists()):
        if time.time() - t0 > 600:
            pytest.skip(f"aws-parallelcluster still installing after 600 s ({d}/install.log)")
        time.sleep(2)
    if (d / "skip").exists():
        pytest.skip((d / "skip").read_text().strip())
    return (d / "interpreter").read_text().strip()


def _validate(py: str, path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}  # nothing may reach AWS
    return subprocess.run([py, str(VALIDATE), str(path)], capture_output=True, text=True, timeout=300, env=env)


def test_cluster_config_passes_the_schema(pcluster_python):
    p = _validate(pcluster_python, CONFIG)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "passes ParallelCluster's cluster schema" in p.stdout


@pytest.mark.parametrize("edit, complaint", [
    (("InstanceType: c7i.2xlarge", "InstanceTyp: c7i.2xlarge"), '"InstanceTyp": ["Unknown field."]'),
    (("CapacityType: SPOT", "CapacityType: SPOTTY"), "Must be one of"),
    (("    ScaledownIdletime: 10", "    ScaledownIdletime: 10\n    ScaleDownIdleTime: 5"), "Unknown field"),
])
def test_broken_copy_fails(pcluster_python, tmp_path, edit, complaint):
    text = CONFIG.read_text()
    assert edit[0] in text
    bad = tmp_path / "broken.yaml"
    bad.write_text(text.replace(edit[0], edit[1], 1))
    p = _validate(pcluster_python, bad)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stdout.startswith("invalid: ") and complaint in p.stdout, p.stdout
