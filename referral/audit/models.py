"""The audit trail: an append-only, hash-chained record of every change and every read.

Each entry stores the canonical JSON text that was hashed (`canonical`), the previous
entry's hash and its own HMAC-SHA256. The other columns exist to search and display; they
must equal what `canonical` says, and verification checks that they do.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from referral.core.types import UTCDateTime
from referral.extensions import db

# 64-bit where the database has it; SQLite's INTEGER already is.
SEQ = BigInteger().with_variant(Integer, "sqlite")


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_role: Mapped[str | None] = mapped_column(String(30))
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    case_reference: Mapped[str | None] = mapped_column(String(32), index=True)
    canonical: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(db.Model):
    """One row: the newest entry. Appends lock it, so the chain never forks."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(SEQ)
    hash: Mapped[str] = mapped_column(String(64))


class AuditVerification(db.Model):
    """The outcome of a verification run, shown on the auditor's chain status page."""

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool]
    entries: Mapped[int] = mapped_column(SEQ)
    first_bad_seq: Mapped[int | None] = mapped_column(SEQ)
    problem: Mapped[str | None] = mapped_column(String(200))
    run_by_id: Mapped[int | None] = mapped_column(Integer)
