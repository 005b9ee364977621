"""The anonymised case, the indicators observed and the history of its stages."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.auth.models import User
from referral.cases.process import CaseProcess
from referral.cases.vocabulary import CHILD_AGE_BANDS
from referral.core.types import UTCDateTime, enum_column, utcnow
from referral.extensions import db
from referral.organisations.models import Organisation
from workflows.nrm import Stage

StageType = enum_column(Stage, length=20)


class Case(CaseProcess, db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    stage: Mapped[Stage] = mapped_column(StageType, default=Stage.IDENTIFIED, index=True)
    # Optimistic locking: every UPDATE checks and bumps it, so a lost update is impossible.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    age_band: Mapped[str] = mapped_column(String(8))
    gender: Mapped[str] = mapped_column(String(10))
    citizenship: Mapped[str] = mapped_column(String(2))
    labour_industry: Mapped[str | None] = mapped_column(String(1))
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    identified_on: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM, never a day

    identifying_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    consent_status: Mapped[str | None] = mapped_column(String(15))
    share_with_law_enforcement: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rg_due_on: Mapped[date | None] = mapped_column(Date)
    rg_outcome: Mapped[str | None] = mapped_column(String(10))
    rg_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recovery_ends_on: Mapped[date | None] = mapped_column(Date)
    cg_outcome: Mapped[str | None] = mapped_column(String(10))
    cg_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closure_reason: Mapped[str | None] = mapped_column(String(30))
    closed_from: Mapped[Stage | None] = mapped_column(StageType)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    identifying_organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    exploitation: Mapped[list["CaseExploitationType"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseExploitationType.type"
    )
    observations: Mapped[list["IndicatorObservation"]] = relationship(
        back_populates="case", order_by="IndicatorObservation.id", lazy="selectin"
    )
    stage_changes: Mapped[list["StageChange"]] = relationship(
        back_populates="case", order_by="StageChange.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_child(self) -> bool:
        return self.age_band in CHILD_AGE_BANDS

    @property
    def exploitation_types(self) -> list[str]:
        return [entry.type for entry in self.exploitation]

    def set_exploitation_types(self, types: list[str]) -> None:
        wanted = set(types)
        self.exploitation = [e for e in self.exploitation if e.type in wanted]
        for kind in sorted(wanted - set(self.exploitation_types)):
            self.exploitation.append(CaseExploitationType(type=kind))

    @property
    def active_observations(self) -> list["IndicatorObservation"]:
        return [o for o in self.observations if o.retracted_at is None]

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.stage.value}>"


class CaseExploitationType(db.Model):
    __tablename__ = "case_exploitation_types"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class IndicatorObservation(db.Model):
    """An indicator someone observed. Never edited; retracting keeps it in the history."""

    __tablename__ = "indicator_observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retracted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="observations")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id], lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    retracted_by: Mapped[User | None] = relationship(foreign_keys=[retracted_by_id])

    @property
    def is_health_data(self) -> bool:
        """A note written by a health organisation is health data."""
        return self.organisation.type == "health"


class StageChange(db.Model):
    """One transition of the NRM process, as it happened."""

    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(30))
    from_stage: Mapped[Stage] = mapped_column(StageType)
    to_stage: Mapped[Stage] = mapped_column(StageType)
    outcome: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)  # screened free text or a reason code
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="stage_changes")
    actor: Mapped[User] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
