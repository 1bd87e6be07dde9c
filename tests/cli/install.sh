#!/usr/bin/env bash
# meson install: what lands where, and that an installed ticketmail works
# from installed data alone.
#   1. DESTDIR install of the build under test: the files are there, and
#      the staged binary composes every installed example (data pointed at
#      with TICKETMAIL_DATADIR, since the staged binary looks in the prefix).
#   2. A separate build with --prefix inside $TMP, installed without DESTDIR:
#      with no override at all, the installed binary composes the installed
#      withdrawal-zh.ini, speaks Chinese from the installed catalog, and
#      fails once the installed profiles are moved away (so it never reads
#      the source tree).
. "$TOP_DIR/tests/tap.sh"
set -e
: "${BUILD_DIR:?}"
unset TICKETMAIL_DATADIR TICKETMAIL_LOCALEDIR
export TICKETMAIL_DATE=1795500000 TICKETMAIL_MESSAGE_ID='<20261125.install@example.com>'
export TICKETMAIL_BOUNDARY='=_tm_install_boundary_0123456789'
cjk() { printf '%s' "$1" | grep -qP '[\x{4e00}-\x{9fff}]'; }
# exists PATH NAME
exists() { if [ -e "$1" ]; then pass "$2"; else fail "$2" "missing: $1"; fi; }

# ---- 1. DESTDIR install of the build under test -------------------------
dest="$TMP/dest"
run meson install -C "$BUILD_DIR" --destdir "$dest" --no-rebuild --quiet
is_rc 0 "meson install --destdir"
bin=$(find "$dest" -path '*/bin/ticketmail' -type f | head -n1)
share=$(dirname "$(find "$dest" -path '*/ticketmail/providers/okx.ini' | head -n1)")
share=${share%/providers}
root=${bin%/bin/ticketmail}   # $dest/<prefix>
exists "$bin" "the binary is installed"
for f in providers/okx.ini smtp-presets.ini wordlists/bip39-english.txt \
  wordlists/bip39-chinese_simplified.txt templates/zh_CN/body.txt templates/en/subject.txt \
  examples/withdrawal-zh.ini examples/shots/withdrawal-record.png; do
  exists "$share/$f" "data: $f"
done
exists "$root/share/man/man1/ticketmail.1" "man page ticketmail(1)"
exists "$root/share/man/man5/ticketmail.ini.5" "man page ticketmail.ini(5)"
exists "$root/share/locale/zh_CN/LC_MESSAGES/ticketmail.mo" "the zh_CN catalog"
exists "$root/share/bash-completion/completions/ticketmail" "bash completion"
exists "$root/share/zsh/site-functions/_ticketmail" "zsh completion"
prefix_datadir=${share#"$dest"}
has "$(cat "$root/share/man/man1/ticketmail.1" 2>/dev/null)" "$prefix_datadir/providers" \
  "the installed man page names the configured datadir"
has "$(cat "$root/share/bash-completion/completions/ticketmail" 2>/dev/null)" "$prefix_datadir" \
  "the installed completion names the configured datadir"
if [ -x "$bin" ]; then
  # Every example of share/examples/README.md's table, installed copy.
  n=0 bad=()
  for cat in account trading withdrawal api other; do
    for lang in zh en; do
      ex="$share/examples/$cat-$lang.ini"
      n=$((n + 1))
      if [ ! -f "$ex" ]; then bad+=("$cat-$lang.ini missing"); continue; fi
      set +e
      TICKETMAIL_DATADIR="$share" TICKETMAIL_LOCALEDIR="$root/share/locale" \
        "$bin" --dry-run --ticket "$ex" -o "$TMP/$cat-$lang.eml" 2>"$TMP/ex.err"
      r=$?
      set -e
      if [ $r -ne 0 ]; then bad+=("$cat-$lang.ini: exit $r: $(head -c 300 "$TMP/ex.err")"); continue; fi
      grep -q '^To: support@okx.com' "$TMP/$cat-$lang.eml" || bad+=("$cat-$lang.ini: To is not support@okx.com")
    done
  done
  if [ ${#bad[@]} -eq 0 ]; then pass "the staged binary composes all $n installed examples"; else
    fail "the staged binary composes every installed example" "${bad[@]}"; fi
  run env -u LC_ALL -u LANGUAGE LANG=C.UTF-8 TICKETMAIL_DATADIR="$share" \
    TICKETMAIL_LOCALEDIR="$root/share/locale" "$bin" --lang zh_CN --help
  has "$out" "用法：" "the staged binary speaks Chinese from the staged catalog"
fi

# ---- 2. A --prefix build, installed for real ------------------------------
prefix="$TMP/prefix"
pbuild="$TMP/pbuild"
set +e
meson setup "$pbuild" "$TOP_DIR" --prefix="$prefix" -Dtests=disabled >"$TMP/setup.log" 2>&1 &&
  meson install -C "$pbuild" --quiet >"$TMP/install.log" 2>&1
r=$?
set -e
if [ $r -eq 0 ]; then pass "a --prefix=\$TMP/prefix build installs"; else
  fail "a --prefix build installs" "$(tail -n 20 "$TMP/setup.log" "$TMP/install.log")"; fi
pbin="$prefix/bin/ticketmail"
pshare="$prefix/share/ticketmail"
case "$pbin" in "$pbuild"/*) fail "the installed binary is outside its build tree" ;; esac
if [ -x "$pbin" ]; then
  # No TICKETMAIL_DATADIR, no TICKETMAIL_LOCALEDIR: only what was installed.
  cd "$TMP"
  run "$pbin" --dry-run --ticket "$pshare/examples/withdrawal-zh.ini" -o "$TMP/p.eml"
  is_rc 0 "installed binary composes the installed withdrawal-zh.ini with no override"
  out=$(cat "$TMP/p.eml" 2>/dev/null || true)
  has "$out" "To: support@okx.com" "... to the official address"
  has "$out" 'filename="withdrawal-record.png"' "... with the installed screenshot attached"
  if [ -n "${MIMECHECK:-}" ] && [ -x "$MIMECHECK" ]; then
    mimeok "$TMP/p.eml" --expect-subject "USDT提币未到账" \
      --expect-attachment "withdrawal-record.png=$pshare/examples/shots/withdrawal-record.png" \
      --expect-parts 3 "... and the GMime oracle accepts it"
  fi
  run env -u LC_ALL -u LANGUAGE LANG=C.UTF-8 "$pbin" --lang zh_CN --help
  has "$out" "用法：" "installed binary: Chinese --help from the installed catalog"
  run env -u LC_ALL -u LANGUAGE LANG=C.UTF-8 "$pbin" --help
  if cjk "$out"; then fail "installed binary: English with LANG=C.UTF-8" "$out"; else pass "installed binary: English with LANG=C.UTF-8"; fi
  # Take the installed profiles away: the source tree still has them, and
  # the installed binary must not find them there.
  mv "$pshare/providers" "$pshare/providers.away"
  run "$pbin" --dry-run --ticket "$pshare/examples/withdrawal-zh.ini"
  if [ "$rc" -ne 0 ]; then pass "without the installed profiles it fails (exit $rc): the source tree is not read"; else
    fail "without the installed profiles it fails" "it composed anyway: it read data outside the prefix"; fi
  has "$err" "$pshare/providers" "... and names the installed profile path"
  mv "$pshare/providers.away" "$pshare/providers"
  # The installed bash completion lists the installed profiles.
  if [ -f /usr/share/bash-completion/bash_completion ]; then
    r=$(bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; _ticketmail_providers' _ \
      "$prefix/share/bash-completion/completions/ticketmail" 2>&1)
    has "$r" "okx" "the installed completion finds the installed profiles"
  fi
  cd "$TOP_DIR"
else
  fail "the --prefix build installed bin/ticketmail" "$(ls -R "$prefix" 2>&1 | head -20)"
fi

done_testing
