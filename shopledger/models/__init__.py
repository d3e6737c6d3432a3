"""The models, one module per aggregate."""
from .audit import AuditEvent
from .customer import Customer
from .invoice import TERM_DAYS, Invoice, InvoiceCounter, InvoiceLine, InvoiceStatus, InvoiceTotals, PaymentTerms
from .job import (
    STATUS_ORDER,
    CustomerMeasurement,
    Job,
    JobNote,
    JobPhoto,
    JobStatus,
    JobStatusChange,
    MeasurementTemplate,
)
from .links import LinkKind, LinkLookupFailure, ShareLink, ShareLinkView
from .outbox import OutboxMessage, OutboxStatus
from .payment import Payment, PaymentAllocation, PaymentMethod
from .reminders import CustomerMessage, MarkKind, MessageChannel, MessageKind, Notification, ReminderMark
from .security import LoginAttempt, PasswordReset
from .shop import Invitation, Membership, Role, Shop
from .user import User, UserSession

__all__ = [
    "TERM_DAYS", "AuditEvent", "Customer", "CustomerMeasurement", "Invitation", "Invoice", "InvoiceCounter",
    "InvoiceLine", "InvoiceStatus", "InvoiceTotals", "Job", "JobNote", "JobPhoto", "JobStatus",
    "JobStatusChange", "LoginAttempt", "MeasurementTemplate", "Membership", "OutboxMessage", "OutboxStatus",
    "PasswordReset", "Payment", "PaymentAllocation",
    "PaymentMethod", "PaymentTerms", "Role", "STATUS_ORDER", "Shop",
    "User", "UserSession",
    "CustomerMessage", "LinkKind", "LinkLookupFailure", "MarkKind", "MessageChannel", "MessageKind",
    "Notification", "ReminderMark", "ShareLink", "ShareLinkView",
]
