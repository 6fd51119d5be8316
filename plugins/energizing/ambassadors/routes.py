"""The programme's pages: the public portal and the staff pages (roster, missions, rewards)."""

from __future__ import annotations

from plugins.energizing.ambassadors import portal, staff, staff_missions

ROUTES = [*portal.ROUTES, *staff.ROUTES, *staff_missions.ROUTES]
