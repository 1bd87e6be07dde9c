"""interview_util.py - drives the interview in a pseudo-terminal (pexpect)
for tests/py/test_interview.py, on top of fixture.py's isolated
environments and SMTP server.

    s = Session(env, "--lang", "en")       # the real binary in a pty
    s.line("Coin", "USDT")                 # wait for a field's header, then its prompt
    s.text("Description", ["line 1"])      # inline multi-line entry, ended by "."
    status = s.finish()                    # wait for exit; s.out is all output

Every wait is on output (pexpect), never on a clock.
"""

import io
import os
import re

import pexpect

import fixture

TIMEOUT = 30
SGR = re.compile(r"\x1b\[[0-9;]*m")
_SGR_OPT = r"(?:\x1b\[[0-9;]*m)*"


class Session:
    """The binary in a pty (TERM=xterm, 50x200). With stty_file, it runs
    under sh, which records `stty -g` before and after it (to check that
    the terminal is restored)."""

    def __init__(self, env, *args, extra_env=None, stty_file=None, cwd=None):
        e = dict(env.env)
        e["TERM"] = "xterm"
        for k, v in (extra_env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        if stty_file:
            # sh survives the Ctrl-C sent to the foreground group (trap),
            # and the program starts with SIGINT at its default.
            cmd, argv = "/bin/sh", ["-c", 'trap : INT; f=$1; shift; stty -g >"$f.before"; '
                                    '"$@"; rc=$?; '
                                    'stty -g >"$f.after"; exit $rc', "sh", stty_file,
                                    fixture.TICKETMAIL, *args]
        else:
            cmd, argv = fixture.TICKETMAIL, list(args)
        self.log = io.StringIO()
        self.child = pexpect.spawn(cmd, argv, env=e, cwd=cwd or env.root, timeout=TIMEOUT,
                                   encoding="utf-8", codec_errors="replace",
                                   dimensions=(50, 200))
        self.child.logfile_read = self.log
        self.status = None

    @property
    def out(self):
        return self.log.getvalue()

    def header(self, label):
        """Waits for a line that starts with label (after any colour)."""
        self.child.expect(re.compile("(?m)^" + _SGR_OPT + re.escape(label)))

    def prompt(self, marker="> "):
        self.child.expect_exact(marker)

    def line(self, label, answer):
        self.header(label)
        self.prompt()
        self.child.sendline(answer)

    def edit(self, field):
        """At the review: "e", then the field's key at "Which field?"."""
        self.child.sendline("e")
        self.child.expect_exact("Which field?")
        self.prompt()
        self.child.sendline(field)

    def again(self, answer, expect=None):
        """After a refused answer: waits for the error (and text), answers again."""
        self.child.expect_exact("✗")
        if expect:
            self.child.expect_exact(expect)
        self.prompt()
        self.child.sendline(answer)

    def text(self, label, lines):
        self.header(label)
        for line in list(lines) + ["."]:
            self.prompt("| ")
            self.child.sendline(line)

    def expect(self, what):
        self.child.expect_exact(what)

    def send(self, raw):
        self.child.send(raw)

    def finish(self):
        self.child.expect(pexpect.EOF)
        self.child.close()
        self.status = self.child.exitstatus
        return self.status


def visible(text):
    """Output with colour removed and CRLF as LF, for assertions."""
    return SGR.sub("", text).replace("\r\n", "\n")
