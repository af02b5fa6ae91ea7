"""``graphsvc serve`` with query threads: a supervisor and the server processes it keeps running.

A query thread cannot be stopped, but its process can (execution/threads.py). So ``graphsvc serve``
becomes a small supervisor: it binds the listening socket once, then starts the server processes
(``python -m graphsvc serve`` again, handed the socket and the resolved settings) and keeps
``processes`` of them serving. All of them accept from the one socket, so the kernel's accept queue
holds connections whatever process is busy, starting or stopping.

A server process whose query outlives its limit answers 503 and asks to be replaced. The
supervisor starts a replacement and, once it serves, stops the old process with SIGTERM: uvicorn
finishes the requests in flight, and the process exits, taking its runaway with it. Until then
the old process keeps answering, so a runaway never makes the service refuse anything; the cost
is one core busy for the replacement's start-up (an open for ``--store``, a load otherwise).

The supervisor never loads data and never imports the engine, so it stays small and outlives
whatever its children do. If it dies (even by SIGKILL), each server process sees its lifeline
pipe close and shuts down. If the first server process cannot start (the data does not parse),
the supervisor exits with that process's exit code, after it has printed why.

With a memory budget (``--memory-budget``), the supervisor also keeps a *standby* process: loaded
and started like the others, but not accepting until told to (a line ``go`` on its standard
input). A server process that passes its share of the budget cannot wait for a replacement to
load (a query can allocate a gigabyte a second): it answers its queries 503 and ends at once
(execution/memory.py), and the standby takes its place within a fraction of a second, so the
service keeps answering; a new standby then loads. A runaway query's process is replaced by the
standby too, when one is ready.

Messages go from server processes to the supervisor over one pipe, a line each, shorter than
PIPE_BUF so that writes from several processes never interleave: ``ready <pid>``,
``retire <pid>``, ``standby <pid>`` (loaded, waiting), ``exit <pid>`` (ending now) and
``unbounded <pid>`` (this process bounds no memory, so no standby is kept: the data nearly fill
the budget, or its queries hold no memory here).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

SUPERVISED = "GRAPHSVC_SUPERVISED"
"""Set in a server process's environment: ``<listen fd>,<message fd>,<lifeline fd>``."""
SUPERVISED_SETTINGS = "GRAPHSVC_SUPERVISED_SETTINGS"
"""The supervisor's resolved settings, as JSON: flags and environment were read once, there."""
STANDBY = "GRAPHSVC_STANDBY"
"""Set (to 1) in a standby process's environment: load, then wait for ``go`` on stdin."""
SUPERVISOR = "GRAPHSVC_SUPERVISOR"
"""What ``main`` runs: the listening socket's descriptor, the server command, and counts."""
RESTART_LIMIT = 5
"""Unexpected exits within RESTART_WINDOW after which the supervisor gives up."""
RESTART_WINDOW = 60.0


@dataclass
class _Child:
    process: subprocess.Popen[bytes]
    ready: bool = False
    retiring: bool = False
    replaces: int | None = None
    stopped_at: float | None = None
    standby: bool = False
    standing_by: bool = False


@dataclass
class Supervisor:
    """Keeps ``processes`` server processes serving on ``sock``."""

    sock: socket.socket
    command: list[str]
    environment: dict[str, str]
    processes: int = 1
    grace: float = 31.0
    """Seconds a stopped server process has to finish its requests before SIGKILL."""
    standby: bool = False
    """Keep a standby process (see the module's docstring)."""
    _children: dict[int, _Child] = field(default_factory=dict)
    _stopping: bool = False
    _ever_ready: bool = False
    _failures: list[float] = field(default_factory=list)

    def run(self) -> int:
        """Serve until SIGTERM or SIGINT; the exit code of ``graphsvc serve``."""
        messages, self._message_end = os.pipe()
        # Only the read end goes to the server processes; the write end closes when this dies.
        self._lifeline, lifeline_end = os.pipe()
        os.set_blocking(messages, False)
        wake, self._wake_end = os.pipe()
        os.set_blocking(wake, False)
        os.set_blocking(self._wake_end, False)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(signum, self._on_signal)
        try:
            # One first: it loads the data (or an on-disk store) while the others would only
            # compete for memory and the store's write lock; they start once it serves.
            self._spawn()
            buffered = b""
            while self._children or not self._stopping:
                ready, _, _ = select.select([messages, wake], [], [], 0.5)
                if wake in ready:
                    with contextlib.suppress(BlockingIOError):
                        os.read(wake, 4096)
                if messages in ready:
                    with contextlib.suppress(BlockingIOError):
                        buffered += os.read(messages, 4096)
                    *lines, buffered = buffered.split(b"\n")
                    for line in lines:
                        self._on_message(line.decode("ascii", "replace"))
                code = self._reap()
                if code is not None:
                    return code
                self._enforce_grace()
            return 0
        finally:
            for child in self._children.values():
                with contextlib.suppress(ProcessLookupError):
                    child.process.kill()
            for fd in (messages, self._message_end, self._lifeline, lifeline_end, wake):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _on_signal(self, signum: int, _frame: object) -> None:
        if signum in (signal.SIGTERM, signal.SIGINT) and not self._stopping:
            self._stopping = True
            for child in self._children.values():
                self._stop(child)
        with contextlib.suppress(OSError):
            os.write(self._wake_end, b"!")

    def _spawn(self, replaces: int | None = None, *, standby: bool = False) -> None:
        fds = (self.sock.fileno(), self._message_end, self._lifeline)
        environment = {**self.environment, SUPERVISED: ",".join(map(str, fds))}
        if standby:
            environment[STANDBY] = "1"
        process = subprocess.Popen(
            self.command,
            env=environment,
            pass_fds=fds,
            stdin=subprocess.PIPE if standby else None,
        )
        self._children[process.pid] = _Child(process, replaces=replaces, standby=standby)
        log.info("server process %d started%s", process.pid,
                 " as the standby" if standby else
                 f" to replace {replaces}" if replaces else "")  # fmt: skip

    def _spare(self) -> _Child | None:
        return next((c for c in self._children.values() if c.standby and c.standing_by), None)

    def _promote(self, spare: _Child, replaces: int | None) -> None:
        """Put the standby process to work (in place of ``replaces``), and start a new one."""
        spare.standby = spare.standing_by = False
        spare.replaces = replaces
        stdin = spare.process.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):
            stdin.write(b"go\n")
            stdin.close()
        log.info("standby process %d serves%s", spare.process.pid,
                 f" in place of {replaces}" if replaces else "")  # fmt: skip
        self._spawn(standby=True)

    def _replace(self, child: _Child) -> None:
        spare = self._spare()
        if spare is not None:
            self._promote(spare, child.process.pid)
        else:
            self._spawn(replaces=child.process.pid)

    def _stop(self, child: _Child) -> None:
        if child.stopped_at is None:
            child.stopped_at = time.monotonic()
            with contextlib.suppress(ProcessLookupError):
                child.process.terminate()

    def _on_message(self, line: str) -> None:
        word, _, pid_text = line.partition(" ")
        child = self._children.get(int(pid_text)) if pid_text.isdigit() else None
        if child is None or self._stopping:
            return
        if word == "ready":
            if not self._ever_ready:
                for _ in range(self.processes - 1):
                    self._spawn()
                if self.standby:
                    self._spawn(standby=True)
            child.ready = self._ever_ready = True
            old = self._children.get(child.replaces) if child.replaces else None
            if old is not None:
                log.info("server process %d replaces %d", child.process.pid, old.process.pid)
                self._stop(old)
        elif word == "unbounded" and self.standby:
            # The budget bounds nothing (the data nearly fill it, or queries hold no memory
            # here): a standby would hold a second copy of the store for nothing.
            log.info("the memory budget bounds nothing here: no standby process")
            self.standby = False
            for other in list(self._children.values()):
                if other.standby:
                    other.retiring = True
                    self._stop(other)
        elif word == "standby":
            child.standing_by = True
            log.info("standby process %d is ready", child.process.pid)
        elif word == "retire" and not child.retiring:
            child.retiring = True
            log.warning("server process %d has a runaway query: replacing it", child.process.pid)
            self._replace(child)
        elif word == "exit" and child.stopped_at is None:
            # Ending by itself, now (its memory share is spent): not a failure to count.
            child.retiring = True
            child.stopped_at = time.monotonic()
            log.warning("server process %d passed its memory limit: replacing it",
                        child.process.pid)  # fmt: skip
            spare = self._spare()
            if spare is not None:
                self._promote(spare, None)
            else:
                self._spawn()

    def _reap(self) -> int | None:
        """Forget the processes that exited; replace those that should not have."""
        for pid, child in list(self._children.items()):
            code = child.process.poll()
            if code is None:
                continue
            del self._children[pid]
            if self._stopping or child.stopped_at is not None:
                continue
            if not self._ever_ready:
                # The first start failed (bad data, a port in use...): it said why, on stderr.
                self._on_signal(signal.SIGTERM, None)
                return code if code > 0 else 1
            now = time.monotonic()
            self._failures = [t for t in self._failures if now - t < RESTART_WINDOW] + [now]
            if len(self._failures) > RESTART_LIMIT:
                log.error("server processes keep exiting (%d in %g s): giving up",
                          len(self._failures), RESTART_WINDOW)  # fmt: skip
                self._on_signal(signal.SIGTERM, None)
                return 1
            log.error("server process %d exited with %s", pid, code)
            if child.retiring:
                continue  # its replacement is already starting
            if child.standby:
                self._spawn(standby=True)
                continue
            spare = self._spare()
            if spare is not None and child.ready:
                # A serving process died (a crash in the engine): the standby serves at once.
                self._promote(spare, None)
                continue
            # A failed replacement is retried; the process it was to replace serves meanwhile.
            self._spawn(replaces=child.replaces if child.replaces in self._children else None)
        return None

    def _enforce_grace(self) -> None:
        now = time.monotonic()
        for child in self._children.values():
            if child.stopped_at is not None and now - child.stopped_at > self.grace:
                with contextlib.suppress(ProcessLookupError):
                    child.process.kill()


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

    def _send(self, word: str) -> None:
        with contextlib.suppress(OSError):
            os.write(self._message_fd, f"{word} {os.getpid()}\n".encode("ascii"))

    def ready(self) -> None:
        self._send("ready")

    def unbounded(self) -> None:
        """This process does not bound its memory: no standby is worth keeping for it."""
        self._send("unbounded")

    def standing_by(self) -> None:
        self._send("standby")

    def exiting(self) -> None:
        self._retired = True
        self._send("exit")

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
    standby: bool = False,
) -> None:
    """Become the supervisor: a fresh interpreter that imports only this module.

    The command line has read flags and environment with pydantic and typer; the supervisor
    needs neither, and lives as long as the service, so it sheds them (about 17 MB).
    """
    spec = {
        "listen_fd": sock.fileno(),
        "command": server_command(log_level),
        "processes": processes,
        "grace": grace,
        "log_level": log_level,
        "standby": standby,
    }
    environment = {**os.environ, SUPERVISOR: json.dumps(spec), SUPERVISED_SETTINGS: settings_json}
    sys.stdout.flush()
    sys.stderr.flush()
    # The arguments after the module are only for ps and friends: what serves, and where.
    host, port = sock.getsockname()[:2]
    shown = ["serve", "--host", str(host), "--port", str(port)]
    command = [sys.executable, "-m", "graphsvc.server.supervisor", *shown]
    os.execve(sys.executable, command, environment)


def main() -> int:
    spec = json.loads(os.environ[SUPERVISOR])
    logging.basicConfig(
        level=str(spec["log_level"]).upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    environment = {k: v for k, v in os.environ.items() if k != SUPERVISOR}
    supervisor = Supervisor(
        sock=socket.socket(fileno=int(spec["listen_fd"])),
        command=list(spec["command"]),
        environment=environment,
        processes=int(spec["processes"]),
        grace=float(spec["grace"]),
        standby=bool(spec.get("standby", False)),
    )
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
