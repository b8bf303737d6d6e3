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
# CI sets RINGRIFT_REQUIRE_FIXTURES=1 (.ci/run): there a missing fixture folder fails the tests
# that need it, so a run cannot pass by skipping every comparison with RingRift.
REQUIRE_FIXTURES = os.environ.get("RINGRIFT_REQUIRE_FIXTURES", "") not in ("", "0")


def pytest_configure(config):
    # pytest-mpi registers `mpi` (and --with-mpi) itself.
    config.addinivalue_line("markers", "slow: long-running test (minutes)")


def fixtures_missing() -> None:
    """Skip the calling test for want of the RingRift fixtures, or fail it under RINGRIFT_REQUIRE_FIXTURES."""
    msg = f"RingRift fixtures not found at {FIXTURES} (set RINGRIFT_FIXTURES)"
    if REQUIRE_FIXTURES:
        pytest.fail(f"{msg}; RINGRIFT_REQUIRE_FIXTURES is set, so this is an error", pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def ringrift_fixtures() -> Path:
    """Path to the RingRift fixtures directory; see fixtures_missing when it is absent."""
    if not FIXTURES.is_dir():
        fixtures_missing()
    return FIXTURES
