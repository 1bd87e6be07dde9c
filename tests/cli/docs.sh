#!/usr/bin/env bash
# The man pages and the shell completion against the real binary and the
# sources: every option --help lists is documented and completed, every
# field, section, category, account key, environment variable and exit
# status is documented, groff renders the pages without a warning, and the
# bash completion offers what it should.
. "$TOP_DIR/tests/tap.sh"
set -e
man1="$TOP_DIR/doc/ticketmail.1"
man5="$TOP_DIR/doc/ticketmail.ini.5"
bashcomp="$TOP_DIR/completion/ticketmail.bash.in"
zshcomp="$TOP_DIR/completion/_ticketmail.in"

# Plain text of a page (no bold/underline overstrikes).
render() { groff -man -Tascii -P-cbou "$1" 2>/dev/null; }
# has_word TEXT WORD: WORD not preceded or followed by a name character.
has_word() { printf '%s' "$1" | grep -qE -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|\$)"; }

if ! command -v groff >/dev/null; then
  echo "1..0 # SKIP groff is not installed (tools/ensure-deps installs groff-base)"
  exit 0
fi
text1=$(render "$man1")
text5=$(render "$man5")

# 1. groff -ww: no warnings, for both pages; man --warnings too.
for page in "$man1" "$man5"; do
  name=$(basename "$page")
  w=$(groff -ww -man -Tutf8 "$page" 2>&1 >/dev/null)
  if [ -z "$w" ]; then pass "groff -ww renders $name without warnings"; else fail "groff -ww $name" "$w"; fi
  if command -v man >/dev/null; then
    w=$(MAN_DISABLE_SECCOMP=1 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    if [ -z "$w" ]; then pass "man --warnings -l $name is silent"; else fail "man --warnings $name" "$w"; fi
  fi
done

# 2. Every option the binary's --help lists is in the man page and in the
#    bash completion (long options, and short ones as "-x").
run env LC_ALL=C.UTF-8 LANGUAGE= "$TICKETMAIL" --lang en --help
is_rc 0 "--help exits 0"
help=$out
long=$(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
short=$(printf '%s\n' "$help" | grep -oE -- '^ +-[A-Za-z],' | tr -d ' ,' | sort -u)
if [ -z "$long" ] || [ -z "$short" ]; then fail "--help lists options" "$help"; fi
missing_man=() missing_comp=()
for o in $long $short; do
  has_word "$text1" "$o" || missing_man+=("$o")
  has_word "$(cat "$bashcomp")" "$o" || missing_comp+=("$o")
done
if [ ${#missing_man[@]} -eq 0 ]; then pass "ticketmail(1) documents every option of --help ($(echo $long $short | wc -w))"; else
  fail "ticketmail(1) documents every option of --help" "missing: ${missing_man[*]}"; fi
if [ ${#missing_comp[@]} -eq 0 ]; then pass "the bash completion offers every option of --help"; else
  fail "the bash completion offers every option of --help" "missing: ${missing_comp[*]}"; fi

# 3. The command line as designed (also what --help will list), the
#    subcommands, exit statuses and see-also entries.
missing=()
for o in -t --ticket -s --set -a --attach --provider --to -n --dry-run -o --output -y --yes \
  --resend --allow -c --config --lang -h --help -V --version --flush --drop outbox history; do
  has_word "$text1" "$o" || missing+=("man:$o")
  case $o in --flush | --drop | outbox | history) ;; *) grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" "$zshcomp" || missing+=("zsh:$o") ;; esac
  has_word "$(cat "$bashcomp")" "$o" || missing+=("bash:$o")
done
if [ ${#missing[@]} -eq 0 ]; then pass "every option and subcommand in ticketmail(1), bash and zsh completion"; else
  fail "every option and subcommand documented and completed" "missing: ${missing[*]}"; fi
section=$(printf '%s\n' "$text1" | sed -n '/^EXIT STATUS/,/^EXAMPLES/p')
missing=()
for s in 0 64 65 66 69 70 73 74 75 76 77 78; do
  printf '%s\n' "$section" | grep -qE "^ +$s( |\$)" || missing+=("$s")
done
if [ ${#missing[@]} -eq 0 ]; then pass "EXIT STATUS lists 0 and 64-78 as used"; else fail "EXIT STATUS" "missing: ${missing[*]}"; fi
for s in 'msmtp(1)' 'mutt(1)' 'git-send-email(1)' 'ticketmail.ini(5)'; do
  has "$(printf '%s\n' "$text1" | sed -n '/^SEE ALSO/,$p')" "$s" "SEE ALSO names $s"
done

# 4. Every environment variable the sources read is documented.
vars=$(grep -ho 'getenv("[A-Z_]*")' "$TOP_DIR"/src/*.c | sed 's/getenv("\(.*\)")/\1/' | sort -u)
missing=()
for v in $vars LANGUAGE LC_ALL LC_MESSAGES LANG TZ XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME; do
  printf '%s\n' "$text1" | sed -n '/^ENVIRONMENT/,/^EXIT STATUS/p' | grep -qw -- "$v" || missing+=("$v")
done
if [ ${#missing[@]} -eq 0 ]; then pass "ENVIRONMENT documents every getenv() of src/ ($(echo $vars | wc -w))"; else
  fail "ENVIRONMENT documents every getenv()" "missing: ${missing[*]}"; fi

# 5. ticketmail.ini(5): every field and section of the table, every category
#    and required field of the OKX profile, every account key.
fields=$(sed -n 's/^ *\[TF_[A-Z_]*\] *= *{"\([a-z_]*\)", *"\([a-z]*\)".*/\2.\1/p' "$TOP_DIR/src/ticket.c")
nf=$(printf '%s\n' "$fields" | grep -c .)
if [ "$nf" -ge 20 ]; then pass "read $nf fields from src/ticket.c"; else fail "read the field table" "got: $fields"; fi
missing=()
for sf in $fields; do
  has_word "$text5" "${sf#*.}" || missing+=("${sf#*.}")
  has_word "$text5" "\\[${sf%%.*}\\]" || missing+=("[${sf%%.*}]")
done
if [ ${#missing[@]} -eq 0 ]; then pass "ticketmail.ini(5) documents every field and section"; else
  fail "ticketmail.ini(5) documents every field and section" "missing: ${missing[*]}"; fi
okx="$TOP_DIR/share/providers/okx.ini"
cats=$(sed -n 's/^\[category[ .]\([a-z0-9-]*\)\]$/\1/p' "$okx")
needs=$(printf '%s\n' "$text5" | sed -n '/What each problem type needs/,/^ACCOUNT FILE/p')
missing=()
for c in $cats; do
  has_word "$needs" "$c" || missing+=("$c")
done
for r in $(sed -n 's/^required *= *//p' "$okx" | tr ',|' '  '); do
  has_word "$needs" "$r" || missing+=("required:$r")
done
if [ -n "$cats" ] && [ ${#missing[@]} -eq 0 ]; then pass "ticketmail.ini(5) lists each OKX category with its required fields"; else
  fail "categories and required fields in ticketmail.ini(5)" "categories: $cats" "missing: ${missing[*]}"; fi
acct=$(printf '%s\n' "$text5" | sed -n '/^ACCOUNT FILE/,/^PROVIDER PROFILES/p')
missing=()
for k in from name smtp user password_command oauth2_token_command password ca_file transport \
  sendmail_command allow_plain_loopback; do
  printf '%s\n' "$acct" | grep -qE "^       $k( |\$)" || missing+=("$k")
done
if [ -f "$TOP_DIR/src/account.h" ]; then
  for k in $(sed -n 's/^ \*   \([a-z_0-9]*\) = .*/\1/p' "$TOP_DIR/src/account.h"); do
    printf '%s\n' "$acct" | grep -qE "^       $k( |\$)" || missing+=("account.h:$k")
  done
fi
if [ ${#missing[@]} -eq 0 ]; then pass "ticketmail.ini(5) documents every account key"; else
  fail "account keys in ticketmail.ini(5)" "missing: ${missing[*]}"; fi

# 6. The completion's field list is the table.
comp_fields=$(sed -n '/^_ticketmail_fields=(/,/^)/p' "$bashcomp" | sed '1d;$d' | tr -s ' \n' '\n\n' | grep . || true)
if [ "$(printf '%s\n' "$comp_fields" | sort)" = "$(printf '%s\n' "$fields" | sort)" ]; then
  pass "the bash completion's field keys match src/ticket.c"
else
  fail "the bash completion's field keys match src/ticket.c" \
    "$(diff <(printf '%s\n' "$fields" | sort) <(printf '%s\n' "$comp_fields" | sort) | tr '\n' ' ')"
fi
zsh_fields=$(sed -n '/^  fields=(/,/^  )/p' "$zshcomp" | sed '1d;$d' | tr -s ' \n' '\n\n' | grep . | sort || true)
if [ "$zsh_fields" = "$(printf '%s\n' "$fields" | sed 's/.*\.//' | sort)" ]; then pass "the zsh completion's field keys match src/ticket.c"; else
  fail "the zsh completion's field keys match src/ticket.c" "$zsh_fields"; fi

if command -v zsh >/dev/null && [ -f "${BUILD_DIR:-}/completion/_ticketmail" ]; then
  if res=$(zsh -n "$BUILD_DIR/completion/_ticketmail" 2>&1); then pass "zsh -n accepts _ticketmail"; else fail "zsh -n accepts _ticketmail" "$res"; fi
else
  tap_n=$((tap_n + 1)); echo "ok $tap_n - zsh -n accepts _ticketmail # SKIP zsh is not installed"
fi

# 7. The bash completion at work, with bash-completion's helpers loaded.
gen="${BUILD_DIR:-}/completion/ticketmail.bash"
if [ ! -f "$gen" ]; then
  fail "the generated completion exists" "$gen"
elif [ ! -f /usr/share/bash-completion/bash_completion ]; then
  echo "ok $((tap_n + 1)) - bash completion at work # SKIP bash-completion is not installed"
  tap_n=$((tap_n + 1))
else
  pass "the generated completion exists"
  mkdir -p "$TMP/att/shots" "$TMP/dd/providers"
  : >"$TMP/att/a.txt"; : >"$TMP/att/b.png"; : >"$TMP/att/c.pdf"; : >"$TMP/att/d.JPG"; : >"$TMP/att/e.ini"
  printf '[provider]\nid = demo\n\n[category  first-one]\nname_en = x\n[category.second]\n' >"$TMP/dd/providers/demo.ini"
  # complete LINE: prints COMPREPLY, one a line (the cursor at the end).
  cat >"$TMP/complete.sh" <<'SH'
. /usr/share/bash-completion/bash_completion
. "$GEN"
line=$1
COMP_LINE=$line COMP_POINT=${#line}
# Bash's default word breaks; split as bash does for COMP_WORDS: "k=v" is
# "k" "=" "v", and "k=" at the cursor is "k" "=".
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
read -r -a COMP_WORDS <<<"$line"
[[ $line == *' ' ]] && COMP_WORDS+=("")
words=()
for w in "${COMP_WORDS[@]}"; do
  while [[ $w == *=* ]]; do
    [[ -n ${w%%=*} ]] && words+=("${w%%=*}")
    words+=("=")
    w=${w#*=}
  done
  [[ -n $w || ${#words[@]} -eq 0 || ${words[-1]} != "=" ]] && words+=("$w")
done
COMP_WORDS=("${words[@]}")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_ticketmail ticketmail "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
SH
  comp() { (cd "$TMP/att" && GEN="$gen" TICKETMAIL_DATADIR="${DD:-$TOP_DIR/share}" bash "$TMP/complete.sh" "$1" 2>&1); }
  r=$(comp "ticketmail --pro"); has "$r" "--provider" "completes --pro to --provider"
  r=$(comp "ticketmail --provider "); has "$r" "okx" "--provider offers okx from the data directory"
  r=$(DD="$TMP/dd" comp "ticketmail --provider "); has "$r" "demo" "--provider follows TICKETMAIL_DATADIR"
  r=$(comp "ticketmail --lang "); if [ "$(echo $r)" = "zh_CN en" ] || [ "$(echo $r)" = "en zh_CN" ]; then pass "--lang offers zh_CN en"; else fail "--lang offers zh_CN en" "$r"; fi
  r=$(comp "ticketmail --allow "); has "$r" "hex-64" "--allow offers hex-64"; has "$r" "seed-phrase-unverified" "--allow offers seed-phrase-unverified"
  r=$(comp "ticketmail --set tx"); has "$r" "txid=" "--set tx offers txid="
  r=$(comp "ticketmail --set transaction.tx"); has "$r" "transaction.txid=" "--set offers section.key="
  r=$(comp "ticketmail --set category="); has "$r" "deposit-withdrawal" "--set category= offers OKX's categories"; has "$r" "account" "... all of them"
  hasnt "$r" "category=" "... as values after '=' (readline keeps the key)"
  r=$(DD="$TMP/dd" comp "ticketmail --provider demo --set category="); has "$r" "first-one" "categories of the provider named by --provider"; has "$r" "second" "[category.ID] read too"
  hasnt "$r" "deposit-withdrawal" "... not OKX's"
  r=$(comp "ticketmail -a "); order=$(echo $r)
  if [ "$order" = "b.png d.JPG c.pdf a.txt shots" ]; then pass "-a offers images, then PDF/text, then directories"; else fail "-a ordering" "got: $order"; fi
  hasnt "$r" "e.ini" "-a does not offer an .ini"
  r=$(comp "ticketmail --ticket "); has "$r" "e.ini" "--ticket offers .ini files"; hasnt "$r" "b.png" "... and not images"
  r=$(comp "ticketmail outbox --"); if [ "$(echo $r)" = "--flush --resend --drop" ]; then pass "outbox offers --flush --resend --drop"; else fail "outbox options" "$r"; fi
  r=$(comp "ticketmail "); has "$r" "outbox" "a first word offers outbox"; has "$r" "history" "... and history"
fi

done_testing
