"""Uploads and deletions on the chat page: a PDF added through the file picker reaches
`indexed` (live status) and becomes a scope checkbox; files dropped on the drop zone are
uploaded too, with refusals (unsupported type, too large) said in words; an upload is deleted
after confirmation, and data-folder documents have no delete button."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, MAX_UPLOAD_BYTES, sideways_overflow, skip_without_chromium
from pdf_factory import make_pdf

pytestmark = [pytest.mark.browser, skip_without_chromium]

GLACIER = [
    "Glaciers carve deep valleys from granite over thousands of years.",
    "Ice sheets retreat as summers warm and meltwater lakes form.",
]


def status_of(base_url: str, document_id: str) -> int:
    try:
        with urllib.request.urlopen(f"{base_url}/documents/{document_id}") as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_pdf_added_with_the_picker_is_indexed_scoped_to_and_deleted(
    base_url: str, page, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    pdf = make_pdf(tmp_path / "glacier-field-notes.pdf", GLACIER, title="Glacier Field Notes")
    page.goto(base_url)
    folder_doc = page.locator("#documents li", has=page.get_by_label(re.compile("Visibility")))
    expect(folder_doc).to_be_visible()
    expect(folder_doc.get_by_role("button")).to_have_count(0)  # data-folder docs: read-only

    # Hold the status polls at "indexing 40/120" until the page has shown it, then let the
    # real status through: the live progress is seen without racing the (fast) fake indexer.
    held = {"on": True}

    def progress(route) -> None:
        if held["on"] and route.request.method == "GET":
            body = {"id": route.request.url.rsplit("/", 1)[1], "file_name": pdf.name}
            body |= {"title": "Glacier Field Notes", "page_count": 2, "chunk_count": 0}
            body |= {"status": "indexing", "error": None, "source": "upload"}
            body["progress"] = {"pages_total": 2, "chunks_done": 40, "chunks_total": 120}
            route.fulfill(status=200, json=body)
        else:
            route.fallback()

    page.route(re.compile(r"/documents/[0-9a-f]+$"), progress)
    page.get_by_label("Add documents").set_input_files(pdf)

    entry = page.locator("#uploads li", has_text="glacier-field-notes.pdf")
    expect(entry).to_contain_text("indexing 40/120 chunks")
    held["on"] = False
    expect(entry).to_have_attribute("data-status", "indexed", timeout=60_000)
    expect(entry).to_contain_text(re.compile(r"indexed \(\d+ chunks?\)"))
    box = page.get_by_label(re.compile(r"Glacier Field Notes \(2 pages\)"))
    expect(box).to_be_visible()
    document_id = box.get_attribute("value")
    assert status_of(base_url, document_id) == 200

    box.check()
    page.get_by_role("button", name="Start a new conversation").click()
    expect(page.locator("#scope")).to_contain_text("1 document")
    page.get_by_label("Your question").fill("How do glaciers shape valleys?")
    page.get_by_label("Your question").press("Enter")
    answer = page.locator(".message.assistant").last
    expect(answer.locator(".citation summary").first).to_contain_text(
        re.compile(r"Glacier Field Notes, pp?\. 1"), timeout=60_000
    )
    assert sideways_overflow(page) <= 0, "the page scrolls sideways on a phone-width screen"

    messages: list[str] = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Delete glacier-field-notes.pdf").click()
    expect(page.locator("#status")).to_contain_text("Deleted “Glacier Field Notes”")
    expect(page.get_by_label(re.compile("Glacier Field Notes"))).to_have_count(0)
    assert messages and "glacier-field-notes.pdf" in messages[0]
    assert status_of(base_url, document_id) == 404


def test_files_dropped_on_the_drop_zone_are_uploaded_or_refused_in_words(
    base_url: str, page
) -> None:
    from playwright.sync_api import expect

    page.goto(base_url)
    expect(page.get_by_label(re.compile("Visibility"))).to_be_visible()
    files = [
        ["tidepools.md", "# Tide pools\n\nSea anemones close at low tide to keep moist.\n"],
        ["photo.png", "\u0089PNG\r\n\u001a\n not really an image"],
        ["huge.txt", "lorem ipsum " * (MAX_UPLOAD_BYTES // 12 + 100)],
    ]
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, text] of files) transfer.items.add(new File([text], name));
            return transfer;
        }""",
        files,
    )
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})

    markdown = page.locator("#uploads li", has_text="tidepools.md")
    expect(markdown).to_have_attribute("data-status", "indexed", timeout=60_000)
    expect(page.get_by_label(re.compile(r"\(tidepools\.md\)"))).to_be_visible()
    image = page.locator("#uploads li", has_text="photo.png")
    expect(image).to_have_attribute("data-status", "refused")
    expect(image).to_contain_text("unsupported file type")
    big = page.locator("#uploads li", has_text="huge.txt")
    expect(big).to_have_attribute("data-status", "refused")
    expect(big).to_contain_text("too large")
    assert sideways_overflow(page) <= 0, "the page scrolls sideways on a phone-width screen"
    page.screenshot(path=str(ARTIFACTS / "chat-page-uploads-phone.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete tidepools.md", exact=True).click()
    expect(page.get_by_label(re.compile(r"\(tidepools\.md\)"))).to_have_count(0)
    listed = json.load(urllib.request.urlopen(f"{base_url}/documents"))["documents"]
    assert not [d for d in listed if d["source"] == "upload"]
