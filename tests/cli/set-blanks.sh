#!/usr/bin/env bash
# Blanks around values: --set trims them as the ticket file does, and they
# do not make a ticket already sent look new to the duplicate check.
. "$TOP_DIR/tests/tap.sh"
set -e
ex="$TOP_DIR/share/examples"
export TICKETMAIL_DATE=1795500000 TICKETMAIL_MESSAGE_ID='<20261125.blanks@example.com>'
export TICKETMAIL_BOUNDARY='=_tm_test_boundary_0123456789'

# 1. --set 'address=T... ' is the address, as "address = T... " in the file.
addr=TJWvzHYjE5bJ4cmXxiRKya51dfy1PLK6d4
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-zh.ini" --set "address=$addr  " -o "$TMP/a.eml"
is_rc 0 "--set with blanks after the address: accepted"
hasnt "$err" "address" "--set with blanks after the address: no complaint about it"
mimeok "$TMP/a.eml" --expect-body-contains "地址：$addr" --expect-body-lacks "$addr " \
  "--set with blanks after the address: the address, without them"
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-zh.ini" --set "transaction.address=	 $addr" -o "$TMP/b.eml"
is_rc 0 "--set with a tab and a space before the address: accepted"
if cmp -s "$TMP/a.eml" "$TMP/b.eml"; then pass "--set: both give the same message"; else
  fail "--set: both give the same message" "$(diff "$TMP/a.eml" "$TMP/b.eml" | head)"; fi
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-zh.ini" --set "address=$addr x"
is_rc 65 "--set: a blank inside the address is still refused"

# 2. Sent once (through a stand-in sendmail), the same ticket with blanks
#    after a value, from --set or from the file (an ideographic space,
#    which the file keeps), is refused as a duplicate.
sendmail_account "$XDG_CONFIG_HOME/ticketmail/config.ini" "$TMP/sm"
cp "$ex/withdrawal-zh.ini" "$TMP/t.ini"
cp -r "$ex/shots" "$TMP/shots"
run "$TICKETMAIL" --ticket "$TMP/t.ini" --yes
is_rc 0 "the first send succeeds"
err_msg=$(sed -n 's/^error_message = //p' "$TMP/t.ini")
run "$TICKETMAIL" --ticket "$TMP/t.ini" --yes --set "error_message=$err_msg   "
is_rc 65 "--set error_message with blanks after it: the same ticket, refused"
has "$err" "already sent" "--set error_message with blanks after it: says it was sent"
# The description's last line, "    请帮忙核实...", gets an ideographic space.
sed 's/^\(    请帮忙核实.*\)$/\1　/' "$TMP/t.ini" >"$TMP/t2.ini"
if grep -q "^    请帮忙核实.*　\$" "$TMP/t2.ini"; then pass "the copy's description ends in U+3000"; else
  fail "the copy's description ends in U+3000"; fi
run "$TICKETMAIL" --ticket "$TMP/t2.ini" --yes
is_rc 65 "a description ending in an ideographic space: the same ticket, refused"
has "$err" "already sent" "a description ending in an ideographic space: says it was sent"
run "$TICKETMAIL" --ticket "$TMP/t.ini" --yes --set "error_message=$err_msg (2)"
is_rc 0 "an error message with more words: a new ticket, sent"

done_testing
