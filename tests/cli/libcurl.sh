#!/usr/bin/env bash
# libcurl is loaded with dlopen() only for a run that may send:
#   1. --version names libcurl and its TLS library;
#   2. a dry run never loads it (LD_DEBUG shows what the loader opens);
#   3. a send loads it;
#   4. a libcurl.so.4 that lacks libcurl's functions (first on the library
#      path): the send fails with a message that says so, exit 78, and the
#      message stays queued in the outbox; --version says it cannot load it.
. "$TOP_DIR/tests/tap.sh"
set -e
ticket="$TOP_DIR/share/examples/withdrawal-zh.ini"

run "$TICKETMAIL" --version
is_rc 0 "--version"
if printf '%s' "$out" | grep -qE '^libcurl [0-9]+\.[0-9]+.* \(.+\)$'; then
  pass "--version: libcurl's version and its TLS library"
else
  fail "--version: libcurl's version and its TLS library" "$out"
fi

# 2. A dry run: the loader never opens libcurl.
run env LD_DEBUG=files "$TICKETMAIL" --lang en --dry-run --ticket "$ticket"
is_rc 0 "a dry run"
hasnt "$err" "file=libcurl.so.4" "a dry run does not load libcurl"

# An account on a loopback port where nothing listens: the send gets as far
# as connecting, which needs libcurl.
mkdir -p "$XDG_CONFIG_HOME/ticketmail"
cat >"$XDG_CONFIG_HOME/ticketmail/config.ini" <<INI
[account]
from = zhang.wei@example.com
name = Zhang Wei
smtp = smtp://127.0.0.1:9
allow_plain_loopback = yes
login = no
INI
chmod 600 "$XDG_CONFIG_HOME/ticketmail/config.ini"
spool="$XDG_DATA_HOME/ticketmail"

# 3. A send loads it (and, with nothing listening, stays queued: 75).
run env LD_DEBUG=files "$TICKETMAIL" --lang en --yes --ticket "$ticket"
is_rc 75 "a send to a closed port is a temporary failure (75)"
has "$err" "file=libcurl.so.4" "a send loads libcurl"
has "$err" "connect" "the failed step is the connection"
run "$TICKETMAIL" outbox --lang en --drop "$(ls "$spool/outbox/new" | head -n1)"
is_rc 0 "the queued message is dropped"

# 4. A libcurl.so.4 without libcurl's functions.
if ! command -v cc >/dev/null 2>&1; then
  fail "a C compiler for the fake libcurl" "cc not found"
  done_testing
  exit
fi
mkdir -p "$TMP/fake"
printf 'int ticketmail_fake_libcurl;\n' >"$TMP/fake/fake.c"
cc -shared -fPIC -o "$TMP/fake/libcurl.so.4" "$TMP/fake/fake.c"
run env LD_LIBRARY_PATH="$TMP/fake" "$TICKETMAIL" --lang en --yes --resend --ticket "$ticket"
is_rc 78 "a libcurl that cannot be used: configuration error (78)"
has "$err" "libcurl cannot be loaded" "…and the message says so"
has "$err" "curl_global_init" "…naming the missing function"
n=$(ls "$spool/outbox/new" 2>/dev/null | wc -l)
if [ "$n" = 1 ]; then pass "the message stays in the outbox"; else fail "the message stays in the outbox" "$n files"; fi
run env LD_LIBRARY_PATH="$TMP/fake" "$TICKETMAIL" --version
is_rc 0 "--version with that libcurl"
has "$out" "libcurl (libcurl.so.4 cannot be loaded)" "--version says libcurl cannot be loaded"
run env LD_LIBRARY_PATH="$TMP/fake" "$TICKETMAIL" --lang zh_CN --yes --ticket "$ticket" --resend
has "$err" "无法加载 libcurl" "the message in Chinese"

done_testing
