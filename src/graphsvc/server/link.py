"""A server process's side of the supervisor (supervisor.py): its messages, its lifeline, and
the loader's loop that forks server processes.

Standard library only, like the supervisor: the loader imports it before it loads anything.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import json
import os
import select
import signal
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from graphsvc.server.supervisor import LOADER, SUPERVISED, SUPERVISED_SETTINGS, SUPERVISOR


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


def bind(host: str, port: int) -> socket.socket:
    """The listening socket all server processes share (what uvicorn would bind itself)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def server_command(log_level: str) -> list[str]:
    return [sys.executable, "-m", "graphsvc", "serve", "--log-level", log_level]


def exec_supervisor(
    sock: socket.socket,
    *,
    log_level: str,
    processes: int,
    grace: float,
    settings_json: str,
    fork: bool = False,
    loader: EarlyLoader | None = None,
) -> NoReturn:
    """Become the supervisor: a fresh interpreter that imports only supervisor.py.

    The command line has read flags and environment with pydantic and typer; the supervisor
    needs neither, and lives as long as the service, so it sheds them (about 17 MB).
    ``loader``: the loader the command forked already (``fork_loader``).
    """
    spec = {
        "listen_fd": sock.fileno(),
        "command": server_command(log_level),
        "processes": processes,
        "grace": grace,
        "log_level": log_level,
        "fork": fork,
        "pipes": list(loader.supervisor_fds) if loader else None,
        "loader": [loader.pid, loader.stdin] if loader else None,
    }
    environment = {**os.environ, SUPERVISOR: json.dumps(spec), SUPERVISED_SETTINGS: settings_json}
    sys.stdout.flush()
    sys.stderr.flush()
    # The arguments after the module are only for ps and friends: what serves, and where.
    host, port = sock.getsockname()[:2]
    shown = ["serve", "--host", str(host), "--port", str(port)]
    command = [sys.executable, "-m", "graphsvc.server.supervisor", *shown]
    os.execve(sys.executable, command, environment)




@dataclass(frozen=True)
class EarlyLoader:
    """A loader forked by the command itself (``fork_loader``), for the supervisor to adopt."""

    pid: int
    stdin: int
    """The write end of the loader's standard input (``fork`` lines)."""
    supervisor_fds: tuple[int, int, int, int]
    """The message pipe (read, write) and the lifeline (read, write), kept by supervisor.py."""


def fork_loader(sock: socket.socket) -> SupervisorLink | EarlyLoader:
    """Fork the loader from the command's own process, before it becomes the supervisor.

    A loader the supervisor starts is a new interpreter that imports everything again (about
    half a second) before its load can begin; this one has the command's imports and settings
    already and starts loading at once, while the supervisor starts beside it. In the child,
    returns its link (the caller runs the loader); in the parent, what the supervisor needs to
    adopt it.
    """
    messages, message_end = os.pipe()
    lifeline, lifeline_end = os.pipe()
    stdin, stdin_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        # The supervisor's ends stay with it, or they would never close when it goes.
        for fd in (messages, lifeline_end, stdin_end):
            os.close(fd)
        os.dup2(stdin, 0)
        os.close(stdin)
        os.environ[LOADER] = "1"
        os.environ[SUPERVISED] = f"{sock.fileno()},{message_end},{lifeline}"
        return SupervisorLink(message_end, lifeline)
    os.close(stdin)
    for fd in (messages, message_end, lifeline, lifeline_end, stdin_end):
        os.set_inheritable(fd, True)
    return EarlyLoader(pid, stdin_end, (messages, message_end, lifeline, lifeline_end))


__all__ = [
    "EarlyLoader",
    "SupervisorLink",
    "bind",
    "exec_supervisor",
    "fork_loader",
    "name_process",
    "run_loader",
    "server_command",
]
