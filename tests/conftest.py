from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import pg_support
from tests.harness import Sim


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Sim]:
    """A community on a real SQLite file, simulated clock at Tuesday 2026-12-01 09:00 Paris."""
    s = await Sim(tmp_path / "community.sqlite").open()
    yield s
    await s.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if pg_support.ON_PG:
        skip = pytest.mark.skip(reason="about the SQLite file itself")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


if pg_support.ON_PG:
    import storage.database

    storage.database.path_to_url = pg_support.url_for_path

    @pytest.fixture(autouse=True)
    async def _drop_pg_databases() -> AsyncIterator[None]:
        """Each test's PostgreSQL databases go when it ends (the server is shared by the run)."""
        yield
        await pg_support.drop_all()
