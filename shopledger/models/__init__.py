"""The models, one module per aggregate."""
from .audit import AuditEvent
from .customer import Customer
from .job import STATUS_ORDER, CustomerMeasurement, Job, JobPhoto, JobStatus, JobStatusChange, MeasurementTemplate
from .security import LoginAttempt
from .shop import Invitation, Membership, Role, Shop
from .user import User, UserSession

__all__ = [
    "AuditEvent", "Customer", "CustomerMeasurement", "Invitation", "Job", "JobPhoto", "JobStatus",
    "JobStatusChange", "LoginAttempt", "MeasurementTemplate", "Membership", "Role", "STATUS_ORDER", "Shop",
    "User", "UserSession",
]
