"""The models, one module per aggregate."""
from .audit import AuditEvent
from .customer import Customer
from .invoice import TERM_DAYS, Invoice, InvoiceCounter, InvoiceLine, InvoiceStatus, PaymentTerms
from .job import STATUS_ORDER, CustomerMeasurement, Job, JobPhoto, JobStatus, JobStatusChange, MeasurementTemplate
from .payment import Payment, PaymentAllocation, PaymentMethod
from .security import LoginAttempt
from .shop import Invitation, Membership, Role, Shop
from .user import User, UserSession

__all__ = [
    "TERM_DAYS", "AuditEvent", "Customer", "CustomerMeasurement", "Invitation", "Invoice", "InvoiceCounter",
    "InvoiceLine", "InvoiceStatus", "Job", "JobPhoto", "JobStatus",
    "JobStatusChange", "LoginAttempt", "MeasurementTemplate", "Membership", "Payment", "PaymentAllocation",
    "PaymentMethod", "PaymentTerms", "Role", "STATUS_ORDER", "Shop",
    "User", "UserSession",
]
