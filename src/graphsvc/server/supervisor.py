"""``graphsvc serve`` with query threads: a supervisor and the server processes it keeps running.

A query thread cannot be stopped, but its process can (execution/threads.py). So ``graphsvc serve``
becomes a small supervisor: it binds the listening socket once, then keeps ``processes`` server
processes serving it (one per core by default). All of them accept from the one socket, so the
kernel's accept queue holds connections whatever process is busy, starting or stopping.

How a server process comes to be depends on where the data are:

- **In memory** (the default): one *loader* process (``python -m graphsvc serve`` again, handed
  the socket and the resolved settings) loads and validates the data once, then forks the server
  processes on request (a line ``fork`` on its standard input). They share the loaded store
  copy-on-write, so N processes hold about one copy of it, and a replacement serves within
  milliseconds instead of a reload. The loader itself never serves and never runs a query: the
  store it holds stays as loaded, for the next fork.
- **On disk** (``--store``) or **remote** (``--engine remote``): each server process is started
  like the loader and opens the store itself (read-only, in milliseconds) or its connections.

A server process whose query outlives its limit answers 503 and asks to be replaced
(``retire``); one that passes its share of the memory budget answers its queries 503 and ends at
once (``exit``; execution/memory.py). The supervisor has a replacement made and, once it serves,
stops the old process with SIGTERM: uvicorn finishes the requests in flight, and the process
exits, taking its runaway with it. Until then the old process keeps answering.

The supervisor never loads data and never imports the engine, so it stays small and outlives
whatever its children do. If it dies (even by SIGKILL), each server process sees its lifeline
pipe close and shuts down, and the loader sees its standard input close. If the first start
fails (the data do not parse), the supervisor exits with that process's exit code, after it has
printed why. A loader that dies later is started again; the processes it forked serve meanwhile.

Messages go from the loader and server processes to the supervisor over one pipe, a line each,
shorter than PIPE_BUF so that writes from several processes never interleave: ``ready <pid>``,
``retire <pid>``, ``renew <pid>`` (a forked process that no longer shares enough with the
loader), ``exit <pid>`` (ending now), and from the loader ``loaded <pid>`` and
``forked <pid>`` (the pid of the process it just forked).
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
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

SUPERVISED = "GRAPHSVC_SUPERVISED"
"""Set in a server process's environment: ``<listen fd>,<message fd>,<lifeline fd>``."""
SUPERVISED_SETTINGS = "GRAPHSVC_SUPERVISED_SETTINGS"
"""The supervisor's resolved settings, as JSON: flags and environment were read once, there."""
LOADER = "GRAPHSVC_LOADER"
"""Set (to 1) in the loader's environment: load, then fork a server process per ``fork`` line."""
SUPERVISOR = "GRAPHSVC_SUPERVISOR"
"""What ``main`` runs: the listening socket's descriptor, the server command, and counts."""
RESTART_LIMIT = 5
"""Unexpected exits within RESTART_WINDOW after which the supervisor gives up."""
RESTART_WINDOW = 60.0


class _Forked:
    """A server process the loader forked: not our child, so it is watched through a pidfd
    (readable once the process has ended) and has no exit code to read here."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:
            self._pidfd, self.returncode = None, -1

    def poll(self) -> int | None:
        if self.returncode is None and self._pidfd is not None:
            ended, _, _ = select.select([self._pidfd], [], [], 0)
            if ended:
                os.close(self._pidfd)
                self._pidfd, self.returncode = None, -1
        return self.returncode

    def terminate(self, signum: int = signal.SIGTERM) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.terminate(signal.SIGKILL)


class _Adopted(_Forked):
    """The loader the command forked before it became this supervisor (cli/serve.py): a child
    of this process, so its exit code can be read, but not started by ``subprocess``."""

    def __init__(self, pid: int, stdin_fd: int) -> None:
        self.pid = pid
        self.returncode = None
        self.stdin = os.fdopen(stdin_fd, "wb")

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


@dataclass
class _Child:
    process: subprocess.Popen[bytes] | _Forked
    ready: bool = False
    retiring: bool = False
    replaces: int | None = None
    stopped_at: float | None = None
    loader: bool = False
    loaded: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class Supervisor:
    """Keeps ``processes`` server processes serving on ``sock``."""

    sock: socket.socket
    command: list[str]
    environment: dict[str, str]
    processes: int = 1
    grace: float = 31.0
    """Seconds a stopped server process has to finish its requests before SIGKILL."""
    fork: bool = False
    """Server processes are forked by a loader (see the module's docstring)."""
    pipes: tuple[int, ...] | None = None
    """The message and lifeline pipes (read, write, read, write), made by the command when it
    forked the loader itself; else made here."""
    adopted: tuple[int, ...] | None = None
    """That loader's pid and the write end of its standard input."""
    _children: dict[int, _Child] = field(default_factory=dict)
    _stopping: bool = False
    _ever_ready: bool = False
    _failures: list[float] = field(default_factory=list)
    _wanted: list[int | None] = field(default_factory=list)
    """Forks to ask the loader for, each the pid it replaces (or None), once it has loaded."""
    _asked: list[int | None] = field(default_factory=list)
    """Forks asked for, in order, whose ``forked`` message has not come yet."""

    def run(self) -> int:
        """Serve until SIGTERM or SIGINT; the exit code of ``graphsvc serve``."""
        messages, self._message_end, self._lifeline, lifeline_end = self.pipes or (
            *os.pipe(),
            # Only the read end goes to the server processes; the write end closes when this dies.
            *os.pipe(),
        )
        os.set_blocking(messages, False)
        wake, self._wake_end = os.pipe()
        os.set_blocking(wake, False)
        os.set_blocking(self._wake_end, False)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(signum, self._on_signal)
        try:
            # One first: it loads the data (or an on-disk store) while others would only
            # compete for memory and the store's write lock; they come once it is done.
            if self.fork and self.adopted:
                pid, stdin = self.adopted
                self._children[pid] = _Child(_Adopted(pid, stdin), loader=True)
                log.info("loader process %d started", pid)
            elif self.fork:
                self._spawn_loader()
            if self.fork:
                self._wanted = [None] * self.processes
            else:
                self._spawn()
            buffered = b""
            while self._children or not self._stopping:
                ready, _, _ = select.select([messages, wake], [], [], 0.2)
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

    def _popen(self, *, loader: bool) -> subprocess.Popen[bytes]:
        fds = (self.sock.fileno(), self._message_end, self._lifeline)
        environment = {**self.environment, SUPERVISED: ",".join(map(str, fds))}
        if loader:
            environment[LOADER] = "1"
        return subprocess.Popen(
            self.command,
            env=environment,
            pass_fds=fds,
            stdin=subprocess.PIPE if loader else None,
        )

    def _spawn(self, replaces: int | None = None) -> None:
        """Start a server process that loads or opens the data itself."""
        process = self._popen(loader=False)
        self._children[process.pid] = _Child(process, replaces=replaces)
        log.info("server process %d started%s", process.pid,
                 f" to replace {replaces}" if replaces else "")  # fmt: skip

    def _spawn_loader(self) -> None:
        process = self._popen(loader=True)
        self._children[process.pid] = _Child(process, loader=True)
        log.info("loader process %d started", process.pid)

    def _loader(self) -> _Child | None:
        return next((c for c in self._children.values() if c.loader and c.stopped_at is None), None)

    def _ask_forks(self) -> None:
        loader = self._loader()
        if loader is None or not loader.loaded or not self._wanted:
            return
        stdin = getattr(loader.process, "stdin", None)
        assert stdin is not None
        try:
            stdin.write(b"fork\n" * len(self._wanted))
            stdin.flush()
        except OSError:
            return  # the loader is ending: its exit is handled by _reap, the forks stay wanted
        self._asked += self._wanted
        self._wanted = []

    def _replace(self, child: _Child) -> None:
        if self.fork:
            self._wanted.append(child.process.pid)
            self._ask_forks()
        else:
            self._spawn(replaces=child.process.pid)

    def _stop(self, child: _Child) -> None:
        if child.stopped_at is None:
            child.stopped_at = time.monotonic()
            with contextlib.suppress(ProcessLookupError):
                child.process.terminate()

    def _on_message(self, line: str) -> None:
        word, _, pid_text = line.partition(" ")
        if not pid_text.isdigit() or self._stopping:
            return
        if word == "forked":
            replaces = self._asked.pop(0) if self._asked else None
            self._children[int(pid_text)] = _Child(_Forked(int(pid_text)), replaces=replaces)
            return
        child = self._children.get(int(pid_text))
        if child is None:
            return
        if word == "loaded" and child.loader:
            child.loaded = True
            log.info("loader process %d has loaded the data", child.process.pid)
            self._ask_forks()
        elif word == "ready":
            if not self._ever_ready and not self.fork:
                for _ in range(self.processes - 1):
                    self._spawn()
            child.ready = self._ever_ready = True
            log.info("server process %d serves", child.process.pid)
            old = self._children.get(child.replaces) if child.replaces else None
            if old is not None:
                log.info("server process %d replaces %d", child.process.pid, old.process.pid)
                self._stop(old)
        elif word in ("retire", "renew") and not child.retiring:
            child.retiring = True
            if word == "retire":
                log.warning("server process %d has a runaway query: replacing it", child.pid)
            else:
                log.info("server process %d no longer shares enough with the loader: "
                         "replacing it with a new fork", child.pid)  # fmt: skip
            self._replace(child)
        elif word == "exit" and child.stopped_at is None:
            # Ending by itself, now (its memory share is spent): not a failure to count.
            child.retiring = True
            child.stopped_at = time.monotonic()
            log.warning("server process %d passed its memory limit: replacing it",
                        child.process.pid)  # fmt: skip
            if self.fork:
                self._wanted.append(None)
                self._ask_forks()
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
            if child.loader:
                # Its server processes serve on; the next forks come from a new loader.
                log.error("loader process %d exited with %s: loading again", pid, code)
                self._wanted += self._asked
                self._asked = []
                self._spawn_loader()
                continue
            log.error("server process %d exited%s", pid, f" with {code}" if code >= 0 else "")
            if child.retiring:
                continue  # its replacement is already coming
            # A failed replacement is retried; the process it was to replace serves meanwhile.
            replaces = child.replaces if child.replaces in self._children else None
            if self.fork:
                self._wanted.append(replaces)
                self._ask_forks()
            else:
                self._spawn(replaces=replaces)
        return None

    def _enforce_grace(self) -> None:
        now = time.monotonic()
        for child in self._children.values():
            if child.stopped_at is not None and now - child.stopped_at > self.grace:
                with contextlib.suppress(ProcessLookupError):
                    child.process.kill()


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
        fork=bool(spec.get("fork", False)),
        pipes=tuple(spec["pipes"]) if spec.get("pipes") else None,
        adopted=tuple(spec["loader"]) if spec.get("loader") else None,
    )
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
