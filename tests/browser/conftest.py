"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser), against the
dashboard served in-process next to a console community. Skipped when Chromium or axe-core is
missing, unless ENTRAIDE_BROWSER_TESTS=required (as .ci/run sets after `make browser`)."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Sim

CHROMIUM = Path(os.environ.get("ENTRAIDE_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (make browser installs Debian's)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not AXE.exists():
        return "axe-core is not installed (make browser)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip cleanly without a browser, except where they are required (then they fail)."""
    missing = _missing()
    if missing is None or os.environ.get("ENTRAIDE_BROWSER_TESTS") == "required":
        return
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture
async def launch() -> AsyncIterator[Any]:
    """Start a headless Chromium with a fresh profile (only 127.0.0.1 resolves): `await launch(**options)`."""
    from playwright.async_api import async_playwright

    contexts: list[Any] = []
    profiles: list[str] = []
    async with async_playwright() as pw:
        async def start(**options: Any) -> Any:
            profile = tempfile.mkdtemp(prefix="entraide-chromium-")
            profiles.append(profile)
            options.setdefault("viewport", {"width": 1280, "height": 900})
            options.setdefault("locale", "fr-FR")
            context = await pw.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True, **options)
            contexts.append(context)
            return context

        try:
            yield start
        finally:
            for context in contexts:
                await context.close()
            for profile in profiles:
                shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
async def community(tmp_path: Path) -> AsyncIterator[Any]:
    """A seeded console community with its dashboard served on a free port of 127.0.0.1."""
    from bot.web.server import start_dashboard

    sim = await Sim(tmp_path / "community.sqlite").open()
    web = await start_dashboard(sim.ctx, host="127.0.0.1", port=0)
    try:
        yield sim, web
    finally:
        await web.stop()
        await sim.close()
