"""Writing the audit trail: one entry per change or read, in the same transaction."""

import hashlib
import hmac
import json
import uuid
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from referral.audit.keys import audit_key
from referral.audit.models import AuditChainHead, AuditEntry
from referral.core.types import utcnow
from referral.extensions import db

GENESIS = "0" * 64
HEAD_ID = 1


def canonical_json(content: dict[str, Any]) -> str:
    """The exact text that is hashed and stored: sorted keys, fixed separators."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(key: bytes, canonical: str) -> str:
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def _actor(actor) -> dict[str, Any]:
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if actor is None:
        return {"actor": None, "role": "system", "organisation": None}
    return {"actor": actor.id, "role": actor.role, "organisation": actor.organisation_id}


def request_id() -> str | None:
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return g.request_id


def _lock_head() -> AuditChainHead:
    # On PostgreSQL the row lock serialises appends until commit; on SQLite every
    # transaction already holds the write lock (see referral.core.database).
    return db.session.execute(
        select(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def record(
    action: str,
    *,
    case_reference: str | None = None,
    details: dict[str, Any] | None = None,
    actor=None,
) -> AuditEntry:
    """Append one entry; it is committed or rolled back with everything else."""
    head = _lock_head()
    at = utcnow()
    content = {
        "seq": head.seq + 1,
        "at": at.isoformat(timespec="microseconds"),
        **_actor(actor),
        "action": action,
        "case": case_reference,
        "details": details or {},
        "request_id": request_id(),
        "address": request.remote_addr if has_request_context() else None,
        "prev": head.hash,
    }
    canonical = canonical_json(content)
    digest = entry_hash(audit_key(), canonical)
    entry = AuditEntry(
        seq=content["seq"],
        at=at,
        actor_id=content["actor"],
        actor_role=content["role"],
        organisation_id=content["organisation"],
        action=action,
        case_reference=case_reference,
        canonical=canonical,
        prev_hash=head.hash,
        hash=digest,
    )
    db.session.add(entry)
    head.seq, head.hash = entry.seq, digest
    db.session.flush()
    every = int(current_app.config.get("AUDIT_CHECKPOINT_EVERY") or 0)
    if every and entry.seq % every == 0:
        due = (
            Path(current_app.instance_path) / "audit-checkpoints",
            entry.seq,
            digest,
            audit_key(),
        )
        db.session.info.setdefault("audit_checkpoints", []).append(due)
    return entry


@event.listens_for(Session, "after_commit")
def _write_due_checkpoints(session: Session) -> None:
    """Periodic checkpoints are written only once the entries they vouch for are committed."""
    due = session.info.pop("audit_checkpoints", None)
    if due:
        from referral.audit.chain import Checkpoint

        folder, seq, head, key = due[-1]
        folder.mkdir(parents=True, exist_ok=True)
        checkpoint = Checkpoint.make(seq, head, key)
        (folder / f"checkpoint-{seq:012d}.json").write_text(checkpoint.to_json())


@event.listens_for(Session, "after_rollback")
def _forget_checkpoints(session: Session) -> None:
    session.info.pop("audit_checkpoints", None)
