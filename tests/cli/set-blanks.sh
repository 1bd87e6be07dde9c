#!/usr/bin/env bash
# Blanks around values: --set trims them as the ticket file does.
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

done_testing
