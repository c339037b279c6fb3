"""The browser chat page: static files, no build step (`tunedd_api/web/`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parents[2] / "web"

router = APIRouter(include_in_schema=False)


@router.get("/")
def chat_page() -> FileResponse:
    """The chat page."""
    return FileResponse(WEB_DIR / "index.html", media_type="text/html")


def static_files() -> StaticFiles:
    """The page's script and stylesheet, mounted at ``/ui``."""
    return StaticFiles(directory=WEB_DIR)
