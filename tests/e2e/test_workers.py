"""Nothing graphsvc starts outlives its server, even one killed without a chance to clean up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import FIXTURES, child_pids, free_port, wait_healthy


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _descendants(pid: int) -> list[int]:
    found = child_pids(pid)
    for child in list(found):
        found += _descendants(child)
    return found


@pytest.mark.e2e
@pytest.mark.parametrize(("isolation", "at_least"), [("process", 3), ("thread", 1)])
def test_nothing_outlives_a_killed_server(isolation: str, at_least: int) -> None:
    """Forked query workers (process), or the server processes under the supervisor (thread)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "graphsvc", "serve", str(FIXTURES / "small"), "--port", str(port),
         "--workers", "3", "--no-validate", "--query-isolation", isolation],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}", timeout=60)
        processes = _descendants(server.pid)
        assert len(processes) >= at_least
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in processes):
            time.sleep(0.05)
        left = [p for p in processes if _alive(p)]
        for pid in left:  # do not leave them behind if the test fails
            os.kill(pid, signal.SIGKILL)
        assert left == []
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
