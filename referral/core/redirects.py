"""Redirect targets taken from user input must stay on this site."""

from urllib.parse import urlsplit


def safe_next(target: str | None, fallback: str) -> str:
    """Return target only if it is a path on this site; otherwise the fallback."""
    if not target:
        return fallback
    # Browsers treat backslashes as slashes and ignore control characters in URLs.
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
