#!/usr/bin/python3
"""kill -9 of the client at three points of a delivery, then a flush to a
healthy server: the server ends with exactly one copy, or with at most one
and the message reported "unknown", never sent a second time silently. A
client killed before the end of the message went out (before the greeting,
during DATA) leaves it queued, and the flush delivers it once; one killed
after the final dot leaves it unknown. Then two flushes at once deliver each
message once."""

import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture  # noqa: E402
import tap  # noqa: E402
from fixture import header, wait_for  # noqa: E402
from test_faults import LATER, big_png, last  # noqa: E402


def kill_at(certs, label, fault, ready, big=False):
    """Starts a send against a server with fault, waits until ready(srv,
    env) holds, kills the client with SIGKILL; returns (env, srv)."""
    srv = fixture.Server(certs, fault=fault)
    env = fixture.Env(label, timeout=60)
    env.write_account(srv)
    args = ["--ticket", fixture.WITHDRAWAL, "--yes"]
    if big:
        args += ["-a", big_png(os.path.join(env.root, "big.png"))]
    p = env.popen(*args)
    try:
        wait_for(lambda: ready(srv, env), label, proc=p)
        os.kill(p.pid, signal.SIGKILL)
    finally:
        p.kill()
        p.communicate()
    tap.is_(p.returncode, -signal.SIGKILL, f"{label}: the client was killed by SIGKILL")
    return env, srv


def after_kill(certs, label, env, srv, copies_before):
    ids = env.outbox_ids()
    tap.is_(len(ids), 1, f"{label}: the message is still in the outbox", ids)
    msg_id = ids[0] if ids else "?"
    tap.is_(len(srv.messages()), copies_before, f"{label}: server copies before the flush")
    srv.stop()
    with fixture.Server(certs, maildir=srv.maildir) as good:
        env.write_account(good)
        ls = env.run("outbox")
        m = re.search(re.escape(msg_id) + r"\s+(\w+)", ls.out)
        listed = m.group(1) if m else None
        tap.is_(listed, "unknown", f"{label}: `ticketmail outbox` reports it unknown", ls.out)
        fl = env.run("outbox", "--flush", env={"TICKETMAIL_NOW": LATER})
        tap.ok(fl.rc == 69, f"{label}: flush exit 69 (an unknown message is left alone)",
               repr(fl))
        tap.has(fl.out, f"{msg_id}: delivery unknown; left alone",
                f"{label}: the flush says it leaves the message alone")
        copies = len(good.messages())
        state = last(env, msg_id)[2]
        tap.ok(copies <= 1, f"{label}: at most one copy on the server ({copies})")
        tap.ok(copies == copies_before and state == "unknown",
               f"{label}: the flush sent nothing and the message stays unknown",
               f"copies {copies}, state {state}")
        tap.is_(env.sent(), [], f"{label}: nothing claims to be sent")
        return env, good, msg_id


def after_kill_queued(certs, label, env, srv):
    """The client died before the end of the message went out: the server
    kept nothing, the message is queued, and a flush delivers one copy."""
    ids = env.outbox_ids()
    tap.is_(len(ids), 1, f"{label}: the message is still in the outbox", ids)
    msg_id = ids[0] if ids else "?"
    tap.is_(len(srv.messages()), 0, f"{label}: the server kept nothing")
    tap.ok("ending" not in env.states(msg_id),
           f"{label}: the journal never said the end went out", env.states(msg_id))
    srv.stop()
    with fixture.Server(certs, maildir=srv.maildir) as good:
        env.write_account(good)
        ls = env.run("outbox")
        m = re.search(re.escape(msg_id) + r"\s+(\w+)", ls.out)
        tap.is_(m.group(1) if m else None, "queued",
                f"{label}: `ticketmail outbox` reports it queued", ls.out)
        fl = env.run("outbox", "--flush", env={"TICKETMAIL_NOW": LATER})
        tap.is_(fl.rc, 0, f"{label}: the flush delivers it", repr(fl))
        tap.is_(len(good.messages()), 1, f"{label}: exactly one copy on the server")
        tap.is_(last(env, msg_id)[2], "sent", f"{label}: the journal ends sent")
        tap.is_(len(env.sent()), 1, f"{label}: the sent copy is archived")


def test_kills(certs):
    # 1. Before the SMTP session: the server accepts and never greets.
    env, srv = kill_at(certs, "kill before the greeting", "stall",
                       lambda s, e: "sending" in e.states())
    after_kill_queued(certs, "kill before the greeting", env, srv)

    # 2. During DATA: the server stops reading after 354; the message is
    # bigger than the socket buffers, so the client is still writing.
    env, srv = kill_at(certs, "kill during DATA", "stall-in-data",
                       lambda s, e: any(c.endswith(" DATA") for c in s.commands()), big=True)
    after_kill_queued(certs, "kill during DATA", env, srv)

    # 3. After the final dot, before the reply: the server has the message.
    env, srv = kill_at(certs, "kill after the dot", "slow-after-dot",
                       lambda s, e: len(s.messages()) == 1)
    env, good, msg_id = after_kill(certs, "kill after the dot", env, srv, 1)
    # The user checked, saw no copy arrive (say), and decides to send it:
    # --resend ID reuses the Message-ID.
    with fixture.Server(certs, maildir=srv.maildir) as again:
        env.write_account(again)
        rs = env.run("outbox", "--resend", msg_id)
        tap.is_(rs.rc, 0, "kill after the dot: --resend ID delivers", repr(rs))
        ids = {header(raw, "Message-ID") for raw, _ in again.messages()}
        tap.is_(len(ids), 1, "kill after the dot: the resent copy has the same Message-ID", ids)


def test_concurrent_flush(certs):
    n = 3
    with fixture.Server(certs, fault="rcpt-451") as bad:
        env = fixture.Env("concurrent")
        env.write_account(bad)
        for i in range(n):
            r = env.send(*(["--resend"] if i else []))
            tap.is_(r.rc, 75, f"concurrent: message {i + 1} queued", repr(r))
    tap.is_(len(env.outbox_ids()), n, f"concurrent: {n} messages queued")
    with fixture.Server(certs, maildir=bad.maildir) as good:
        env.write_account(good)
        e = dict(env.env, TICKETMAIL_NOW=LATER)
        procs = [subprocess.Popen([fixture.TICKETMAIL, "outbox", "--flush"], env=e,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(2)]
        results = [(p.wait(60), p.stdout.read().decode(), p.stderr.read().decode())
                   for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        rcs = sorted(r[0] for r in results)
        tap.ok(all(rc in (0, 75) for rc in rcs), f"concurrent: exit statuses {rcs}", results)
        for rc, out, err in results:
            if rc == 75:
                tap.has(err, "another ticketmail is flushing",
                        "concurrent: the loser says another flush runs")
        msgs = good.messages()
        tap.is_(len(msgs), n, f"concurrent: exactly {n} copies delivered")
        mids = {header(raw, "Message-ID") for raw, _ in msgs}
        tap.is_(len(mids), n, "concurrent: each message once")
        tap.is_(env.outbox(), [], "concurrent: outbox empty")
        tap.is_(len(env.sent()), n, f"concurrent: {n} sent copies")


def main():
    certs = fixture.certs()
    t0 = time.monotonic()
    test_kills(certs)
    test_concurrent_flush(certs)
    tap.diag(f"took {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    tap.main(main)
