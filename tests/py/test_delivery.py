#!/usr/bin/python3
"""End-to-end delivery through the real binary and tests/smtpd.py:
STARTTLS with AUTH PLAIN and LOGIN, implicit TLS, the sent archive and the
journal, --yes, duplicates and history, the sendmail transport, account
configuration errors, secrets never written, loopback only."""

import os
import re
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture  # noqa: E402
import tap  # noqa: E402
from fixture import SECRET, SUPPORT, USER, WITHDRAWAL, header, read  # noqa: E402

SHOTS = os.path.join(fixture.EXAMPLES, "shots")
SUBJECT = "USDT提币未到账"


def check_delivered(label, env, srv, r, mech):
    """Everything a good first send leaves behind."""
    if not tap.is_(r.rc, 0, f"{label}: exit 0", repr(r)):
        return None
    m = re.search(r"Message-ID (<[^>\s]+>)", r.out)
    tap.ok(m, f"{label}: output names the Message-ID", r.out)
    cp = re.search(r"A copy is kept in (\S+)", r.out)
    tap.ok(cp and os.path.isfile(cp.group(1)), f"{label}: output names the sent copy", r.out)
    tap.has(r.out, "spam folder", f"{label}: tells to watch the spam folder")
    msgs = srv.messages()
    if not tap.is_(len(msgs), 1, f"{label}: the server got exactly one message"):
        return None
    raw, envl = msgs[0]
    sent = env.box("sent", "cur")
    tap.ok(len(sent) == 1 and sent[0].endswith(":2,S"), f"{label}: one sent copy, flagged seen",
           sent)
    tap.ok(sent and cp and sent[0] == cp.group(1), f"{label}: the named copy is the archived one")
    tap.ok(sent and read(sent[0]) == raw,
           f"{label}: the delivered bytes equal the archived copy byte for byte")
    tap.is_(header(raw, "Message-ID"), m.group(1) if m else None,
            f"{label}: delivered Message-ID is the one printed")
    ok, out = fixture.mimecheck(
        srv.message_paths()[0], "--expect-subject", SUBJECT, "--expect-attachment",
        "withdrawal-record.png=" + os.path.join(SHOTS, "withdrawal-record.png"),
        "--expect-attachment", "error-page.png=" + os.path.join(SHOTS, "error-page.png"))
    tap.ok(ok, f"{label}: the GMime oracle accepts the delivered message", out)
    tap.is_(envl["rcpt_tos"], [SUPPORT], f"{label}: envelope recipient is {SUPPORT}")
    to = header(raw, "To") or ""
    to = re.sub(r"^.*<([^>]*)>$", r"\1", to)
    tap.is_(to, SUPPORT, f"{label}: To header is {SUPPORT}")
    tap.is_(envl["mail_from"], USER, f"{label}: envelope sender is the account's from")
    tap.ok(envl["tls"], f"{label}: delivered over TLS")
    tap.is_(envl["auth_login"], USER, f"{label}: authenticated as the account's user")
    ids = {j[1] for j in env.journal()}
    tap.is_(len(ids), 1, f"{label}: one message journaled")
    tap.is_(env.states(), ["queued", "sending", "ending", "sent"],
            f"{label}: journal queued → sending → ending (before the final dot) → sent")
    tap.is_(env.outbox(), [], f"{label}: the outbox is empty")
    cmds = srv.commands()
    auth = [c for c in cmds if " AUTH " in c]
    tap.ok(auth and all(c.split()[1] == "tls" for c in auth) and auth[0].endswith("AUTH " + mech),
           f"{label}: AUTH {mech}, only inside TLS", cmds)
    check_modes(label, env)
    return raw


def check_modes(label, env):
    bad = []
    for d, dirs, files in os.walk(env.spool):
        if stat.S_IMODE(os.stat(d).st_mode) != 0o700:
            bad.append(f"{d}: {oct(os.stat(d).st_mode)}")
        for f in files:
            p = os.path.join(d, f)
            if stat.S_IMODE(os.stat(p).st_mode) != 0o600:
                bad.append(f"{p}: {oct(os.stat(p).st_mode)}")
    tap.ok(not bad, f"{label}: spool files 0600, directories 0700", *bad)


def no_secret(label, env, *outputs):
    hits = [p for p in env.all_files() if not p.startswith(env.config_home)
            and SECRET.encode() in read(p)]
    hits += [f"output {i}" for i, o in enumerate(outputs) if SECRET in o]
    tap.ok(not hits, f"{label}: the password appears in no file and no output", *hits)


def test_sends():
    certs = fixture.certs()
    for label, mode, mech in (("starttls+PLAIN", "starttls", "PLAIN"),
                              ("starttls+LOGIN", "starttls", "LOGIN"),
                              ("starttls+XOAUTH2", "starttls", "XOAUTH2"),
                              ("smtps", "smtps", "PLAIN")):
        with fixture.Server(certs, mode=mode, mechs=mech) as srv:
            env = fixture.Env(label.replace("+", "-"))
            if mech == "XOAUTH2":
                env.write_account(srv, secret=None,
                                  oauth2_token_command=f"printf %s {SECRET}")
            else:
                env.write_account(srv)
            r = env.send()
            check_delivered(label, env, srv, r, mech)
            h = env.run("history")
            no_secret(label, env, r.out, r.err, h.out, h.err)
            if mode == "smtps":
                tap.ok(all(c.split()[1] == "tls" for c in srv.commands()),
                       "smtps: every command was encrypted", srv.commands())


def test_plain_loopback_starttls():
    """allow_plain_loopback allows plain SMTP on loopback; it does not turn
    STARTTLS down when the server offers it (and AUTH only inside it)."""
    with fixture.Server(fixture.certs()) as srv:
        env = fixture.Env("plain-loopback")
        env.write_account(srv, allow_plain_loopback="yes")
        r = env.send()
        tap.is_(r.rc, 0, "allow_plain_loopback, server offers STARTTLS: sent", repr(r))
        tap.hasnt(r.err, "offers no authentication", "allow_plain_loopback: AUTH was found")
        msgs = srv.messages()
        tap.ok(len(msgs) == 1 and msgs[0][1]["tls"],
               "allow_plain_loopback: delivered over TLS all the same", msgs and msgs[0][1])
        cmds = srv.commands()
        tap.ok([c for c in cmds if c.split()[1:3] == ["plain", "STARTTLS"]],
               "allow_plain_loopback: STARTTLS was used", cmds)
        auth = [c for c in cmds if " AUTH " in c]
        tap.ok(auth and all(c.split()[1] == "tls" for c in auth),
               "allow_plain_loopback: AUTH only inside TLS", cmds)
    with fixture.Server(fixture.certs(), mode="plain", auth=False) as srv:
        env = fixture.Env("plain-loopback-plain")
        env.write_account(srv, secret=None, allow_plain_loopback="yes", login="no")
        r = env.send()
        tap.is_(r.rc, 0, "allow_plain_loopback, no STARTTLS offered: sent in plain text",
                repr(r))
        msgs = srv.messages()
        tap.ok(len(msgs) == 1 and not msgs[0][1]["tls"],
               "allow_plain_loopback, no STARTTLS offered: one message, not encrypted")


def test_no_yes():
    with fixture.Server(fixture.certs()) as srv:
        env = fixture.Env("no-yes")
        env.write_account(srv)
        r = env.run("--ticket", WITHDRAWAL)
        tap.is_(r.rc, 64, "without --yes and no terminal: exit 64", repr(r))
        tap.has(r.err, "--yes", "without --yes: says to add --yes")
        tap.is_(env.outbox() + env.sent(), [], "without --yes: nothing spooled")
        tap.is_(srv.commands(), [], "without --yes: the server was not contacted")


def test_duplicates():
    with fixture.Server(fixture.certs()) as srv:
        env = fixture.Env("dup")
        env.write_account(srv)
        first = env.send()
        tap.is_(first.rc, 0, "duplicate: the first send succeeds", repr(first))
        mid = re.search(r"Message-ID (<[^>\s]+>)", first.out)
        mid = mid.group(1) if mid else "?"
        second = env.send()
        tap.is_(second.rc, 65, "duplicate: the same ticket again is refused (65)", repr(second))
        tap.has(second.err, mid, "duplicate: names the first Message-ID")
        tap.ok(re.search(r"already sent on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0800", second.err),
               "duplicate: names the date of the first, local time", second.err)
        tap.has(second.err, "reply in that thread", "duplicate: suggests replying in the thread")
        tap.has(second.err, "--resend", "duplicate: mentions --resend")
        tap.is_(len(srv.messages()), 1, "duplicate: nothing more reached the server")
        # The fingerprint is taken while the message is written to outbox/tmp:
        # a refused duplicate leaves nothing there, queued or half-written.
        tap.is_(env.outbox() + env.box("outbox", "tmp"), [],
                "duplicate: nothing left in the outbox (tmp/ included)")
        tap.is_(env.states(), ["queued", "sending", "ending", "sent"],
                "duplicate: nothing journaled for the refused send")
        third = env.send("--resend")
        tap.is_(third.rc, 0, "--resend sends it again", repr(third))
        msgs = srv.messages()
        tap.is_(len(msgs), 2, "--resend: a second message reached the server")
        if len(msgs) == 2:
            mid2 = header(msgs[1][0], "Message-ID")
            tap.ok(mid2 and mid2 != mid, "--resend: a new message with its own Message-ID",
                   mid, mid2)
        h = env.run("history")
        tap.is_(h.rc, 0, "history: exit 0", repr(h))
        tap.has(h.out, mid, "history: lists the Message-ID")
        tap.ok(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0800\s+sent\s+okx/deposit-withdrawal", h.out),
               "history: date, state, provider/category", h.out)
        tap.has(h.out, SUBJECT, "history: the subject")
        tap.has(h.out, "mutt -f", "history: says how to read the sent copies")
        lines = [ln for ln in h.out.splitlines() if "okx/deposit-withdrawal" in ln]
        tap.is_(len(lines), 2, "history: both tickets, once each", h.out)


def test_sendmail():
    d = fixture.scratch("sendmail")
    env = fixture.Env("sendmail")
    fake = os.path.join(fixture.TOP_DIR, "tests", "data", "fake-sendmail.sh")
    env.write_account(None, secret=None, transport="sendmail", sendmail_command=fake)
    env.env["FAKE_SENDMAIL_DIR"] = d
    r = env.send()
    tap.is_(r.rc, 0, "sendmail: exit 0", repr(r))
    argv = open(os.path.join(d, "argv")).read().splitlines() if os.path.exists(
        os.path.join(d, "argv")) else []
    tap.is_(argv[-5:], ["-i", "-f", USER, "--", SUPPORT],
            "sendmail: argv ends -i -f FROM -- support@okx.com", argv)
    body = read(os.path.join(d, "stdin")) if os.path.exists(os.path.join(d, "stdin")) else b""
    tap.ok(body and b"\r" not in body and b"\nSubject: " in b"\n" + body,
           "sendmail: the message arrives with LF line ends")
    sent = env.box("sent", "cur")
    tap.ok(len(sent) == 1 and read(sent[0]).replace(b"\r\n", b"\n") == body,
           "sendmail: the archived copy is the same message (CRLF)")
    tap.is_(env.states(), ["queued", "sending", "ending", "sent"],
            "sendmail: journal queued → sending → ending (before the command runs) → sent")
    env.env["FAKE_SENDMAIL_EXIT"] = "75"
    r = env.send("--resend")
    tap.is_(r.rc, 75, "sendmail exiting 75: not sent yet (75)", repr(r))
    tap.is_(len(env.outbox()), 1, "sendmail exiting 75: queued in the outbox")
    tap.has(r.err, "ticketmail outbox --flush", "sendmail exiting 75: says how to retry")
    queued = env.outbox_ids()
    # Any other status of the command is a failure for good: 69, never 65
    # (an invalid ticket), whatever the command's own status means.
    for code in ("1", "69", "78"):
        env.env["FAKE_SENDMAIL_EXIT"] = code
        r = env.send("--resend")
        tap.is_(r.rc, 69, f"sendmail exiting {code}: exit 69 (not delivered)", repr(r))
        tap.has(r.err, f"failed with exit status {code}",
                f"sendmail exiting {code}: the message gives the command's status")
        tap.has(r.err, "not retried automatically", f"sendmail exiting {code}: not retried")
        new = [i for i in env.outbox_ids() if i not in queued]
        tap.is_(len(new), 1, f"sendmail exiting {code}: kept in the outbox", env.outbox_ids())
        queued += new
        tap.is_(env.states(new[0] if new else "?")[-1:], ["failed"],
                f"sendmail exiting {code}: journaled failed")


def test_config_errors():
    env = fixture.Env("cfg")
    r = env.send()
    tap.is_(r.rc, 78, "no config: exit 78", repr(r))
    tap.has(r.err, env.config, "no config: names the file to create")
    tap.has(r.err, "from =", "no config: shows what to put in it")

    env.write_account(None, secret="password", mode=0o644, smtp="smtps://127.0.0.1:1")
    r = env.send()
    tap.is_(r.rc, 78, "password in a 0644 file: exit 78", repr(r))
    tap.ok("chmod 600" in r.err or "chmod 0600" in r.err, "password in a 0644 file: says chmod 600",
           r.err)
    tap.hasnt(r.err + r.out, SECRET, "password in a 0644 file: the password is not echoed")

    env.write_account(None, secret="command", extra="pasword_command = true\n",
                      smtp="smtps://127.0.0.1:1")
    r = env.send()
    tap.is_(r.rc, 78, "unknown key: exit 78", repr(r))
    lines = open(env.config).read().splitlines()
    line = lines.index("pasword_command = true") + 1
    tap.has(r.err, f"{env.config}:{line}", "unknown key: file:line")
    tap.has(r.err, "did you mean 'password_command'", "unknown key: did you mean")
    tap.is_(env.outbox() + env.sent(), [], "config errors: nothing spooled")


def test_loopback_only():
    if not shutil.which("strace"):
        tap.skip("only loopback was contacted", "strace is not installed")
        return
    with fixture.Server(fixture.certs()) as srv:
        env = fixture.Env("loopback")
        env.write_account(srv)
        log = os.path.join(env.root, "strace")
        # LeakSanitizer cannot run under ptrace (ASan builds).
        opts = env.env.get("ASAN_OPTIONS", "")
        env.env["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "detect_leaks=0"
        p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect", "-o", log,
                            fixture.TICKETMAIL, "--ticket", WITHDRAWAL, "--yes"],
                           env=env.env, capture_output=True, stdin=subprocess.DEVNULL,
                           timeout=60)
        tap.is_(p.returncode, 0, "strace run: sent", p.stderr.decode(errors="replace"))
        inet = [ln for ln in open(log) if "AF_INET" in ln]
        tap.ok(inet, "strace: the client connected over IP", open(log).read())
        far = [ln for ln in inet if "127.0.0.1" not in ln and '"::1"' not in ln]
        tap.ok(not far, "only loopback was contacted", *far)


def main():
    if not fixture.TICKETMAIL:
        tap.ok(False, "TICKETMAIL is not set")
        return
    test_sends()
    test_plain_loopback_starttls()
    test_no_yes()
    test_duplicates()
    test_sendmail()
    test_config_errors()
    test_loopback_only()


if __name__ == "__main__":
    tap.main(main)
