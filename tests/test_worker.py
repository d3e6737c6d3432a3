"""A real huey consumer process runs the app's tasks against the same database."""
import os
import subprocess
import sys
from datetime import timedelta

import sqlalchemy as sa

from shopledger.models import LoginAttempt
from shopledger.models.types import utcnow
from shopledger.tasks import huey, purge_security_records_task


def test_a_consumer_process_picks_up_an_enqueued_task_and_commits_its_work(app, db, tmp_path):
    db.session.add(LoginAttempt(email="old@example.com", address="x", created_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    environment = {
        **os.environ,
        "SHOPLEDGER_ENV": "test",
        "SECRET_KEY": "worker-test",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "INSTANCE_PATH": os.environ["INSTANCE_PATH"],
    }
    huey.immediate = False
    consumer = None
    try:
        huey.flush()
        result = purge_security_records_task()  # enqueued, not run here
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 1
        log = (tmp_path / "consumer.log").open("w")
        consumer = subprocess.Popen(
            [sys.executable, "-m", "huey.bin.huey_consumer", "shopledger.tasks.huey", "-w", "1", "-d", "0.05"],
            env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
        outcome = result.get(blocking=True, timeout=60)
    finally:
        if consumer is not None:
            consumer.terminate()
            consumer.wait(timeout=30)
            log.close()
        huey.immediate = True
    assert outcome["login_attempts"] == 1, (tmp_path / "consumer.log").read_text()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 0


def test_a_consumer_on_redis_runs_the_same_tasks(app, db, tmp_path):
    """At scale the queue is Redis (HUEY_URL): the same task, enqueued there, runs in a consumer reading it."""
    import pytest
    import redis

    from shopledger.tasks import make_huey

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        with redis.Redis.from_url(url) as client:
            client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url} (CI has one on 127.0.0.1:6379)")
    db.session.add(LoginAttempt(email="old@example.com", address="x", created_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    queue = make_huey(url, str(tmp_path / "unused.db"))
    assert type(queue).__name__ == "RedisHuey"
    queue.flush()
    # The same function as a task of this queue: same name, so the consumer finds it in its own registry.
    result = queue.task()(purge_security_records_task.func)()
    environment = {**os.environ, "SHOPLEDGER_ENV": "test", "SECRET_KEY": "worker-test", "HUEY_URL": url,
                   "DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_PATH": os.environ["INSTANCE_PATH"]}
    log = (tmp_path / "consumer.log").open("w")
    consumer = subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "shopledger.tasks.huey", "-w", "1", "-d", "0.05"],
        env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        outcome = result.get(blocking=True, timeout=60)
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)
        log.close()
        queue.flush()
        queue.storage.pool.disconnect()
    assert outcome["login_attempts"] == 1, (tmp_path / "consumer.log").read_text()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 0
