"""Three installations on loopback — a hub, a province and a commune — each a uvicorn process of its own
with its own database and files, for the exchange's end-to-end tests and bench.

The database is migrated once into a template (an SQLite file copied per node; on PostgreSQL a database
made ``TEMPLATE`` of it), each node is seeded by ``manage.py exchange_testnode seed`` (its organisation,
people and API tokens, its signing key, the directory), then served with the embedded workers
(``DIEUHANH_INPROCESS_JOBS=1``: the dispatcher thread is woken the moment a message is queued).
Nodes can be stopped, killed and started again on the same port and data to test faults."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from exchange.testing.tlsca import NetworkCa, Pem

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
UVICORN = str(Path(PYTHON).with_name("uvicorn"))

HUB, PROVINCE, COMMUNE = "hub", "province", "commune"
PROVINCE_ID, COMMUNE_ID = "000.00.12.H99", "000.12.31.H99"
# the hub's own organisation (its key signs "could not deliver onward" reports), and an organisation the
# hub's directory still routes to the commune's installation, which does not serve it (a stale route)
HUB_ID, STRAY_ID = "000.00.99.H99", "000.12.32.H99"
# with ``Network(elsewhere=True)``: an organisation the hub routes to a receiver standing in for
# installations on other machines (exchange/testing/sink.py, the bench's "through the hub" stage)
ELSEWHERE, ELSEWHERE_ID = "elsewhere", "000.12.33.H99"
ELSEWHERE_NAME = "Đảng ủy xã Tân Thành"
NAMES = {
    PROVINCE_ID: "Văn phòng Tỉnh ủy Sông Lam",
    COMMUNE_ID: "Đảng ủy xã Hòa Bình",
    HUB_ID: "Trục liên thông tỉnh Sông Lam",
    STRAY_ID: "Đảng ủy xã Tân Lập",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def node_env(name: str, folder: Path) -> dict[str, str]:
    """An installation's environment: its data (an SQLite database unless DATABASE_URL is added) and
    files in ``folder``, the embedded workers, short exchange delays."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL"))}
    env.update(
        DATA_DIR=str(folder),
        DEBUG="0",
        DIEUHANH_TESTING="1",
        SECRET_KEY=f"exchange-test-{name}-secret-key-not-for-production",
        SIGNING_STORAGE_KEY=f"exchange-test-{name}-storage",
        DIEUHANH_INPROCESS_JOBS="1",
        EXCHANGE_POLL_SECONDS="0.2",
        EXCHANGE_BACKOFF_BASE="0.2",
        EXCHANGE_BACKOFF_MAX="2",
        # a process killed by a fault test may die holding a claim: taken again soon, not after 2 min
        EXCHANGE_LEASE_SECONDS="8",
        EXCHANGE_DISPATCH_THREADS="8",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    return env


@dataclass
class Node:
    name: str
    port: int
    folder: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    workers: int = 1  # uvicorn worker processes (each with its embedded dispatcher and worker threads)
    # served over HTTPS requiring a client certificate of the network's CA (``Network(tls=True)``)
    ca: NetworkCa | None = None
    pem: Pem | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.ca else 'http'}://127.0.0.1:{self.port}"

    @functools.cached_property
    def context(self) -> ssl.SSLContext | None:
        """How this harness talks to the node: as an installation of the network (its certificate)."""
        return self.ca.client_context(self.pem) if self.ca else None

    def _tls_args(self) -> list[str]:
        if self.ca is None or self.pem is None:
            return []
        return [
            *("--ssl-certfile", str(self.pem.cert), "--ssl-keyfile", str(self.pem.key)),
            *("--ssl-ca-certs", str(self.ca.pem), "--ssl-cert-reqs", str(int(ssl.CERT_REQUIRED))),
        ]

    def manage(self, *args: str, timeout: float = 120) -> Any:
        """Run a management command in this node's environment; the last line of output as JSON."""
        done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{self.name}: manage.py {' '.join(args)} failed:\n{done.stderr.decode()[-3000:]}"
            )
        lines = done.stdout.decode().strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def start(self) -> None:
        log = (self.folder / "server.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [
                UVICORN,
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                *(["--workers", str(self.workers)] if self.workers > 1 else []),
                *self._tls_args(),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(  # noqa: S310
                    f"{self.url}/exchange/v1/health", timeout=2, context=self.context
                ) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def api(self, method: str, path: str, role: str = "clerk", body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/api/v1{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.tokens[role]}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30, context=self.context) as response:  # noqa: S310
            return json.loads(response.read())

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(  # noqa: S310
            f"{self.url}/exchange/v1/health", timeout=5, context=self.context
        ) as response:
            return dict(json.loads(response.read()))


class Network:
    def __init__(
        self,
        base: Path | None = None,
        database_url: str = "",
        hub_workers: int = 1,
        commune_workers: int = 1,
        elsewhere: bool = False,
        tls: bool = False,
    ) -> None:
        self.base = base or Path(tempfile.mkdtemp(prefix="dieuhanh-exchange-"))
        self.database_url = database_url  # a PostgreSQL server URL (…/postgres) or "" for SQLite
        self.hub_workers = hub_workers  # the hub's uvicorn processes (the bench's --hub-workers)
        self.commune_workers = commune_workers  # … and the commune's (--commune-workers)
        self.elsewhere = elsewhere  # a stand-in receiver for ELSEWHERE_ID, on ``sink_url``
        # every node served over HTTPS requiring client certificates (mutual TLS) of one network CA, and
        # sending with its own; plain HTTP refused (EXCHANGE_ALLOW_HTTP=0)
        self.ca = NetworkCa("dieuhanh Exchange Network TLS CA", self.base / "tls") if tls else None
        self.sink: subprocess.Popen[bytes] | None = None
        self.sink_url = ""
        self.sink_pem: Pem | None = None
        self.nodes: dict[str, Node] = {}
        self.keys: dict[str, Any] = {}
        self._pg_names: list[str] = []

    def _env(self, name: str, folder: Path) -> dict[str, str]:
        env = node_env(name, folder)
        if self.database_url:
            env["DATABASE_URL"] = f"{self.database_url.rsplit('/', 1)[0]}/{self._db_name(name)}"
        return env

    def _db_name(self, node: str) -> str:
        return f"dh_x_{os.getpid()}_{node}"

    def start(self) -> Network:
        from signing.pki import TestPki

        pki = TestPki.create(root_cn="dieuhanh Exchange Network Root CA")
        keys = {identifier: pki.issue(NAMES[identifier], NAMES[identifier]) for identifier in NAMES}
        if self.elsewhere:
            keys[ELSEWHERE_ID] = pki.issue(ELSEWHERE_NAME, ELSEWHERE_NAME)
            self._start_sink()
        self.keys = keys  # the organisations' signing keys (the bench signs packages with them)
        ports = {name: _free_port() for name in (HUB, PROVINCE, COMMUNE)}
        template = self._template()
        for name in (HUB, PROVINCE, COMMUNE):
            folder = self.base / name
            folder.mkdir(parents=True, exist_ok=True)
            workers = {HUB: self.hub_workers, COMMUNE: self.commune_workers}.get(name, 1)
            self.nodes[name] = Node(name, ports[name], folder, self._env(name, folder), workers=workers)
            if self.ca is not None:
                node = self.nodes[name]
                node.ca, node.pem = self.ca, self.ca.issue(name, server=True, client=True)
                node.env.update(
                    EXCHANGE_ALLOW_HTTP="0",
                    EXCHANGE_CA_FILE=str(self.ca.pem),
                    EXCHANGE_CLIENT_CERT_FILE=str(node.pem.cert),
                    EXCHANGE_CLIENT_KEY_FILE=str(node.pem.key),
                )
            self._copy_template(template, name, folder)

        def pem(identifier: str) -> str:
            return keys[identifier].cert.public_bytes(serialization.Encoding.PEM).decode()

        def local(identifier: str) -> dict[str, str]:
            issued = keys[identifier]
            return {
                "name": NAMES[identifier],
                "identifier": identifier,
                "key_pem": issued.key_pem.decode(),
                "cert_pem": pem(identifier) + pki.intermediate.pem.decode(),
            }

        hub_node = {
            "name": HUB,
            "endpoint": self.nodes[HUB].url,
            "is_hub": True,
            "relay_certificates_pem": pem(HUB_ID),  # as the hub's directory publishes it
        }
        specs = {
            HUB: {
                "relay": local(HUB_ID),
                "nodes": [
                    {"name": PROVINCE, "endpoint": self.nodes[PROVINCE].url, "is_hub": False},
                    {"name": COMMUNE, "endpoint": self.nodes[COMMUNE].url, "is_hub": False},
                ],
                "directory": [
                    {
                        "identifier": PROVINCE_ID,
                        "name": NAMES[PROVINCE_ID],
                        "node": PROVINCE,
                        "cert_pem": pem(PROVINCE_ID),
                    },
                    {
                        "identifier": COMMUNE_ID,
                        "name": NAMES[COMMUNE_ID],
                        "node": COMMUNE,
                        "cert_pem": pem(COMMUNE_ID),
                    },
                    {
                        "identifier": STRAY_ID,
                        "name": NAMES[STRAY_ID],
                        "node": COMMUNE,
                        "cert_pem": pem(STRAY_ID),
                    },
                ],
            },
            PROVINCE: {
                "local": local(PROVINCE_ID),
                "nodes": [hub_node],
                "directory": [
                    {
                        "identifier": COMMUNE_ID,
                        "name": NAMES[COMMUNE_ID],
                        "node": HUB,
                        "cert_pem": pem(COMMUNE_ID),
                    },
                    {
                        "identifier": STRAY_ID,
                        "name": NAMES[STRAY_ID],
                        "node": HUB,
                        "cert_pem": pem(STRAY_ID),
                    },
                ],
            },
            COMMUNE: {
                "local": local(COMMUNE_ID),
                "nodes": [hub_node],
                "directory": [
                    {
                        "identifier": PROVINCE_ID,
                        "name": NAMES[PROVINCE_ID],
                        "node": HUB,
                        "cert_pem": pem(PROVINCE_ID),
                    }
                ],
            },
        }
        if self.elsewhere:
            hub_spec: dict[str, Any] = specs[HUB]
            hub_spec["nodes"].append({"name": ELSEWHERE, "endpoint": self.sink_url, "is_hub": False})
            hub_spec["directory"].append(
                {
                    "identifier": ELSEWHERE_ID,
                    "name": ELSEWHERE_NAME,
                    "node": ELSEWHERE,
                    "cert_pem": pem(ELSEWHERE_ID),
                }
            )
        seeds = {}
        for name, spec in specs.items():
            path = self.base / f"{name}.json"
            path.write_text(json.dumps(spec))
            node = self.nodes[name]
            seeds[name] = subprocess.Popen(  # noqa: S603
                [PYTHON, "manage.py", "exchange_testnode", "seed", "--spec", str(path)],
                cwd=ROOT,
                env=node.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        for name, process in seeds.items():
            out, err = process.communicate(timeout=180)
            if process.returncode != 0:
                raise RuntimeError(f"seeding {name} failed:\n{err.decode()[-3000:]}")
            self.nodes[name].tokens = json.loads(out.decode().strip().splitlines()[-1])["tokens"]
        for node in self.nodes.values():
            node.start()
        for node in self.nodes.values():
            node.wait_ready()
        return self

    def _start_sink(self) -> None:
        port = _free_port()
        log = (self.base / "sink.log").open("ab")
        tls: list[str] = []
        if self.ca is not None:
            self.sink_pem = self.ca.issue(ELSEWHERE, server=True, client=True)
            tls = ["--certfile", str(self.sink_pem.cert), "--keyfile", str(self.sink_pem.key)]
            tls += ["--ca", str(self.ca.pem)]
        self.sink = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "exchange.testing.sink", "--port", str(port), *tls],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.sink_url = f"{'https' if self.ca else 'http'}://127.0.0.1:{port}"
        wait_for(self._sink_up, timeout=30)

    def _sink_up(self) -> bool:
        try:
            self.sink_count()
        except OSError:
            return False
        return True

    def sink_count(self) -> dict[str, Any]:
        """What the stand-in receiver has taken (exchange/testing/sink.py ``GET /count``)."""
        context = self.ca.client_context(self.sink_pem) if self.ca and self.sink_pem else None
        with urllib.request.urlopen(f"{self.sink_url}/count", timeout=5, context=context) as response:  # noqa: S310
            return dict(json.loads(response.read()))

    def _template(self) -> str:
        """A migrated database to copy (SQLite file path, or PostgreSQL database name)."""
        folder = self.base / "template"
        folder.mkdir(parents=True, exist_ok=True)
        env = self._env("template", folder)
        if self.database_url:
            name = self._db_name("template")
            self._psql(f'DROP DATABASE IF EXISTS "{name}"')
            self._psql(f'CREATE DATABASE "{name}"')
            self._pg_names.append(name)
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)  # noqa: S603
        return self._db_name("template") if self.database_url else str(folder / "dieuhanh.sqlite3")

    def _copy_template(self, template: str, name: str, folder: Path) -> None:
        if self.database_url:
            target = self._db_name(name)
            self._psql(f'DROP DATABASE IF EXISTS "{target}"')
            self._psql(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
            self._pg_names.append(target)
        else:
            shutil.copyfile(template, folder / "dieuhanh.sqlite3")

    def _psql(self, sql: str) -> None:
        import psycopg

        server = self.database_url.rsplit("/", 1)[0] + "/postgres"  # the maintenance database
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(sql)

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()
        if self.sink is not None:
            self.sink.terminate()
            self.sink.wait(10)
        for name in reversed(self._pg_names):
            with contextlib.suppress(Exception):  # best effort at teardown
                self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(self.base, ignore_errors=True)

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]


def wait_for(check: Any, timeout: float = 20, interval: float = 0.05) -> Any:
    """Poll ``check()`` until it returns something true; its value (or AssertionError on timeout)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"not reached in {timeout} s (last: {last!r})")


def post_message(
    node_url: str, data: bytes, context: ssl.SSLContext | None = None
) -> tuple[int, dict[str, Any]]:
    """POST an edXML message to an installation as another installation would: (status, JSON answer);
    ``context``: over mutual TLS, as one of the network's installations (``Node.context``)."""
    request = urllib.request.Request(  # noqa: S310
        f"{node_url}/exchange/v1/messages",
        data=data,
        method="POST",
        headers={"Content-Type": "application/xml"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as response:  # noqa: S310
            return response.status, dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        return exc.code, dict(json.loads(exc.read()))
