"""The chat page in a real browser: headless Debian Chromium driven by Playwright against the
app served by uvicorn on loopback, over the five real papers (fake LLM, so answers are exact).
Set-up (server, browser, phone-width page) in conftest.py."""

from __future__ import annotations

import re

import pytest
from browser_support import ARTIFACTS, sideways_overflow, skip_without_chromium

pytestmark = [pytest.mark.browser, skip_without_chromium]


def test_scoped_conversation_streams_an_answer_with_a_page_citation(base_url: str, page) -> None:
    from playwright.sync_api import expect

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

    assert sideways_overflow(page) <= 0, "the page scrolls sideways on a phone-width screen"
    page.screenshot(path=str(ARTIFACTS / "chat-page-phone.png"), full_page=True)

    page.get_by_role("button", name="Summarise conversation").click()
    expect(page.locator("#summary")).to_be_visible(timeout=60_000)
