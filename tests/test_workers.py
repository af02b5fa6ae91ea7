"""Query workers never outlive their server, even one killed without a chance to clean up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import FIXTURES, free_port, wait_healthy


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.e2e
def test_workers_exit_when_the_server_is_killed() -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "graphsvc", "serve", str(FIXTURES / "small"), "--port", str(port),
         "--workers", "3", "--no-validate"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", timeout=60)
        workers = _children(server.pid)
        assert len(workers) >= 3
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        left = [w for w in workers if _alive(w)]
        for pid in left:  # do not leave them behind if the test fails
            os.kill(pid, signal.SIGKILL)
        assert left == []
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

