#!/usr/bin/python3
"""A test SMTP server on loopback, built on aiosmtpd (Debian python3-aiosmtpd).

    /usr/bin/python3 tests/smtpd.py --port 0 --portfile F --maildir DIR
        [--host 127.0.0.1|::1] [--starttls|--smtps|--plain]
        [--tls-cert C --tls-key K] [--auth-user U --auth-pass P]
        [--fault NAME] [--lifetime SECONDS]

Once it listens, the port is printed on stdout and written to the port file
(atomically: a reader sees either no file or the whole number).

Every accepted message is delivered into the Maildir DIR: the DATA content
exactly as received (after RFC 5321 4.5.2 un-dot-stuffing, nothing added) is
written to DIR/tmp/NAME, its envelope to DIR/envelope/NAME.json, then the
message is renamed into DIR/new/NAME. A message in new/ therefore always has
its envelope beside it.

Every command line a client sends is appended to DIR/commands.log as
"<connection> <tls|plain> <line>" (aiosmtpd masks AUTH credentials), so a
test can check for instance that AUTH never came before TLS.

Modes: --starttls (the default) offers STARTTLS and requires it before
anything but EHLO/NOOP/QUIT; --smtps is implicit TLS (RFC 8314); --plain has
no TLS at all. With --auth-user/--auth-pass, AUTH PLAIN, LOGIN and XOAUTH2
(the password is the bearer token) are offered once the connection is
encrypted (--auth-mechs LOGIN narrows the list), and MAIL requires
authentication. Without them no AUTH is offered.

Faults (--fault): greet-421, mail-451, mail-550, rcpt-451, rcpt-550,
data-cmd-554 (DATA refused before 354), data-451, data-554 (refused after
the final dot), drop-during-data (close mid-DATA), drop-after-dot (take the
whole message, deliver it, close without replying), slow-after-dot (take
the whole message, deliver it, then never reply), stall-in-data (answer
DATA with 354, then read nothing more and never reply), no-starttls (offer
no STARTTLS), auth-fail (535 for any credentials), stall (accept the
connection and never answer).

The server stops on SIGTERM/SIGINT, and by itself after --lifetime seconds.
"""

import argparse
import asyncio
import base64
import json
import logging
import os
import signal
import ssl
import sys
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, MISSING

FAULTS = {
    "greet-421", "mail-451", "mail-550", "rcpt-451", "rcpt-550", "data-cmd-554",
    "data-451", "data-554", "drop-during-data", "drop-after-dot", "no-starttls",
    "auth-fail", "stall", "slow-after-dot", "stall-in-data",
}

FAULT_REPLIES = {
    "mail-451": "451 4.3.0 Sender check temporarily failed",
    "mail-550": "550 5.7.1 Sender address rejected",
    "rcpt-451": "451 4.2.0 Recipient mailbox busy, try later",
    "rcpt-550": "550 5.1.1 No such user here",
    "data-451": "451 4.3.0 Queue write failed, try later",
    "data-554": "554 5.6.0 Message content rejected",
}

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class Server:
    """State shared by every connection."""

    def __init__(self, args):
        self.args = args
        self.maildir = args.maildir
        self.fault = args.fault
        self.connections = 0
        self.delivered = 0
        self.protocols = {}  # peer -> SMTPSession, for the command log
        self.log_path = os.path.join(self.maildir, "commands.log")
        for sub in ("tmp", "new", "cur", "envelope"):
            os.makedirs(os.path.join(self.maildir, sub), exist_ok=True)

    def log_command(self, peer, line):
        proto = self.protocols.get(peer)
        conn = proto.conn_id if proto else 0
        tls = "tls" if proto is not None and proto.encrypted() else "plain"
        if isinstance(line, bytes):
            line = line.decode("ascii", errors="backslashreplace")
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(f"{conn} {tls} {line}\n")

    def deliver(self, session, envelope, proto):
        self.delivered += 1
        name = f"{int(time.time())}.P{os.getpid()}Q{self.delivered}.ticketmail-test"
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "rcpt_options": envelope.rcpt_options,
            "auth_login": (session.login_data.decode("utf-8", "replace")
                           if isinstance(session.login_data, bytes)
                           else session.login_data),
            "tls": proto.encrypted(),
            "connection": proto.conn_id,
            "size": len(envelope.original_content),
        }
        with open(os.path.join(self.maildir, "envelope", name + ".json"), "w",
                  encoding="utf-8") as f:
            json.dump(meta, f, indent=1)
            f.write("\n")
        os.rename(tmp, os.path.join(self.maildir, "new", name))


class CommandLog(logging.Handler):
    """aiosmtpd logs each command line as INFO '%r >> %r' (peer, line),
    with AUTH credentials already masked; this records them in order."""

    def __init__(self, server):
        super().__init__(logging.INFO)
        self.server = server

    def emit(self, record):
        if record.msg == "%r >> %r" and len(record.args) == 2:
            self.server.log_command(*record.args)


class Handler:
    def __init__(self, server):
        self.server = server

    async def handle_EHLO(self, proto, session, envelope, hostname, responses):
        session.host_name = hostname
        if not self.server.args.auth_user:
            responses = [r for r in responses if not r[4:].startswith("AUTH")]
        return responses

    async def handle_MAIL(self, proto, session, envelope, address, options):
        return self.fault_reply("mail")

    async def handle_RCPT(self, proto, session, envelope, address, options):
        return self.fault_reply("rcpt")

    async def handle_DATA(self, proto, session, envelope):
        reply = self.fault_reply("data")
        if reply is not MISSING:
            return reply
        self.server.deliver(session, envelope, proto)
        if self.server.fault == "drop-after-dot":
            proto.transport.abort()
            await asyncio.Event().wait()  # cancelled by connection_lost()
        if self.server.fault == "slow-after-dot":
            await asyncio.Event().wait()  # until the client goes away
        return "250 2.0.0 OK queued as Q%d" % self.server.delivered

    def fault_reply(self, step):
        fault = self.server.fault
        if fault and fault.startswith(step + "-") and fault in FAULT_REPLIES:
            return FAULT_REPLIES[fault]
        return MISSING

    async def auth_XOAUTH2(self, proto, args):
        """RFC-less but widespread: base64("user=U\\1auth=Bearer T\\1\\1")."""
        if len(args) == 1:
            blob = await proto.challenge_auth("", encode_to_b64=False)
            if blob is MISSING:
                return AuthResult(success=False, handled=False)
        else:
            try:
                blob = base64.b64decode(args[1].encode(), validate=True)
            except Exception:
                return AuthResult(success=False, handled=False)
        fields = dict(
            part.split(b"=", 1) for part in blob.split(b"\x01") if b"=" in part)
        user = fields.get(b"user", b"")
        auth = fields.get(b"auth", b"")
        token = auth[7:] if auth.startswith(b"Bearer ") else None
        ok = token is not None and self.server.check(user, token)
        return AuthResult(success=ok, handled=False,
                          auth_data=LoginPassword(user, b"") if ok else None)


class SMTPSession(SMTP):
    """One connection: aiosmtpd's SMTP plus the faults that need to act
    outside the handler hooks."""

    def __init__(self, server, handler, implicit_tls, **kwargs):
        super().__init__(handler, **kwargs)
        self.server = server
        self.implicit_tls = implicit_tls
        server.connections += 1
        self.conn_id = server.connections

    def encrypted(self):
        return self.implicit_tls or self._tls_protocol is not None

    def connection_made(self, transport):
        super().connection_made(transport)
        if self.session.peer is not None:
            self.server.protocols[self.session.peer] = self

    def connection_lost(self, error):
        self.server.protocols.pop(self.session.peer, None)
        super().connection_lost(error)

    async def _handle_client(self):
        fault = self.server.fault
        if fault == "stall":
            await asyncio.Event().wait()
        if fault == "greet-421":
            await self.push("421 4.3.2 Service not available, closing channel")
            self.transport.close()
            return
        await super()._handle_client()

    async def smtp_DATA(self, arg):
        fault = self.server.fault
        if fault == "data-cmd-554" and self.envelope.rcpt_tos:
            await self.push("554 5.3.4 Message too big for system")
            return
        if fault == "drop-during-data" and self.envelope.rcpt_tos:
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            # Take a little, then close with the rest unread: the client is
            # still sending and sees a reset.
            await self._reader.read(1024)
            self.transport.abort()
            await asyncio.Event().wait()  # cancelled by connection_lost()
        if fault == "stall-in-data" and self.envelope.rcpt_tos:
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            self.transport.pause_reading()
            await asyncio.Event().wait()  # until the client goes away
        await super().smtp_DATA(arg)


def tls_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    return ctx


def make_authenticator(server):
    def authenticator(proto, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = server.check(auth_data.login, auth_data.password)
        return AuthResult(success=ok, handled=False,
                          auth_data=auth_data if ok else None)
    return authenticator


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--portfile")
    p.add_argument("--maildir", required=True)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--starttls", dest="mode", action="store_const", const="starttls")
    mode.add_argument("--smtps", dest="mode", action="store_const", const="smtps")
    mode.add_argument("--plain", dest="mode", action="store_const", const="plain")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--auth-user")
    p.add_argument("--auth-pass")
    p.add_argument("--auth-mechs", default="PLAIN,LOGIN,XOAUTH2",
                   help="comma-separated AUTH mechanisms to offer")
    p.add_argument("--fault", choices=sorted(FAULTS))
    p.add_argument("--lifetime", type=float, default=120.0)
    args = p.parse_args(argv)
    args.mode = args.mode or "starttls"
    if args.host not in LOOPBACK:
        p.error("--host must be a loopback address")
    if args.mode != "plain" and not (args.tls_cert and args.tls_key):
        p.error(f"--{args.mode} needs --tls-cert and --tls-key")
    if bool(args.auth_user) != (args.auth_pass is not None):
        p.error("--auth-user and --auth-pass go together")
    return args


async def serve(args):
    server = Server(args)
    server.check = lambda user, password: (
        args.fault != "auth-fail"
        and user == args.auth_user.encode()
        and password == args.auth_pass.encode())
    logging.getLogger("mail.log").addHandler(CommandLog(server))
    logging.getLogger("mail.log").setLevel(logging.INFO)

    implicit = args.mode == "smtps"
    ctx = tls_context(args) if args.mode != "plain" else None
    starttls_ctx = ctx if args.mode == "starttls" and args.fault != "no-starttls" else None
    handler = Handler(server)
    kwargs = dict(
        hostname="smtpd.test",
        ident="ticketmail test smtpd",
        enable_SMTPUTF8=True,
        tls_context=starttls_ctx,
        require_starttls=starttls_ctx is not None,
        auth_required=bool(args.auth_user),
        # With implicit TLS every command is encrypted already; aiosmtpd
        # only knows about STARTTLS.
        auth_require_tls=not implicit,
        authenticator=make_authenticator(server),
        timeout=args.lifetime,
    )
    offered = set(args.auth_mechs.upper().split(",")) if args.auth_user else set()
    kwargs["auth_exclude_mechanism"] = sorted({"PLAIN", "LOGIN", "XOAUTH2"} - offered)

    loop = asyncio.get_running_loop()
    lsrv = await loop.create_server(
        lambda: SMTPSession(server, handler, implicit, loop=loop, **kwargs),
        host=args.host, port=args.port, ssl=ctx if implicit else None,
        reuse_address=True)
    # The handlers come before the port is announced: a client that reads
    # the port and stops the server at once must find it ready to stop
    # cleanly (SIGTERM's default action would kill it with status -15).
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    port = lsrv.sockets[0].getsockname()[1]
    # The handlers go in before the port is announced: a test may stop the
    # server the moment it knows the port, and must see a clean exit.
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.portfile:
        tmp = args.portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.rename(tmp, args.portfile)
    print(port, flush=True)

    loop.call_later(args.lifetime, stop.set)
    await stop.wait()
    lsrv.close()
    for proto in list(server.protocols.values()):
        if proto.transport is not None and not proto.transport.is_closing():
            try:
                proto.transport.abort()
            except Exception:  # already half torn down
                pass
    await asyncio.sleep(0)


def main(argv):
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="smtpd: %(levelname)s: %(message)s")
    # aiosmtpd's own INFO lines feed the command log, not stderr.
    logging.getLogger("mail.log").propagate = False
    args = parse_args(argv)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
