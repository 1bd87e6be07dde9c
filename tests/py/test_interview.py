#!/usr/bin/python3
"""The guided interview in a pseudo-terminal (issue 4): full interviews in
Chinese and English ending in delivery to tests/smtpd.py, refused answers
asked again, Tab completion of attachment paths, the $EDITOR path (CRLF
included), Ctrl-C and EOF leaving a draft and a sane terminal, resuming a
draft, leaving the review, NO_COLOR, pasted escape sequences, no prompting
without a terminal, and secrets: refused as they are typed, never shown
back and never saved in a draft, and attachments checked as they are
added."""

import os
import re
import shutil
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pexpect  # noqa: E402

import fixture  # noqa: E402
import tap  # noqa: E402
from interview_util import SGR, Session, visible  # noqa: E402

SHOTS = os.path.join(fixture.EXAMPLES, "shots")
TXID = "0ba2d735129f297a5ce7d656bd6f3e7a6ba846a014fcb68ce56adc0d95b44ae6"


def new_env(name, server):
    env = fixture.Env(name)
    env.write_account(server)
    return env


def drafts(env):
    d = os.path.join(env.state_home, "ticketmail", "drafts")
    return sorted(os.path.join(d, n) for n in os.listdir(d)) if os.path.isdir(d) else []


def resume_path(out):
    m = re.search(r"ticketmail --ticket (\S+)", visible(out))
    return m.group(1) if m else None


def delivered_check(srv, subject, *expect):
    msgs = srv.message_paths()
    if not tap.ok(len(msgs) == 1, f"the server received one message ({subject})",
                  f"got {len(msgs)}"):
        return
    good, out = fixture.mimecheck(msgs[-1], "--expect-subject", subject, *expect)
    tap.ok(good, f"mimecheck: subject {subject!r} and the expected parts", out)


def test_english_account(srv):
    """English, account problem: the OS default, a refused time, a pasted
    escape sequence made visible, the description from $EDITOR, a subject
    of one's own."""
    env = new_env("en-account", srv)
    editor = os.path.join(env.root, "editor.sh")
    with open(editor, "w") as f:
        f.write('#!/bin/sh\n'
                '# A fake editor: checks the commented template, writes the text.\n'
                'grep -q "^## " "$1" || exit 3\n'
                'case "$1" in\n'
                '*description*) printf "%s\\n" "Login fails with error 50113 since the update." '
                '"## this comment line is dropped" "#2 stays: a line of my own" "It worked the day before." >"$1" ;;\n'
                '*) : >"$1" ;;\n'
                'esac\n')
    os.chmod(editor, 0o755)
    # --lang wins over the environment's Chinese.
    s = Session(env, "--lang", "en",
                extra_env={"EDITOR": editor, "VISUAL": None, "LANGUAGE": "zh_CN"})
    s.line("Provider", "")
    s.line("What is the problem about?", "1")
    s.expect("Before you write:")
    # A pasted escape sequence (bracketed paste) is shown, not interpreted.
    s.header("Device model")
    s.prompt()
    s.send("\x1b[200~Pixel\x1b[31m8\x1b[201~\r")
    s.child.expect_exact("You typed:")
    s.child.expect_exact("Pixel\\x1B[31m8")
    s.prompt()
    s.child.sendline("Pixel 8")
    # The OS version defaults to this computer's.
    s.header("OS version")
    s.child.expect(r"\[([^\[\]\r\n]+)\] > ")
    os_default = s.child.match.group(1)
    s.child.sendline("")
    s.line("App version", "6.95.0")
    s.line("When it happened", "yesterday afternoon")
    s.again("2026-11-20 14:32 +08:00", expect="When it happened")
    s.line("User ID (UID)", "")
    s.header("Registered email")
    s.expect("[zhang.wei@example.com] > ")  # the account's sender address
    s.child.sendline("")
    s.header("Description")  # $EDITOR writes it
    for label in ("Steps taken", "Error message"):
        s.header(label)  # $EDITOR leaves these empty: skipped
    s.line("Name", "Wei Zhang")
    s.line("Phone", "")
    s.line("Telegram", "")
    s.header("Subject")
    s.child.expect(r"(\d+)\)" + r"(?:\x1b\[[0-9;]*m)* Write my own subject")
    own = s.child.match.group(1)
    s.prompt()
    s.child.sendline(own)
    s.line("Subject", "Cannot log in after the app update")
    s.line("Attachment", "")
    s.expect("Review: the email as support will see it")
    s.expect("[s] send")
    s.prompt()
    s.child.sendline("s")
    s.expect("Sent.")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 0, "English interview: exit 0 after sending", out[-3000:])
    tap.has(out, "Format, for example: iPhone 15 Pro", "every prompt shows the format by example")
    tap.has(out, "Some problems only happen on certain devices.", "and why support needs it")
    tap.has(out, "✗ occurred_at (When it happened): is not a date and time with a zone",
            "a refused time is explained, then asked again")
    tap.has(out, "You typed: Pixel\\x1B[31m8", "a pasted escape sequence is shown made visible")
    tap.hasnt(s.out, "Pixel\x1b[31m8", "and never sent to the terminal as it is")
    tap.hasnt(os_default, "\x1b", "OS default is plain text")
    delivered_check(srv, "Cannot log in after the app update",
                    "--expect-body-contains", "Login fails with error 50113 since the update.",
                    "--expect-body-contains", "It worked the day before.",
                    "--expect-body-contains", "#2 stays: a line of my own",
                    "--expect-body-contains", os_default, "--expect-body-contains", "Pixel 8",
                    "--expect-parts", "1")
    raw = fixture.read(srv.message_paths()[-1]) if srv.message_paths() else b""
    tap.hasnt(raw.decode("utf-8", "replace"), "this comment line is dropped",
              "the editor's comment lines are not sent")


def test_chinese_withdrawal(srv):
    """Chinese, withdrawal, the way the guide describes it: a bad TxID then a
    good one, Chinese text with a backspace over a wide character, a
    suggested subject, two screenshots found with Tab. Timed."""
    env = new_env("zh-withdrawal", srv)
    os.makedirs(os.path.join(env.root, "shots"))
    for n in ("withdrawal-record.png", "error-page.png"):
        shutil.copy(os.path.join(SHOTS, n), os.path.join(env.root, "shots", n))
    start = time.monotonic()
    s = Session(env, "--lang", "zh_CN", extra_env={"EDITOR": None, "VISUAL": None})
    s.line("服务商", "")
    s.line("遇到的是哪类问题？", "3")
    s.expect("请提供币种、网络、数量")
    s.line("币种", "USDT")
    s.line("网络", "TRC20")
    s.line("数量", "500")
    s.line("交易哈希（TxID）", "0x" + TXID[:20])
    s.again(TXID)
    s.line("发生时间", "2026-11-20 14:32 +08:00")
    s.line("用户 UID", "482910375516289034")
    s.header("问题描述")
    s.prompt("| ")
    # A wrong wide character, erased with Backspace, then the right one.
    s.send("提币显示已完成,但钱包一直未到账错\x7f。\r")
    s.prompt("| ")
    s.child.sendline("请帮忙核实这笔提币的链上状态。")
    s.prompt("| ")
    s.child.sendline(".")
    s.line("地址", "")
    s.line("Memo / 标签", "")
    s.text("操作步骤", [])
    s.text("错误提示", [])
    s.line("姓名", "张伟")
    s.line("电话", "")
    s.line("Telegram", "")
    s.line("邮件主题", "1")
    s.header("附件")
    s.prompt()
    s.send("shots/withdrawal-r\t")
    s.expect("withdrawal-record.png")  # completed by Tab
    s.send("\r")
    s.expect("image/png")
    s.prompt()
    s.send("shots/err\t")
    s.expect("error-page.png")
    s.send("\r")
    s.expect("2 个附件")
    s.prompt()
    s.child.sendline("")
    s.expect("预览：客服将看到的邮件")
    s.expect("[s] 发送")
    s.prompt()
    s.child.sendline("s")
    status = s.finish()
    elapsed = time.monotonic() - start
    out = visible(s.out)
    tap.is_(status, 0, "Chinese interview: exit 0 after sending", out[-3000:])
    tap.has(out, "格式示例：", "Chinese prompts: the format by example")
    for en in ("Format, for example", "(required)", "(optional", "Enter keeps", "Review:",
               "Provider", "Type the text", "attachment(s)"):
        tap.hasnt(out, en, f"Chinese interview: no English {en!r}")
    if os.environ.get("INTERVIEW_SHOW"):
        sys.stderr.write(out)
    tap.has(out, "TxID 可在链上查到这笔交易。", "Chinese prompts: why support needs it")
    tap.ok(re.search(r"✗ txid（交易哈希（TxID））：.+\n", out),
           "a bad TxID is refused with an explanation", out[-4000:])
    tap.has(out, "shots/withdrawal-record.png", "Tab completed the attachment path")
    tap.ok(re.search(r"withdrawal-record\.png — image/png, [0-9.]+ (B|KiB)", out),
           "each attachment is listed with its type and size")
    tap.has(out, "USDT提币未到账", "the review shows the subject")
    delivered_check(srv, "USDT提币未到账",
                    "--expect-attachment",
                    "withdrawal-record.png=" + os.path.join(SHOTS, "withdrawal-record.png"),
                    "--expect-attachment", "error-page.png=" + os.path.join(SHOTS, "error-page.png"),
                    "--expect-body-contains", "提币显示已完成,但钱包一直未到账。",
                    "--expect-body-contains", TXID, "--expect-parts", "3")
    print(f"# timing: the scripted Chinese withdrawal interview (2 screenshots, delivery "
          f"included) took {elapsed:.2f} s", flush=True)
    tap.ok(elapsed < 30, f"the scripted Chinese interview takes {elapsed:.2f} s (< 30 s)")


def test_interrupt_and_resume(srv):
    """Ctrl-C mid-way: draft saved (0600 in a 0700 directory, no partial
    file), the resume command printed, exit 75, the terminal as it was;
    then resuming asks only for what is missing, and sends."""
    env = new_env("interrupt", srv)
    stty = os.path.join(env.root, "stty")
    s = Session(env, "--lang", "en", stty_file=stty)
    s.line("Provider", "")
    s.line("What is the problem about?", "5")
    s.line("When it happened", "2026-11-20 14:32 +08:00")
    s.line("User ID (UID)", "482910375516289034")
    s.text("Description", ["The campaign reward for November never arrived.",
                           "The campaign page says it was paid on 2026-11-20."])
    s.header("Steps taken")
    s.prompt("| ")
    s.child.sendline("1. Opened the campaign page")  # typed, then interrupted
    s.prompt("| ")
    s.child.sendintr()
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 75, "Ctrl-C: exit 75 (EX_TEMPFAIL)", out[-2000:])
    path = resume_path(out)
    tap.ok(path and os.path.isfile(path), "Ctrl-C: the exact resume command names the draft",
           out[-2000:])
    tap.ok(path and path.startswith(os.path.join(env.state_home, "ticketmail", "drafts") + "/"),
           "the draft is under $XDG_STATE_HOME/ticketmail/drafts", path)
    ddir = os.path.join(env.state_home, "ticketmail", "drafts")
    tap.is_(drafts(env), [path], "exactly one file in the drafts directory (no partial file)")
    if path and os.path.isfile(path):
        tap.is_(stat.S_IMODE(os.stat(path).st_mode), 0o600, "the draft is 0600")
        tap.is_(stat.S_IMODE(os.stat(ddir).st_mode), 0o700, "the drafts directory is 0700")
        draft = open(path, encoding="utf-8").read()
        tap.has(draft, "The campaign reward for November never arrived.",
                "the draft holds the answers given")
        tap.has(draft, "1. Opened the campaign page", "and the text typed before Ctrl-C")
    try:
        before = open(stty + ".before").read()
        after = open(stty + ".after").read()
    except OSError as e:
        before, after = "?", str(e)
    tap.ok(before == after and before != "?", "the terminal settings (stty -g) are restored",
           f"before: {before}", f"after:  {after}")
    tap.is_(srv.message_paths(), [], "nothing was sent")
    if not path:
        return
    r = Session(env, "--lang", "en", "--ticket", path)
    r.header("Subject")
    r.prompt()
    r.child.sendline("Campaign reward for November missing")  # written at the menu
    r.line("Attachment", "")  # the screenshots step is offered again; none
    r.expect("Review: the email as support will see it")
    r.expect("[s] send")
    r.prompt()
    r.child.sendline("s")
    status = r.finish()
    rout = visible(r.out)
    tap.is_(status, 0, "resumed draft: sent, exit 0", rout[-2000:])
    for label in ("What is the problem about?", "When it happened", "User ID (UID)",
                  "Description", "Steps taken", "Provider"):
        tap.ok(not re.search("(?m)^" + re.escape(label) + " [(]", rout),
               f"resuming does not ask again: {label}", rout[:1500])
    delivered_check(srv, "Campaign reward for November missing",
                    "--expect-body-contains", "The campaign reward for November never arrived.")
    tap.is_(drafts(env), [], "a draft that was sent is removed")


def test_eof_at_confirmation(srv):
    """A complete ticket on a terminal goes straight to the review; Ctrl-D
    there sends nothing and keeps a draft. Colour is on (a terminal)."""
    env = new_env("eof", srv)
    s = Session(env, "--lang", "en", "--ticket", fixture.WITHDRAWAL)
    s.expect("Review: the email as support will see it")
    s.expect("[s] send")
    s.prompt()
    s.send("\x04")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 75, "EOF at the confirmation: exit 75", out[-2000:])
    tap.is_(srv.message_paths(), [], "EOF at the confirmation: the server got nothing")
    tap.is_(env.outbox(), [], "EOF at the confirmation: the outbox is empty")
    path = resume_path(out)
    tap.ok(path and drafts(env) == [path], "EOF at the confirmation: a draft is saved", out[-800:])
    tap.ok(re.search(r"withdrawal-record\.png — image/png, [0-9.]+ (B|KiB)", out),
           "the review lists attachments with type and size")
    tap.ok(re.search(r"2 attachment\(s\), [0-9.]+ KiB of 20\.0 MiB allowed", out),
           "the review gives the total against the limit")
    tap.ok(SGR.search(s.out), "on a terminal without NO_COLOR the output is coloured")
    if path:
        r = env.run("--ticket", path, "--dry-run")
        tap.is_(r.rc, 0, "the draft composes as it is (attachment paths still found)", r)


def test_invalid_field_in_file(srv):
    """--ticket with one invalid field asks for that field only, offering
    the file's value; keeping it is refused again, a good one is taken."""
    env = new_env("invalid", srv)
    src = open(os.path.join(fixture.EXAMPLES, "withdrawal-en.ini"), encoding="utf-8").read()
    bad = re.sub(r"(?m)^txid = .*$", "txid = 0xabc", src)
    tap.ok(bad != src, "test setup: the example has a txid to spoil")
    path = os.path.join(env.root, "bad.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(bad)
    s = Session(env, "--lang", "en", "--ticket", path)
    s.header("Transaction ID (TxID)")
    s.expect("[0xabc] > ")
    s.child.sendline("")  # keep the file's value: refused again
    s.again(TXID)
    s.expect("[s] send")
    s.prompt()
    s.child.sendline("q")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 75, "invalid field: fixed, then quit at the review: exit 75", out[-1500:])
    headers = re.findall(r"(?m)^(\S.*?) [(](?:required|optional|this or)", out)
    tap.is_(headers, ["Transaction ID (TxID)"], "only the invalid field is asked", out[:1500])
    tap.has(out, TXID, "the review shows the corrected TxID")
    path = resume_path(out)
    tap.ok(path and drafts(env) == [path], "quit after a correction: the answers are kept as a draft",
           out[-800:])
    if path:
        tap.has(open(path, encoding="utf-8").read(), TXID, "the draft holds the corrected TxID")


def test_no_color(srv):
    env = new_env("nocolor", srv)
    # No --lang: the interface follows the environment (LANGUAGE=zh_CN).
    s = Session(env, "--ticket", os.path.join(fixture.EXAMPLES, "withdrawal-en.ini"),
                extra_env={"NO_COLOR": "1", "LANGUAGE": "zh_CN"})
    s.expect("预览：客服将看到的邮件")
    s.expect("[s] 发送")
    s.prompt()
    s.child.sendline("q")
    status = s.finish()
    tap.is_(status, 75, "quit at the review: exit 75 (not sent)", visible(s.out)[-1000:])
    tap.ok(not SGR.search(s.out), "NO_COLOR: no colour escape sequences at all",
           repr(SGR.findall(s.out)[:5]))
    tap.is_(srv.message_paths(), [], "quit: nothing sent")


def test_no_terminal(srv):
    """Without a terminal nothing is asked: every problem is listed."""
    env = new_env("noterm", srv)
    r = env.run("--lang", "en")
    tap.is_(r.rc, 65, "no terminal, no ticket: exit 65 (EX_DATAERR)", r)
    for key in ("category", "subject", "occurred_at", "description", "uid"):
        tap.has(r.err, key, f"no terminal: the missing field {key} is listed")
    tap.hasnt(r.out + r.err, "> ", "no terminal: no prompt is shown")
    tap.is_(drafts(env), [], "no terminal: no draft")


def test_no_account(srv):
    """No account yet: the interview still takes the ticket, keeps it as a
    draft and says how to go on; nothing is sent."""
    env = fixture.Env("noaccount")
    s = Session(env, "--lang", "en", "--ticket", fixture.WITHDRAWAL)
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 78, "no account: exit 78 (EX_CONFIG)", out[-1500:])
    tap.has(out, "config.ini", "no account: says which file to create")
    path = resume_path(out)
    tap.ok(path and drafts(env) == [path], "no account: the ticket is kept as a draft", out[-800:])
    tap.is_(srv.message_paths(), [], "no account: nothing sent")


def test_secret_after_edit(srv):
    """A password typed into a field at the review is caught as it is
    entered: explained (without echoing it), that field asked again, and
    only the clean text leaves."""
    env = new_env("secret", srv)
    secret = "Hunter2Zebra77"
    s = Session(env, "--lang", "en", "--ticket", fixture.WITHDRAWAL)
    s.expect("[s] send")
    s.prompt()
    s.edit("description")
    s.text("Description", ["The withdrawal never arrived.", "My password: " + secret])
    s.expect("✗")
    s.expect("password")
    for line in ["The withdrawal never arrived; please check it.", "."]:
        s.prompt("| ")
        s.child.sendline(line)
    s.expect("[s] send")
    s.prompt()
    s.child.sendline("s")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 0, "secret edited in at the review: fixed, then sent", out[-2000:])
    tap.ok(re.search(r"(?i)support never asks", out), "says why the secret must go", out[-3000:])
    msgs = srv.message_paths()
    tap.is_(len(msgs), 1, "one message delivered")
    if msgs:
        data = open(msgs[-1], "rb").read()
        _, dump = fixture.mimecheck(msgs[-1], "--dump")
        tap.ok(secret.encode() not in data and secret not in dump and "Current text" not in dump,
               "the password is not in the delivered message (raw or decoded)")
        good, res = fixture.mimecheck(msgs[-1], "--expect-body-contains",
                                      "The withdrawal never arrived; please check it.")
        tap.ok(good, "the corrected description was sent", res)



def ticket_with(env, name, example="withdrawal-en.ini", **changes):
    """A copy of an example ticket with some lines replaced (key = new
    value, or None to drop the key and its continuation lines). The
    attachment paths are made absolute."""
    src = open(os.path.join(fixture.EXAMPLES, example), encoding="utf-8").read()
    out, skip = [], False
    for line in src.splitlines():
        if skip and line.startswith((" ", "\t")):
            continue
        skip = False
        key = line.split("=", 1)[0].strip() if "=" in line and not line[0].isspace() else None
        if key in changes:
            skip = True  # the old value's continuation lines go too
            if changes[key] is None:
                continue
            line = f"{key} = {changes[key]}"
        if key == "file":
            line = "file = " + os.path.join(fixture.EXAMPLES, line.split("=", 1)[1].strip())
        out.append(line)
    path = os.path.join(env.root, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    return path


def write_editor(env, name, body):
    path = os.path.join(env.root, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)
    return path


def test_editor_crlf(srv):
    """An editor that saves CRLF line ends, and ends the file with a lone
    CR: the text is taken with LF line ends."""
    env = new_env("crlf", srv)
    count = os.path.join(env.root, "count")
    editor = write_editor(env, "editor.sh",
                          f'echo run >>"{count}"\n'
                          f'[ "$(wc -l <"{count}")" -gt 1 ] && exit 3\n'
                          "printf 'Deposit still missing.\\r\\nSecond line.\\r\\n\\r\\nLast line.\\r' >\"$1\"\n")
    path = ticket_with(env, "nodesc.ini", description=None)
    s = Session(env, "--lang", "en", "--ticket", path,
                extra_env={"EDITOR": editor, "VISUAL": None})
    s.header("Description")
    s.child.expect_exact(["[s] send", "| "])
    if s.child.after == "| ":
        s.child.sendintr()
    else:
        s.prompt()
        s.child.sendline("s")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 0, "CRLF from the editor: accepted and sent", out[-2000:])
    tap.hasnt(out, "U+000D", "no complaint about a carriage return", out[-2000:])
    tap.is_(open(count).read().count("run"), 1, "the editor is opened once")
    msgs = srv.message_paths()
    if tap.ok(msgs, "one message delivered"):
        # The decoded body, its CRLF line ends (MIME's) made LF: no CR is left.
        _, dump = fixture.mimecheck(msgs[-1], "--dump")
        tap.has(dump.replace("\r\n", "\n"), "Deposit still missing.\nSecond line.\n\nLast line.",
                "the text is sent as written, nothing lost, no stray CR")


def test_keep_hints(srv):
    """Each kind of field says truly how its current value is kept: a
    one-line field shows it in brackets, a multi-line one above the entry."""
    env = new_env("hints", srv)
    s = Session(env, "--lang", "en", "--ticket", fixture.WITHDRAWAL,
                extra_env={"EDITOR": None, "VISUAL": None})
    s.expect("[s] send")
    s.prompt()
    s.edit("steps")
    s.header("Steps taken")
    s.prompt("| ")
    text_prompt = visible(s.out[s.out.rindex("Steps taken"):])
    s.child.sendline(".")  # keeps the current text
    s.expect("[s] send")
    s.prompt()
    s.edit("name")
    s.header("Name")
    s.prompt()
    line_prompt = visible(s.out[s.out.rindex("Name"):])
    s.child.sendline("")  # keeps the value in brackets
    s.expect("[s] send")
    s.prompt()
    s.child.sendline("s")
    status = s.finish()
    out = visible(s.out)
    tap.hasnt(text_prompt, "brackets", "a multi-line field does not speak of brackets",
              text_prompt)
    tap.has(text_prompt, "A \".\" on the first line keeps the current text; \"-\" and then "
            "\".\" clear it.", "it says how its text, shown above, is kept and cleared",
            text_prompt)
    tap.has(line_prompt, "Enter keeps the value in brackets", "a one-line field speaks of brackets",
            line_prompt)
    tap.has(line_prompt, "[张伟] > ", "and shows its value in them", line_prompt)
    tap.is_(status, 0, "both values kept, then sent", out[-1500:])
    delivered_check(srv, "USDT提币未到账", "--expect-body-contains", "2. 选择 USDT，网络选择 TRC20",
                    "--expect-body-contains", "张伟")


def test_leave_review(srv):
    """d and q at the review exit 75 (not sent): d saves a draft; q saves
    one when something was typed, and says the file is unchanged when
    not."""
    env = new_env("leave", srv)
    s = Session(env, "--lang", "en", "--ticket", fixture.WITHDRAWAL)
    s.expect("[s] send")
    s.prompt()
    s.child.sendline("d")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 75, "d at the review: exit 75", out[-1500:])
    path = resume_path(out)
    tap.ok(path and drafts(env) == [path], "d: a draft is saved and named", out[-800:])
    for p in drafts(env):
        os.unlink(p)

    s = Session(env, "--lang", "en", "--ticket", fixture.WITHDRAWAL)
    s.expect("[s] send")
    s.prompt()
    s.child.sendline("q")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 75, "q with nothing typed: exit 75", out[-1500:])
    tap.has(out, "The ticket file is unchanged", "q with nothing typed: says the file is as it was")
    tap.is_(drafts(env), [], "q with nothing typed: no draft")

    s = Session(env, "--lang", "en", "--ticket", fixture.WITHDRAWAL)
    s.expect("[s] send")
    s.prompt()
    s.edit("name")
    s.line("Name", "Wei Zhang")
    s.expect("[s] send")
    s.prompt()
    s.child.sendline("q")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 75, "q after an edit: exit 75", out[-1500:])
    path = resume_path(out)
    tap.ok(path and drafts(env) == [path], "q after an edit: a draft is saved and named",
           out[-800:])
    if path:
        text = open(path, encoding="utf-8").read()
        tap.has(text, "name = Wei Zhang", "the draft holds the edit")
        tap.has(text, "2. 选择 USDT，网络选择 TRC20", "and the rest of the ticket")
    tap.is_(srv.message_paths(), [], "leaving the review: nothing sent")


MASK = "••••••"
PASSWORD = "Hunter2isgood"
CODE = "583920"


def test_secret_never_shown_or_saved(srv):
    """A ticket file and --set holding a password and a code: the fields
    are asked again with the secret masked wherever their value is shown
    (Current text), Ctrl-C keeps a draft without them, in Chinese."""
    env = new_env("secret-resume", srv)
    path = ticket_with(env, "secret.ini", "withdrawal-zh.ini",
                       description="提币一直未到账。My password: " + PASSWORD + " 请核实。")
    s = Session(env, "--lang", "zh_CN", "--ticket", path,
                "--set", "steps=1. 输入验证码 " + CODE + " 后提交提币。",
                extra_env={"EDITOR": None, "VISUAL": None})
    s.header("问题描述")
    s.expect("当前内容：")
    s.prompt("| ")
    s.child.sendintr()
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 75, "secret in a ticket file, Ctrl-C: exit 75", out[-2000:])
    tap.hasnt(out, PASSWORD, "the password from the file is never printed", out[-3000:])
    tap.hasnt(out, CODE, "the code from --set is never printed", out[-3000:])
    tap.has(out, "提币一直未到账。My password: " + MASK + " 请核实。",
            "Current text shows the rest of the value, the secret masked")
    draft = resume_path(out)
    tap.ok(draft and drafts(env) == [draft], "Ctrl-C: a draft is saved", out[-800:])
    if draft:
        text = open(draft, encoding="utf-8").read()
        tap.hasnt(text, PASSWORD, "the draft does not hold the password from the file")
        tap.hasnt(text, CODE, "the draft does not hold the code from --set")
        tap.has(text, "提币一直未到账。My password: " + MASK, "the draft keeps the rest of the text")
        tap.has(text, "1. 输入验证码 " + MASK + " 后提交提币。", "and the rest of --set's text")


def test_duplicate_after_review_keeps_edits(srv):
    """A ticket sent before is refused at "s" (exit 65), and what was edited
    at the review is kept in a draft that the message names. The same edit
    is made twice, so the second ticket is the first one again."""
    env = new_env("dup-review", srv)
    phones = ["+86 138 0013 8000", "+86 138 0013 8000"]
    for i, phone in enumerate(phones):
        s = Session(env, "--lang", "en", "--ticket", fixture.WITHDRAWAL)
        s.expect("[s] send")
        s.prompt()
        s.edit("phone")
        s.header("Phone")
        s.prompt()
        s.child.sendline(phone)
        s.expect("[s] send")
        s.prompt()
        s.child.sendline("s")
        status = s.finish()
        out = visible(s.out)
        if i == 0:
            tap.is_(status, 0, "first send: exit 0", out[-800:])
            continue
        tap.is_(status, 65, "the same ticket again: refused as a duplicate (65)", out[-800:])
        draft = resume_path(out)
        tap.ok(draft and drafts(env) == [draft], "the refused edit is kept in a draft",
               out[-800:])
        if draft:
            tap.has(open(draft, encoding="utf-8").read(), phone,
                    "the draft holds the phone edited at the review")
    tap.is_(len(srv.message_paths()), 1, "one message was sent in all")


def test_password_step_keeps_answers(srv):
    """Answers typed in the interview survive the mail-password step: Ctrl-C
    at the password prompt exits 75 with a draft, and a password_command
    that fails exits 78 with a draft, each naming the resume command."""
    for mode in ("prompt", "command"):
        env = fixture.Env("pw-" + mode)
        if mode == "prompt":
            env.write_account(srv, secret=None)
        else:
            env.write_account(srv, secret=None, password_command="exit 3")
        src = open(fixture.WITHDRAWAL, encoding="utf-8").read()
        src = re.sub(r"(?ms)^description = .*?\n(?=steps)", "", src)
        path = os.path.join(env.root, "t.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(src)
        typed = "My deposit never arrived; typed by hand in the interview."
        s = Session(env, "--lang", "en", "--ticket", path,
                    extra_env={"EDITOR": None, "VISUAL": None})
        s.header("Description")
        s.prompt("| ")
        s.child.sendline(typed)
        s.prompt("| ")
        s.child.sendline(".")
        if mode == "prompt":
            s.expect("Password")
            s.child.sendintr()
        status = s.finish()
        out = visible(s.out)
        want = 75 if mode == "prompt" else 78
        tap.is_(status, want, f"{mode}: exit {want}", out[-1500:])
        draft = resume_path(out)
        tap.ok(draft and drafts(env) == [draft], f"{mode}: a draft is saved and named",
               out[-800:])
        if draft:
            tap.has(open(draft, encoding="utf-8").read(), typed,
                    f"{mode}: the draft holds the description typed")
        tap.is_(srv.message_paths(), [], f"{mode}: nothing was sent")


def test_secret_not_in_history(srv):
    """A refused answer does not come back with the Up arrow: readline's
    history holds the line with the secret masked."""
    env = new_env("secret-history", srv)
    s = Session(env, "--lang", "en", extra_env={"EDITOR": None, "VISUAL": None})
    s.line("Provider", "")
    s.line("What is the problem about?", "5")
    s.line("When it happened", "2026-11-20 14:32 +08:00")
    s.line("User ID (UID)", "password: " + PASSWORD)
    s.expect("✗")
    s.prompt()
    s.child.timeout = 10
    mark = len(s.out)
    s.send("\x1b[A")  # Up
    try:
        s.expect("password: " + MASK)
        recalled = True
    except pexpect.TIMEOUT:
        recalled = False
    s.child.sendintr()
    status = s.finish()
    after = visible(s.out[mark:])
    tap.ok(recalled, "Up recalls the refused line with the password masked", after[-600:])
    tap.hasnt(after, PASSWORD, "Up does not show the refused password")
    tap.is_(status, 75, "Ctrl-C then: exit 75")


def test_secret_refused_at_entry(srv):
    """A password typed in the interview is refused as soon as its text is
    entered, before any other question, explained without echoing it; the
    rest is kept with "."; a code typed before Ctrl-C stays out of the
    draft."""
    env = new_env("secret-entry", srv)
    s = Session(env, "--lang", "en", extra_env={"EDITOR": None, "VISUAL": None})
    s.line("Provider", "")
    s.line("What is the problem about?", "5")
    s.line("When it happened", "2026-11-20 14:32 +08:00")
    s.line("User ID (UID)", "482910375516289034")
    s.text("Description", ["The campaign reward never arrived.", "My password: " + PASSWORD])
    s.expect("✗ Description, line 2, column 14: contains a password")
    s.expect("Current text:")
    s.expect("A \".\" on the first line keeps the current text.")
    s.prompt("| ")
    refused_at = len(s.out)
    s.child.sendline(".")  # keeps the rest
    s.header("Steps taken")
    s.prompt("| ")
    s.child.sendline("1. Logged in with 验证码 " + CODE)
    s.prompt("| ")
    s.child.sendintr()
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 75, "Ctrl-C after a refused password: exit 75", out[-2000:])
    before = visible(s.out[:refused_at])
    tap.hasnt(before, "Steps taken", "the password is refused before the next question",
              before[-1500:])
    after = visible(s.out[refused_at:])
    tap.hasnt(visible(s.out[s.out.index("✗"):]), PASSWORD,
              "the password is not echoed after it was typed", after)
    tap.has(out, "The campaign reward never arrived.\nMy password: " + MASK,
            "Current text: the rest of the answer, the password masked")
    draft = resume_path(out)
    tap.ok(draft and drafts(env) == [draft], "Ctrl-C: a draft is saved", out[-800:])
    if draft:
        text = open(draft, encoding="utf-8").read()
        tap.hasnt(text, PASSWORD, "the draft does not hold the refused password")
        tap.hasnt(text, CODE, "the draft does not hold the code typed just before Ctrl-C")
        tap.has(text, "The campaign reward never arrived.", "the draft keeps the description")
        tap.has(text, "1. Logged in with 验证码 " + MASK, "and the rest of the text typed")
        tap.is_(stat.S_IMODE(os.stat(draft).st_mode), 0o600, "the draft is 0600")


def test_secret_editor(srv):
    """With $EDITOR, a refused text comes back in the editor with the
    secret masked and the rest intact; the editor never sees the secret."""
    env = new_env("secret-editor", srv)
    seen = os.path.join(env.root, "seen")
    editor = write_editor(env, "editor.sh",
                          f'cat "$1" >>"{seen}"; echo ==== >>"{seen}"\n'
                          'if grep -q "••••••" "$1"; then\n'
                          '  grep -v "••••••" "$1" >"$1.new" && mv "$1.new" "$1"\n'
                          'else\n'
                          f'  printf "%s\\n" "Deposit still missing." "My password: {PASSWORD}" >"$1"\n'
                          'fi\n')
    path = ticket_with(env, "nodesc.ini", description=None)
    s = Session(env, "--lang", "en", "--ticket", path,
                extra_env={"EDITOR": editor, "VISUAL": None})
    s.header("Description")
    s.expect("✗ Description, line 2")
    s.expect("[s] send")
    s.prompt()
    s.child.sendline("s")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 0, "editor: the refused text, fixed in the editor, is sent", out[-2000:])
    log = open(seen, encoding="utf-8").read() if os.path.exists(seen) else ""
    runs = log.split("====\n")
    tap.is_(len(runs), 3, "the editor ran twice", log)
    tap.hasnt(log, PASSWORD, "the editor never got the password back", log)
    tap.has(runs[1] if len(runs) > 1 else "", "Deposit still missing.\nMy password: " + MASK,
            "the second run holds the rest of the text, the password masked", log)
    tap.hasnt(out[out.index("✗"):] if "✗" in out else out, PASSWORD,
              "the password is not printed", out[-2000:])
    delivered_check(srv, "Deposit not credited", "--expect-body-contains", "Deposit still missing.")


def test_warning_answered_no(srv):
    """A warning in a ticket file (64 hex digits) answered "it may be a
    secret" asks for that field again, instead of ending the run; the
    flagged text is never shown."""
    env = new_env("warning-no", srv)
    hexs = "5" * 64
    path = ticket_with(env, "hex.ini", description="The deposit never arrived. See " + hexs + ".")
    s = Session(env, "--lang", "en", "--ticket", path, extra_env={"EDITOR": None, "VISUAL": None})
    s.expect("[yes/no]")
    s.prompt()
    s.child.sendline("no")
    s.header("Description")
    s.expect("Current text:")
    for line in ["The deposit never arrived; please check it.", "."]:
        s.prompt("| ")
        s.child.sendline(line)
    s.expect("[s] send")
    s.prompt()
    s.child.sendline("s")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 0, "a warning answered no: the field is asked again, then sent", out[-2500:])
    tap.has(out, "The deposit never arrived. See " + MASK + ".",
            "Current text shows the flagged part masked", out[-2500:])
    tap.hasnt(out, hexs, "the flagged hex string is never printed")
    delivered_check(srv, "Deposit not credited",
                    "--expect-body-contains", "The deposit never arrived; please check it.")


def test_refusal_after_review_returns(srv):
    """A change at the review that the final check refuses, and that no
    single answer fixes (the ticket switched to English, whose subject
    template is broken here), brings the review back instead of ending
    the run: "send" waits, the change is kept, d saves it all."""
    env = new_env("refused-edit", srv)
    data = os.path.join(env.root, "datadir")
    shutil.copytree(os.path.join(fixture.TOP_DIR, "share"), data)
    shutil.copytree(os.path.join(fixture.TOP_DIR, "templates"), os.path.join(data, "templates"))
    with open(os.path.join(data, "templates", "en", "subject.txt"), "a") as f:
        f.write("a second line\n")
    s = Session(env, "--lang", "en", "--ticket", fixture.WITHDRAWAL,
                extra_env={"TICKETMAIL_DATADIR": data})
    s.expect("[s] send")
    s.prompt()
    s.edit("language")
    s.line("Email language", "en")
    s.expect("the subject template must produce a single line")
    s.expect("[e] edit a field   [d] save draft   [q] quit")
    s.prompt()
    s.child.sendline("s")
    s.expect("✗ nothing can be sent until the problems above are fixed")
    s.prompt()
    s.child.sendline("d")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 75, "a refused edit at the review: back to the review, then d: exit 75",
            out[-2000:])
    tap.is_(srv.message_paths(), [], "a refused edit: nothing sent")
    path = resume_path(out)
    tap.ok(path and drafts(env) == [path], "d after a refused edit: a draft is saved", out[-800:])
    if path:
        tap.has(open(path, encoding="utf-8").read(), "language = en", "the draft keeps the edit")


def test_attachment_checked_when_added(srv):
    """At the review, an attachment is checked completely when it is added:
    a text log holding a password is refused at once, without echoing it,
    and the review comes back; then a file that only the final check
    refuses (the account file) brings the attachments step back, where it
    is taken out, and the rest is sent."""
    env = new_env("attach-review", srv)
    # An account file outside the configuration directory, with no secret
    # in it: only the final check knows it must not be attached.
    account = os.path.join(env.root, "account.ini")
    pwfile = os.path.join(env.root, "pw")
    with open(pwfile, "w") as f:
        f.write(fixture.SECRET + "\n")
    with open(account, "w") as f:
        f.write(f"[account]\nfrom = {fixture.USER}\nsmtp = {srv.url}\nuser = {fixture.USER}\n"
                f"ca_file = {os.path.join(fixture.certs(), 'ca.pem')}\n"
                f"password_command = cat {pwfile}\n")
    os.chmod(account, 0o600)
    log = os.path.join(env.root, "secret.log")
    with open(log, "w") as f:
        f.write("10:02 login ok\n10:03 My password: " + PASSWORD + "\n10:04 withdrawal\n")
    s = Session(env, "--lang", "en", "-c", account, "--ticket", fixture.WITHDRAWAL)
    s.expect("[s] send")
    s.prompt()
    s.edit("file")
    s.header("Attachment")
    s.prompt()
    s.child.sendline(log)
    s.expect("✗ secret.log, line 2, column 20: contains a password")
    s.prompt()
    refused_at = len(s.out)
    s.child.sendline("")
    s.expect("[s] send")
    s.prompt()
    s.edit("file")
    s.header("Attachment")
    s.prompt()
    s.child.sendline(account)
    s.expect("3 attachment(s)")
    s.prompt()
    s.child.sendline("")
    s.expect("your account configuration")
    s.header("Attachment")  # asked again, not the end of the run
    s.expect("3) account.ini")
    s.prompt()
    s.child.sendline("-3")
    s.expect("Taken out of the attachments:")
    s.prompt()
    s.child.sendline("")
    s.expect("[s] send")
    s.prompt()
    s.child.sendline("s")
    status = s.finish()
    out = visible(s.out)
    tap.is_(status, 0, "refused attachments at the review: the rest is sent", out[-2500:])
    tap.hasnt(visible(s.out[refused_at - 400:]), PASSWORD, "the log's password is not printed")
    tap.hasnt(out, "✓ 3) secret.log", "secret.log is never accepted", out[-2500:])
    delivered_check(srv, "USDT提币未到账", "--expect-parts", "3")


def main():
    certs = fixture.certs()
    # Each group shares one server (and so one captured mailbox).
    groups = [
        [test_english_account],
        [test_chinese_withdrawal],
        [test_interrupt_and_resume],
        [test_eof_at_confirmation, test_no_color, test_invalid_field_in_file, test_no_terminal,
         test_no_account],
        [test_secret_after_edit],
        [test_editor_crlf],
        [test_keep_hints],
        [test_leave_review, test_secret_never_shown_or_saved, test_secret_refused_at_entry,
         test_secret_not_in_history],
        [test_password_step_keeps_answers],
        [test_duplicate_after_review_keeps_edits],
        [test_secret_editor],
        [test_warning_answered_no],
        [test_attachment_checked_when_added],
        [test_refusal_after_review_returns],
    ]
    for group in groups:
        with fixture.Server(certs) as srv:
            for test in group:
                test(srv)


tap.main(main)
