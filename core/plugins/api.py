"""The public API a plugin may import. Anything not re-exported here is the core's private business.

Grouped by what a plugin does with it: describe itself and its hooks; store tenant-owned rows; serve
pages and API routes behind the core's guards; validate input and report errors per field; speak
Dutch and English; record decisions; run jobs with progress; tell people; announce events; freeze
gate evidence; fetch outbound URLs safely; check outward messages against the policy; speak to a social
network through a channel connector. Tests may use `tenant_scope`; plugin code never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from core.accounts.activity import last_post_at
from core.accounts.activity import record_post as record_account_post
from core.activation.service import fire_events, owning_department
from core.audit.service import record as record_audit
from core.auth.sealing import SealError, seal, unseal
from core.auth.security import client_network
from core.channels.connector import (
    Capability,
    ChannelConnector,
    ChannelError,
    Connection,
    Credentials,
    Image,
    InboundItem,
    Interactions,
    Link,
    NotOnNetwork,
    PostDraft,
    PostRef,
    ProfileFigures,
    Unsupported,
    new_key,
)
from core.channels.registry import CONNECTORS as CHANNEL_CONNECTORS
from core.channels.registry import channel_connector
from core.channels.service import (
    ChannelState,
    NotConnected,
    channel_states,
    open_channel,
    read_inbound,
    read_profile,
)
from core.customers.models import Customer
from core.customers.signin import RateLimited as CustomerRateLimited
from core.customers.signin import current_customer, end_customer_session, start_customer_session
from core.customers.signin import open_link as open_customer_link
from core.customers.signin import request_link as request_customer_link
from core.customers.signin import use_link as use_customer_link
from core.customers.spam import SPAM_SIGNALS, moderated_status, recent_texts, spam_signals
from core.db.base import Base, TenantScoped, as_utc, utcnow
from core.db.bulk import bulk_insert
from core.db.changes import count_changes, next_value
from core.db.lookup import get_or_404
from core.db.maintenance import analyze_tables
from core.demo.kpis import DemoItem, DemoKpi
from core.errors import DomainError, NotFound, PermissionDenied, Refused
from core.evidence.service import freeze_baseline
from core.i18n import N_, Msg, Plural, gettext_for, ngettext_for
from core.i18n.formats import number as format_number
from core.jobs.plugin_jobs import enqueue_job, job_transaction, run_named_job
from core.jobs.progress import start_progress, update_progress
from core.mail import send_mail
from core.measurement.figures import KpiFigure, KpiTiles, kpi_figures, kpi_format, kpi_tiles, last_days
from core.net.outbound import check_outbound_url
from core.notifications.service import department_and_regie, notify_people
from core.plugins.actions import find_item, item_actions
from core.plugins.events import EventSpec, PayloadField
from core.plugins.host import PluginHost, TenantPlugins
from core.plugins.info import (
    CONTRACT_VERSION,
    Department,
    DomainEvent,
    ErasureSubject,
    HookContext,
    JobContext,
    JobSpec,
    KpiDefinition,
    PluginInfo,
    Principal,
    TrackRecord,
)
from core.plugins.lookups import (
    OutwardAccount,
    current_tenant,
    department_choices,
    member_choices,
    member_principal,
    normal_handle,
    organisation_names,
    outward_accounts,
    public_names,
    registered_handles,
    starting_point_objectives,
    user_names,
)
from core.plugins.records import (
    AccountCandidate,
    Banner,
    DigestLine,
    Item,
    ItemAction,
    NavEntry,
    PolicySection,
    Widget,
)
from core.plugins.sentiment import MAX_SENTIMENT_TEXTS, classify_sentiment
from core.plugins.slices import SliceHooks
from core.plugins.slices import collect as collect_slices
from core.policy.outward import OutwardCheck, check_outward, published_tone_rules
from core.shortlinks.service import (
    PlacedLink,
    ShortenedText,
    check_web_url,
    links_in_text,
    short_link_clicks,
    short_link_clicks_by_ref,
    shorten_links,
    shortened_length,
)
from core.tenancy.scope import current_tenant_id, tenant_scope
from core.trainings.service import is_trained
from core.validation import (
    FieldErrors,
    check_json_depth,
    clean_choice,
    clean_date,
    clean_email,
    clean_text,
    clean_uuid,
)
from core.web.charts import Series, chart, doughnut
from core.web.forms import Form, MultipartForm, lang_of, principal_of, tenant_of
from core.web.pagination import Page, PageInfo, page_number, paginate
from core.web.render import form_errors, page, permission_check
from core.web.uploads import check_file as check_upload

hookimpl = pluggy.HookimplMarker("regie")

if TYPE_CHECKING:  # the core's principal is what `Principal` promises plugins (checked by mypy)
    from core.auth.principal import Principal as _CorePrincipal

    def _conforms(principal: _CorePrincipal) -> Principal:
        return principal

__all__ = [
    "Capability", "CHANNEL_CONNECTORS", "channel_connector", "channel_states", "ChannelConnector", "ChannelError",
    "ChannelState", "Connection", "Credentials", "Image", "InboundItem", "Interactions", "Link", "new_key",
    "NotConnected", "NotOnNetwork", "open_channel", "PostDraft", "PostRef", "ProfileFigures", "read_inbound",
    "read_profile", "Unsupported",
    "AccountCandidate", "last_post_at", "organisation_names", "record_account_post",
    "Banner", "CONTRACT_VERSION", "Department", "DigestLine", "ErasureSubject", "Item", "ItemAction", "NavEntry",
    "PluginHost", "PolicySection", "Principal", "TenantPlugins", "Widget",
    "count_changes", "DemoItem", "DemoKpi", "EventSpec", "next_value", "PayloadField",
    "analyze_tables", "as_utc", "Base", "bulk_insert", "chart", "check_upload",
    "collect_slices", "SliceHooks", "check_json_depth", "classify_sentiment", "find_item", "MAX_SENTIMENT_TEXTS",
    "check_outbound_url", "check_outward", "clean_choice",
    "clean_date",
    "clean_email", "clean_text", "clean_uuid", "current_tenant", "current_tenant_id", "department_and_regie",
    "department_choices", "DomainError", "DomainEvent", "doughnut", "enqueue_job", "FieldErrors", "fire_events",
    "Form", "form_errors", "freeze_baseline", "get_or_404", "gettext_for", "HookContext", "hookimpl", "item_actions",
    "job_transaction", "JobContext", "JobSpec", "KpiDefinition", "KpiFigure", "kpi_figures",
    "kpi_format", "KpiTiles", "kpi_tiles", "last_days", "lang_of", "member_choices", "member_principal", "Msg",
    "MultipartForm", "N_", "ngettext_for", "Plural",
    "normal_handle", "NotFound", "notify_people", "OutwardCheck", "owning_department", "Page", "page",
    "format_number", "page_number", "PageInfo", "paginate", "permission_check", "PermissionDenied", "PluginInfo",
    "principal_of",
    "published_tone_rules",
    "SPAM_SIGNALS", "spam_signals", "moderated_status", "recent_texts",
    "record_audit",
    "client_network", "public_names", "Refused", "registered_handles",
    "run_named_job", "send_mail", "Series", "start_progress", "tenant_of",
    "tenant_scope",
    "TenantScoped", "update_progress", "user_names", "utcnow",
    "OutwardAccount", "outward_accounts", "starting_point_objectives",
    "is_trained",
    "PlacedLink", "ShortenedText", "check_web_url", "links_in_text", "short_link_clicks", "short_link_clicks_by_ref",
    "shorten_links", "shortened_length",
    "seal", "SealError", "unseal", "TrackRecord",
    "Customer", "CustomerRateLimited", "current_customer", "end_customer_session", "open_customer_link",
    "request_customer_link", "start_customer_session", "use_customer_link",
]
