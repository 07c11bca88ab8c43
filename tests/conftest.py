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
    """On PostgreSQL, `sqlite_only` tests are skipped with the reason their marker states; on SQLite,
    `pg_only` ones (PostgreSQL counterparts of those) are."""
    for item in items:
        marker = item.get_closest_marker("pg_only" if not pg_support.ON_PG else "sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "about the SQLite file itself"
            item.add_marker(pytest.mark.skip(reason=reason))


if pg_support.ON_PG:
    import storage.database

    storage.database.path_to_url = pg_support.url_for_path

    @pytest.fixture(autouse=True)
    async def _drop_pg_databases() -> AsyncIterator[None]:
        """Each test's PostgreSQL databases go when it ends (the server is shared by the run)."""
        yield
        await pg_support.drop_all()
