"""The policy check a post passes before it goes anywhere: on submission and when a paused post is resumed.

Every variant goes through the core's one outward check (`check_outward`: the published policy's tone rules and
the org model's approval rule, or crisis mode's). Problems are refused per variant field; the first variant
that asks for an approval says why and which hub approves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import FieldErrors, OutwardCheck, check_outward, user_names, utcnow
from plugins.talking.models import Post

PARTICLES = {"de", "van", "der", "den", "het", "ten", "ter", "te", "la", "le", "du", "von"}


def initials_of(name: str) -> str:
    """"Lotte Visser" → "LV", "Jan de Vries" → "JV": for a sign-off that names the author."""
    words = [w for w in (name or "").replace(".", " ").split() if w]
    picked = [w for w in words if w.casefold() not in PARTICLES] or words
    return "".join(w[0].upper() for w in picked if w[0].isalpha())


async def policy_check(session: AsyncSession, principal: Any, post: Post, *, crisis: bool = False,
                       errors: FieldErrors | None = None) -> OutwardCheck | None:
    """The check of every variant (its variants loaded); DomainError with each problem at its variant's field.
    Returns the check that asks for an approval, or None when none does."""
    errors = errors or FieldErrors()
    if post.publish_at is None or post.publish_at < utcnow():
        errors.add("publish_at", msgid="Choose a moment in the future.")
    if not post.variants:
        errors.add("variants", msgid="Write the post for at least one account.")
    author_id = post.author_id or getattr(principal, "user_id", None)  # the writer, not whoever submits or resumes
    names = await user_names(session, [author_id])
    initials = initials_of(names.get(author_id, "")) if author_id else ""
    approval = None
    for variant in post.variants:
        check = await check_outward(session, variant.text, channel=variant.platform, crisis=crisis,
                                    department_id=post.department_id, author_initials=initials, author_id=author_id,
                                    image_alts=[str(i.get("alt") or "") for i in variant.images or []])
        for problem_field, message in check.problems:
            name = "text" if problem_field == "body" else problem_field
            errors.errors.setdefault(f"variants.{variant.account_id}.{name}", message)
        if check.needs_approval and approval is None:
            approval = check
    errors.raise_if_any()
    return approval
