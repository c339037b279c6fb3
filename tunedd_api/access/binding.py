"""Whether `tunedd serve` may listen on an address: with API keys off, only on loopback
unless told explicitly (``--allow-unauthenticated`` or ``RAG_ALLOW_UNAUTHENTICATED``), so a
server reachable from other machines is never open by accident."""

from __future__ import annotations

import ipaddress

from tunedd_api.settings import Settings


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def bind_refusal(host: str, settings: Settings, *, allow_unauthenticated: bool) -> str | None:
    """Why serving on ``host`` is refused, or None when it is allowed."""
    keys_on = settings.require_api_key or settings.admin_key is not None
    if keys_on or is_loopback(host) or allow_unauthenticated or settings.allow_unauthenticated:
        return None
    return (
        f"refusing to serve on {host} without API keys: anyone who reaches it could read every "
        "conversation. Require keys (RAG_REQUIRE_API_KEY=true, then `tunedd keys create --name "
        "NAME`), or pass --allow-unauthenticated if the network is trusted."
    )
