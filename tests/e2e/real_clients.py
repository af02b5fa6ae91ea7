"""The non-Python clients the end-to-end tests run: Apache Jena's command-line tools and Comunica.

Both are installed by the Makefile (`make jena`, `make comunica`, and so by `make test`) before
any test starts; a test that needs one and finds it missing fails with the command to run,
never skips.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

JAVA_DIR = Path("/usr/share/java")
JS_DIR = Path(__file__).parent / "js"
# What Jena's tools load (the jars of Debian's libapache-jena-java and of the packages it depends
# on), with one SLF4J binding: the Debian folder holds several, and two together stop Jena.
JENA_JARS = [
    *(f"jena-{name}.jar" for name in (
        "arq", "base", "cmds", "core", "dboe-base", "dboe-index", "dboe-storage",
        "dboe-trans-data", "dboe-transaction", "iri", "rdfconnection", "shacl", "shex", "tdb",
        "tdb2",
    )),
    "commons-cli.jar", "commons-codec.jar", "commons-compress.jar", "commons-csv.jar",
    "commons-io.jar", "commons-lang3.jar", "commons-logging.jar", "dexx.collection.jar",
    "gson.jar", "guava.jar", "httpclient.jar", "httpcore.jar", "jackson-annotations.jar",
    "jackson-core.jar", "jackson-databind.jar", "jakarta.json-api.jar", "jsonld-java.jar",
    "protobuf.jar", "thrift.jar", "titanium-json-ld.jar", "slf4j-api.jar", "slf4j-nop.jar",
]  # fmt: skip


def jena_classpath(work: Path) -> str:
    """The class path for ``java -cp … arq.rsparql`` (and ``arq.sparql``), or a failed test.

    Debian's jena-core moves Jena's copy of Xerces to the package ``xerces`` but leaves its
    message files under ``org/apache/jena/ext/xerces``; without them Jena stops with "internal
    error" before it reads a query. A copy of those files at the moved place, in ``work``, fixes it.
    """
    missing = [jar for jar in JENA_JARS if not (JAVA_DIR / jar).is_file()]
    if shutil.which("java") is None or missing:
        pytest.fail(
            "Apache Jena is not installed (missing: "
            + ", ".join(missing or ["java"])
            + "): run `make jena` (Debian's libapache-jena-java), as `make test` does"
        )
    shim = work / "jena-xerces-messages"
    if not shim.exists():
        prefix = "org/apache/jena/ext/xerces/"
        with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
            for name in jar.namelist():
                if name.startswith(prefix) and name.endswith(".properties"):
                    target = shim / "xerces" / name[len(prefix) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    return ":".join([str(shim), *(str(JAVA_DIR / jar) for jar in JENA_JARS)])


def run_jena(work: Path, tool: str, *args: str) -> str:
    result = subprocess.run(
        ["java", "-cp", jena_classpath(work), tool, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{tool} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def comunica(endpoint: str, query: str) -> str:
    """Comunica's answer to ``query`` over ``endpoint``, as tests/e2e/js/query.mjs prints it."""
    if shutil.which("node") is None or not (JS_DIR / "node_modules" / "@comunica").is_dir():
        pytest.fail(
            "Comunica is not installed in tests/e2e/js: run `make comunica` (npm ci), "
            "as `make test` does"
        )
    result = subprocess.run(
        ["node", str(JS_DIR / "query.mjs"), endpoint, query],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=JS_DIR,
    )
    assert result.returncode == 0, f"Comunica failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout
