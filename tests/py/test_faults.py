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
            tap.is_(env.states(msg_id)[-3:], ["sending", "ending", "sent"],
                    f"{fault}: journal ends sending → ending → sent")
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
            tap.has(fl.out, f"{msg_id}: refused for good; left alone",
                    f"{label}: flush names the failed message it leaves alone")
            tap.has(fl.err, "left alone because they were refused for good: 1",
                    f"{label}: flush counts the failed messages")
            tap.has(fl.err, "'ticketmail outbox --drop ID'", f"{label}: flush says how to remove it")
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
            # Flushing an outbox whose only message is unknown: nothing is
            # sent, and the flush says why and what to do (exit 69, as for
            # the unknown send itself).
            fl = env.run("outbox", "--flush", env={"TICKETMAIL_NOW": LATER})
            tap.is_(fl.rc, 69, "drop-after-dot: flush exit 69 (delivery unknown, left alone)",
                    repr(fl))
            tap.has(fl.out, f"{msg_id}: delivery unknown; left alone",
                    "drop-after-dot: flush names the message it leaves alone")
            tap.has(fl.err, "left alone because their delivery is unknown: 1",
                    "drop-after-dot: flush counts the unknown messages")
            tap.has(fl.err, "'ticketmail outbox --resend ID'", "drop-after-dot: flush offers --resend ID")
            tap.has(fl.err, "'ticketmail outbox --drop ID'", "drop-after-dot: flush offers --drop ID")
            zh = env.run("outbox", "--flush", "--lang", "zh_CN", env={"TICKETMAIL_NOW": LATER})
            tap.is_(zh.rc, 69, "drop-after-dot: flush in Chinese: exit 69", repr(zh))
            tap.has(zh.err, "状态未知", "drop-after-dot: flush in Chinese says so in Chinese")
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


def history_state(env, msg_id_header):
    """The state `ticketmail history` shows for a Message-ID, or None."""
    h = env.run("history")
    lines = h.out.splitlines()
    for i, line in enumerate(lines):
        if msg_id_header in line:
            m = re.match(r"^\S+ \S+ \S+\s+(\S+)\s", lines[i])
            return m.group(1) if m else line
    return None


def outbox_msgid(env, msg_id):
    """The Message-ID journaled for an outbox id."""
    return last(env, msg_id)[5]


def test_send_again(certs):
    """A message that was never delivered does not block sending its
    ticket again: after a refusal (TLS, 5xx) or a drop the same ticket goes;
    while it waits in the outbox it is refused with a pointer to --flush,
    not to a thread that does not exist; an unknown one is refused with
    the way to resend it."""
    # 1. TLS refused (76), dropped, then the account fixed.
    with fixture.Server(certs, cert="selfsigned") as bad:
        env = fixture.Env("again-tls")
        env.write_account(bad)
        r = env.send()
        tap.is_(r.rc, 76, "again, TLS: the first send fails (76)", repr(r))
        first = one_id("again, TLS", env)
        mid = outbox_msgid(env, first)
        d = env.run("outbox", "--drop", first)
        tap.is_(d.rc, 0, "again, TLS: outbox --drop ID", repr(d))
        tap.is_(history_state(env, mid), "dropped", "again, TLS: history shows it dropped")
        good = healthy_again(env, bad, certs)
        with good:
            r = env.send()
            tap.is_(r.rc, 0, "again, TLS: the same ticket goes once the account is fixed",
                    repr(r))
            tap.hasnt(r.err, "already sent", "again, TLS: no 'already sent'")
            tap.is_(len(good.messages()), 1, "again, TLS: one message delivered")

    # 2. No connection (75): waiting in the outbox, then dropped.
    srv = fixture.Server(certs)
    srv.stop()  # nothing listens on its port any more
    env = fixture.Env("again-refused")
    env.write_account(srv)
    r = env.send()
    tap.is_(r.rc, 75, "again, refused: the first send is queued (75)", repr(r))
    first = one_id("again, refused", env)
    mid = outbox_msgid(env, first)
    r = env.send()
    tap.is_(r.rc, 65, "again, refused: sending it again while it waits is refused (65)", repr(r))
    tap.has(r.err, "already waiting in the outbox as " + first,
            "again, refused: says it waits in the outbox, with its id")
    tap.has(r.err, "ticketmail outbox --flush", "again, refused: points to outbox --flush")
    tap.hasnt(r.err, "reply in that thread", "again, refused: no thread to reply in")
    tap.is_(env.outbox_ids(), [first], "again, refused: nothing new queued")
    tap.is_(history_state(env, mid), "queued", "again, refused: history shows it queued")
    d = env.run("outbox", "--drop", first)
    tap.is_(d.rc, 0, "again, refused: outbox --drop ID", repr(d))
    tap.is_(history_state(env, mid), "dropped",
            "again, refused: history shows it dropped, not queued")
    with fixture.Server(certs) as good:
        env.write_account(good)
        r = env.send()
        tap.is_(r.rc, 0, "again, refused: after the drop the same ticket goes", repr(r))
        tap.is_(len(good.messages()), 1, "again, refused: one message delivered")
        r = env.send()
        tap.is_(r.rc, 65, "again, refused: once sent, it is refused (65)", repr(r))
        tap.has(r.err, "reply in that thread", "again, refused: now there is a thread")

    # 3. A history file from before drops were recorded there: the journal
    #    says dropped, the history still says queued.
    env = fixture.Env("again-old-history")
    env.write_account(srv)
    r = env.send()
    first = one_id("again, old history", env)
    mid = outbox_msgid(env, first)
    env.run("outbox", "--drop", first)
    hpath = os.path.join(env.spool, "history")
    with open(hpath, encoding="utf-8") as f:
        kept = [ln for ln in f if not ln.rstrip("\n").endswith("\tdropped")]
    with open(hpath, "w", encoding="utf-8") as f:
        f.writelines(kept)
    tap.is_(history_state(env, mid), "dropped",
            "old history: `ticketmail history` follows the journal (dropped)")
    with fixture.Server(certs) as good:
        env.write_account(good)
        r = env.send()
        tap.is_(r.rc, 0, "old history: the dropped message does not block", repr(r))

    # 4. Refused for good (5xx): the same ticket goes again without --resend.
    with fixture.Server(certs, fault="rcpt-550") as bad:
        env = fixture.Env("again-550")
        env.write_account(bad)
        r = env.send()
        tap.is_(r.rc, 69, "again, 550: refused for good (69)", repr(r))
        good = healthy_again(env, bad, certs)
        with good:
            r = env.send()
            tap.is_(r.rc, 0, "again, 550: a failed message does not block the ticket", repr(r))

    # 5. Unknown: refused, with the way to send it again.
    with fixture.Server(certs, fault="drop-after-dot") as srv2:
        env = fixture.Env("again-unknown")
        env.write_account(srv2)
        r = env.send()
        tap.is_(r.rc, 69, "again, unknown: delivery unknown (69)", repr(r))
        first = one_id("again, unknown", env)
        r = env.send()
        tap.is_(r.rc, 65, "again, unknown: sending it again is refused (65)", repr(r))
        tap.has(r.err, "may have arrived", "again, unknown: says it may have arrived")
        tap.has(r.err, "ticketmail outbox --resend " + first,
                "again, unknown: offers outbox --resend ID")
        tap.has(r.err, "--resend", "again, unknown: offers --resend")


def main():
    certs = fixture.certs()
    for fault, want in TEMPORARY.items():
        test_temporary(certs, fault, want)
    for fault, want in PERMANENT.items():
        test_permanent(certs, fault, want)
    test_tls(certs)
    test_unknown(certs)
    test_send_again(certs)


if __name__ == "__main__":
    tap.main(main)
