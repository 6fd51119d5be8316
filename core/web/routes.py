"""Every core route handler, by domain slice. Plugins add theirs through `regie_routes`."""

from __future__ import annotations

from typing import Any


def web_route_handlers() -> list[Any]:
    from core.accounts.routes import ROUTES as accounts
    from core.activation.routes import ROUTES as activation
    from core.audit.routes import ROUTES as audit
    from core.auth.password_change import ROUTES as password_change
    from core.auth.routes import ROUTES as auth
    from core.channels.routes import ROUTES as channels
    from core.dashboard.routes import ROUTES as dashboard
    from core.digest.routes import ROUTES as digest
    from core.evidence.routes import ROUTES as evidence
    from core.mail.routes import ROUTES as mail
    from core.measurement.routes import ROUTES as measurement
    from core.mediator.routes import ROUTES as mediator
    from core.mfa.routes import ROUTES as mfa
    from core.notifications.routes import ROUTES as notifications
    from core.people.routes import ROUTES as people
    from core.policy.routes import ROUTES as policy
    from core.privacy.routes import ROUTES as privacy
    from core.reports.routes import ROUTES as reports
    from core.roadmap.routes import ROUTES as roadmap
    from core.shortlinks.routes import ROUTES as short_links
    from core.sso.routes import ROUTES as sso
    from core.startingpoints.routes import ROUTES as starting_points
    from core.tenancy.routes import ROUTES as overview
    from core.trainings.routes import ROUTES as trainings
    from core.web.favicon import ROUTES as favicon
    from core.workgroup.routes import ROUTES as workgroup

    return [*auth, *password_change, *mail,
            *overview, *roadmap, *evidence, *activation, *mediator, *people, *workgroup, *starting_points,
            *policy, *accounts, *audit, *notifications, *measurement, *dashboard, *digest, *reports, *trainings,
            *sso, *mfa, *privacy, *favicon, *short_links, *channels]


def api_route_handlers() -> list[Any]:
    """Mounted under /api/v1; paths start with /t/{slug:str}. Token-authenticated, CSRF-exempt."""
    from core.accounts.api import ROUTES as accounts_api
    from core.activation.api import ROUTES as activation_api
    from core.audit.api import ROUTES as audit_api
    from core.evidence.api import ROUTES as evidence_api
    from core.measurement.api import ROUTES as measurement_api
    from core.people.api import ROUTES as people_api
    from core.people.token_api import ROUTES as token_api
    from core.policy.api import ROUTES as policy_api
    from core.reports.api import ROUTES as reports_api
    from core.roadmap.api import ROUTES as roadmap_api
    from core.startingpoints.api import ROUTES as starting_points_api
    from core.tenancy.api import ROUTES as tenant
    from core.workgroup.api import ROUTES as workgroup_api

    return [*tenant, *roadmap_api, *evidence_api, *activation_api, *people_api, *workgroup_api, *starting_points_api,
            *policy_api, *accounts_api, *audit_api, *measurement_api, *reports_api, *token_api]
