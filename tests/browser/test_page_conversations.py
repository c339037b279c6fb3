"""Past conversations on the chat page: a new one appears at the top after its first answer;
after a reload it is reopened from the list (keyboard only) with its messages and citations and
continued; it is deleted after confirmation; older ones come with "load more" (the cursor)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

import pytest
from browser_support import ARTIFACTS, sideways_overflow, skip_without_chromium

pytestmark = [pytest.mark.browser, skip_without_chromium]


def call(base_url: str, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{base_url}{path}", data=data, method=method, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def ask(page, question: str) -> None:
    from playwright.sync_api import expect

    before = page.locator(".message.assistant").count()
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    expect(page.locator(".message.assistant")).to_have_count(before + 1)
    expect(page.locator(".message.assistant").last.locator(".citation")).not_to_have_count(
        0, timeout=60_000
    )
    expect(page.locator("#status")).to_contain_text("Answered")


def test_a_past_conversation_is_reopened_after_a_reload_continued_and_deleted(
    base_url: str, page
) -> None:
    from playwright.sync_api import expect

    first = "Which agent identifiers help oversight?"
    page.goto(base_url)
    expect(page.get_by_label(re.compile("Visibility"))).to_be_visible()
    ask(page, first)
    row = page.locator("#conversations li").first  # newest first
    expect(row).to_contain_text(first)
    expect(row).to_contain_text("2 messages")
    conversation_id = row.get_attribute("data-id")
    ask(page, "What about activity logging?")
    expect(row).to_contain_text("4 messages")

    page.reload()
    opener = page.get_by_role("button", name=re.compile("^" + re.escape(first)))
    expect(opener).to_contain_text("4 messages")
    expect(page.locator("#messages .message")).to_have_count(0)
    opener.focus()
    page.keyboard.press("Enter")  # keyboard only

    messages = page.locator("#messages .message")
    expect(messages).to_have_count(4)
    expect(messages.nth(0)).to_contain_text(first)
    expect(messages.nth(2)).to_contain_text("What about activity logging?")
    expect(messages.nth(1).locator(".citation summary").first).to_contain_text(
        re.compile(r"\[1\] .+, (pp?\.|§|lines?) ")
    )
    expect(page.locator("#scope")).to_contain_text("Reopened conversation over all documents")
    expect(opener).to_have_attribute("aria-current", "true")
    expect(page.get_by_label("Your question")).to_be_focused()

    ask(page, "Who proposed agent identifiers?")  # continues the reopened conversation
    expect(messages).to_have_count(6)
    expect(opener).to_contain_text("6 messages")
    status, stored = call(base_url, "GET", f"/conversations/{conversation_id}")
    assert status == 200 and len(stored["messages"]) == 6

    seen: list[str] = []
    page.once("dialog", lambda dialog: (seen.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name=f"Delete conversation: {first}").click()
    expect(page.locator(f'#conversations li[data-id="{conversation_id}"]')).to_have_count(0)
    expect(messages).to_have_count(0)
    assert seen and first in seen[0]
    assert call(base_url, "GET", f"/conversations/{conversation_id}")[0] == 404
    page.reload()
    expect(page.locator("#conversations")).to_have_attribute("aria-busy", "false")  # loaded
    expect(page.locator(f'#conversations li[data-id="{conversation_id}"]')).to_have_count(0)


def test_older_conversations_come_with_load_more(base_url: str, page) -> None:
    from playwright.sync_api import expect

    for n in range(1, 13):
        status, created = call(base_url, "POST", "/conversations", {})
        assert status == 201
        status, _ = call(
            base_url,
            "POST",
            f"/conversations/{created['id']}/messages",
            {"message": f"History check {n:02d}: what is agent visibility?"},
        )
        assert status == 200

    page.goto(base_url)
    rows = page.locator("#conversations li")
    expect(rows).to_have_count(10)  # one page
    expect(rows.first).to_contain_text("History check 12")
    expect(page.get_by_role("button", name=re.compile("^History check 01"))).to_have_count(0)
    page.get_by_role("button", name="Load more conversations").click()
    expect(page.get_by_role("button", name=re.compile("^History check 01"))).to_be_visible()
    titles = rows.locator(".title").all_inner_texts()
    newest, oldest = (
        next(i for i, t in enumerate(titles) if t.startswith(f"History check {n}"))
        for n in ("12", "01")
    )
    assert newest < oldest, "newest first"
    ids = [row.get_attribute("data-id") for row in rows.all()]
    assert len(ids) == len(set(ids)), "a conversation listed twice across pages"
    assert sideways_overflow(page) <= 0, "the page scrolls sideways on a phone-width screen"
    page.screenshot(path=str(ARTIFACTS / "chat-page-conversations-phone.png"), full_page=True)
