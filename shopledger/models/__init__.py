"""The models, one module per aggregate."""
from .audit import AuditEvent
from .security import LoginAttempt
from .shop import Invitation, Membership, Role, Shop
from .user import User, UserSession

__all__ = ["AuditEvent", "Invitation", "LoginAttempt", "Membership", "Role", "Shop", "User", "UserSession"]
