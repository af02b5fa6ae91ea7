"""A private OpenLink Virtuoso for the remote-engine tests, and the datasets published to it.

Virtuoso comes from Debian's packages (``virtuoso-opensource``), installed here when missing:
non-interactively, with no DBA password given, so debconf asks nothing and the package leaves its
system service disabled (on a machine without an init system, invoke-rc.d does not start it
anyway). Each test session then runs its own server: a fresh database in a temporary folder,
HTTP and SQL on free ports of 127.0.0.1, stopped (by its process id) when the session ends.

The tests publish with a user that has the SPARQL_UPDATE role and write permission on graphs, over
Virtuoso's digest-authenticated endpoints (/sparql-auth, /sparql-graph-crud-auth); the DBA
password is replaced by a random one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from graphsvc.config import Settings
from graphsvc.load import discover
from graphsvc.store.remote.config import RemoteConfig
from graphsvc.store.remote.publish import publish
from tests.support import FIXTURES, free_port, small_settings, stop

PACKAGE = "virtuoso-opensource"
VSP = Path("/var/lib/virtuoso-opensource-7/vsp")
INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = {folder}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 1
MaxQueryMem = 1G
TransactionAfterImageLimit = {after_image}
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = {max_seconds}
"""


def ensure_installed() -> None:
    """Install Virtuoso from Debian's packages when it is missing (we run as root)."""
    if shutil.which("virtuoso-t") and shutil.which("isql-vt"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", PACKAGE]
    done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        # A fresh machine has no package lists yet.
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=900)
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not shutil.which("virtuoso-t"):
        raise RuntimeError(f"could not install {PACKAGE}:\n{done.stdout}\n{done.stderr}")


@dataclass
class Virtuoso:
    folder: Path
    http_port: int
    sql_port: int
    process: subprocess.Popen[bytes]
    user: str = "graphsvc"
    password: str = ""
    dba_password: str = field(default="dba", repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql(self) -> str:
        return f"{self.base}/sparql"

    @property
    def sparql_auth(self) -> str:
        return f"{self.base}/sparql-auth"

    @property
    def graph_store(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    def env(self) -> dict[str, str]:
        """The environment that gives graphsvc the store's credentials."""
        return {
            "GRAPHSVC_REMOTE_USER": self.user,
            "GRAPHSVC_REMOTE_PASSWORD": self.password,
            "GRAPHSVC_REMOTE_AUTH": "digest",
        }

    def config(self, release: str, **overrides: object) -> RemoteConfig:
        values: dict[str, object] = {
            "endpoint": self.sparql_auth,
            "graph_store": self.graph_store,
            "user": self.user,
            "password": self.password,
            "auth": "digest",
            "release": release,
            "timeout": 60.0,
        }
        values.update(overrides)
        return RemoteConfig(**values)  # type: ignore[arg-type]

    def settings(self, release: str, **overrides: object) -> Settings:
        """Settings that serve a published release through the remote engine."""
        values: dict[str, object] = {
            "paths": [],
            "engine": "remote",
            "remote_endpoint": self.sparql_auth,
            "remote_user": self.user,
            "remote_password": self.password,
            "remote_auth": "digest",
            "remote_release": release,
        }
        values.update(overrides)
        return small_settings(**values)

    def isql(self, sql: str, timeout: float = 60) -> str:
        """Run SQL as the DBA (the bulk loader of bench/remote_overhead.py, for one)."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", self.dba_password, f"exec={sql}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed: {done.stdout}\n{done.stderr}")
        return done.stdout

    def select(self, query: str) -> list[dict[str, str]]:
        """Ask Virtuoso itself, anonymously (read-only), for checks that bypass graphsvc."""
        response = httpx.post(
            self.sparql,
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        response.raise_for_status()
        rows = response.json()["results"]["bindings"]
        return [{k: v["value"] for k, v in row.items()} for row in rows]

    def graph(self, name: str) -> Graph:
        """One graph as Virtuoso itself holds it."""
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
        response = httpx.post(
            self.sparql, data={"query": query}, headers={"Accept": "application/n-triples"}
        )
        response.raise_for_status()
        return Graph().parse(data=response.text, format="nt")

    def cpu_ticks(self) -> int:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])


def _wait_ready(server: Virtuoso, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = (server.folder / "virtuoso.out").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"virtuoso-t exited with {server.process.returncode}:\n{log}")
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(server.sparql, params={"query": "ASK {}"}, timeout=2)
            if answer.status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("virtuoso-t did not answer within the time limit")


@contextlib.contextmanager
def running_virtuoso(
    folder: Path,
    *,
    buffers: int = 20000,
    after_image: int = 50_000_000,
    max_seconds: int = 60,
) -> Iterator[Virtuoso]:
    """A private Virtuoso with its own database in ``folder``; stopped on exit.

    ``buffers`` (8 KB pages of cache), ``after_image`` (bytes one transaction may change: 50 MB,
    Virtuoso's default, holds about 200 000 changed triples) and ``max_seconds`` (the time limit
    of one SPARQL request, updates included) are what a large atomic publish needs raised; the
    benchmark does (docs/remote.md).
    """
    ensure_installed()
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        INI.format(
            folder=folder,
            sql_port=sql_port,
            http_port=http_port,
            vsp=VSP,
            buffers=buffers,
            dirty=buffers * 3 // 4,
            after_image=after_image,
            max_seconds=max_seconds,
        )
    )
    with (folder / "virtuoso.out").open("wb") as out:
        process = subprocess.Popen(
            ["virtuoso-t", "+foreground", "+configfile", str(ini)],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Virtuoso(folder, http_port, sql_port, process, password=secrets.token_hex(12))
    try:
        _wait_ready(server)
        server.isql(
            f"DB.DBA.USER_CREATE('{server.user}', '{server.password}'); "
            f'GRANT SPARQL_UPDATE TO "{server.user}"; '
            f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{server.user}', 3);"
        )
        dba = "p" + secrets.token_hex(12)  # an identifier: it must not start with a digit
        server.isql(f"SET PASSWORD dba {dba};")
        server.dba_password = dba
        yield server
    finally:
        stop(process)


SMALL_RELEASE = "urn:graphsvc-test:small"


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def publish_for_test(
    request: pytest.FixtureRequest,
    paths: list[Path],
    release: str,
    overrides: dict[str, object] | None = None,
) -> Settings:
    """Publish files to the session's Virtuoso; settings that serve them with the remote engine."""
    server: Virtuoso = request.getfixturevalue("virtuoso")
    publish(discover(paths, base_iri=Settings().base_iri), server.config(release))
    return server.settings(release, **(overrides or {}))


@pytest.fixture(scope="session")
def remote_small_settings(request: pytest.FixtureRequest) -> Settings:
    """The small fixture dataset published to Virtuoso, and settings that serve it remotely."""
    return publish_for_test(request, [FIXTURES / "small"], SMALL_RELEASE)
