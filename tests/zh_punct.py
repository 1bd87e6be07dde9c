"""zh_punct.py - Chinese punctuation in the catalog and the templates.

    python3 tests/zh_punct.py FILE...

Reads every msgstr of the .po files and every line of the other files
(templates: their {{! comments }} are dropped, being no part of the email)
and reports, one "file:line: problem: excerpt" line each:

  - a blank next to full-width punctuation (格式示例： 2026, 服务商 （okx）);
    the indentation at the start of a line is allowed;
  - an ASCII : ; , ( ) ? ! next to a Chinese character or full-width
    punctuation (subject (邮件主题):必须填写, 私钥(PEM 格式)); a manual
    page's section, ticketmail.ini(5), is not punctuation.

Exit status 1 when anything was found, 0 otherwise.
"""

import ast
import re
import sys

FULL_WIDTH = "：，。；！？（）【】、“”‘’《》「」…"
CHINESE = "\u3400-\u4dbf\u4e00-\u9fff"
NEAR = "[%s%s]" % (CHINESE, FULL_WIDTH)

BLANK = re.compile("(?<=[^\\s])[ \t]+(?=[%s])|(?<=[%s])[ \t]+" % (FULL_WIDTH, FULL_WIDTH))
ASCII = re.compile("%s[:;,()?!]|[:;,()?!]%s" % (NEAR, NEAR))
COMMENT = re.compile(r"\{\{!.*?\}\}")
# A manual page: ticketmail.ini(5) keeps its ASCII brackets.
MANPAGE = re.compile(r"(?<=[A-Za-z0-9_.-])\((\d)\)")


def msgstrs(path):
    """(line, text) of each msgstr, its continuation lines joined."""
    out = []
    current = None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("msgstr"):
                current = [n, ast.literal_eval(line.split(" ", 1)[1])]
                out.append(current)
            elif line.startswith('"') and current is not None:
                current[1] += ast.literal_eval(line)
            else:
                current = None
    return out


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [(n, COMMENT.sub("", line.rstrip("\n"))) for n, line in enumerate(f, 1)]


def check(path):
    found = 0
    for n, text in msgstrs(path) if path.endswith(".po") else lines(path):
        for sub in MANPAGE.sub(r"<\1>", text).split("\n"):
            for kind, rx in (("blank next to full-width punctuation", BLANK),
                             ("ASCII punctuation in Chinese text", ASCII)):
                for m in rx.finditer(sub):
                    a, b = max(0, m.start() - 12), m.end() + 12
                    print("%s:%d: %s: %r" % (path, n, kind, sub[a:b]))
                    found += 1
    return found


def main(argv):
    found = sum(check(p) for p in argv[1:])
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
