"""The audit key lives outside the database: in configuration or in the instance folder."""

import secrets
from pathlib import Path

from flask import current_app


def audit_key() -> bytes:
    configured = current_app.config.get("AUDIT_HMAC_KEY")
    if configured:
        return str(configured).encode()
    path = Path(current_app.instance_path) / "audit_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()
