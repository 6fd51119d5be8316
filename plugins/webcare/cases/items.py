"""A case as other plugins see it: the item of `regie_item_actions` and `regie_find_item` (kind "case"), so
another plugin can act on a case ("Respond publicly") without importing webcare."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from plugins.webcare.models import Case


def case_item(case: Case) -> dict[str, Any]:
    """The fields another plugin may use; the same shape for both hooks. `uri`: the network address of the
    customer's latest post in the case when it came from a network (a public response goes into its thread)."""
    return {"case_id": str(case.id), "number": case.number, "subject": case.subject,
            "author_handle": case.author_handle, "author_name": case.author_name, "url": case.url,
            "uri": case.source_uri or "", "status": case.status}


async def find_case(session: AsyncSession, item_id: Any) -> dict[str, Any] | None:
    """The tenant's case by id (the session is tenant-scoped), or None for a malformed or unknown id."""
    try:
        case_id = item_id if isinstance(item_id, UUID) else UUID(str(item_id))
    except ValueError:
        return None
    case = await session.get(Case, case_id)
    return case_item(case) if case is not None else None
