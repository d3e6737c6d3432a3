#!/usr/bin/env python3
"""Load-test ShopLedger's busiest pages on a large demo shop, at several sizes.

    .venv/bin/python scripts/benchmark.py --scales 0.1 1 5 --database sqlite
    .venv/bin/python scripts/benchmark.py --scales 0.1 1 --database postgresql

For each scale: a fresh database (a SQLite file in a temporary instance folder, or a PostgreSQL database
on 127.0.0.1), `flask db upgrade`, `flask shopledger seed-demo --scale N`, then gunicorn with 2 sync
workers on a free loopback port, logged in as the demo owner. Each page gets a warm-up and then a fixed
run of `wrk` (Debian: apt-get install wrk) at 16 connections; its latency distribution gives p99 and its
summary requests/s. A child process runs the same pages in-process through the app's test client and
counts the SQL statements each request sends (a before_cursor_execute listener), and times them alone.

Each scale is measured twice (--page-cache both, the default): "cached", as the app runs, where a page
asked for again while the shop has not changed is served from the page cache (shopledger/page_cache.py)
and wrk's repeated requests are such pages; and "rendered", with the cache off, where every request reads
the database and renders the page: what the first view after any change costs.

It prints a table of page × scale (req/s, p99, SQL statements, in-process ms) against the targets, and
the growth in cost from the smallest to the largest scale. Everything it starts (gunicorn, wrk, the
seeding commands, the temporary folder, the PostgreSQL database) is stopped and removed at the end, on
failure, on Ctrl-C and on SIGTERM; --max-minutes bounds the whole run.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWNER_EMAIL = "owner@noortailors.example.com"
OWNER_PASSWORD = "demo-khata-2026"
TARGET_RPS, TARGET_P99_MS, TARGET_SQL, TARGET_GROWTH = 500.0, 50.0, 5, 1.3
# The page cache (shopledger/page_cache.py) on, as it runs by default, and off: every request rendered.
PAGE_CACHE_MODES = {"cached": {}, "rendered": {"SHOPLEDGER_PAGE_CACHE_MB": "0"}}
RESERVED_DATABASES = {"postgres", "template0", "template1", "test", "shopledger_ci", "shopledger",
                      "shopledger_test"}
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Timeout(RuntimeError):
    """The run went past --max-minutes."""


# --- Processes we start, and stopping them -----------------------------------------------------------

_children: list[subprocess.Popen] = []


def _stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a child we started, with its own process group (gunicorn's workers too)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def _start(command: list[str], **kwargs) -> subprocess.Popen:
    # Its own session: Ctrl-C reaches only us, and we stop the whole group, workers included.
    process = subprocess.Popen(command, start_new_session=True, **kwargs)
    _children.append(process)
    return process


def _stop_all_children() -> None:
    while _children:
        _stop(_children.pop())


class Deadline:
    def __init__(self, minutes: float):
        self.end = time.monotonic() + minutes * 60

    def left(self, cap: float | None = None) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise Timeout("the benchmark ran past --max-minutes; stopping")
        return min(remaining, cap) if cap else remaining


def run(command: list[str], *, env: dict, deadline: Deadline, cap: float, capture: bool = True) -> str:
    """Run a command to the end within the time left; its output, or an error with it."""
    process = _start(command, env=env, cwd=ROOT, stdout=subprocess.PIPE if capture else None,
                     stderr=subprocess.STDOUT if capture else None, text=True)
    try:
        output, _ = process.communicate(timeout=deadline.left(cap))
    except subprocess.TimeoutExpired:
        _stop(process)
        raise Timeout(f"{' '.join(command[:4])}… took too long") from None
    finally:
        if process.poll() is None:
            _stop(process)
        if process in _children:
            _children.remove(process)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{output}")
    return output or ""


# --- Databases --------------------------------------------------------------------------------------------

@contextlib.contextmanager
def bench_database(kind: str, instance: Path, args) -> str:
    """A fresh, empty database for one scale; dropped afterwards (PostgreSQL)."""
    if kind == "sqlite":
        yield f"sqlite:///{instance / 'shopledger.db'}"
        return
    import psycopg

    name = args.pg_database
    if name in RESERVED_DATABASES or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"refusing to use the PostgreSQL database {name!r}; choose another --pg-database")
    admin = f"{args.pg_url.rstrip('/')}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not args.pg_drop_existing:
            raise SystemExit(f"the database {name} exists (left by an interrupted run?). Drop it, or pass "
                             f"--pg-drop-existing to let the benchmark replace it.")
        if exists:
            _drop_database(connection, name)
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{args.pg_url.rstrip('/')}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            _drop_database(connection, name)


def _drop_database(connection, name: str) -> None:
    connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                       "AND pid <> pg_backend_pid()", (name,))
    connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def app_environment(instance: Path, database_url: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("SHOPLEDGER_") and key not in ("DATABASE_URL", "HUEY_URL", "SECRET_KEY")}
    env.update(SHOPLEDGER_ENV="development", INSTANCE_PATH=str(instance), DATABASE_URL=database_url,
               SHOPLEDGER_SESSION_COOKIE_SECURE="false", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    return env


# --- The pages ---------------------------------------------------------------------------------------------

@dataclass
class Page:
    key: str
    label: str
    path: str
    htmx: bool = False


def pages_for(database_url: str) -> tuple[list[Page], dict]:
    """The pages to drive, with the busiest customer's ledger and a phone number to search for."""
    import sqlalchemy as sa

    sys.path.insert(0, str(ROOT))
    from shopledger.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            shop_id = connection.scalar(sa.text("SELECT last_shop_id FROM users WHERE email = :email"),
                                        {"email": OWNER_EMAIL})
            busiest = connection.execute(sa.text(
                "SELECT customer_id, count(*) AS entries FROM ("
                "  SELECT customer_id FROM invoices WHERE shop_id = :shop AND status <> 'draft'"
                "  UNION ALL SELECT customer_id FROM payments WHERE shop_id = :shop) AS entries "
                "GROUP BY customer_id ORDER BY entries DESC, customer_id LIMIT 1"), {"shop": shop_id}).one()
            customers = connection.scalar(sa.text("SELECT count(*) FROM customers WHERE shop_id = :shop"),
                                          {"shop": shop_id})
            # A customer from the middle of the book; their 7-digit subscriber number, as a shopkeeper types it.
            phone = connection.scalar(sa.text(
                "SELECT phone_national FROM customers WHERE shop_id = :shop AND phone_national <> '' "
                "ORDER BY id LIMIT 1 OFFSET :middle"), {"shop": shop_id, "middle": customers // 2})
    finally:
        engine.dispose()
    search = phone[-7:]
    pages = [
        Page("customers", "Customers list", "/customers"),
        Page("customers_htmx", "Customers list (htmx fragment)", "/customers", htmx=True),
        Page("search", f"Customer search by phone (q={search})", f"/customers?q={search}"),
        Page("ledger", f"Customer page with ledger ({busiest.entries} entries)", f"/customers/{busiest.customer_id}"),
        Page("ledger_htmx", "Customer ledger (htmx fragment)", f"/customers/{busiest.customer_id}/ledger", htmx=True),
        Page("invoices", "Invoices list", "/invoices"),
    ]
    return pages, {"shop_id": shop_id, "ledger_customer": busiest.customer_id, "ledger_entries": busiest.entries,
                   "search": search}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def log_in_over_http(base: str, deadline: Deadline) -> str:
    """Log in as the demo owner the way a browser does; the Cookie header to send afterwards."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    page = opener.open(f"{base}/login", timeout=deadline.left(30)).read().decode()
    token = CSRF.search(page).group(1)
    form = urllib.parse.urlencode({"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "csrf_token": token,
                                   "remember": "y"}).encode()
    try:
        opener.open(f"{base}/login", data=form, timeout=deadline.left(30))
        raise RuntimeError("logging in did not redirect: wrong password, or the demo shop is missing")
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            raise RuntimeError(f"logging in answered {answer.code}") from None
    # A page, as the browser goes on to: it keeps whatever cookie that answer sets.
    opener.open(f"{base}/customers", timeout=deadline.left(30)).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "shopledger_session" not in cookies:
        raise RuntimeError("no session cookie after logging in")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def fetch_status(url: str, cookie: str, htmx: bool, deadline: Deadline) -> tuple[int, int, str]:
    """The status, the size and the X-Page-Cache header (hit or miss) of one request."""
    headers = {"Cookie": cookie, **({"HX-Request": "true"} if htmx else {})}
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=deadline.left(60)) as answer:
            return answer.status, len(answer.read()), answer.headers.get("X-Page-Cache", "")
    except urllib.error.HTTPError as answer:
        return answer.code, 0, ""


# --- wrk ---------------------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict:
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for percentile in ("50", "90", "99"):
        found = re.search(rf"^\s+{percentile}%\s+(\S+)", output, re.MULTILINE)
        # wrk prints 0 when no response arrived in time to be timed: unknown, not instant.
        result[f"p{percentile}_ms"] = (_milliseconds(found.group(1)) or None) if found else None
    requests = re.search(r"(\d+) requests in", output)
    result["requests"] = int(requests.group(1)) if requests else 0
    if result["requests"] == 0:  # nothing finished: wrk prints zeros, not latencies
        result.update(rps=0.0, p50_ms=None, p90_ms=None, p99_ms=None)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    return result


def cpu_busy(seconds: float = 2.0) -> float:
    """The share of all cores busy over a short sample, from /proc/stat (0–100)."""
    def sample():
        values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    total_before, idle_before = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    elapsed = total_after - total_before
    return 100.0 * (1 - (idle_after - idle_before) / elapsed) if elapsed else 0.0


def wait_for_quiet(threshold: float, patience: float, deadline: Deadline, log) -> float:
    """Wait (up to `patience` seconds) until other work leaves the cores mostly idle; the busy share seen last."""
    until = time.monotonic() + min(patience, deadline.left())
    busy = cpu_busy()
    while busy > threshold and time.monotonic() < until:
        log(f"    the machine is {busy:.0f}% busy with other work; waiting for it to calm down …")
        time.sleep(5)
        busy = cpu_busy()
    return busy


def drive(url: str, cookie: str, htmx: bool, seconds: float, connections: int, deadline: Deadline) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s",
               "-H", f"Cookie: {cookie}"]
    if htmx:
        command += ["-H", "HX-Request: true"]
    return parse_wrk(run(command + [url], env=dict(os.environ), deadline=deadline, cap=seconds + 30))


# --- In-process: SQL statements per request, and time alone ----------------------------------------------

def count_queries_in_process(spec: dict) -> dict:
    """Runs in a child process with the app's environment: the statements and time of one request each."""
    import statistics

    import sqlalchemy as sa

    sys.path.insert(0, str(ROOT))
    from shopledger import create_app
    from shopledger.extensions import db

    app = create_app()
    statements: list[str] = []
    results = {}
    profile_dir = Path(spec["profile_dir"]) if spec.get("profile_dir") else None
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda conn, cursor, statement, *rest: statements.append(statement))
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(login_page).group(1)
    answer = client.post("/login", data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "csrf_token": token})
    assert answer.status_code == 303, answer.status_code
    for page in spec["pages"]:
        headers = {"HX-Request": "true"} if page["htmx"] else {}
        first = client.get(page["path"], headers=headers)
        if first.status_code != 200:
            results[page["key"]] = {"status": first.status_code}
            continue
        statements.clear()
        client.get(page["path"], headers=headers)
        counted = list(statements)
        timings = []
        started_all = time.perf_counter()
        while len(timings) < 200 and time.perf_counter() - started_all < spec["seconds"]:
            started = time.perf_counter()
            client.get(page["path"], headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
        if profile_dir is not None:
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
            started_all = time.perf_counter()
            for _ in range(20):
                client.get(page["path"], headers=headers)
                if time.perf_counter() - started_all > spec["seconds"] * 2:
                    break
            profile.disable()
            profile.dump_stats(profile_dir / f"{spec['scale']}-{page['key']}.prof")
        results[page["key"]] = {"status": 200, "sql": len(counted), "statements": counted,
                                "ms_median": statistics.median(timings), "ms_samples": len(timings)}
    with app.app_context():
        db.engine.dispose()
    return results


# --- One scale ----------------------------------------------------------------------------------------------

@dataclass
class ScaleResult:
    scale: float
    seed_seconds: float = 0.0
    info: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(base: str, server: subprocess.Popen, deadline: Deadline) -> None:
    until = time.monotonic() + deadline.left(60)
    while time.monotonic() < until:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}) before serving")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise Timeout("gunicorn did not start serving within a minute")


def bench_scale(scale: float, args, deadline: Deadline, log) -> ScaleResult:
    result = ScaleResult(scale=scale)
    with contextlib.ExitStack() as stack:
        instance = Path(tempfile.mkdtemp(prefix=f"shopledger-bench-{scale:g}-"))
        stack.callback(shutil.rmtree, instance, ignore_errors=True)
        database_url = stack.enter_context(bench_database(args.database, instance, args))
        env = app_environment(instance, database_url)
        python = sys.executable

        cached = Path(args.seed_cache) / f"scale-{scale:g}.db" if args.seed_cache else None
        upgrade = [python, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
        if cached is not None and cached.exists():
            # The same data as an earlier run; this tree's migrations (indexes, say) are applied on top.
            shutil.copyfile(cached, instance / "shopledger.db")
            run(upgrade, env=env, deadline=deadline, cap=1200)
            result.seed_seconds = json.loads(cached.with_suffix(".json").read_text())["seed_seconds"]
            result.info["seeded_from"] = str(cached)
            log(f"scale {scale:g}: database copied from {cached} (seeded in {result.seed_seconds:.1f}s then)")
        else:
            log(f"scale {scale:g}: migrating and seeding ({args.database}) …")
            run(upgrade, env=env, deadline=deadline, cap=300)
            started = time.monotonic()
            output = run([python, "-m", "flask", "--app", "wsgi", "shopledger", "seed-demo", "--scale",
                          f"{scale:g}"], env=env, deadline=deadline, cap=args.max_seed_minutes * 60)
            result.seed_seconds = time.monotonic() - started
            log(f"scale {scale:g}: seeded in {result.seed_seconds:.1f}s\n" +
                "\n".join(f"    {line}" for line in output.splitlines() if line.startswith("  ") and "/" not in line))
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                import sqlite3

                with contextlib.closing(sqlite3.connect(instance / "shopledger.db")) as connection:
                    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
                shutil.copyfile(instance / "shopledger.db", cached)
                cached.with_suffix(".json").write_text(json.dumps({"seed_seconds": result.seed_seconds}))
        pages, result.info = pages_for(database_url)
        for mode in args.page_cache_modes:
            measure_pages(scale, mode, pages, {**env, **PAGE_CACHE_MODES[mode]}, result, args, deadline, log)
    return result


def measure_pages(scale: float, mode: str, pages: list[Page], env: dict, result: ScaleResult, args,
                  deadline: Deadline, log) -> None:
    """The pages under load with the page cache on (each page asked for again, as wrk does, is a kept one)
    or off (every request renders the page from the database)."""
    python = sys.executable
    suffix = "" if mode == "cached" else f"_{mode}"
    log(f"scale {scale:g}, {mode}: counting SQL statements in-process …")
    spec = {"pages": [asdict(page) for page in pages], "seconds": 5, "scale": f"{scale:g}-{mode}",
            "profile_dir": args.profile_dir}
    try:
        counted = json.loads(run([python, __file__, "--in-process", json.dumps(spec)], env=env,
                                 deadline=deadline, cap=args.in_process_minutes * 60).strip().splitlines()[-1])
    except Timeout as problem:
        deadline.left()  # past the whole run's limit: stop here
        log(f"scale {scale:g}: no SQL counts ({problem}); measuring the load anyway")
        counted = {}

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start([python, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                     "--log-level", "warning", "--timeout", "60", "wsgi:app"], env=env, cwd=ROOT)
    try:
        wait_until_serving(base, server, deadline)
        cookie = log_in_over_http(base, deadline)
        for page in pages:
            entry = {"label": page.label, "mode": mode, "path": page.path, "htmx": page.htmx,
                     **counted.get(page.key, {})}
            if not args.show_statements:
                entry.pop("statements", None)
            status, size, cache = fetch_status(base + page.path, cookie, page.htmx, deadline)
            entry["http_status"], entry["bytes"] = status, size
            if status != 200:
                log(f"scale {scale:g}: {page.label}: HTTP {status}, not measured")
                result.pages[page.key + suffix] = entry
                continue
            entry["busy_before"] = wait_for_quiet(args.quiet_below, args.quiet_wait, deadline, log)
            drive(base + page.path, cookie, page.htmx, args.warmup, args.connections, deadline)
            # After the warm-up each worker has the page: say so, so a cached run that is not is seen.
            entry["served_from_cache"] = fetch_status(base + page.path, cookie, page.htmx, deadline)[2] == "hit"
            entry["load_average"] = os.getloadavg()[0]
            entry.update(drive(base + page.path, cookie, page.htmx, args.duration, args.connections, deadline))
            result.pages[page.key + suffix] = entry
            log(f"scale {scale:g}, {mode}: {page.label}: {entry['rps']:.0f} req/s, p99 {entry['p99_ms'] or 0:.1f} ms, "
                f"{entry.get('sql', '?')} SQL, {entry.get('ms_median') or 0:.1f} ms alone "
                f"(load {entry['load_average']:.2f}, {entry['busy_before']:.0f}% busy before; {entry['non_2xx']} non-2xx, "
                f"{entry['socket_errors']} errors; X-Page-Cache {'hit' if entry['served_from_cache'] else 'not hit'})")
    finally:
        _stop(server)


# --- The report --------------------------------------------------------------------------------------------

def _mark(ok: bool) -> str:
    return "ok" if ok else "MISS"


def _ratio(numerator, denominator) -> float | None:
    """numerator / denominator; None when either is unknown, infinity when nothing finished at the top."""
    if not numerator and not denominator:
        return None
    if numerator is None or denominator is None:
        return None
    return numerator / denominator if denominator else float("inf")


def _times(value: float | None) -> str:
    if value is None:
        return "?"
    return "∞ (nothing finished)" if value == float("inf") else f"{value:.2f}×"


def report(results: list[ScaleResult], args, started: datetime) -> str:
    keys = []
    for result in results:
        keys += [key for key in result.pages if key not in keys]
    labels = {key: next(r.pages[key]["label"].split(" (")[0] + (" (htmx)" if r.pages[key]["htmx"] else "")
                        + (f", {r.pages[key]['mode']}" if len(args.page_cache_modes) > 1 else "")
                        for r in results if key in r.pages) for key in keys}
    lines = [
        (f"ShopLedger benchmark, {started:%Y-%m-%d %H:%M}, {args.database}, {os.cpu_count()} cores, "
         f"gunicorn {args.workers} sync workers, wrk {args.connections} connections × {args.duration:g}s "
         f"(after {args.warmup:g}s warm-up)"),
        (f"Targets at scale 1: ≥ {TARGET_RPS:.0f} req/s, p99 < {TARGET_P99_MS:.0f} ms, ≤ {TARGET_SQL} SQL "
         f"statements; cost growth from the smallest to the largest scale ≤ {TARGET_GROWTH}×"),
        "",
        "Cached: the page cache on, each page asked for again (a kept page). Rendered: the cache off, every "
        "request read and rendered.",
        "",
        "| Page | Scale | req/s | p99 ms | SQL | ms alone | load avg | busy before | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for key in keys:
        for result in results:
            entry = result.pages.get(key)
            if entry is None:
                continue
            if entry.get("http_status") != 200:
                lines.append(f"| {labels[key]} | {result.scale:g} | HTTP {entry.get('http_status')} | | | | | | "
                             f"not measured |")
                continue
            ok = (entry["rps"] >= TARGET_RPS and (entry["p99_ms"] or 1e9) < TARGET_P99_MS
                  and entry.get("sql", 99) <= TARGET_SQL)
            p99 = f"{entry['p99_ms']:.1f}" if entry["p99_ms"] else "— (none finished)"
            alone = f"{entry['ms_median']:.2f}" if entry.get("ms_median") else "?"
            lines.append(f"| {labels[key]} | {result.scale:g} | {entry['rps']:.0f} | {p99} | "
                         f"{entry.get('sql', '?')} | {alone} | "
                         f"{entry['load_average']:.2f} | {entry.get('busy_before', 0):.0f}% | "
                         f"{_mark(ok) if result.scale == 1 else ''} |")
    if len(results) > 1:
        low, high = results[0], results[-1]
        lines += ["", f"Cost growth from scale {low.scale:g} to {high.scale:g} (time per request; > 1 is slower):",
                  "", "| Page | by req/s | by p99 | by in-process ms | SQL | target |", "| --- | ---: | ---: | ---: | --- | --- |"]
        for key in keys:
            a, b = low.pages.get(key, {}), high.pages.get(key, {})
            if a.get("http_status") != 200 or b.get("http_status") != 200:
                continue
            by_rps = _ratio(a["rps"], b["rps"])
            by_p99 = _ratio(b["p99_ms"], a["p99_ms"])
            by_alone = _ratio(b.get("ms_median"), a.get("ms_median"))
            known = [value for value in (by_rps, by_alone) if value is not None]
            lines.append(f"| {labels[key]} | {_times(by_rps)} | {_times(by_p99)} | {_times(by_alone)} | "
                         f"{a.get('sql', '?')} → {b.get('sql', '?')} | "
                         f"{_mark(bool(known) and max(known) <= TARGET_GROWTH)} |")
    lines += ["", "Seeding: " + ", ".join(f"scale {r.scale:g} {r.seed_seconds:.0f}s" for r in results)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", nargs="+", type=float, default=[0.1, 1.0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=float, default=15, help="seconds of measured load per page")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-minutes", type=float, default=60, help="stop everything after this long")
    parser.add_argument("--max-seed-minutes", type=float, default=20, help="give up seeding one scale after this")
    parser.add_argument("--in-process-minutes", type=float, default=10,
                        help="give up counting SQL statements for one scale after this")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432",
                        help="the PostgreSQL server, without a database name")
    parser.add_argument("--pg-database", default="shopledger_bench", help="made for the run and dropped after it")
    parser.add_argument("--pg-drop-existing", action="store_true", help="replace a database of that name")
    parser.add_argument("--quiet-below", type=float, default=60,
                        help="before each page, wait until other work keeps the cores less busy than this (%%); "
                             "on a 2-core machine 60 lets one other busy process through, not two")
    parser.add_argument("--quiet-wait", type=float, default=60, help="… but wait at most this many seconds")
    parser.add_argument("--seed-cache", help="SQLite: keep each scale's seeded database here and reuse it "
                                              "(to compare code or index changes on the same data)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile-dir", help="write a cProfile of 20 in-process requests per page here")
    parser.add_argument("--show-statements", action="store_true", help="keep each page's SQL in the JSON")
    parser.add_argument("--page-cache", choices=("both", *PAGE_CACHE_MODES), default="both",
                        help="measure with the page cache on (cached: a page asked for again is a kept one), off "
                             "(rendered: every request renders), or both, one after the other")
    parser.add_argument("--in-process", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.page_cache_modes = list(PAGE_CACHE_MODES) if args.page_cache == "both" else [args.page_cache]

    if args.in_process:
        print(json.dumps(count_queries_in_process(json.loads(args.in_process))))
        return 0
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    if args.seed_cache and args.database != "sqlite":
        parser.error("--seed-cache works with --database sqlite only")
    if args.profile_dir:
        Path(args.profile_dir).mkdir(parents=True, exist_ok=True)
        args.profile_dir = str(Path(args.profile_dir).resolve())

    def log(message: str) -> None:
        print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    started = datetime.now()
    deadline = Deadline(args.max_minutes)
    results = []
    log(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    try:
        for scale in sorted(args.scales):
            results.append(bench_scale(scale, args, deadline, log))
    except (Timeout, RuntimeError) as problem:
        log(f"stopped: {problem}")
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
    except SystemExit:
        log("terminated; cleaning up")
        raise
    finally:
        _stop_all_children()
    log(f"load average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    if results:
        if args.json:  # first: the numbers survive whatever happens to the table
            args.json.write_text(json.dumps([asdict(result) for result in results], indent=2, default=str))
        print()
        print(report(results, args, started))
    return 0 if results and len(results) == len(args.scales) else 1


if __name__ == "__main__":
    sys.exit(main())
