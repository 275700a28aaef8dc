"""Shared fixtures: settings on a temporary data folder, and the real datasets.

Datasets built from ``../shared/data`` skip cleanly when that folder is absent (a clone
without the shared reference data); in CI it is always present.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mapping.infra.settings import Settings, load_settings
from mapping.sources.datasets import Dataset, find_dataset, load_dataset

SHARED = Path(os.environ.get("NAM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose data folder is a fresh temporary folder."""
    return load_settings({"NAM_DATA_DIR": str(tmp_path / "data"), "NAM_SHARED_DATA": str(SHARED)})


@pytest.fixture(scope="session")
def shared_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings({"NAM_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                          "NAM_SHARED_DATA": str(SHARED)})


def _load(settings: Settings, dataset_id: str) -> Dataset:
    entry = find_dataset(settings, dataset_id)
    if not entry.available:
        pytest.skip(f"{dataset_id}: {entry.reason} (the shared reference data is not here)")
    return load_dataset(entry, settings)


@pytest.fixture(scope="session")
def demo(shared_settings: Settings) -> Dataset:
    return _load(shared_settings, "demo")


@pytest.fixture(scope="session")
def cook(shared_settings: Settings) -> Dataset:
    return _load(shared_settings, "cook_county")


@pytest.fixture(scope="session")
def portland(shared_settings: Settings) -> Dataset:
    return _load(shared_settings, "portland_metro")


@pytest.fixture
def shared() -> Path:
    if not SHARED.exists():
        pytest.skip("the shared reference data (../shared/data) is not here")
    return SHARED
