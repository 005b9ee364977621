"""Partner organisations of the National Referral Mechanism."""

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.core.types import UTCDateTime, utcnow
from referral.extensions import db


class OrganisationType(StrEnum):
    POLICE = "police"
    LABOUR_INSPECTORATE = "labour_inspectorate"
    HEALTH = "health"
    NGO = "ngo"
    SOCIAL_SERVICES = "social_services"
    MUNICIPALITY = "municipality"
    EDUCATION = "education"
    PROSECUTION = "prosecution"
    IMMIGRATION = "immigration"
    BUSINESS = "business"
    TRADE_UNION = "trade_union"
    RELIGIOUS = "religious"
    COMMUNITY = "community"
    MEDIA = "media"
    INTERNATIONAL_ORG = "international_org"
    COMPETENT_AUTHORITY = "competent_authority"
    AUDIT_BODY = "audit_body"


ORGANISATION_TYPE_LABELS = {
    OrganisationType.POLICE: _l("Police"),
    OrganisationType.LABOUR_INSPECTORATE: _l("Labour inspectorate"),
    OrganisationType.HEALTH: _l("Health service"),
    OrganisationType.NGO: _l("Non-governmental organisation"),
    OrganisationType.SOCIAL_SERVICES: _l("Social services"),
    OrganisationType.MUNICIPALITY: _l("Municipal authority"),
    OrganisationType.EDUCATION: _l("School or college"),
    OrganisationType.PROSECUTION: _l("Prosecution service"),
    OrganisationType.IMMIGRATION: _l("Immigration service"),
    OrganisationType.BUSINESS: _l("Business"),
    OrganisationType.TRADE_UNION: _l("Trade union"),
    OrganisationType.RELIGIOUS: _l("Religious organisation"),
    OrganisationType.COMMUNITY: _l("Community association"),
    OrganisationType.MEDIA: _l("Media"),
    OrganisationType.INTERNATIONAL_ORG: _l("International organisation"),
    OrganisationType.COMPETENT_AUTHORITY: _l("Competent authority (NRM coordination)"),
    OrganisationType.AUDIT_BODY: _l("Audit body"),
}

# Organisations whose users act for law enforcement: the person's sharing choice limits them.
LAW_ENFORCEMENT_TYPES = frozenset(
    {OrganisationType.POLICE, OrganisationType.PROSECUTION, OrganisationType.IMMIGRATION}
)


class Service(StrEnum):
    SHELTER = "shelter"
    MEDICAL = "medical"
    PSYCHOLOGICAL = "psychological"
    LEGAL = "legal"
    INTERPRETATION = "interpretation"
    EMPLOYMENT = "employment"
    EDUCATION = "education"
    FINANCIAL = "financial"
    RETURN = "return"
    INVESTIGATION = "investigation"


SERVICE_LABELS = {
    Service.SHELTER: _l("Shelter"),
    Service.MEDICAL: _l("Medical care"),
    Service.PSYCHOLOGICAL: _l("Psychological support"),
    Service.LEGAL: _l("Legal aid"),
    Service.INTERPRETATION: _l("Interpretation"),
    Service.EMPLOYMENT: _l("Employment support"),
    Service.EDUCATION: _l("Education"),
    Service.FINANCIAL: _l("Financial support"),
    Service.RETURN: _l("Return programme"),
    Service.INVESTIGATION: _l("Investigation"),
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(100))
    is_public_authority: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offered: Mapped[list["OrganisationService"]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="OrganisationService.service",
        lazy="selectin",
    )

    @property
    def services(self) -> list[str]:
        return [entry.service for entry in self.offered]

    def set_services(self, services: list[str]) -> None:
        wanted = set(services)
        self.offered = [o for o in self.offered if o.service in wanted]
        for service in sorted(wanted - set(self.services)):
            self.offered.append(OrganisationService(service=service))

    def values(self) -> dict:
        """What describes the organisation: for the API and for the audit of its changes."""
        return {
            "name": self.name,
            "type": self.type,
            "region": self.region,
            "is_public_authority": self.is_public_authority,
            "services": self.services,
            "active": self.active,
        }

    @property
    def is_law_enforcement(self) -> bool:
        return self.type in LAW_ENFORCEMENT_TYPES

    @property
    def type_label(self) -> str:
        return str(ORGANISATION_TYPE_LABELS.get(OrganisationType(self.type), self.type))

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class OrganisationService(db.Model):
    """A service an organisation offers; capacity comes with service referrals."""

    __tablename__ = "organisation_services"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Places the provider can take at once (e.g. shelter beds); None means not stated.
    capacity: Mapped[int | None] = mapped_column(Integer)

    organisation: Mapped[Organisation] = relationship(back_populates="offered")
