"""Fixtures of the browser tests: the app over the five real papers served on loopback, and
headless Debian Chromium driven by Playwright at phone width (390 px).

The tests are skipped where /usr/bin/chromium is missing, unless TUNEDD_REQUIRE_BROWSER=1 (set
by .ci/run, which installs Chromium), so CI cannot pass without running them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from browser_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    page_settings,
    quote_first_source,
    serve,
)
from fakes import FakeStack, RecordingLLM

from tunedd_api.main import create_app


@pytest.fixture(scope="session")
def base_url(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over the five real papers (fake LLM quoting source [1], so answers are exact)."""
    settings = page_settings(corpus_dir, tmp_path_factory.mktemp("browser-index"))
    app = create_app(settings, stack=FakeStack(RecordingLLM(quote_first_source)))
    with serve(app) as url:
        yield url


# Module scope, not session: Playwright's sync API keeps an event loop running in this thread
# until it stops, and later tests (asyncio.run) must not inherit it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A fresh phone-width page (its own context: empty local storage)."""
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    yield tab
    context.close()
