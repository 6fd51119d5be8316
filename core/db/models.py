"""Import every core model so metadata (and Alembic autogenerate) sees the whole core schema."""

from core.accounts.models import AccountOwner, AccountWatch, SocialAccount
from core.activation.models import PluginActivation
from core.audit.models import AuditEntry
from core.auth.models import ApiToken, Invitation, Membership, User
from core.channels.models import ChannelConnection  # noqa: F401 - metadata
from core.customers.models import Customer, CustomerLogin  # noqa: F401 - metadata
from core.db.base import Base
from core.jobs.models import JobProgress, OutboxMessage
from core.measurement.models import (
    ManagementPresentation,
    MethodologyVersion,
    Target,
)
from core.mediator.models import TenantSummary  # noqa: F401 - metadata
from core.mfa.models import MfaFactor, MfaRecoveryCode  # noqa: F401 - metadata
from core.notifications.models import Notification
from core.policy.models import PolicyVersion
from core.privacy.models import PrivacyRecord, PrivacySetting  # noqa: F401 - metadata
from core.roadmap.models import (
    BaselineStudy,
    PhaseTransition,
    PilotMeasurement,
    StartingPointsAck,
    StartingPointsVersion,
    StartingPointsWish,
)
from core.shortlinks.models import ShortLink, ShortLinkClick  # noqa: F401 - metadata
from core.sso.models import OidcProvider  # noqa: F401 - metadata
from core.tenancy.models import Tenant
from core.workgroup.models import Department, RegieAppointment, WorkgroupSeat

metadata = Base.metadata

__all__ = [
    "AccountOwner", "AccountWatch",
    "ApiToken", "AuditEntry", "BaselineStudy", "Department", "Invitation", "JobProgress", "ManagementPresentation",
    "Notification",
    "Membership", "MethodologyVersion", "OutboxMessage", "PhaseTransition", "PilotMeasurement",
    "PluginActivation", "PolicyVersion", "RegieAppointment", "SocialAccount", "StartingPointsAck",
    "StartingPointsVersion", "StartingPointsWish", "Target", "Tenant", "User", "WorkgroupSeat", "metadata",
]
