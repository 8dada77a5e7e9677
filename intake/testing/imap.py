"""A real IMAP server on loopback for the mailbox intake's tests and bench: Dovecot from Debian, run from a
throwaway configuration in a temporary folder (maildir storage, any user name with one password, a
self-signed certificate for 127.0.0.1 for IMAPS and STARTTLS), stopped and removed afterwards."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

PASSWORD = "mat-khau-thu-nghiem"  # noqa: S105 - the throwaway test server's only password


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (path for path in ("/usr/sbin/dovecot",) if os.access(path, os.X_OK)), None
    )


@dataclass
class ImapServer:
    host: str
    port: int  # IMAP, STARTTLS offered
    tls_port: int  # IMAPS
    root: Path

    @property
    def ca_file(self) -> Path:
        """The server's self-signed certificate (for 127.0.0.1), to trust in the TLS tests."""
        return self.root / "cert.pem"

    def client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(user, PASSWORD)
        return client

    def deliver(self, user: str, message: EmailMessage, folder: str = "INBOX", *, flags: str = "") -> None:
        """Put a message into the folder the way a mail server's delivery would (IMAP APPEND); ``flags``
        such as ``(\\Seen)`` for one a person already opened in webmail."""
        client = self.client(user)
        try:
            response: Any = client.append(
                f'"{folder}"', flags, imaplib.Time2Internaldate(time.time()), bytes(message)
            )
            assert response[0] == "OK", response
        finally:
            client.logout()

    def messages(self, user: str, folder: str) -> list[EmailMessage]:
        """The messages of a folder (none when it does not exist), read without marking them."""
        import email

        client = self.client(user)
        try:
            status, _ = client.select(f'"{folder}"', readonly=True)
            if status != "OK":
                return []
            _, data = client.uid("SEARCH", "ALL")
            found: list[EmailMessage] = []
            for uid in data[0].decode().split():
                _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next(item[1] for item in fetched if isinstance(item, tuple))
                found.append(email.message_from_bytes(raw, policy=default_policy))
            return found
        finally:
            client.logout()

    def flags(self, user: str, folder: str) -> list[list[str]]:
        """The flags of each message of a folder, sorted (``\\Recent``, set by the server, left out)."""
        client = self.client(user)
        try:
            client.select(f'"{folder}"', readonly=True)
            _, data = client.fetch("1:*", "(FLAGS)")
            return [
                sorted(flag.decode() for flag in imaplib.ParseFlags(item) if flag != b"\\Recent")
                for item in data
                if isinstance(item, bytes)
            ]
        finally:
            client.logout()


def _free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _self_signed(root: Path) -> None:
    """A certificate for 127.0.0.1 (subject alternative name), valid for a day, and its key."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    (root / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (root / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (root / "key.pem").chmod(0o600)


def _config(root: Path, port: int, tls_port: int) -> str:
    if os.geteuid() == 0:
        # as root Dovecot refuses to log in or read mail as root: its own unprivileged users do that
        login_user, internal_user = "dovenull", "dovecot"
        mail_user = pwd.getpwnam("dovecot")
        chroot = "login"
    else:
        login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
        mail_user = pwd.getpwuid(os.getuid())
        chroot = ""  # chroot needs root
    mail = root / "mail"
    mail.mkdir()
    if os.geteuid() == 0:
        os.chown(mail, mail_user.pw_uid, mail_user.pw_gid)
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = dieuhanh-test-{port}
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {mail_user.pw_uid}
mail_location = maildir:{mail}/%u
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={mail}/%u
}}
service imap-login {{
  chroot = {chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


@contextmanager
def run_dovecot(binary: str) -> Iterator[ImapServer]:
    """Start Dovecot in the foreground, wait until it answers, and stop it (and remove its folder) after."""
    # short path: Dovecot's unix sockets live under base_dir (108-byte limit)
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    root.chmod(0o755)  # the mail user traverses it to its maildir
    for name in ("run", "state"):
        (root / name).mkdir()
    port, tls_port = _free_ports(2)
    _self_signed(root)
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port, tls_port), encoding="utf-8")
    with (root / "output.txt").open("wb") as output:
        command = [binary, "-F", "-c", str(conf)]  # our configuration, Debian's binary
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    server = ImapServer("127.0.0.1", port, tls_port, root)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                server.client("probe").logout()
                break
            except (OSError, imaplib.IMAP4.error) as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    logs = [root / "output.txt", root / "dovecot.log"]
                    text = "".join(path.read_text(errors="replace") for path in logs if path.exists())
                    raise RuntimeError(f"dovecot did not start: {text}") from exc
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
