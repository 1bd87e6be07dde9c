#!/usr/bin/env bash
# Issue 5, the phishing guard and header injection through the real binary:
# look-alike recipients are refused (showing the xn-- form), another address
# is only warned about, no ticket key or --set can add Cc, Bcc, Reply-To or
# To, and CR, LF, NUL and bidi controls are refused, never stripped. When
# refused, nothing reaches -o, the outbox, the sent folder or sendmail.
. "$TOP_DIR/tests/tap.sh"
set -e
ex="$TOP_DIR/share/examples"
export TICKETMAIL_DATE=1795500000 TICKETMAIL_MESSAGE_ID='<20261125.safety@example.com>'
# The example with absolute attachment paths, so it can be edited in $TMP.
sed "s#= shots/#= $ex/shots/#" "$ex/withdrawal-zh.ini" >"$TMP/w.ini"

# tm ARGS...: a dry run of the example, writing to -o (absent unless accepted).
tm() {
  rm -f "$TMP/out.eml"
  run "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/w.ini" -o "$TMP/out.eml" "$@"
}
nothing_written() {
  if [ -e "$TMP/out.eml" ]; then fail "$1: nothing written to -o"; else pass "$1: nothing written to -o"; fi
}

# 1. The official address is the default.
run "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/w.ini"
is_rc 0 "no --to: composes"
has "$(printf '%s' "$out" | head -n 20)" $'\nTo: support@okx.com\r' "no --to: To is support@okx.com"
hasnt "$err" "warning" "no --to: no warning"

# 2. Look-alike domains are refused outright.
lookalike() { # ADDRESS SHOWN NAME
  tm --to "$1"
  is_rc 65 "--to $3 → 65"
  has "$err" "the domain $2 imitates the official domain okx.com" "--to $3: says it imitates okx.com, as $2"
  has "$err" "fake support mailboxes steal funds" "--to $3: says why"
  nothing_written "--to $3"
  run "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/w.ini" --to "$1"
  if [ -z "$out" ]; then pass "--to $3: no message on stdout"; else fail "--to $3: no message on stdout"; fi
}
lookalike support@0kx.com 0kx.com "0kx.com (digit zero)"
lookalike support@okx-support.com okx-support.com "okx-support.com"
lookalike support@okx.com.evil.io okx.com.evil.io "okx.com.evil.io"
lookalike support@okex.com okex.com "okex.com"
lookalike support@okx.com.cn okx.com.cn "okx.com.cn"
lookalike support@0kx.corn 0kx.corn "0kx.corn"
lookalike $'support@\u043ekx.com' xn--kx-emc.com "Cyrillic о (U+043E) kx.com"
lookalike $'support@\u03bfkx.com' xn--kx-ibc.com "Greek ο (U+03BF) kx.com"
lookalike $'support@\u043ek\u0445.com' xn--k-0tbw.com "Cyrillic о and х"
lookalike $'support@okx.c\u03bfm' okx.xn--cm-jbc "Greek ο in the TLD"
lookalike $'support@\uff4fkx.com' xn--kx-i03n.com "full-width ｏ"
lookalike $'support@ok\u200bx.com' xn--okx-6m0a.com "zero-width space in the domain"
lookalike support@xn--kx-emc.com xn--kx-emc.com "xn--kx-emc.com (punycode)"
lookalike SUPPORT@XN--KX-EMC.COM xn--kx-emc.com "XN--KX-EMC.COM (upper case punycode)"

# 3. Not a mailbox: refused, and echoed with its controls made visible.
tm --to $'support@okx.com\r\nBcc: evil@x.com'
is_rc 65 "--to with CRLF Bcc: → 65"
has "$err" 'not a valid mailbox' "--to with CRLF: not a valid mailbox"
has "$err" 'okx.com\r\n' "--to with CRLF: the CR LF are shown as \\r\\n"
hasnt "$err" $'\r' "--to with CRLF: no raw CR on the terminal"
nothing_written "--to with CRLF"
tm --to $'support@okx.com\e[2K'
is_rc 65 "--to with an escape sequence → 65"
hasnt "$err" $'\e' "--to with ESC: no raw ESC on the terminal"
for to in 'support@okx.com,evil@x.com' 'Support <support@okx.com>' 'support@okx.com evil@x.com' \
  'support@OKX.com@evil.io' 'support@okx.com.' 'okx.com'; do
  tm --to "$to"
  is_rc 65 "--to '$to' → 65"
  nothing_written "--to '$to'"
done

# 4. Another address: allowed in a dry run, with a warning; To is that address.
foreign() { # ADDRESS WARNING
  tm --to "$1"
  is_rc 0 "--to $1 --dry-run → 0"
  has "$err" "warning: $2" "--to $1: warned"
  has "$(head -n 20 "$TMP/out.eml")" $'\nTo: '"$1"$'\r' "--to $1: To is $1"
}
foreign someone@example.com "someone@example.com is not the official support address support@okx.com"
foreign help@okx.com "help@okx.com is at the official domain okx.com but is not the official support address"
foreign support@mail.okx.com "support@mail.okx.com is under okx.com but is not the official support address"
tm --to support@okx.com
is_rc 0 "--to the official address → 0"
hasnt "$err" "warning" "--to the official address: no warning"
# Without a terminal and without --dry-run, a foreign --to still needs the
# user: refused before anything is written (see section 8 for the outbox).

# 5. Cc, Bcc, Reply-To, To cannot come from a ticket file (any section) or --set.
for sec in ticket problem account transaction device contact attachments; do
  for key in cc bcc reply_to reply-to to from; do
    { cat "$TMP/w.ini"; printf '[%s]\n%s = evil@x.com\n' "$sec" "$key"; } >"$TMP/k.ini"
    [ "$sec" = device ] && sed -i 's/^\[device\]$/[devices]/' "$TMP/k.ini"
    rm -f "$TMP/out.eml"
    run "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/k.ini" -o "$TMP/out.eml"
    is_rc 65 "[$sec] $key = ... → 65"
    if printf '%s' "$err" | grep -qE "k\.ini:[0-9]+: error: (\[[a-z]+\]\.$key: unknown key|.*unknown section)"; then
      pass "[$sec] $key: reported as unknown"; else fail "[$sec] $key: reported as unknown" "$err"; fi
    nothing_written "[$sec] $key"
  done
done
{ cat "$TMP/w.ini"; printf '[headers]\nbcc = evil@x.com\n'; } >"$TMP/h.ini"
run "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/h.ini"
is_rc 65 "a [headers] section → 65"
has "$err" "h.ini:" "[headers]: reported with file:line"
for key in cc bcc reply_to reply-to to Bcc headers from; do
  run "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/w.ini" --set "$key=evil@x.com"
  is_rc 64 "--set $key=... → 64 (unknown key)"
  has "$err" "unknown key '$key'" "--set $key: says unknown key"
done
mkdir -p "$XDG_CONFIG_HOME/ticketmail"
printf '[account]\nfrom = zhang.wei@example.com\nbcc = evil@x.com\n' >"$TMP/acct-bcc.ini"
chmod 600 "$TMP/acct-bcc.ini"
run "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/w.ini" --config "$TMP/acct-bcc.ini"
if [ "$rc" != 0 ]; then pass "an account file with bcc = is refused too ($rc)"; else fail "an account file with bcc = is refused too"; fi
has "$err" "bcc" "the account file's bcc key is named"

# 6. Header injection and invisible controls: refused, never stripped.
inject() { # NAME EXPECT ARGS...
  local name=$1 expect=$2
  shift 2
  tm "$@"
  is_rc 65 "$name → 65"
  has "$err" "$expect" "$name: says what is wrong"
  nothing_written "$name"
  run "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/w.ini" "$@"
  hasnt "$out" "Bcc:" "$name: no Bcc: in the output"
}
inject 'subject with CRLF Bcc:' "control character U+000D (CARRIAGE RETURN) at column 5" --set $'subject=USDT\r\nBcc: evil@x.com'
inject 'subject with LF Bcc:' "must be one line: it has a line break (U+000A) at column 5" --set $'subject=USDT\nBcc: evil@x.com'
inject 'subject with CR Bcc:' "U+000D (CARRIAGE RETURN)" --set $'subject=USDT\rBcc: evil@x.com'
has "$err" "refused, not removed for you" "CR: refused, not stripped"
inject 'name with CR' "U+000D (CARRIAGE RETURN) at column 6" --set $'name=Zhang\rBcc: evil@x.com'
inject 'email with LF' "line break (U+000A)" --set $'email=zhang.wei@example.com\nBcc: evil@x.com'
inject 'uid with LF' "line break" --set $'uid=482910375516289034\nBcc: evil@x.com'
inject 'subject with U+202E' "U+202E (RIGHT-TO-LEFT OVERRIDE)" --set $'subject=USDT \u202emoc.x@live'
inject 'subject with U+2066' "U+2066" --set $'subject=USDT \u2066x'
inject 'description with U+202E' "U+202E (RIGHT-TO-LEFT OVERRIDE)" --set $'description=ok \u202e evil'
inject 'subject with a tab' "refused" --set $'subject=USDT\tBcc: x'
inject 'subject with ESC' "refused" --set $'subject=USDT \e[2J'
# A NUL cannot pass argv, but it can be in a file: refused with file:line.
python3_nul() { "${PYTHON:-/usr/bin/python3}" -c '
import sys
d = open(sys.argv[1], "rb").read().replace(sys.argv[2].encode(), sys.argv[3].encode().replace(b"@", b"\0"))
open(sys.argv[4], "wb").write(d)' "$@"; }
python3_nul "$TMP/w.ini" "subject = USDT提币未到账" "subject = USDT@Bcc: evil@x.com" "$TMP/nul.ini"
python3_nul "$TMP/w.ini" "error_message = " "error_message = a@b " "$TMP/nul2.ini"
for f in nul nul2; do
  if grep -qaP '\x00' "$TMP/$f.ini"; then pass "$f.ini holds a NUL byte"; else fail "$f.ini holds a NUL byte"; fi
  rm -f "$TMP/out.eml"
  run "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/$f.ini" -o "$TMP/out.eml"
  is_rc 65 "$f.ini: NUL byte → 65"
  has "$err" "$f.ini:" "$f.ini: names the file"
  has "$err" "NUL byte" "$f.ini: says NUL byte"
  nothing_written "$f.ini"
done

# Attachment names with a newline, CR or a bidi override (a PNG inside).
mkdir -p "$TMP/att"
for n in $'a\nb.png' $'x\u202egnp.exe' $'c\rBcc: e.png' $'d\u200e.png'; do
  cp "$ex/shots/error-page.png" "$TMP/att/$n"
  tm -a "$TMP/att/$n"
  is_rc 65 "attachment name $(printf '%q' "$n") → 65"
  nothing_written "attachment name $(printf '%q' "$n")"
  hasnt "$err" $'\u202e' "attachment name $(printf '%q' "$n"): not echoed raw"
done

# 7. No accepted run above ever had a Bcc: (a positive control for the grep).
run "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/w.ini" --set 'description=Bcc: evil@x.com is what the scam mail said'
is_rc 0 "'Bcc:' as text in the description is fine"
if printf '%s' "$out" | grep -qa '^Bcc:'; then fail "…but it is never a header"; else pass "…but it is never a header"; fi

# 8. Sending for real (sendmail transport, --yes): refusals write nothing to
#    the outbox or the sent folder and never run sendmail.
sendmail_account "$XDG_CONFIG_HOME/ticketmail/config.ini" "$TMP/fs"
spool="$XDG_DATA_HOME/ticketmail"
untouched() {
  local files
  files=$(find "$spool" -type f 2>/dev/null | grep -E '/(outbox|sent)/' || true)
  if [ -z "$files" ] && [ ! -e "$FAKE_SENDMAIL_DIR/stdin" ]; then pass "$1: nothing in the outbox or sent, sendmail not run"
  else fail "$1: nothing in the outbox or sent, sendmail not run" "$files" "$(ls "$FAKE_SENDMAIL_DIR")"; fi
}
run "$TICKETMAIL" --lang en --yes --ticket "$TMP/w.ini" --to support@0kx.com
is_rc 65 "send to a look-alike → 65"
untouched "send to a look-alike"
run "$TICKETMAIL" --lang en --yes --ticket "$TMP/w.ini" --to someone@example.com --set 'description=私钥: 4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
is_rc 65 "send with a private key → 65"
untouched "send with a private key"
run "$TICKETMAIL" --lang en --yes --ticket "$TMP/w.ini" --set $'subject=USDT\r\nBcc: evil@x.com'
is_rc 65 "send with an injected Bcc → 65"
untouched "send with an injected Bcc"
run "$TICKETMAIL" --lang en --yes --ticket "$TMP/w.ini" -a /dev/null
is_rc 65 "send with /dev/null attached → 65"
untouched "send with /dev/null attached"
# Positive control: the same setup does send, so the checks above can fail.
run "$TICKETMAIL" --lang en --yes --ticket "$TMP/w.ini"
is_rc 0 "control: a clean ticket is sent"
if [ -s "$FAKE_SENDMAIL_DIR/stdin" ] && find "$spool/sent" -type f | grep -q .; then
  pass "control: sendmail ran and a copy is in sent"; else fail "control: sendmail ran and a copy is in sent"; fi
has "$(cat "$FAKE_SENDMAIL_DIR/argv")" "support@okx.com" "control: sendmail got the official recipient"
hasnt "$(cat "$FAKE_SENDMAIL_DIR/stdin")" "Bcc:" "control: no Bcc: in what was sent"

done_testing
