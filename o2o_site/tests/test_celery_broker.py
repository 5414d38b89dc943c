"""A task goes through a real Redis broker to a real worker process and comes back."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from o2o_site.testing import redis_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.redis
def test_a_task_runs_through_redis_and_a_real_worker(tmp_path):
    # given: a worker process on a queue of its own, with Redis as broker and result backend
    queue = f"test-{os.getpid()}-{time.time_ns()}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": redis_url(),
        "CELERY_RESULT_BACKEND": redis_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "o2o_site",
            "worker",
            "-Q",
            queue,
            "-c",
            "1",
            "-P",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        from celery import Celery

        # set_as_current=False: a current client app would make every @shared_task of the rest of
        # the run resolve to it (not eager, its pool closed after this test), and later tests'
        # after-commit tasks would silently go nowhere.
        client = Celery("o2o_site", broker=redis_url(), backend=redis_url(), set_as_current=False)
        # when
        result = client.send_task("o2o_site.ping", queue=queue)
        # then
        # disable_sync_subtasks: an earlier in-process (eager) task may have left Celery thinking it runs inside a task.
        assert result.get(timeout=60, disable_sync_subtasks=False) == "pong"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
