"""A server process's side of the supervisor (supervisor.py): its messages, its lifeline, and
the loader's loop that forks server processes.

Standard library only, like the supervisor: the loader imports it before it loads anything.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import os
import select
import signal
import socket
import threading
from collections.abc import Callable
from typing import NoReturn

from graphsvc.server.supervisor import LOADER, SUPERVISED


class SupervisorLink:
    """A server process's side: tell the supervisor it serves, or that it must be replaced."""

    def __init__(self, message_fd: int, lifeline_fd: int) -> None:
        self._message_fd = message_fd
        self._lifeline_fd = lifeline_fd
        self._retired = False

    @classmethod
    def from_environment(cls) -> tuple[socket.socket, SupervisorLink] | None:
        given = os.environ.get(SUPERVISED)
        if not given:
            return None
        listen_fd, message_fd, lifeline_fd = (int(part) for part in given.split(","))
        return socket.socket(fileno=listen_fd), cls(message_fd, lifeline_fd)

    @staticmethod
    def is_loader() -> bool:
        return bool(os.environ.get(LOADER))

    def _send(self, word: str, pid: int | None = None) -> None:
        with contextlib.suppress(OSError):
            os.write(self._message_fd, f"{word} {pid or os.getpid()}\n".encode("ascii"))

    def ready(self) -> None:
        self._send("ready")

    def loaded(self) -> None:
        self._send("loaded")

    def forked(self, pid: int) -> None:
        self._send("forked", pid)

    def exiting(self) -> None:
        self._retired = True
        self._send("exit")

    def renew(self) -> None:
        """This forked process holds too much of its own: a fresh fork should take its place."""
        if not self._retired:
            self._retired = True
            self._send("renew")

    def retire(self) -> None:
        if not self._retired:
            self._retired = True
            self._send("retire")

    def watch_supervisor(self) -> None:
        """Shut down gracefully when the supervisor is gone (its end of the lifeline closes)."""

        def wait() -> None:
            with contextlib.suppress(OSError):
                while os.read(self._lifeline_fd, 1):
                    pass
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=wait, name="graphsvc-lifeline", daemon=True).start()


def name_process(name: str) -> None:
    """Name this process as ``ps`` and ``top`` show it (Linux; 15 bytes at most): the loader and
    the server processes it forks run the same command line."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def run_loader(link: SupervisorLink, serve: Callable[[], NoReturn]) -> None:
    """The loader's life once the data are loaded: fork a server process, which runs ``serve``,
    for each line ``fork`` on standard input; return when the supervisor closes it or on SIGTERM.

    Nothing here may start a thread or hold a lock across ``os.fork``: the server processes
    start from this process's memory as it is. The loader reaps the processes it forked (the
    supervisor watches them through pidfds) and never touches the store, so the pages they
    share with it stay shared.
    """
    stopping = threading.Event()  # set from a signal handler only: no thread is started

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    # Every object the loader made is left out of garbage collection from now on: a collection
    # in a server process would write to each of them, and so copy every page of the loader's
    # Python heap into that process.
    gc.collect()
    gc.freeze()
    forked: set[int] = set()
    link.loaded()
    pending = b""
    while not stopping.is_set():
        with contextlib.suppress(InterruptedError):
            readable, _, _ = select.select([0], [], [], 0.5)
            if readable:
                chunk = os.read(0, 4096)
                if not chunk:
                    break  # the supervisor is gone
                pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.strip() != b"fork":
                continue
            pid = os.fork()
            if pid == 0:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)  # the supervisor's pipe is the loader's to read
                os.close(devnull)
                serve()
            forked.add(pid)
            link.forked(pid)
        for pid in list(forked):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue
            forked.discard(pid)


__all__ = ["SupervisorLink", "name_process", "run_loader"]
