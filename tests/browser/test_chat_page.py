"""The chat page in a real browser: headless Debian Chromium driven by Playwright against the
app served by uvicorn on loopback, over the five real papers (fake LLM, so answers are exact).

Skipped where /usr/bin/chromium is missing, unless TUNEDD_REQUIRE_BROWSER=1 (set by .ci/run,
which installs Chromium), so CI cannot pass without running it.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import uvicorn
from fakes import FakeStack, RecordingLLM
from haystack.dataclasses import ChatMessage

from tunedd_api.main import create_app
from tunedd_api.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TUNEDD_ARTIFACTS", "test-artifacts"))
#: Without the background-networking flags Chromium keeps calling home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and os.environ.get("TUNEDD_REQUIRE_BROWSER") != "1",
        reason="needs Debian's chromium at /usr/bin/chromium (installed by .ci/run)",
    ),
]


def quote_first_source(messages: list[ChatMessage]) -> str:
    """Answers with the first sentence of source [1], so the citation check keeps it."""
    prompt = messages[-1].text or ""
    body = prompt.split("[1]", 1)[1].split("\n", 1)[1]  # skip the "title, page" line
    sentence = re.split(r"(?<=[.!?])\s", body.strip(), maxsplit=1)[0]
    return f"{sentence.rstrip('.')} [1]."


@pytest.fixture(scope="module")
def base_url(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        _env_file=None,
        data_dir=corpus_dir,
        index_dir=tmp_path_factory.mktemp("browser-index"),
        min_relevance=0.05,
        log_format="text",
    )
    app = create_app(settings, stack=FakeStack(RecordingLLM(quote_first_source)))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_scoped_conversation_streams_an_answer_with_a_page_citation(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        page.goto(base_url)

        page.get_by_label(re.compile("Visibility into AI Agents", re.I)).check()
        page.get_by_role("button", name="Start a new conversation").click()
        expect(page.locator("#scope")).to_contain_text("1 document")
        question = page.get_by_label("Your question")
        question.fill("What measures increase visibility into AI agents?")
        question.press("Enter")  # keyboard submit

        answer = page.locator(".message.assistant").last
        expect(answer.locator(".text")).not_to_be_empty(timeout=60_000)
        citation = answer.locator(".citation summary").first
        expect(citation).to_contain_text(re.compile(r"Visibility into AI Agents, pp?\. \d+"))
        citation.click()
        expect(answer.locator("blockquote").first).to_be_visible()
        expect(page.locator("#status")).to_contain_text("Answered")

        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the page scrolls sideways on a phone-width screen"
        page.screenshot(path=str(ARTIFACTS / "chat-page-phone.png"), full_page=True)

        page.get_by_role("button", name="Summarise conversation").click()
        expect(page.locator("#summary")).to_be_visible(timeout=60_000)
        browser.close()
