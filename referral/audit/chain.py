"""Verifying the audit chain and writing signed checkpoints to keep outside the system."""

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from referral.audit.keys import audit_key
from referral.audit.models import AuditChainHead, AuditEntry
from referral.audit.trail import GENESIS, HEAD_ID, canonical_json, entry_hash
from referral.core.types import utcnow
from referral.extensions import db

STREAM_BATCH = 1000


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the chain had `entries` entries ending in `head` at `at`."""

    entries: int
    head: str
    at: str
    signature: str

    @staticmethod
    def _signed_text(entries: int, head: str, at: str) -> str:
        return canonical_json({"entries": entries, "head": head, "at": at})

    @classmethod
    def make(cls, entries: int, head: str, key: bytes) -> "Checkpoint":
        at = utcnow().isoformat(timespec="seconds")
        return cls(entries, head, at, entry_hash(key, cls._signed_text(entries, head, at)))

    def signature_valid(self, key: bytes) -> bool:
        expected = entry_hash(key, self._signed_text(self.entries, self.head, self.at))
        return expected == self.signature

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Checkpoint":
        data = json.loads(text)
        return cls(int(data["entries"]), str(data["head"]), str(data["at"]), str(data["signature"]))


def current_checkpoint() -> Checkpoint:
    head = db.session.get(AuditChainHead, HEAD_ID)
    return Checkpoint.make(head.seq, head.hash, audit_key())


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None

    def as_json(self) -> dict:
        if self.ok:
            return {"ok": True, "entries": self.entries}
        return {"ok": False, "first_bad_seq": self.first_bad_seq, "problem": self.problem}


def _columns_match(row, content: dict) -> bool:
    return (
        content.get("seq") == row.seq
        and datetime.fromisoformat(content["at"]) == row.at
        and content.get("actor") == row.actor_id
        and content.get("role") == row.actor_role
        and content.get("organisation") == row.organisation_id
        and content.get("action") == row.action
        and content.get("case") == row.case_reference
        and content.get("prev") == row.prev_hash
    )


def verify_chain(checkpoints: list[Checkpoint] = ()) -> VerificationResult:
    """Recompute the whole chain in one streaming pass; memory stays flat."""
    key = audit_key()
    for checkpoint in checkpoints:
        if not checkpoint.signature_valid(key):
            return VerificationResult(False, 0, checkpoint.entries, "checkpoint_signature_invalid")
    wanted = {c.entries: c for c in checkpoints}
    seen_hashes: dict[int, str] = {}
    expected, previous = 1, GENESIS
    rows = db.session.execute(
        select(
            AuditEntry.seq,
            AuditEntry.at,
            AuditEntry.actor_id,
            AuditEntry.actor_role,
            AuditEntry.organisation_id,
            AuditEntry.action,
            AuditEntry.case_reference,
            AuditEntry.canonical,
            AuditEntry.prev_hash,
            AuditEntry.hash,
        )
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=STREAM_BATCH)
    )

    def bad(seq: int, problem: str) -> VerificationResult:
        rows.close()
        return VerificationResult(False, expected - 1, seq, problem)

    for row in rows:
        if row.seq != expected:
            return bad(min(row.seq, expected), "entry_missing" if row.seq > expected else "order")
        if entry_hash(key, row.canonical) != row.hash:
            return bad(row.seq, "entry_altered")
        try:
            content = json.loads(row.canonical)
        except ValueError:
            return bad(row.seq, "entry_altered")
        if content.get("prev") != previous:
            return bad(row.seq, "chain_broken")
        if not _columns_match(row, content):
            return bad(row.seq, "column_differs")
        if row.seq in wanted:
            seen_hashes[row.seq] = row.hash
        previous = row.hash
        expected += 1
    count = expected - 1
    head = db.session.get(AuditChainHead, HEAD_ID)
    if head is None or head.seq != count or head.hash != previous:
        return VerificationResult(False, count, count + 1, "tail_missing")
    for entries, checkpoint in sorted(wanted.items()):
        if entries > count:
            return VerificationResult(False, count, count + 1, "truncated_behind_checkpoint")
        if entries and seen_hashes.get(entries) != checkpoint.head:
            return VerificationResult(False, count, entries, "differs_from_checkpoint")
    return VerificationResult(True, count)
