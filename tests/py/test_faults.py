#!/usr/bin/python3
"""Every fault of tests/smtpd.py through the real binary: what the user
sees (the failed step and the server's reply), the exit status, and what
the outbox, the journal and the sent archive hold; then what
`ticketmail outbox --flush` and `--resend` do once the server is healthy."""

import os
import re
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture  # noqa: E402
import tap  # noqa: E402
from fixture import header, read  # noqa: E402

LATER = str(int(time.time()) + 3 * 3600)  # past any backoff

# fault: (exit status, step text, server reply text)
TEMPORARY = {
    "greet-421": (75, "refused the session", "421 4.3.2 Service not available"),
    "mail-451": (75, "refused the sender <zhang.wei@example.com>",
                 "451 4.3.0 Sender check temporarily failed"),
    "rcpt-451": (75, "refused the recipient <support@okx.com>",
                 "451 4.2.0 Recipient mailbox busy, try later"),
    "data-451": (75, "refused the message after receiving it",
                 "451 4.3.0 Queue write failed, try later"),
    "stall": (75, "did not answer in time, waiting for the greeting", None),
    "drop-during-data": (75, "was lost at", None),
}
# A refusal for good is 69 (EX_UNAVAILABLE), as ticketmail(1) and --help say;
# 65 is for an invalid ticket.
PERMANENT = {
    "mail-550": (69, "refused the sender", "550 5.7.1 Sender address rejected"),
    "rcpt-550": (69, "refused the recipient", "550 5.1.1 No such user here"),
    "data-cmd-554": (69, "refused to take the message (DATA)", "554 5.3.4 Message too big"),
    "data-554": (69, "refused the message after receiving it",
                 "554 5.6.0 Message content rejected"),
    "no-starttls": (76, "does not offer STARTTLS", None),
    "auth-fail": (77, "login to smtp://127.0.0.1:", "535 5.7.8 Authentication credentials invalid"),
}


def big_png(path, size=8 << 20):
    """A PNG bigger than the socket buffers, so a drop lands mid-DATA."""
    ihdr = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr
    head += struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    with open(path, "wb") as f:
        f.write(head + os.urandom(size))
    return path


def one_id(label, env):
    ids = env.outbox_ids()
    tap.is_(len(ids), 1, f"{label}: one message in the outbox", ids)
    return ids[0] if ids else "?"


def last(env, msg_id):
    lines = [j for j in env.journal() if j[1] == msg_id]
    return lines[-1] if lines else [""] * 7


def healthy_again(env, srv, certs):
    """Stops the faulty server; starts a healthy one on the same capture
    directory (so copies are counted across both) and points the account
    at it."""
    srv.stop()
    good = fixture.Server(certs, maildir=srv.maildir)
    env.write_account(good)
    return good


def test_temporary(certs, fault, want):
    rc_want, step, reply = want
    timeout = 2 if fault == "stall" else 20
    with fixture.Server(certs, fault=fault) as srv:
        env = fixture.Env(fault, timeout=timeout)
        env.write_account(srv)
        extra = ()
        if fault == "drop-during-data":
            extra = ("-a", big_png(os.path.join(env.root, "big.png")))
        t0 = time.monotonic()
        r = env.send(*extra)
        took = time.monotonic() - t0
        tap.is_(r.rc, rc_want, f"{fault}: exit {rc_want} (not sent yet)", repr(r))
        tap.hasnt(r.out + r.err, fixture.SECRET, f"{fault}: the password is not shown")
        tap.has(r.err, step, f"{fault}: stderr names the step")
        if reply:
            tap.has(r.err, reply, f"{fault}: stderr shows the server's reply")
        tap.has(r.err, "ticketmail outbox --flush", f"{fault}: says how to retry")
        if fault == "stall":
            tap.ok(took < 15, f"stall: gave up after the 2 s timeout ({took:.1f} s)")
        msg_id = one_id(fault, env)
        j = last(env, msg_id)
        tap.is_(j[2], "queued", f"{fault}: journaled queued again")
        tap.ok(j[4] != "-", f"{fault}: with a next try", j)
        if reply:
            tap.has(j[6], reply.split(" ", 2)[2], f"{fault}: the reply is in the journal")
        tap.is_(env.sent(), [], f"{fault}: nothing in sent/")
        ls = env.run("outbox")
        tap.ok(ls.rc == 0 and re.search(re.escape(msg_id) + r"\s+queued\s+attempts 1", ls.out),
               f"{fault}: `ticketmail outbox` lists it as queued", repr(ls))
        if reply:
            tap.has(ls.out, "last reply: " + reply.split(" ")[0], f"{fault}: outbox shows the reply")
        tap.has(ls.out, "USDT提币未到账", f"{fault}: outbox shows the subject decoded")
        tap.is_(srv.messages(), [], f"{fault}: the server kept nothing")

        good = healthy_again(env, srv, certs)
        with good:
            early = env.run("outbox", "--flush")
            tap.is_(early.rc, 75, f"{fault}: flush before the next try: exit 75 (still queued)",
                    repr(early))
            tap.has(early.out, "not due yet; next try at", f"{fault}: flush says when it is due")
            tap.is_(good.messages(), [], f"{fault}: flush honours the next try (nothing sent)")
            tap.is_(last(env, msg_id)[2], "queued", f"{fault}: still queued")
            fl = env.run("outbox", "--flush", env={"TICKETMAIL_NOW": LATER})
            tap.is_(fl.rc, 0, f"{fault}: flush after the next try: exit 0", repr(fl))
            tap.has(fl.out, "Sent.", f"{fault}: flush says Sent.")
            msgs = good.messages()
            tap.is_(len(msgs), 1, f"{fault}: exactly one copy delivered")
            sent = env.box("sent", "cur")
            tap.ok(msgs and len(sent) == 1 and read(sent[0]) == msgs[0][0],
                   f"{fault}: delivered bytes equal the sent copy")
            tap.is_(env.outbox(), [], f"{fault}: outbox empty")
            tap.is_(env.states(msg_id)[-2:], ["sending", "sent"], f"{fault}: journal ends sent")
            hist = env.run("history")
            tap.ok(re.search(r"(?m)^\S+ \S+ \S+\s+sent\s", hist.out),
                   f"{fault}: history follows the retry to sent", hist.out)
            tap.is_(int(last(env, msg_id)[3]), 2, f"{fault}: second attempt")


def test_permanent(certs, fault, want, cert="server"):
    rc_want, step, reply = want
    label = fault or cert
    with fixture.Server(certs, fault=fault, cert=cert) as srv:
        env = fixture.Env(label)
        env.write_account(srv)
        r = env.send()
        tap.is_(r.rc, rc_want, f"{label}: exit {rc_want}", repr(r))
        tap.hasnt(r.out + r.err, fixture.SECRET, f"{label}: the password is not shown")
        tap.has(r.err, step, f"{label}: stderr names the step")
        if reply:
            tap.has(r.err, reply, f"{label}: stderr shows the server's reply")
        tap.has(r.err, "not retried automatically", f"{label}: says it will not be retried")
        msg_id = one_id(label, env)
        tap.has(r.err, "ticketmail outbox --resend " + msg_id,
                f"{label}: says how to send it once the cause is fixed")
        tap.is_(last(env, msg_id)[2], "failed", f"{label}: journaled failed")
        ls = env.run("outbox")
        tap.ok(re.search(re.escape(msg_id) + r"\s+failed", ls.out),
               f"{label}: `ticketmail outbox` lists it as failed", ls.out)
        cmds = srv.commands()
        if fault in ("no-starttls",) or cert != "server":
            tap.ok(not [c for c in cmds if " AUTH" in c or " MAIL" in c],
                   f"{label}: no AUTH and no MAIL were sent", cmds)
        if fault == "auth-fail":
            tap.ok(not [c for c in cmds if " MAIL" in c], "auth-fail: no MAIL after the refusal",
                   cmds)
        good = healthy_again(env, srv, certs)
        with good:
            fl = env.run("outbox", "--flush", env={"TICKETMAIL_NOW": LATER})
            tap.is_(fl.rc, 0, f"{label}: flush: exit 0", repr(fl))
            tap.is_(good.messages(), [], f"{label}: a failed message is never retried by --flush")
            tap.is_(last(env, msg_id)[2], "failed", f"{label}: still failed")
            if fault == "auth-fail" or cert != "server":
                # The cause was ours (login, certificate) and is fixed now.
                rs = env.run("outbox", "--resend", msg_id)
                tap.is_(rs.rc, 0, f"{label}: after the fix, outbox --resend ID sends it", repr(rs))
                tap.is_(len(good.messages()), 1, f"{label}: one copy after --resend")


def test_tls(certs):
    for cert in ("selfsigned", "wrong"):
        test_permanent(certs, None, (76, "TLS with smtp://127.0.0.1:", None), cert=cert)


def test_unknown(certs):
    with fixture.Server(certs, fault="drop-after-dot") as srv:
        env = fixture.Env("drop-after-dot")
        env.write_account(srv)
        r = env.send()
        tap.is_(r.rc, 69, "drop-after-dot: exit 69", repr(r))
        tap.has(r.err, "was lost after the whole message was sent",
                "drop-after-dot: says the connection was lost after the message")
        msg_id = one_id("drop-after-dot", env)
        tap.has(r.err, "ticketmail outbox --resend " + msg_id, "drop-after-dot: offers --resend ID")
        tap.has(r.err, "ticketmail outbox --drop " + msg_id, "drop-after-dot: offers --drop ID")
        tap.is_(last(env, msg_id)[2], "unknown", "drop-after-dot: journaled unknown")
        first = srv.messages()
        tap.is_(len(first), 1, "drop-after-dot: the server did take it")
        ls = env.run("outbox")
        tap.ok(re.search(re.escape(msg_id) + r"\s+unknown", ls.out),
               "drop-after-dot: `ticketmail outbox` lists it as unknown", ls.out)
        good = healthy_again(env, srv, certs)
        with good:
            fl = env.run("outbox", "--flush", env={"TICKETMAIL_NOW": LATER})
            tap.is_(fl.rc, 0, "drop-after-dot: flush exit 0", repr(fl))
            tap.is_(len(good.messages()), 1, "drop-after-dot: --flush does not resend it")
            tap.is_(last(env, msg_id)[2], "unknown", "drop-after-dot: still unknown")
            rs = env.run("outbox", "--resend", msg_id)
            tap.is_(rs.rc, 0, "outbox --resend ID: exit 0", repr(rs))
            msgs = good.messages()
            tap.is_(len(msgs), 2, "outbox --resend ID: a second copy")
            if len(msgs) == 2 and first:
                tap.is_(header(msgs[1][0], "Message-ID"), header(first[0][0], "Message-ID"),
                        "outbox --resend ID: same Message-ID as the first copy")
                tap.ok(msgs[1][0] == first[0][0], "outbox --resend ID: the same bytes")
            tap.is_(env.outbox(), [], "outbox --resend ID: outbox empty")
            tap.is_(len(env.box("sent", "cur")), 1, "outbox --resend ID: archived in sent/")
            tap.is_(last(env, msg_id)[2], "sent", "outbox --resend ID: journaled sent")


def main():
    certs = fixture.certs()
    for fault, want in TEMPORARY.items():
        test_temporary(certs, fault, want)
    for fault, want in PERMANENT.items():
        test_permanent(certs, fault, want)
    test_tls(certs)
    test_unknown(certs)


if __name__ == "__main__":
    tap.main(main)
