"""A real IMAP server for the tests: Debian's dovecot-imapd on 127.0.0.1, implicit TLS with
a certificate made here, passwd-file authentication, Maildir storage, an unprivileged user.

Dovecot refuses to run its processes as root: when the tests run as root (CI containers),
the server runs as ``nobody`` in a private folder it owns; otherwise as the test user in
the folder given (a pytest tmp_path).
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
from pathlib import Path

from helpers.mail import tls_files

USER, PASSWORD = "welfare@regione.pec.test", "p4ss-imap-di-prova"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)),
        None)


CONFIG = """\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
# A failed login is answered at once: dovecot 2.3.19 holds every failure for its 500 ms timer
# even with auth_failure_delay = 0, unless the passdb says nodelay. A wrong password or user
# falls through to this passdb, which sets nodelay and fails (continue-fail: never a login).
passdb {{
  driver = static
  args = nopassword=y nodelay=y
  result_success = continue-fail
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={d}/home/%u
}}
mail_location = maildir:{d}/mail/%u
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
"""


class Dovecot:
    """Start with ``with Dovecot(folder) as server:``; ``server.port``, ``server.url(...)``."""

    def __init__(self, folder: Path):
        self.as_root = os.geteuid() == 0
        if self.as_root:
            self.dir = Path(tempfile.mkdtemp(prefix="circolari-dovecot-"))
            self.account = pwd.getpwnam("nobody")
        else:
            self.dir = Path(folder)
            self.account = pwd.getpwuid(os.getuid())
        self.group = grp.getgrgid(self.account.pw_gid).gr_name
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def _write(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        cert, key = tls_files()
        shutil.copy(cert, self.dir / "cert.pem")
        shutil.copy(key, self.dir / "key.pem")
        (self.dir / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
        (self.dir / "dovecot.conf").write_text(CONFIG.format(
            d=self.dir, user=self.account.pw_name, group=self.group, port=self.port),
            encoding="utf-8")
        if self.as_root:
            for path in [self.dir, *self.dir.rglob("*")]:
                os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def __enter__(self) -> "Dovecot":
        # The listening socket is made here, on a port the OS picks, and handed to dovecot
        # as systemd does (LISTEN_FDS): no port is freed and taken again, nothing to race.
        listener = socket.create_server(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        self._write()
        extra = (dict(user=self.account.pw_uid, group=self.account.pw_gid, extra_groups=[])
                 if self.as_root else {})
        fd = listener.fileno()
        to_fd3 = "" if fd == 3 else f" 3<&{fd} {fd}<&-"
        try:   # bash, not sh: dash takes one-digit descriptors only
            self.proc = subprocess.Popen(
                ["bash", "-c", f'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" -F -c "$1"{to_fd3}',
                 dovecot_binary(), str(self.dir / "dovecot.conf")],
                pass_fds=(fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True, **extra)   # its own process group: see _stop
        finally:
            listener.close()         # dovecot holds it now: if dovecot dies, connections fail
        try:
            self.client().logout()   # its greeting and a login: dovecot serves
        except Exception as exc:
            self._stop()
            raise RuntimeError(f"dovecot did not start ({exc}): {self.log()}") from None
        return self

    def _stop(self) -> None:
        """SIGTERM to dovecot's process group, the master and its children at once: each exits
        at once (the master alone would signal its children and wait for them, about 1 s)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None

    def __exit__(self, *exc) -> None:
        self._stop()
        if self.as_root:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log(self) -> str:
        try:
            return (self.dir / "dovecot.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def url(self, folder: str = "INBOX", user: str = USER, port: int | None = None) -> str:
        return f"imaps://{user}@127.0.0.1:{port or self.port}/{folder}"

    def client(self) -> imaplib.IMAP4_SSL:
        """A logged-in client, to fill folders and look at flags as a mail program would."""
        ctx = ssl.create_default_context(cafile=tls_files()[0])
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=ctx, timeout=30)
        conn.login(USER, PASSWORD)
        return conn
