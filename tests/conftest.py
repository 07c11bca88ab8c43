from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Sim


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Sim]:
    """A community on a real SQLite file, simulated clock at Tuesday 2026-12-01 09:00 Paris."""
    s = await Sim(tmp_path / "community.sqlite").open()
    yield s
    await s.close()
