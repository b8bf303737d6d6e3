"""Shared test configuration for ringrift-mpi."""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# RingRift fixtures (golden games, contract vectors, ...) live beside the checkout,
# in ../shared/ringrift-fixtures; RINGRIFT_FIXTURES points elsewhere.
FIXTURES = Path(
    os.environ.get("RINGRIFT_FIXTURES") or REPO_ROOT.parent / "shared" / "ringrift-fixtures"
).resolve()


def pytest_configure(config):
    # pytest-mpi registers `mpi` (and --with-mpi) itself.
    config.addinivalue_line("markers", "slow: long-running test (minutes)")


@pytest.fixture(scope="session")
def ringrift_fixtures() -> Path:
    """Path to the RingRift fixtures directory; skips the test when it is absent."""
    if not FIXTURES.is_dir():
        pytest.skip(f"RingRift fixtures not found at {FIXTURES}; set RINGRIFT_FIXTURES")
    return FIXTURES
