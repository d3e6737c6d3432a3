"""A large, realistic shop for load tests: `flask shopledger seed-demo --scale N`.

At scale 1 the demo shop gets 10,000 customers, 100,000 invoices (1–8 lines each), 80,000 payments set
against them, and 20,000 jobs, spread over the last two years; the scale multiplies every count.

It is built for speed and for being right:
- Everything is planned first in memory (who, when, what status) from one seeded random generator, so
  the same scale on the same day gives the same shop; then it is written with SQLAlchemy Core
  executemany in chunks, one transaction per chunk: no ORM objects, no audit rows.
- Ids are given up front (after the tables' current largest), so rows refer to each other without a
  round trip; PostgreSQL's sequences are moved past them at the end.
- Invoice totals come from services.totals.compute, the rule the app itself uses. Numbers are
  PREFIX-YYYY-NNNN in issue-date order per year, continuing the shop's counters, and the
  invoice_counters rows are left at the last number given so the next invoice issued continues.
- Payments are replayed in time order per customer the way services.payments does it: a payment goes
  to the oldest open invoices, what is left is credit, and an invoice issued later takes that credit
  first. Voided invoices give their allocations back; a voided payment's allocations are undone.
  So the stored rows reconcile with services.ledger.balances exactly.
"""
from __future__ import annotations

import random
import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Self
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .extensions import db
from .models import (
    TERM_DAYS,
    Customer,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    Job,
    JobStatus,
    JobStatusChange,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentTerms,
    Shop,
    User,
)
from .services import totals
from .services.customers import fold

# The counts at scale 1.
BASE_COUNTS = {"customers": 10_000, "invoices": 100_000, "payments": 80_000, "jobs": 20_000}
HISTORY_DAYS = 730
DEFAULT_SEED = 2026
CHUNK_ROWS = 10_000  # rows of the main table per transaction
MAX_SCALE = 50.0

# Wholesale customers: a few accounts with hundreds of entries each, at any scale (the long khata).
HEAVY_SHARE = 0.01
HEAVY_INVOICES = (150, 300)

_DAY_START, _DAY_END = 9 * 3600, 21 * 3600  # shop hours, local time
_ISSUE, _VOID, _PAY = 0, 1, 2  # event kinds, in the order they happen at the same moment

ENGLISH_MEN = (
    "Ahmed", "Ali", "Usman", "Bilal", "Hamza", "Imran", "Kashif", "Faisal", "Tariq", "Asif", "Zeeshan", "Adnan",
    "Shahid", "Naveed", "Waqas", "Sohail", "Junaid", "Farhan", "Rizwan", "Saad", "Umar", "Hassan", "Hussain",
    "Kamran", "Salman", "Danish", "Arslan", "Nadeem", "Yasir", "Fahad", "Muhammad", "Abdullah",
)
ENGLISH_WOMEN = (
    "Ayesha", "Fatima", "Sana", "Hira", "Zainab", "Maryam", "Amna", "Sadia", "Nida", "Rabia", "Saima", "Iqra",
    "Mehwish", "Kiran", "Bushra", "Asma", "Uzma", "Samina", "Nazia", "Farah", "Sidra", "Anum", "Hina", "Lubna",
)
ENGLISH_SURNAMES = (
    "Khan", "Ahmed", "Ali", "Raza", "Malik", "Shah", "Qureshi", "Hussain", "Butt", "Chaudhry", "Siddiqui",
    "Sheikh", "Mirza", "Baig", "Abbasi", "Javed", "Iqbal", "Rehman", "Akhtar", "Hashmi", "Farooqui", "Ansari",
    "Memon", "Baloch", "Awan", "Tariq", "Aslam",
)
URDU_FIRST = (
    "محمد", "علی", "احمد", "عمران", "بلال", "حسن", "حسین", "عثمان", "فیصل", "طارق", "شاہد", "کامران", "سلمان",
    "ندیم", "یاسر", "فاطمہ", "عائشہ", "زینب", "مریم", "ثنا", "حرا", "آمنہ", "سعدیہ", "رابعہ", "صائمہ", "بشریٰ",
    "نسرین", "شازیہ", "عبداللہ", "اسلم",
)
URDU_SURNAMES = (
    "خان", "احمد", "علی", "رضا", "ملک", "شاہ", "قریشی", "حسین", "بٹ", "چوہدری", "صدیقی", "شیخ", "مرزا", "بیگ",
    "عباسی", "اقبال", "اعوان", "میمن",
)
BUSINESS_NAMES = (
    "Al-Noor", "Bismillah", "Madina", "Rehmat", "Star", "Royal", "Crescent", "Green Valley", "Zam Zam", "Faisal",
)
BUSINESS_KINDS = ("Boutique", "Cloth House", "Garments", "Uniforms", "Fashion House", "Bridal Studio")
URDU_BUSINESSES = ("النور بوتیک", "بسم اللہ کلاتھ ہاؤس", "مدینہ گارمنٹس", "رحمت فیبرکس", "شاہی درزی خانہ",
                   "نیو فیشن ہاؤس")
AREAS = ("Gulshan-e-Iqbal, Karachi", "Tariq Road, Karachi", "North Nazimabad, Karachi", "Clifton, Karachi",
         "Model Town, Lahore", "Johar Town, Lahore", "Saddar, Rawalpindi", "F-10, Islamabad")
URDU_AREAS = ("گلشن اقبال، کراچی", "طارق روڈ، کراچی", "ناظم آباد، کراچی", "ماڈل ٹاؤن، لاہور")
NOTES = ("Prefers a loose fit.", "Pays at month end.", "Call before delivery.", "Regular: two suits every Eid.",
         "ادائیگی مہینے کے آخر میں", "ناپ پرانے والے ہی ہیں", "Wholesale rates agreed.")

# (English, Urdu, price range in rupees, quantities)
CATALOGUE = (
    ("Shalwar kameez stitching", "شلوار قمیض سلائی", (1500, 3500), ("1", "1", "2", "3")),
    ("Kurta stitching", "کرتا سلائی", (1200, 2500), ("1", "1", "2")),
    ("Trouser hemming", "پائنچے", (200, 500), ("1", "2")),
    ("Waistcoat", "واسکٹ", (3500, 8000), ("1",)),
    ("Sherwani", "شیروانی", (15000, 45000), ("1",)),
    ("Bridal lehenga", "دلہن کا لہنگا", (25000, 120000), ("1",)),
    ("Embroidery", "کڑھائی", (800, 6000), ("1", "2")),
    ("Lawn fabric (metres)", "لان کا کپڑا (میٹر)", (350, 1200), ("2.5", "3", "4.5", "5.25")),
    ("Alteration", "الٹریشن", (300, 1500), ("1", "1", "2")),
    ("Buttons and lining", "بٹن اور استر", (150, 600), ("1",)),
    ("Blouse stitching", "بلاؤز سلائی", (1200, 2500), ("1", "2")),
    ("Coat repair", "کوٹ کی مرمت", (800, 2500), ("1",)),
    ("Urgent delivery", "فوری ڈیلیوری", (500, 1000), ("1",)),
    ("School uniform set", "اسکول یونیفارم", (1800, 3200), ("1", "2", "4", "10")),
)
JOB_TITLES = (
    "Two shirts, white cotton", "Shalwar kameez", "Eid suits ×2", "Waistcoat", "Sherwani for the wedding",
    "Kurta alteration", "Trousers hemming", "School uniforms", "Bridal lehenga fitting", "شادی کا جوڑا",
    "کوٹ کی مرمت", "عید کے کپڑے", "قمیض کی الٹریشن",
)
VOID_REASONS = ("Wrong customer", "Entered twice", "Prices were wrong; reissued", "Customer cancelled the order")
PAYMENT_VOID_REASONS = ("Entered twice", "Cheque bounced", "Wrong customer")
METHODS = ((PaymentMethod.CASH, 55), (PaymentMethod.MOBILE_WALLET, 20), (PaymentMethod.BANK_TRANSFER, 15),
           (PaymentMethod.CARD, 5), (PaymentMethod.CHEQUE, 5))
TERMS = ((PaymentTerms.ON_RECEIPT, 60), (PaymentTerms.NET_7, 15), (PaymentTerms.NET_15, 10),
         (PaymentTerms.NET_30, 12), (PaymentTerms.CUSTOM, 3))
LINE_COUNTS = ((1, 30), (2, 25), (3, 15), (4, 10), (5, 8), (6, 6), (7, 4), (8, 2))
# Mobile operators' prefixes (Jazz, Zong, Warid, Ufone, Telenor), and Karachi and Lahore landlines.
MOBILE_PREFIXES = tuple(range(300, 338)) + (339,) + tuple(range(340, 350))


@dataclass
class SeedReport:
    scale: float
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def scaled_counts(scale: float) -> dict[str, int]:
    """The counts at this scale (at least one of each when the scale is above zero)."""
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"the scale must be above 0 and at most {MAX_SCALE:g}")
    return {name: max(1, round(count * scale)) for name, count in BASE_COUNTS.items()}


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices)
    return rng.choices(values, weights=weights)[0]


def _spread(total: int, weights: list[float]) -> list[int]:
    """Split a count over weights by largest remainder: the parts add up to exactly `total`."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * weight / weight_sum for weight in weights]
    parts = [int(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda index: exact[index] - parts[index], reverse=True)
    for index in order[:total - sum(parts)]:
        parts[index] += 1
    return parts


class _Clock:
    """Shop-local (day ordinal, seconds into the day) to aware UTC datetimes, cached per day."""

    def __init__(self, timezone_name: str):
        self.zone = ZoneInfo(timezone_name)
        self._midnights: dict[int, datetime] = {}

    def at(self, ordinal: int, seconds: int) -> datetime:
        midnight = self._midnights.get(ordinal)
        if midnight is None:
            local = datetime.combine(date.fromordinal(ordinal), time(), tzinfo=self.zone)
            midnight = self._midnights[ordinal] = local.astimezone(UTC)
        return midnight + timedelta(seconds=seconds)


@dataclass
class _Plan:
    """Who, what and when; the money is worked out while writing."""

    customers: list[dict]
    invoices: list[list]  # [ordinal, seconds, customer, status, terms, void_ordinal, void_seconds], by id
    payments: list[tuple]  # (ordinal, seconds, customer, void), by id
    jobs: list[dict]
    job_for_invoice: dict[int, int]  # invoice index -> job index (its first line)


def seed_large_shop(shop: Shop, *, scale: float, users: list[User], today: date | None = None,
                    seed: int = DEFAULT_SEED, chunk_rows: int = CHUNK_ROWS,
                    echo: Callable[[str], None] | None = None) -> SeedReport:
    """Add a large shop's worth of customers, jobs, invoices and payments to `shop`, committed in chunks.

    `users` are the members whose names go on the rows (the first is the owner). Without audit rows:
    this is bulk data for trying the app at size, not a history of anyone's actions.
    """
    from .services import clock, ledger

    counts = scaled_counts(scale)
    echo = echo or (lambda message: None)
    report = SeedReport(scale=scale, counts=dict(counts))
    rng = random.Random(f"{seed}:{scale}")
    today = today or clock.shop_today(shop)
    shop_clock = _Clock(shop.timezone)
    user_ids = [user.id for user in users]
    db.session.commit()  # whatever the caller made is in, before the bulk work starts on its own connections

    started = clock_time.perf_counter()
    plan = _make_plan(rng, counts, today)
    report.seconds["plan"] = clock_time.perf_counter() - started
    echo(f"  planned in {report.seconds['plan']:.1f}s")

    engine = db.engine
    with engine.connect() as connection:
        first_ids = {table: int(connection.scalar(sa.select(sa.func.coalesce(sa.func.max(column), 0)))) + 1
                     for table, column in (("customers", Customer.id), ("jobs", Job.id),
                                           ("job_status_changes", JobStatusChange.id), ("invoices", Invoice.id),
                                           ("invoice_lines", InvoiceLine.id), ("payments", Payment.id),
                                           ("payment_allocations", PaymentAllocation.id))}
        counters = dict(connection.execute(
            sa.select(InvoiceCounter.year, InvoiceCounter.last_number).where(InvoiceCounter.shop_id == shop.id)
        ).all())

    writer = _Writer(engine, chunk_rows)
    results = {}
    steps = (
        ("customers", lambda: _write_customers(writer, shop, plan, first_ids, shop_clock, today, rng)),
        ("jobs", lambda: _write_jobs(writer, shop, plan, first_ids, shop_clock, user_ids, rng)),
        ("invoices", lambda: _write_invoices(writer, shop, plan, first_ids, shop_clock, user_ids, counters, rng)),
        ("payments", lambda: _write_payments(writer, shop, plan, first_ids, shop_clock, user_ids,
                                             results["invoices"][0], rng)),
    )
    with writer:
        for name, step in steps:
            started = clock_time.perf_counter()
            results[name] = step()
            report.seconds[name] = clock_time.perf_counter() - started
            echo(f"  {name}: {report.seconds[name]:.1f}s")

    started = clock_time.perf_counter()
    with engine.begin() as connection:
        _set_counters(connection, shop, results["invoices"][1], counters)
    # The stored sums (what each invoice has been paid, what each customer owes), from the rows just written.
    ledger.recompute_stored_amounts(shop.id)
    db.session.commit()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            for table in first_ids:
                connection.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"))
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")  # the planner's statistics, as the daily task keeps them
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a load this size (it vacuums after inserts too): statistics for
        # the planner, and the visibility map that lets the covering indexes answer without the table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in first_ids:
                connection.execute(sa.text(f"VACUUM (ANALYZE) {table}"))
    report.seconds["finish"] = clock_time.perf_counter() - started
    report.counts.update(lines=writer.written.get("invoice_lines", 0),
                         allocations=writer.written.get("payment_allocations", 0))
    return report


# --- The plan --------------------------------------------------------------------------------------------

def _make_plan(rng: random.Random, counts: dict[str, int], today: date) -> _Plan:
    end = today.toordinal()
    start = end - HISTORY_DAYS
    n_customers, n_invoices = counts["customers"], counts["invoices"]

    heavy = min(n_customers, max(1, round(n_customers * HEAVY_SHARE)))
    heavy_target = [rng.randint(*HEAVY_INVOICES) for _ in range(heavy)]
    if sum(heavy_target) > n_invoices * 0.3:  # tiny scales: the wholesale accounts stay a minority
        heavy_target = _spread(int(n_invoices * 0.3), [1.0] * heavy)
    weights = []
    for index in range(n_customers - heavy):
        # Some customers have bought nothing yet; the rest buy a little or a lot.
        weights.append(0.0 if rng.random() < 0.08 else min(rng.lognormvariate(0, 1.0), 12.0))
    per_customer = heavy_target + _spread(n_invoices - sum(heavy_target), weights)
    order = list(range(n_customers))
    rng.shuffle(order)  # the wholesale accounts are anywhere in the list
    per_customer = [per_customer[index] for index in order]
    is_heavy = [index < heavy for index in order]

    # Business comes in evenly over the two years; a customer joined shortly before their first invoice.
    dates = [sorted(rng.randint(start, end) for _ in range(per_customer[index])) for index in range(n_customers)]
    customers = []
    for index in range(n_customers):
        if dates[index]:
            created = max(start, dates[index][0] - rng.choice((0, 0, 1, 3, 10, 30)))
        else:
            created = start + rng.randint(HISTORY_DAYS // 2, HISTORY_DAYS)  # asked about a job, bought nothing yet
        customers.append({"heavy": is_heavy[index], "created": created,
                          "created_seconds": rng.randint(_DAY_START, _DAY_END - 4 * 3600),
                          "invoices": [], "issued": []})

    invoices = []
    recent = end - 21
    for index, customer in enumerate(customers):
        for ordinal in dates[index]:
            seconds = rng.randint(_DAY_START, _DAY_END)
            if ordinal == customer["created"]:
                seconds = max(seconds, customer["created_seconds"] + 60)
            if ordinal >= recent and rng.random() < 0.35:
                status = InvoiceStatus.DRAFT
            elif rng.random() < 0.02:
                status = InvoiceStatus.VOID
            else:
                status = InvoiceStatus.ISSUED
            void_ordinal = void_seconds = None
            if status == InvoiceStatus.VOID:
                void_ordinal = min(end, ordinal + rng.choice((0, 0, 1, 2, 5, 7)))
                void_seconds = rng.randint(seconds + 600, seconds + 4 * 3600) if void_ordinal == ordinal else \
                    rng.randint(_DAY_START, _DAY_END)
            invoices.append([ordinal, seconds, index, status, _weighted(rng, TERMS), void_ordinal, void_seconds])
    invoices.sort(key=lambda row: (row[0], row[1], row[2]))
    for position, row in enumerate(invoices):
        customers[row[2]]["invoices"].append(position)
        if row[3] != InvoiceStatus.DRAFT:
            customers[row[2]]["issued"].append(position)

    # Payments follow the invoices: on the spot, or within weeks; a customer with none pays in advance.
    with_invoices = [len(customer["issued"]) for customer in customers]
    per_customer_payments = _spread(counts["payments"], [float(count) for count in with_invoices]
                                    if sum(with_invoices) else [1.0] * n_customers)
    payments = []
    for index, (customer, how_many) in enumerate(zip(customers, per_customer_payments)):
        for _ in range(how_many):
            if customer["issued"]:
                after = invoices[rng.choice(customer["issued"])]
                ordinal = min(end, after[0] + (0 if rng.random() < 0.35 else rng.randint(1, 45)))
                seconds = rng.randint(after[1] + 60, after[1] + 3600) if ordinal == after[0] else \
                    rng.randint(_DAY_START, _DAY_END)
            else:
                ordinal = rng.randint(customer["created"], end)
                seconds = rng.randint(_DAY_START, _DAY_END)
            payments.append((ordinal, seconds, index, rng.random() < 0.01))
    payments.sort()

    # Jobs: most were delivered and billed (the first line of an issued invoice); the rest are on the board.
    issued = [position for position, row in enumerate(invoices) if row[3] == InvoiceStatus.ISSUED]
    n_jobs = counts["jobs"]
    billed = sorted(rng.sample(issued, min(len(issued), round(n_jobs * 0.9))))
    jobs = []
    for position in billed:
        ordinal, seconds, customer_index = invoices[position][:3]
        created = max(customers[customer_index]["created"], ordinal - rng.randint(3, 20))
        jobs.append({"customer": customer_index, "created": created, "due": min(ordinal, created + rng.randint(2, 10)),
                     "delivered": (ordinal, seconds), "invoice": position, "status": JobStatus.DELIVERED})
    board = [index for index, customer in enumerate(customers) if customer["created"] <= end - 1] or [0]
    for _ in range(n_jobs - len(jobs)):
        customer_index = rng.choice(board)
        created = max(customers[customer_index]["created"], end - rng.randint(0, 20))
        jobs.append({"customer": customer_index, "created": created, "due": created + rng.randint(2, 21),
                     "delivered": None, "invoice": None,
                     "status": JobStatus.IN_PROGRESS if rng.random() < 0.75 else JobStatus.COMPLETED})
    jobs.sort(key=lambda job: (job["created"], job["customer"]))  # ids in the order they were taken
    job_for_invoice = {job["invoice"]: index for index, job in enumerate(jobs) if job["invoice"] is not None}
    return _Plan(customers=customers, invoices=invoices, payments=payments, jobs=jobs,
                 job_for_invoice=job_for_invoice)


# --- Writing ---------------------------------------------------------------------------------------------

class _Writer:
    """Rows buffered per table and written with executemany: one connection, a transaction per chunk."""

    def __init__(self, engine: sa.Engine, chunk_rows: int):
        self.engine = engine
        self.chunk_rows = chunk_rows
        self.written: dict[str, int] = {}
        self.connection: sa.Connection | None = None

    def __enter__(self) -> Self:
        self.connection = self.engine.connect()
        if self.connection.dialect.name == "sqlite":
            # While loading only: a page cache that holds the indexes being filled (random-order inserts
            # into a B-tree larger than the default 2 MB cache go to disk each time), and WAL's NORMAL
            # sync (still safe against corruption; the app's connections keep FULL).
            self.connection.exec_driver_sql("PRAGMA cache_size=-262144")
            self.connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            self.connection.commit()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.connection.dialect.name == "sqlite":
            self.connection.rollback()
            self.connection.exec_driver_sql("PRAGMA cache_size=-2000")
            self.connection.exec_driver_sql("PRAGMA synchronous=FULL")
            self.connection.commit()
        self.connection.close()

    def write(self, batches: list[tuple[sa.Table, list[dict]]]) -> None:
        batches = [(table, rows) for table, rows in batches if rows]
        if not batches:
            return
        with self.connection.begin():
            for table, rows in batches:
                self.connection.execute(sa.insert(table), rows)
                self.written[table.name] = self.written.get(table.name, 0) + len(rows)


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        roll = rng.random()
        if roll < 0.03:
            national = f"213{rng.randrange(10 ** 7):07d}"  # Karachi landline, 021-3xxxxxxx
        elif roll < 0.04:
            national = f"423{rng.randrange(10 ** 7):07d}"  # Lahore, 042-3xxxxxxx
        else:
            national = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10 ** 7):07d}"
        if national not in used:
            used.add(national)
            return national


def _person(rng: random.Random, heavy: bool) -> tuple[str, str, str]:
    """A name, the language the customer prefers, and an email local part (English names only)."""
    if heavy:
        if rng.random() < 0.3:
            return rng.choice(URDU_BUSINESSES), "ur", ""
        name = f"{rng.choice(BUSINESS_NAMES)} {rng.choice(BUSINESS_KINDS)}"
        return name, "en", name.lower().replace(" ", "").replace("-", "")
    if rng.random() < 0.4:
        name = f"{rng.choice(URDU_FIRST)} {rng.choice(URDU_SURNAMES)}"
        if rng.random() < 0.05:
            name = f"حاجی {name}"
        return name, "ur", ""
    first = rng.choice(ENGLISH_MEN if rng.random() < 0.6 else ENGLISH_WOMEN)
    last = rng.choice(ENGLISH_SURNAMES)
    name = f"{first} {last}"
    if rng.random() < 0.04:
        name = f"{rng.choice(('Haji', 'Dr.', 'Mrs.'))} {name}"
    return name, "en", f"{first}.{last}".lower()


def _write_customers(writer: _Writer, shop: Shop, plan: _Plan, first_ids: dict, shop_clock: _Clock,
                     today: date, rng: random.Random) -> None:
    # The last thing that happened with each customer puts them at the top of the list (customers.touch).
    last: list[tuple[int, int]] = [(customer["created"], customer["created_seconds"]) for customer in plan.customers]

    def seen(index: int, moment: tuple[int, int]) -> None:
        last[index] = max(last[index], moment)

    for ordinal, seconds, index, status, _terms, void_ordinal, void_seconds in plan.invoices:
        seen(index, (ordinal, seconds))
        if void_ordinal is not None:
            seen(index, (void_ordinal, void_seconds))
    for ordinal, seconds, index, _void in plan.payments:
        seen(index, (ordinal, seconds + (900 if _void else 0)))
    for job in plan.jobs:
        seen(job["customer"], (job["created"], _DAY_START))
        if job["delivered"]:
            seen(job["customer"], job["delivered"])

    table = Customer.__table__
    used_phones: set[str] = set()
    phones: list[str] = []
    folded: dict[str, str] = {}
    rows = []
    now = datetime.now(UTC)
    for index, customer in enumerate(plan.customers):
        name, locale, email_name = _person(rng, customer["heavy"])
        roll = rng.random()
        if roll < 0.03:
            national = ""  # no phone given
        elif roll < 0.05 and phones:
            national = rng.choice(phones)  # a family sharing one number
        else:
            national = _phone(rng, used_phones)
        if national:
            phones.append(national)
        created_at = shop_clock.at(customer["created"], customer["created_seconds"])
        last_activity = shop_clock.at(*last[index])
        archived_at = None
        if not customer["heavy"] and last[index][0] < today.toordinal() - 180 and rng.random() < 0.05:
            archived_at = min(now, last_activity + timedelta(days=rng.randint(30, 90)))
        if name not in folded:
            folded[name] = fold(name)[:120]
        rows.append({
            "id": first_ids["customers"] + index, "shop_id": shop.id, "name": name, "name_folded": folded[name],
            "phone": f"+92{national}" if national else "", "phone_national": national,
            "email": f"{email_name}{rng.randint(1, 999)}@example.com" if email_name and rng.random() < 0.15 else "",
            "address": (f"House {rng.randint(1, 400)}, Street {rng.randint(1, 30)}, {rng.choice(AREAS)}"
                        if locale == "en" else f"مکان {rng.randint(1, 400)}، {rng.choice(URDU_AREAS)}")
            if rng.random() < 0.3 else "",
            "notes": rng.choice(NOTES) if customer["heavy"] or rng.random() < 0.05 else "",
            "preferred_locale": locale, "created_at": created_at, "updated_at": created_at,
            "last_activity_at": last_activity, "archived_at": archived_at,
        })
        if len(rows) >= writer.chunk_rows:
            writer.write([(table, rows)])
            rows = []
    writer.write([(table, rows)])


def _write_jobs(writer: _Writer, shop: Shop, plan: _Plan, first_ids: dict, shop_clock: _Clock,
                user_ids: list[int], rng: random.Random) -> None:
    jobs_table, changes_table = Job.__table__, JobStatusChange.__table__
    staff = user_ids[2] if len(user_ids) > 2 else user_ids[0]
    job_rows, change_rows = [], []
    change_id = first_ids["job_status_changes"]
    for index, job in enumerate(plan.jobs):
        job_id = first_ids["jobs"] + index
        title = rng.choice(JOB_TITLES)
        job["title"] = title
        job["quoted"] = rng.randrange(500, 30000, 50) * 100
        created_at = shop_clock.at(job["created"], rng.randint(_DAY_START, _DAY_START + 3 * 3600))
        moves = [(None, JobStatus.IN_PROGRESS, created_at)]
        if job["status"] in (JobStatus.COMPLETED, JobStatus.DELIVERED):
            if job["delivered"]:
                done_at = shop_clock.at(job["delivered"][0], job["delivered"][1] - 1800)
            else:
                done_at = created_at + timedelta(hours=rng.randint(2, 48))
            done_at = max(done_at, created_at + timedelta(minutes=5))
            moves.append((JobStatus.IN_PROGRESS, JobStatus.COMPLETED, done_at))
        if job["status"] == JobStatus.DELIVERED:
            delivered_at = max(shop_clock.at(*job["delivered"]) - timedelta(minutes=10),
                               moves[-1][2] + timedelta(minutes=1))
            moves.append((JobStatus.COMPLETED, JobStatus.DELIVERED, delivered_at))
        job_rows.append({
            "id": job_id, "shop_id": shop.id, "customer_id": first_ids["customers"] + job["customer"],
            "title": title, "description": "", "status": job["status"],
            "due_date": date.fromordinal(job["due"]), "due_time": None, "quoted_minor": job["quoted"],
            "measurement_template_id": None, "measurements": {}, "notes": "", "created_by_id": staff,
            "created_at": created_at, "updated_at": moves[-1][2],
        })
        for from_status, to_status, at in moves:
            change_rows.append({"id": change_id, "shop_id": shop.id, "job_id": job_id, "from_status": from_status,
                                "to_status": to_status, "reason": "", "user_id": staff, "created_at": at})
            change_id += 1
        if len(job_rows) >= writer.chunk_rows:
            writer.write([(jobs_table, job_rows), (changes_table, change_rows)])
            job_rows, change_rows = [], []
    writer.write([(jobs_table, job_rows), (changes_table, change_rows)])


def _lines_for(rng: random.Random, heavy: bool, urdu: bool) -> tuple[list[tuple[str, Decimal, int]], list]:
    count = _weighted(rng, LINE_COUNTS)
    described, inputs = [], []
    for _ in range(count):
        english, urdu_name, (low, high), quantities = rng.choice(CATALOGUE)
        quantity = Decimal(rng.choice(quantities))
        if heavy and rng.random() < 0.5:
            quantity *= rng.choice((5, 10, 20))
        price = rng.randrange(low, high + 1, 50) * 100
        discount = Decimal(_weighted(rng, (("0", 85), ("5", 10), ("10", 5))))
        tax = Decimal(16) if rng.random() < 0.1 else Decimal(0)
        described.append(urdu_name if urdu else english)
        inputs.append(totals.LineInput(quantity, price, discount, tax))
    return described, inputs


def _write_invoices(writer: _Writer, shop: Shop, plan: _Plan, first_ids: dict, shop_clock: _Clock,
                    user_ids: list[int], counters: dict[int, int], rng: random.Random
                    ) -> tuple[list[int], dict[int, int]]:
    """Invoices and their lines, numbered in issue order; returns each invoice's total and the last numbers."""
    invoices_table, lines_table = Invoice.__table__, InvoiceLine.__table__
    last_numbers = dict(counters)
    totals_by_invoice: list[int] = [0] * len(plan.invoices)
    invoice_rows, line_rows = [], []
    line_id = first_ids["invoice_lines"]
    issuers = user_ids[:3] or user_ids
    urdu_customers = {}
    for position, (ordinal, seconds, customer_index, status, terms, void_ordinal, void_seconds) in \
            enumerate(plan.invoices):
        invoice_id = first_ids["invoices"] + position
        heavy = plan.customers[customer_index]["heavy"]
        urdu = urdu_customers.setdefault(customer_index, rng.random() < 0.35)
        described, inputs = _lines_for(rng, heavy, urdu)
        job_ids = [None] * len(inputs)
        job_index = plan.job_for_invoice.get(position)
        if job_index is not None:
            job = plan.jobs[job_index]
            described[0] = job["title"]
            inputs[0] = totals.LineInput(Decimal(1), job["quoted"])
            job_ids[0] = first_ids["jobs"] + job_index
        discount = 0
        if rng.random() < 0.08:
            subtotal = totals.compute(inputs).subtotal_minor
            discount = min(max(subtotal, 0), rng.randrange(100, 1001, 50) * 100)
        worked = totals.compute(inputs, discount)
        totals_by_invoice[position] = worked.total_minor

        issue_date = date.fromordinal(ordinal)
        at = shop_clock.at(ordinal, seconds)
        number = issued_at = issued_by = None
        if status != InvoiceStatus.DRAFT:
            last_numbers[issue_date.year] = last_numbers.get(issue_date.year, 0) + 1
            number = f"{shop.invoice_prefix}-{issue_date.year}-{last_numbers[issue_date.year]:04d}"
            issued_at, issued_by = at, rng.choice(issuers)
        voided_at = shop_clock.at(void_ordinal, void_seconds) if void_ordinal is not None else None
        due_date = issue_date + timedelta(days=45 if terms == PaymentTerms.CUSTOM else TERM_DAYS[terms])
        invoice_rows.append({
            "id": invoice_id, "shop_id": shop.id, "customer_id": first_ids["customers"] + customer_index,
            "number": number, "status": status, "currency": shop.currency, "issue_date": issue_date,
            "terms": terms, "due_date": due_date, "notes": "Thank you for your business." if heavy else "",
            "discount_minor": discount, "subtotal_minor": worked.subtotal_minor, "tax_minor": worked.tax_minor,
            "total_minor": worked.total_minor, "replaces_id": None, "created_by_id": issued_by or issuers[-1],
            "created_at": at - timedelta(minutes=rng.randint(1, 30)), "updated_at": voided_at or at,
            "issued_at": issued_at, "issued_by_id": issued_by, "voided_at": voided_at,
            "voided_by_id": user_ids[0] if voided_at else None,
            "void_reason": rng.choice(VOID_REASONS) if voided_at else "",
        })
        for line_position, (description, line_input, line_totals, job_id) in enumerate(
                zip(described, inputs, worked.lines, job_ids)):
            line_rows.append({
                "id": line_id, "shop_id": shop.id, "invoice_id": invoice_id, "position": line_position,
                "description": description, "quantity": line_input.quantity,
                "unit_price_minor": line_input.unit_price_minor, "discount_percent": line_input.discount_percent,
                "tax_percent": line_input.tax_percent, "job_id": job_id, "net_minor": line_totals.net_minor,
                "invoice_discount_minor": line_totals.invoice_discount_minor, "tax_minor": line_totals.tax_minor,
                "total_minor": line_totals.total_minor,
            })
            line_id += 1
        if len(invoice_rows) >= writer.chunk_rows // 2:
            writer.write([(invoices_table, invoice_rows), (lines_table, line_rows)])
            invoice_rows, line_rows = [], []
    writer.write([(invoices_table, invoice_rows), (lines_table, line_rows)])
    return totals_by_invoice, last_numbers


@dataclass
class _Account:
    """One customer's open invoices (issue order) and payments with money not yet set against anything."""

    due: dict[int, int] = field(default_factory=dict)  # invoice position -> still due (insertion = issue order)
    free: dict[int, int] = field(default_factory=dict)  # payment id -> unallocated (insertion = received order)
    # Only for invoices that will be voided: their live allocations, to undo then.
    allocations: dict[int, list[dict]] = field(default_factory=dict)


def _write_payments(writer: _Writer, shop: Shop, plan: _Plan, first_ids: dict, shop_clock: _Clock,
                    user_ids: list[int], invoice_totals: list[int], rng: random.Random) -> None:
    """Replay issues, voids and payments in time order, allocating as services.payments does."""
    payments_table, allocations_table = Payment.__table__, PaymentAllocation.__table__
    events = []
    for position, (ordinal, seconds, customer_index, status, _terms, void_ordinal, void_seconds) in \
            enumerate(plan.invoices):
        if status == InvoiceStatus.DRAFT:
            continue
        events.append((ordinal, seconds, _ISSUE, position))
        if void_ordinal is not None:
            events.append((void_ordinal, void_seconds, _VOID, position))
    for index, (ordinal, seconds, _customer, _void) in enumerate(plan.payments):
        events.append((ordinal, seconds, _PAY, index))
    events.sort()

    accounts = [_Account() for _ in plan.customers]
    recorders = user_ids[:3] or user_ids
    void_invoices = {position for position, row in enumerate(plan.invoices) if row[5] is not None}
    held: dict[int, list[dict]] = {}  # allocations on an invoice that will be voided: written once it is
    payment_rows, allocation_rows = [], []
    next_allocation = [first_ids["payment_allocations"]]

    def allocate(payment_id: int, position: int, amount: int, at: datetime, by: int, voided_at=None) -> dict:
        row = {"id": next_allocation[0], "shop_id": shop.id, "payment_id": payment_id,
               "invoice_id": first_ids["invoices"] + position, "amount_minor": amount, "created_by_id": by,
               "created_at": at, "voided_at": voided_at}
        next_allocation[0] += 1
        if position in void_invoices and voided_at is None:
            held.setdefault(position, []).append(row)
        else:
            allocation_rows.append(row)
        return row

    for ordinal, seconds, kind, index in events:
        at = shop_clock.at(ordinal, seconds)
        if kind == _ISSUE:
            row = plan.invoices[index]
            account = accounts[row[2]]
            owed = invoice_totals[index]
            if owed > 0:
                account.due[index] = owed
                # services.payments.apply_credit: the oldest payments' unallocated money goes on first.
                for payment_id in list(account.free):
                    part = min(account.free[payment_id], account.due[index])
                    allocation = allocate(payment_id, index, part, at, recorders[0])
                    if index in void_invoices:
                        account.allocations.setdefault(index, []).append(allocation)
                    account.free[payment_id] -= part
                    account.due[index] -= part
                    if account.free[payment_id] == 0:
                        del account.free[payment_id]
                    if account.due[index] == 0:
                        del account.due[index]
                        break
        elif kind == _VOID:
            account = accounts[plan.invoices[index][2]]
            account.due.pop(index, None)
            for allocation in account.allocations.pop(index, []):
                allocation["voided_at"] = at
                payment_id = allocation["payment_id"]
                account.free[payment_id] = account.free.get(payment_id, 0) + allocation["amount_minor"]
            # Keep credit in payment order (oldest first), as apply_credit reads it.
            account.free = dict(sorted(account.free.items()))
            allocation_rows.extend(held.pop(index, []))
        else:
            _ordinal, _seconds, customer_index, voided = plan.payments[index]
            account = accounts[customer_index]
            payment_id = first_ids["payments"] + index
            amount = _payment_amount(rng, account)
            by = rng.choice(recorders)
            method = _weighted(rng, METHODS)
            voided_at = at + timedelta(minutes=rng.randint(5, 120)) if voided else None
            payment_rows.append({
                "id": payment_id, "shop_id": shop.id, "customer_id": first_ids["customers"] + customer_index,
                "amount_minor": amount, "currency": shop.currency, "received_on": date.fromordinal(ordinal),
                "method": method, "reference": _reference(rng, method), "note": "", "idempotency_key": None,
                "recorded_by_id": by, "created_at": at, "voided_at": voided_at,
                "voided_by_id": user_ids[0] if voided else None,
                "void_reason": rng.choice(PAYMENT_VOID_REASONS) if voided else "",
            })
            remaining = amount
            for position in list(account.due):
                if remaining <= 0:
                    break
                part = min(account.due[position], remaining)
                if voided:  # undone a moment later: its allocations are written void, nothing changes
                    allocate(payment_id, position, part, at, by, voided_at=voided_at)
                    remaining -= part
                    continue
                allocation = allocate(payment_id, position, part, at, by)
                if position in void_invoices:
                    account.allocations.setdefault(position, []).append(allocation)
                account.due[position] -= part
                remaining -= part
                if account.due[position] == 0:
                    del account.due[position]
            if remaining > 0 and not voided:
                account.free[payment_id] = remaining
        if len(payment_rows) >= writer.chunk_rows:
            writer.write([(payments_table, payment_rows), (allocations_table, allocation_rows)])
            payment_rows, allocation_rows = [], []
    assert not held, "an allocation on a voided invoice was never written"
    writer.write([(payments_table, payment_rows), (allocations_table, allocation_rows)])


def _payment_amount(rng: random.Random, account: _Account) -> int:
    """What a customer hands over: the lot, part of it, one bill, a bit extra, or an advance."""
    outstanding = sum(account.due.values())
    if outstanding <= 0:
        return rng.randint(5, 50) * 100 * 100  # an advance: Rs 500 to Rs 5,000
    roll = rng.random()
    if roll < 0.55:
        return outstanding
    if roll < 0.80:
        partial = int(outstanding * rng.uniform(0.3, 0.9)) // 50_000 * 50_000  # round rupees, in 500s
        return partial if partial >= 10_000 else outstanding
    if roll < 0.92:
        return next(iter(account.due.values()))  # the oldest bill
    return outstanding + rng.randint(5, 50) * 100 * 100  # a bit extra: it stays as credit


def _reference(rng: random.Random, method: PaymentMethod) -> str:
    if method == PaymentMethod.CHEQUE:
        return f"Cheque {rng.randint(100000, 999999)}"
    if method in (PaymentMethod.BANK_TRANSFER, PaymentMethod.MOBILE_WALLET):
        return f"TID {rng.randint(10 ** 9, 10 ** 10 - 1)}"
    return ""


def _set_counters(connection: sa.Connection, shop: Shop, last_numbers: dict[int, int],
                  before: dict[int, int]) -> None:
    """Leave each year's counter at the last number given, so the next invoice issued continues from it."""
    table = InvoiceCounter.__table__
    for year, last in sorted(last_numbers.items()):
        if year in before:
            connection.execute(sa.update(table).where(table.c.shop_id == shop.id, table.c.year == year,
                                                      table.c.last_number < last).values(last_number=last))
        else:
            connection.execute(sa.insert(table).values(shop_id=shop.id, year=year, last_number=last))
