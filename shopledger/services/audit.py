"""Write the audit trail."""
from __future__ import annotations

from ..extensions import db
from ..models import AuditEvent, Shop, User


def record(shop: Shop, action: str, *, by: User | None, subject_type: str, subject_id: int | None, **details) -> AuditEvent:
    """Record that `by` did `action` to a subject in the shop, with what changed."""
    event = AuditEvent(
        shop_id=shop.id,
        user_id=by.id if by else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
    )
    db.session.add(event)
    return event
