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
has "$err" "has the time zone written as CST, a name or abbreviation, which is not read (many are ambiguous: CST is China, US Central and Cuba time)" \
  "CST: says that such names are not read, and why"
has "$err" "write the offset from UTC instead, e.g. +08:00 for China" "CST: suggests the numeric form"
hasnt "$err" "not an offset between" "CST: not called an offset out of range"
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-en.ini" --set "occurred_at=2026-11-18 09:15 cet"
has "$err" "written as cet, a name or abbreviation, which is not read" "cet: the same, as written"
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-en.ini" --set "occurred_at=2026-11-18 09:15 XYZ"
has "$err" "written as XYZ, a name or abbreviation" "XYZ: not claimed to be a known zone"
run env LOCPATH="$TMP/nolocales" "$TICKETMAIL" --lang zh_CN --dry-run --ticket "$ex/withdrawal-zh.ini" \
  --set "occurred_at=2026-11-20 14:32 CST"
is_rc 65 "Chinese, CST: exit 65"
has "$err" "时区写成了名称或缩写 CST，这种写法无法识别（很多缩写有歧义：CST 可以指中国、美国中部或古巴的时间）；请改写为相对 UTC 的偏移，例如中国时间写 +08:00" \
  "Chinese, CST: ambiguous, and the numeric form"
run "$TICKETMAIL" --dry-run --ticket "$ex/withdrawal-en.ini" --set "occurred_at=2026-11-18 09:15 +15:00"
has "$err" "not an offset between -14:00 and +14:00" "+15:00: still an offset out of range"

# 2. A ticket saved in UTF-16 or GB18030/GBK (as Windows editors save):
#    one error naming the file and the encoding, with the command that
#    converts it, which does; exit 65.
mkdir -p "$TMP/w"
cp -r "$ex/shots" "$TMP/w/shots"
{ printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$ex/withdrawal-zh.ini" | sed 's/\x0a\x00/\x0d\x00\x0a\x00/g'; } >"$TMP/w/u16.ini"
iconv -f UTF-8 -t UTF-16BE "$ex/withdrawal-en.ini" >"$TMP/w/工单 u16be.ini"
iconv -f UTF-8 -t GB18030 "$ex/withdrawal-zh.ini" >"$TMP/w/gbk.ini"
check_encoding() { # FILE ENCODING ICONV-NAME SUBJECT
  local f=$1 enc=$2 from=$3
  run "$TICKETMAIL" --dry-run --ticket "$f"
  is_rc 65 "$enc: exit 65"
  local n
  n=$(printf '%s\n' "$err" | grep -c . || true)
  if [ "$n" = 1 ]; then pass "$enc: one message, not one per line"; else fail "$enc: one message, not one per line" "$err"; fi
  has "$err" "ticketmail: $f: error: the file is in $enc, not UTF-8: save it as UTF-8" "$enc: names the file and the encoding"
  has "$err" "or convert it with: iconv -f $from -t UTF-8 " "$enc: gives the iconv command"
  local cmd=${err#*convert it with: }
  case $cmd in iconv\ *) (cd "$TMP/w" && eval "$cmd") || true ;; esac
  local out=${f%.ini}-utf8.ini
  run "$TICKETMAIL" --dry-run --ticket "$out" -o "$TMP/w/out.eml"
  is_rc 0 "$enc: the file the command writes is read"
  mimeok "$TMP/w/out.eml" --expect-subject "$4" "$enc: and composes the same subject"
}
check_encoding "$TMP/w/u16.ini" UTF-16LE UTF-16 "USDT提币未到账"
check_encoding "$TMP/w/工单 u16be.ini" UTF-16BE UTF-16BE "Deposit not credited"
check_encoding "$TMP/w/gbk.ini" GB18030/GBK GB18030 "USDT提币未到账"
run env LOCPATH="$TMP/nolocales" "$TICKETMAIL" --lang zh_CN --dry-run --ticket "$TMP/w/gbk.ini"
has "$err" "文件是 GB18030/GBK 编码，不是 UTF-8：请把它另存为 UTF-8" "GB18030/GBK: the message in Chinese"
# A stray Latin-1 byte in a UTF-8 file is still reported by its line.
printf '[ticket]\nsubject = caf\xe9 au lait\n' >"$TMP/w/latin1.ini"
run "$TICKETMAIL" --dry-run --ticket "$TMP/w/latin1.ini"
is_rc 65 "a Latin-1 byte: exit 65"
has "$err" "latin1.ini:2: error: invalid UTF-8" "a Latin-1 byte: reported at its line, not as GB18030"

done_testing
