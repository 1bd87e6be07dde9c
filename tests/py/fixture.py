"""fixture.py - the SMTP fixture and isolated environments for the
end-to-end tests (tests/py/test_*.py).

    certs = fixture.certs()                  # tests/gen-certs.sh, once per script
    with fixture.Server(certs, fault="rcpt-451") as srv:
        env = fixture.Env("name")            # own HOME and XDG dirs, TZ=Asia/Shanghai
        env.write_account(srv)               # config.ini for this server
        r = env.run("--ticket", EXAMPLE, "--yes")
        r.rc, r.out, r.err
        srv.messages()                       # [(bytes, envelope dict)], delivery order
        srv.commands()                       # commands.log lines

Only loopback is used: the server listens on 127.0.0.1, port 0, and its
port is read from its stdout (it prints it once it listens). Every server
is stopped when its with block ends and, failing that, at exit.
"""

import atexit
import glob
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

TOP_DIR = os.environ.get("TOP_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TICKETMAIL = os.environ.get("TICKETMAIL", "")
MIMECHECK = os.environ.get("MIMECHECK", "")
PYTHON = "/usr/bin/python3"
SMTPD = os.path.join(TOP_DIR, "tests", "smtpd.py")
EXAMPLES = os.path.join(TOP_DIR, "share", "examples")
WITHDRAWAL = os.path.join(EXAMPLES, "withdrawal-zh.ini")

USER = "zhang.wei@example.com"
SECRET = "tm-e2e-S3cret-9d41q"  # grepped for: must never be written anywhere
SUPPORT = "support@okx.com"

_scratch = tempfile.mkdtemp(prefix="ticketmail-e2e-")
_servers = []


def _cleanup():
    for s in list(_servers):
        s.stop()
    if not os.environ.get("TICKETMAIL_KEEP_TMP"):
        shutil.rmtree(_scratch, ignore_errors=True)


atexit.register(_cleanup)


def scratch(name):
    """A new empty directory under this script's temporary directory."""
    return tempfile.mkdtemp(prefix=name + "-", dir=_scratch)


_certs = None


def certs():
    """The directory of tests/gen-certs.sh's output, made once."""
    global _certs
    if _certs is None:
        d = os.path.join(_scratch, "certs")
        subprocess.run(["sh", os.path.join(TOP_DIR, "tests", "gen-certs.sh"), d],
                       check=True, stdout=subprocess.DEVNULL)
        _certs = d
    return _certs


class Server:
    """tests/smtpd.py on 127.0.0.1.

    mode: "starttls", "smtps" or "plain"; cert: "server", "wrong" or
    "selfsigned"; fault: one of smtpd.py's faults or None; auth: require
    USER/SECRET; mechs: AUTH mechanisms to offer ("PLAIN", "LOGIN", ...).
    maildir: reuse a capture directory (to count copies across restarts).
    """

    def __init__(self, certdir, mode="starttls", fault=None, cert="server", auth=True,
                 mechs=None, maildir=None, lifetime=240):
        self.mode = mode
        self.maildir = maildir or scratch("maildir")
        self.proc = None
        self.port = None
        args = [PYTHON, SMTPD, "--host", "127.0.0.1", "--port", "0",
                "--maildir", self.maildir, "--lifetime", str(lifetime), "--" + mode]
        if mode != "plain":
            args += ["--tls-cert", os.path.join(certdir, cert + ".pem"),
                     "--tls-key", os.path.join(certdir, cert + ".key")]
        if auth:
            args += ["--auth-user", USER, "--auth-pass", SECRET]
        if mechs:
            args += ["--auth-mechs", mechs]
        if fault:
            args += ["--fault", fault]
        self.args = args
        self.start()

    def start(self):
        self.stderr_path = os.path.join(self.maildir, "smtpd.stderr")
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self._stderr,
                                     stdin=subprocess.DEVNULL)
        _servers.append(self)
        # The port is printed once the server listens: wait for that line.
        deadline = time.monotonic() + 20
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                self.stop()
                raise RuntimeError("smtpd did not start: " + self.stderr())
            chunk = os.read(self.proc.stdout.fileno(), 64)
            if not chunk:
                self.stop()
                raise RuntimeError("smtpd exited: " + self.stderr())
            line += chunk
        self.port = int(line.strip())

    def stderr(self):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    @property
    def url(self):
        scheme = "smtps" if self.mode == "smtps" else "smtp"
        return f"{scheme}://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc.stdout.close()
            self._stderr.close()
            self.proc = None
        if self in _servers:
            _servers.remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def messages(self):
        """Delivered messages, oldest first: [(raw bytes, envelope dict)]."""
        out = []
        names = os.listdir(os.path.join(self.maildir, "new"))
        for name in sorted(names, key=lambda n: os.stat(
                os.path.join(self.maildir, "new", n)).st_mtime_ns):
            with open(os.path.join(self.maildir, "new", name), "rb") as f:
                raw = f.read()
            with open(os.path.join(self.maildir, "envelope", name + ".json")) as f:
                out.append((raw, json.load(f)))
        return out

    def message_paths(self):
        return sorted(glob.glob(os.path.join(self.maildir, "new", "*")))

    def commands(self):
        try:
            with open(os.path.join(self.maildir, "commands.log"), encoding="utf-8") as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return f"exit {self.rc}\nstdout:\n{self.out}\nstderr:\n{self.err}"


class Env:
    """An isolated user: HOME and the XDG directories in a new temporary
    directory, TZ=Asia/Shanghai, C.UTF-8, no terminal."""

    def __init__(self, name="env", timeout=10):
        self.root = scratch(name)
        self.home = os.path.join(self.root, "home")
        os.makedirs(self.home, mode=0o700)
        self.config_home = os.path.join(self.root, "config")
        self.data_home = os.path.join(self.root, "data")
        self.state_home = os.path.join(self.root, "state")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TICKETMAIL_", "XDG_", "LC_", "LANG"))}
        self.env.update({
            "HOME": self.home,
            "XDG_CONFIG_HOME": self.config_home,
            "XDG_DATA_HOME": self.data_home,
            "XDG_STATE_HOME": self.state_home,
            "TZ": "Asia/Shanghai",
            "LC_ALL": "C.UTF-8",
            "LANGUAGE": "en",
            "TICKETMAIL_SMTP_TIMEOUT": str(timeout),
        })
        self.config = os.path.join(self.config_home, "ticketmail", "config.ini")
        self.spool = os.path.join(self.data_home, "ticketmail")

    def write_account(self, server=None, mode=0o600, extra="", secret="command", **keys):
        """Writes config.ini for server (or only keys). secret: "command"
        (password_command), "password" (password = in the file) or None."""
        lines = ["[account]", f"from = {USER}", "name = 张伟"]
        if server is not None:
            lines += [f"smtp = {server.url}", f"user = {USER}",
                      f"ca_file = {os.path.join(certs(), 'ca.pem')}"]
        if secret == "command":
            lines.append(f"password_command = printf %s {SECRET}")
        elif secret == "password":
            lines.append(f"password = {SECRET}")
        for k, v in keys.items():
            lines.append(f"{k} = {v}")
        os.makedirs(os.path.dirname(self.config), mode=0o700, exist_ok=True)
        with open(self.config, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n" + extra)
        os.chmod(self.config, mode)
        return self.config

    def popen(self, *args, **kw):
        return subprocess.Popen([TICKETMAIL, *args], env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                cwd=self.root, **kw)

    def run(self, *args, timeout=60, env=None):
        e = dict(self.env)
        e.update(env or {})
        p = subprocess.run([TICKETMAIL, *args], env=e, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout, cwd=self.root)
        return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                      p.stderr.decode("utf-8", "replace"))

    def send(self, *extra, ticket=WITHDRAWAL, **kw):
        return self.run("--ticket", ticket, "--yes", *extra, **kw)

    # --- spool state ---

    def journal(self):
        """[[time, id, state, attempts, next-try, message-id, reply], ...]"""
        try:
            with open(os.path.join(self.spool, "journal"), encoding="utf-8") as f:
                return [line.rstrip("\n").split("\t") for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def states(self, msg_id=None):
        return [j[2] for j in self.journal() if msg_id is None or j[1] == msg_id]

    def box(self, box, sub):
        d = os.path.join(self.spool, box, sub)
        return sorted(os.path.join(d, n) for n in os.listdir(d)) if os.path.isdir(d) else []

    def outbox(self):
        return self.box("outbox", "new") + self.box("outbox", "cur")

    def sent(self):
        return self.box("sent", "cur") + self.box("sent", "new")

    def outbox_ids(self):
        return [os.path.basename(p).split(":")[0] for p in self.outbox()]

    def all_files(self):
        """Every file under the root (config, data, state, home)."""
        for d, _, files in os.walk(self.root):
            for f in files:
                yield os.path.join(d, f)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def header(raw, name):
    """The first header named name (unfolded), or None."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    cur = None
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and cur is not None:
            cur += " " + line.strip()
            continue
        if cur is not None and cur.lower().startswith(name.lower() + ":"):
            return cur.split(":", 1)[1].strip()
        cur = line
    if cur is not None and cur.lower().startswith(name.lower() + ":"):
        return cur.split(":", 1)[1].strip()
    return None


def mimecheck(path, *args):
    """Runs the GMime oracle; returns (ok, output)."""
    if not MIMECHECK:
        return False, "MIMECHECK not built"
    p = subprocess.run([MIMECHECK, path, *args], capture_output=True)
    return p.returncode == 0, (p.stdout + p.stderr).decode("utf-8", "replace")


def wait_for(pred, what, timeout=20, proc=None):
    """Polls pred() until true (the condition is a file the other process
    writes; there is no other channel to wait on). Raises on timeout or if
    proc exits first."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while not pred():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"waiting for {what}: the process exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
