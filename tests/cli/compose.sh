#!/usr/bin/env bash
# The core pipeline through the real binary: INI + --set + -a → message,
# checked by the GMime oracle.
. "$TOP_DIR/tests/tap.sh"
set -e
ex="$TOP_DIR/share/examples"
shots="$ex/shots"
export TICKETMAIL_DATE=1795500000 TICKETMAIL_MESSAGE_ID='<20261125.test@example.com>'
export TICKETMAIL_BOUNDARY='=_tm_test_boundary_0123456789'

# 1. The demo ticket composes and GMime accepts it without a warning.
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-zh.ini"
is_rc 0 "withdrawal-zh composes"
printf '%s' "$out" >"$TMP/w.eml"
"$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-zh.ini" >"$TMP/w.eml"
mimeok "$TMP/w.eml" --expect-subject "USDT提币未到账" \
  --expect-attachment "withdrawal-record.png=$shots/withdrawal-record.png" \
  --expect-attachment "error-page.png=$shots/error-page.png" \
  --expect-parts 3 "withdrawal-zh passes the oracle, attachments byte-identical"
has "$(head -c 4000 "$TMP/w.eml")" "To: support@okx.com" "To is the official address"
has "$(cat "$TMP/w.eml")" "Message-ID: <20261125.test@example.com>" "Message-ID pinned"
has "$(cat "$TMP/w.eml")" "Date: Tue, 24 Nov 2026 14:00:00 +0800" "Date pinned, RFC 5322 form"

# 2. Golden file: the exact bytes, pinned.
if [ "${TICKETMAIL_UPDATE_GOLDEN:-}" = 1 ]; then cp "$TMP/w.eml" "$TOP_DIR/tests/data/golden/withdrawal-zh.eml"; fi
if cmp -s "$TMP/w.eml" "$TOP_DIR/tests/data/golden/withdrawal-zh.eml"; then pass "golden withdrawal-zh.eml"; else
  fail "golden withdrawal-zh.eml" "$(diff <(tr -d '\r' <"$TOP_DIR/tests/data/golden/withdrawal-zh.eml") <(tr -d '\r' <"$TMP/w.eml") | head -20)"; fi

# 3. -o writes the same bytes to a file.
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-zh.ini" -o "$TMP/o.eml"
is_rc 0 "-o exits 0"
if cmp -s "$TMP/o.eml" "$TMP/w.eml"; then pass "-o writes the same bytes"; else fail "-o writes the same bytes"; fi

# 4. A 3,000-character one-line description and " ;" reach the email whole.
long=$(printf '提币长描述%.0s' $(seq 1 600))
cat >"$TMP/long.ini" <<INI
[ticket]
category = deposit-withdrawal
language = zh_CN
subject = USDT提币未到账 ; 急
[problem]
occurred_at = 2026-11-20 14:32 +08:00
description = 开始 ; 不是注释 # 也不是 ;${long}结束
[account]
uid = 123456789012345678
email = zhang.san@example.com
[transaction]
coin = USDT
network = TRC20
amount = 500
txid = 9f2cb2d5e8a4c1f6b3e7d9a0c2f4e6b8d1a3c5e7f9b2d4f6a8c0e2b4d6f8a1c3
INI
"$TICKETMAIL" --dry-run --ticket "$TMP/long.ini" >"$TMP/long.eml"
mimeok "$TMP/long.eml" --expect-subject "USDT提币未到账 ; 急" \
  --expect-body-contains "开始 ; 不是注释 # 也不是 ;${long}结束" "3,000-character line and ' ;' arrive exact"

# 5. BOM and CRLF are accepted.
printf '\xEF\xBB\xBF' >"$TMP/crlf.ini"
sed 's/$/\r/' "$TMP/long.ini" >>"$TMP/crlf.ini"
run "$TICKETMAIL" --dry-run --ticket "$TMP/crlf.ini" -o "$TMP/crlf.eml"
is_rc 0 "BOM + CRLF ticket accepted"
mimeok "$TMP/crlf.eml" --expect-subject "USDT提币未到账 ; 急" "BOM + CRLF: same subject"

# 6. --set overrides a field; -a adds an attachment; emoji and mixed script.
run "$TICKETMAIL" --dry-run --ticket "$TMP/long.ini" --set 'subject=USDT withdrawal 未到账 🚀 ελληνικά' \
  -a "$shots/error-page.png" -o "$TMP/set.eml"
is_rc 0 "--set and -a accepted"
mimeok "$TMP/set.eml" --expect-subject "USDT withdrawal 未到账 🚀 ελληνικά" \
  --expect-attachment "error-page.png=$shots/error-page.png" "emoji/mixed subject decodes; -a attached"

# 7. Unknown key: file:line, the key, did-you-mean; exit 65.
cat >"$TMP/bad.ini" <<'INI'
[ticket]
category = account
subjcet = 登录异常
[devices]
os_version = iOS 18
INI
run "$TICKETMAIL" --dry-run --ticket "$TMP/bad.ini"
is_rc 65 "unknown key → 65"
has "$err" "bad.ini:3" "names file:line of the unknown key"
has "$err" "subject" "suggests subject"
has "$err" "bad.ini:5" "unknown section reported too (all at once)"

# 8. Missing ticket file → 66; missing attachment → 66 naming it.
run "$TICKETMAIL" --dry-run --ticket "$TMP/nope.ini"
is_rc 66 "missing ticket file → 66"
run "$TICKETMAIL" --dry-run --ticket "$TMP/long.ini" -a "$TMP/missing.png"
is_rc 66 "missing attachment → 66"
has "$err" "missing.png" "names the missing attachment"

# 9. Sent from an address other than the registered email: the body says so,
#    gives the registered email as the account's and asks for the reply at
#    the sending address, which is where it goes (From, no Reply-To). The
#    same address in other letter case is the registered one.
mkdir -p "$XDG_CONFIG_HOME/ticketmail"
cfg="$XDG_CONFIG_HOME/ticketmail/config.ini"
printf '[account]\nfrom = me@example.com\nname = Me Tester\nsmtp = smtps://127.0.0.1:465\n' >"$cfg"
chmod 600 "$cfg"
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-en.ini" -o "$TMP/other-en.eml"
is_rc 0 "other sender (en): composes"
has "$err" "not from the registered email" "other sender (en): the warning stays"
mimeok "$TMP/other-en.eml" --expect-from me@example.com --expect-from-name "Me Tester" \
  --expect-no-header Reply-To \
  --expect-body-contains "My account is registered with alex.morgan@example.com; I am writing from another" \
  --expect-body-contains "address, me@example.com. Please reply to me@example.com." \
  --expect-body-lacks "from my registered email address" \
  "other sender (en): says so, asks for the reply at the From address"
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-zh.ini" -o "$TMP/other-zh.eml"
is_rc 0 "other sender (zh_CN): composes"
mimeok "$TMP/other-zh.eml" --expect-from me@example.com --expect-no-header Reply-To \
  --expect-body-contains "我的账户注册邮箱是 zhang.wei@example.com。" \
  --expect-body-contains "这封邮件由我的另一个邮箱 me@example.com 发出，请回复到这个邮箱。" \
  --expect-body-lacks "由我的注册邮箱" \
  "other sender (zh_CN): says so, asks for the reply at the From address"
printf '[account]\nfrom = Alex.Morgan@EXAMPLE.com\nsmtp = smtps://127.0.0.1:465\n' >"$cfg"
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-en.ini" -o "$TMP/same-en.eml"
is_rc 0 "registered sender in other case (en): composes"
mimeok "$TMP/same-en.eml" --expect-from Alex.Morgan@EXAMPLE.com --expect-no-header Reply-To \
  --expect-body-contains "I am writing from my registered email address (alex.morgan@example.com);" \
  --expect-body-lacks "another" \
  "registered sender in other case (en): the registered-address text, unchanged"
printf '[account]\nfrom = zhang.wei@example.com\nsmtp = smtps://127.0.0.1:465\n' >"$cfg"
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-zh.ini" -o "$TMP/same-zh.eml"
is_rc 0 "registered sender (zh_CN): composes"
mimeok "$TMP/same-zh.eml" --expect-from zhang.wei@example.com \
  --expect-body-contains "这封邮件由我的注册邮箱 zhang.wei@example.com 发出，请直接回复到这个邮箱。" \
  --expect-body-lacks "另一个邮箱" \
  "registered sender (zh_CN): the registered-address text, unchanged"
rm -f "$cfg"

done_testing
