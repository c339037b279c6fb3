"""The chat page when the server requires API keys (the real ones: an admin key from the
settings). The page must open its key field on the first 401, keep the key in local storage
and send it on every request, the streamed answer included. A recorder around the app notes
every path the server answered 401, to check what the page sent."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from browser_support import page_settings, quote_first_source, serve, skip_without_chromium
from fakes import FakeStack, RecordingLLM
from pydantic import SecretStr

from tunedd_api.main import create_app

pytestmark = [pytest.mark.browser, skip_without_chromium]

KEY = "tdk_test_0123456789abcdef"


class RefusalRecorder:
    """Passes every request to the app and records the paths it answered 401."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.refused: list[str] = []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        async def record(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                self.refused.append(scope.get("path", ""))
            await send(message)

        await self.app(scope, receive, record if scope["type"] == "http" else send)


@pytest.fixture(scope="module")
def guarded(
    corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, RefusalRecorder]]:
    settings = page_settings(corpus_dir, tmp_path_factory.mktemp("browser-key-index"))
    settings = settings.model_copy(update={"admin_key": SecretStr(KEY)})
    app = RefusalRecorder(create_app(settings, stack=FakeStack(RecordingLLM(quote_first_source))))
    with serve(app) as url:
        yield url, app


def test_the_key_field_opens_on_401_and_the_key_is_sent_on_every_request(guarded, page) -> None:
    from playwright.sync_api import expect

    base_url, guard = guarded
    page.goto(base_url)

    key_field = page.get_by_label("API key", exact=True)
    expect(key_field).to_be_visible()
    expect(key_field).to_be_focused()
    expect(key_field).to_have_attribute("type", "password")
    expect(page.locator("#key-message")).to_contain_text("needs an API key")
    expect(page.locator("#documents li")).to_have_count(0)

    key_field.fill("tdk_wrong")
    key_field.press("Enter")  # keyboard only
    expect(page.locator("#key-message")).to_contain_text("refused the saved API key")
    expect(key_field).to_be_focused()

    key_field.fill(KEY)
    key_field.press("Enter")
    expect(page.locator("#key-form")).to_be_hidden()
    expect(page.get_by_label(re.compile("Visibility into AI Agents"))).to_be_visible()
    expect(page.locator("#conversations")).to_have_attribute("aria-busy", "false")
    assert page.evaluate("localStorage.getItem('tunedd.apiKey')") == KEY

    page.reload()  # the key is remembered: no 401 this time
    expect(page.get_by_label(re.compile("Visibility into AI Agents"))).to_be_visible()
    expect(page.locator("#key-form")).to_be_hidden()
    refused_before = len(guard.refused)

    question = page.get_by_label("Your question")
    question.fill("What measures increase visibility into AI agents?")
    question.press("Enter")  # POST /conversations, then the SSE stream, both with the key
    answer = page.locator(".message.assistant").last
    expect(answer.locator(".citation summary").first).to_be_visible(timeout=60_000)
    expect(page.locator("#status")).to_contain_text("Answered")
    expect(page.locator("#conversations li").first).to_contain_text(
        "What measures increase visibility"
    )
    assert guard.refused[refused_before:] == []

    toggle = page.get_by_role("button", name="API key")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()  # the settings control opens the field on demand
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#key-message")).to_contain_text("A key is saved")
    page.get_by_role("button", name="Forget key").click()
    assert page.evaluate("localStorage.getItem('tunedd.apiKey')") is None
    page.reload()
    expect(page.locator("#key-message")).to_contain_text("needs an API key")
