#!/usr/bin/env bash
# Issue 5, attachments through the real binary: only regular files, never a
# symlink, FIFO (without hanging), device or directory; nothing from key
# directories or ticketmail's own configuration; typed by content (an ELF
# called shot.png, HTML, SVG refused; a PNG called .txt is image/png); the
# profile's size and count limits. Refused: 65 (66 when missing or a
# directory, as for the ticket), naming the file, and nothing written.
. "$TOP_DIR/tests/tap.sh"
set -e
ex="$TOP_DIR/share/examples"
png="$ex/shots/error-page.png"
A="$TMP/a"
mkdir -p "$A"
sed "s#= shots/#= $ex/shots/#" "$ex/withdrawal-zh.ini" >"$TMP/w.ini"

# tm ARGS...: a dry run (under a 20 s limit), writing to -o.
tm() {
  rm -f "$TMP/out.eml"
  run timeout 20 "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/w.ini" -o "$TMP/out.eml" "$@"
}
# refused NAME WANT_RC NEEDLE...: the last run was refused with WANT_RC, its
# messages contain each NEEDLE, and nothing was written.
refused() {
  local name=$1 want=$2
  shift 2
  is_rc "$want" "$name → $want"
  for n in "$@"; do has "$err" "$n" "$name: says '$n'"; done
  if [ -e "$TMP/out.eml" ]; then fail "$name: nothing written to -o"; else pass "$name: nothing written to -o"; fi
}

tm -a "$png"
is_rc 0 "control: a PNG is attached"

# 1. Only regular files.
ln -s "$png" "$A/link.png"
tm -a "$A/link.png"
refused "a symlink to a PNG" 65 "$A/link.png" "is a symbolic link"
mkfifo "$A/pipe.png"
tm -a "$A/pipe.png"
if [ "$rc" = 124 ]; then fail "a FIFO does not hang"; else pass "a FIFO does not hang"; fi
refused "a FIFO" 65 "$A/pipe.png" "is a FIFO (named pipe), not a regular file"
tm -a /dev/null
refused "/dev/null" 65 "/dev/null" "is a device, not a regular file"
mkdir "$A/folder.png"
tm -a "$A/folder.png"
refused "a directory" 66 "$A/folder.png" "is a directory, not a file"
tm -a "$A/folder.png/"
refused "a directory with a trailing /" 66 "$A/folder.png/" "is a directory, not a file"
# The same as a directory given as the ticket.
run timeout 20 "$TICKETMAIL" --lang en --dry-run --ticket "$A/folder.png"
is_rc 66 "a directory as the ticket → 66 too"
tm -a "$A/missing.png"
refused "a missing file" 66 "$A/missing.png"

# 2. Key directories and ticketmail's configuration, however they are named.
mkdir -p "$HOME/.ssh" "$HOME/.gnupg" "$XDG_CONFIG_HOME/ticketmail"
cp "$png" "$HOME/.ssh/screen.png"
cp "$png" "$HOME/.gnupg/screen.png"
cat >"$XDG_CONFIG_HOME/ticketmail/config.ini" <<'INI'
[account]
from = zhang.wei@example.com
transport = sendmail
sendmail_command = /bin/false
INI
chmod 600 "$XDG_CONFIG_HOME/ticketmail/config.ini"
tm -a "$HOME/.ssh/screen.png"
refused "a file under \$HOME/.ssh" 65 "$HOME/.ssh/screen.png" "is inside a key directory"
tm -a "$HOME/.gnupg/screen.png"
refused "a file under \$HOME/.gnupg" 65 "$HOME/.gnupg/screen.png" "is inside a key directory"
tm -a "$HOME/.ssh/../.ssh/./screen.png"
refused "\$HOME/.ssh reached through ../" 65 "is inside a key directory"
ln -s "$HOME/.ssh" "$A/keys"
tm -a "$A/keys/screen.png"
refused "\$HOME/.ssh reached through a symlinked directory" 65 "$A/keys/screen.png" "is inside a key directory"
tm -a "$XDG_CONFIG_HOME/ticketmail/config.ini"
refused "the account config" 65 "config.ini" "is inside ticketmail's configuration"
(cd "$XDG_CONFIG_HOME/ticketmail" && run timeout 20 "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/w.ini" -a config.ini &&
  if [ "$rc" = 65 ]; then echo ok; else echo "not ok: $rc"; fi) >"$TMP/rel"
if [ "$(cat "$TMP/rel")" = ok ]; then pass "the account config by a relative path → 65"; else fail "the account config by a relative path → 65" "$(cat "$TMP/rel")"; fi
# An account file kept elsewhere (--config), attached by name or through a
# hard link with an innocent name: the same file, refused.
mkdir -p "$TMP/elsewhere"
cat >"$TMP/elsewhere/mail.txt" <<'INI'
[account]
from = zhang.wei@example.com
transport = sendmail
sendmail_command = /bin/false
INI
chmod 600 "$TMP/elsewhere/mail.txt"
ln "$TMP/elsewhere/mail.txt" "$A/notes.txt"
for f in "$TMP/elsewhere/mail.txt" "$A/notes.txt"; do
  run timeout 20 "$TICKETMAIL" --lang en --dry-run --config "$TMP/elsewhere/mail.txt" \
    --ticket "$TMP/w.ini" -a "$f"
  refused "the --config account file as $(basename "$f")" 65 "is your account configuration"
done
cp "$TMP/elsewhere/mail.txt" "$A/copy.txt"
run timeout 20 "$TICKETMAIL" --lang en --dry-run --config "$TMP/elsewhere/mail.txt" \
  --ticket "$TMP/w.ini" -a "$A/copy.txt"
is_rc 0 "a copy of it (another file, no password in it) is an ordinary text attachment"

# 3. Typed by content, not by name.
cp /bin/true "$A/shot.png"
tm -a "$A/shot.png"
refused "an ELF called shot.png" 65 "shot.png is application/x-" "executable by its content" "allowed: image/png"
printf '<!DOCTYPE html>\n<html><body><form action="https://evil.example/">x</form></body></html>\n' >"$A/page.html"
tm -a "$A/page.html"
refused "an HTML file" 65 "page.html is text/html by its content"
cp "$A/page.html" "$A/page.png"
tm -a "$A/page.png"
refused "HTML called page.png" 65 "page.png is text/html by its content"
printf '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><script>alert(1)</script></svg>\n' >"$A/logo.svg"
tm -a "$A/logo.svg"
refused "an SVG" 65 "logo.svg is image/svg+xml by its content"
cp "$png" "$A/screenshot.txt"
tm -a "$A/screenshot.txt"
is_rc 0 "a real PNG named .txt → accepted"
if grep -qa '^Content-Type: image/png; name="screenshot.txt"' "$TMP/out.eml"; then
  pass "…as image/png"; else fail "…as image/png" "$(grep -a 'screenshot' "$TMP/out.eml")"; fi
if [ -n "${MIMECHECK:-}" ]; then
  mimeok "$TMP/out.eml" --expect-attachment "screenshot.txt=$png" "…byte-identical (GMime)"
fi

# 4. The profile's limits: 10 MiB per file, 20 MiB in all, 10 files.
cp "$png" "$A/big.png"
truncate -s $((10 * 1024 * 1024 + 1)) "$A/big.png"
tm -a "$A/big.png"
refused "a PNG of 10 MiB + 1 byte" 65 "big.png is 10.0 MiB, over the limit of 10.0 MiB per file"
cp "$png" "$A/edge.png"
truncate -s $((10 * 1024 * 1024)) "$A/edge.png"
tm -a "$A/edge.png"
is_rc 0 "a PNG of exactly 10 MiB → accepted"
for i in 1 2; do cp "$A/edge.png" "$A/edge$i.png"; done
tm -a "$A/edge.png" -a "$A/edge1.png"
is_rc 65 "three files over 20 MiB in all → 65"
has "$err" "over the limit of 20.0 MiB" "the total limit is named"
# The example has 2 attachments; 9 more make 11.
args=()
for i in $(seq 1 9); do cp "$png" "$A/s$i.png"; args+=(-a "$A/s$i.png"); done
tm "${args[@]}"
refused "11 attachments" 65 "11 attachments" "at most 10"
tm "${args[@]:2}"
is_rc 0 "10 attachments → accepted"

done_testing
