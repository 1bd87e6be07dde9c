#!/usr/bin/env bash
# What the user is told about input that cannot be taken as it is: the
# message names the field or file and says what to write instead.
. "$TOP_DIR/tests/tap.sh"
set -e
ex="$TOP_DIR/share/examples"

# 1. A time zone abbreviation (letters only) is refused as ambiguous, with
#    the numeric form to write instead; exit 65.
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-en.ini" --set "occurred_at=2026-11-18 09:15 CST"
is_rc 65 "occurred_at with CST: exit 65"
has "$err" "occurred_at" "CST: names the field"
has "$err" "has the time zone abbreviation CST, and abbreviations are ambiguous (CST is China, US Central and Cuba time)" \
  "CST: says that abbreviations are ambiguous"
has "$err" "write the offset from UTC instead, e.g. +08:00 for China" "CST: suggests the numeric form"
hasnt "$err" "not an offset between" "CST: not called an offset out of range"
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-en.ini" --set "occurred_at=2026-11-18 09:15 cet"
has "$err" "abbreviation cet, and abbreviations are ambiguous" "cet: the same, as written"
run env LOCPATH="$TMP/nolocales" "$TICKETMAIL" --lang zh_CN --dry-run --ticket "$ex/withdrawal-zh.ini" \
  --set "occurred_at=2026-11-20 14:32 CST"
is_rc 65 "Chinese, CST: exit 65"
has "$err" "时区写成了缩写 CST，而缩写有歧义（CST 可以指中国、美国中部或古巴的时间）；请改写为相对 UTC 的偏移，例如中国时间写 +08:00" \
  "Chinese, CST: ambiguous, and the numeric form"
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-en.ini" --set "occurred_at=2026-11-18 09:15 +15:00"
has "$err" "not an offset between -14:00 and +14:00" "+15:00: still an offset out of range"

done_testing
