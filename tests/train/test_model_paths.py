"""model:PATH seat paths: a version folder, a family's promoted best, FAMILY/latest."""
from __future__ import annotations

import json

import pytest

from ringrift_mpi.storage import StorageError
from ringrift_mpi.train.seat import model_dir


def _family(tmp_path, n):
    fam = tmp_path / "square8_2p"
    for k in range(1, n + 1):
        (fam / f"v{k}").mkdir(parents=True)
        (fam / f"v{k}" / "config.json").write_text(json.dumps({"version": k}))
    return fam


def test_latest_is_the_newest_version_promoted_or_not(tmp_path):
    fam = _family(tmp_path, 3)
    assert model_dir(str(fam / "latest")) == str(fam / "v3")
    assert model_dir(str(fam / "v2")) == str(fam / "v2")


def test_a_family_without_a_promoted_model_is_one_line(tmp_path):
    fam = _family(tmp_path, 1)
    with pytest.raises(StorageError, match="no promoted model in this family"):
        model_dir(str(fam))
    with pytest.raises(StorageError, match="not a model version folder"):
        model_dir(str(tmp_path / "empty" / "latest"))
