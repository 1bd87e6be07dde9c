/* validate.c - the second pass: judge every field of a parsed ticket.
 *
 * Each check reports through a sink. validate_ticket() turns reports into
 * diags (every problem, all at once); validate_field() keeps the first error
 * so that the interview can ask again at once. Checks never strip anything:
 * a value with a forbidden character is refused and the user fixes it.
 */
#include "validate.h"

#include "i18n.h"
#include "sha256.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- sinks */

struct validate_sink {
	enum ticket_field field;
	const char *where; /* validate_ticket(): origin or key */
	struct diags *d;   /* NULL in single-field mode */
	char *first_error; /* single-field mode: allocated */
	size_t errors;
};

static void validate_sink_init(struct validate_sink *vs, enum ticket_field f, const char *where,
                               struct diags *d)
{
	vs->field = f;
	vs->where = where;
	vs->d = d;
	vs->first_error = NULL;
	vs->errors = 0;
}

/* "txid (Transaction ID (TxID))": key and label in the interface language.
 * The brackets, the colon after a field's name and the comma between list
 * items are translated: Chinese writes them full-width, with no space. */
static char *validate_field_name(enum ticket_field f)
{
	/* TRANSLATORS: an identifier and its name in words: a field's key and
	 * label, "txid (Transaction ID (TxID))", or a problem type's id and
	 * name. */
	return xasprintf(_("%s (%s)"), ticket_fields[f].key, ticket_field_label(f, i18n_lang()));
}

/* Between the items of a list in a message. */
static const char *validate_list_sep(void)
{
	/* TRANSLATORS: what separates the items of a list ("ERC20, TRC20"). */
	return _(", ");
}

__attribute__((format(printf, 4, 5))) static void validate_report(struct validate_sink *vs,
                                                                  enum diag_severity sev,
                                                                  const char *kind, const char *fmt,
                                                                  ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *detail = xvasprintf(fmt, ap);
	va_end(ap);
	char *name = validate_field_name(vs->field);
	if (sev == DIAG_ERROR)
		vs->errors++;
	if (vs->d) {
		/* TRANSLATORS: a field's name, then what is wrong with it. */
		diags_add(vs->d, sev, (int)vs->field, vs->where, kind, _("%s: %s"), name, detail);
	} else if (sev == DIAG_ERROR && !vs->first_error) {
		vs->first_error = xasprintf(_("%s: %s"), name, detail);
	}
	free(name);
	free(detail);
}

/* ------------------------------------------------------------ small helpers */

static bool validate_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool validate_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool validate_is_alnum(char c)
{
	return validate_is_alpha(c) || validate_is_digit(c);
}

static bool validate_is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!validate_is_digit(c) && !((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

static bool validate_has_0x(const char *s, size_t len)
{
	return len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

static bool validate_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
			return false;
	return true;
}

/* Index of the first ASCII space or tab, or len. */
static size_t validate_find_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == ' ' || s[i] == '\t')
			return i;
	return len;
}

/* The value made safe to quote in a message. Allocated. */
static char *validate_quote(const char *s, size_t len)
{
	return util_visible(s, len);
}

/* ------------------------------------------------------------ characters */

static const char *validate_char_name(uint32_t cp)
{
	switch (cp) {
	case 0x00:
		return "NUL";
	case 0x0A:
		return "LINE FEED";
	case 0x0D:
		return "CARRIAGE RETURN";
	case 0x1B:
		return "ESCAPE";
	case 0x7F:
		return "DELETE";
	case 0x061C:
		return "ARABIC LETTER MARK";
	case 0x200E:
		return "LEFT-TO-RIGHT MARK";
	case 0x200F:
		return "RIGHT-TO-LEFT MARK";
	case 0x202A:
		return "LEFT-TO-RIGHT EMBEDDING";
	case 0x202B:
		return "RIGHT-TO-LEFT EMBEDDING";
	case 0x202C:
		return "POP DIRECTIONAL FORMATTING";
	case 0x202D:
		return "LEFT-TO-RIGHT OVERRIDE";
	case 0x202E:
		return "RIGHT-TO-LEFT OVERRIDE";
	case 0x2066:
		return "LEFT-TO-RIGHT ISOLATE";
	case 0x2067:
		return "RIGHT-TO-LEFT ISOLATE";
	case 0x2068:
		return "FIRST STRONG ISOLATE";
	case 0x2069:
		return "POP DIRECTIONAL ISOLATE";
	default:
		break;
	}
	if (cp < 0x20)
		return "C0 control";
	if (cp >= 0x80 && cp < 0xA0)
		return "C1 control";
	return "control";
}

static bool validate_char_refused(uint32_t cp, bool multiline)
{
	if (cp == '\r')
		return true; /* the INI reader already took CRLF line ends off */
	if (cp == '\n')
		return !multiline;
	return util_forbidden_char(cp, false);
}

static char *validate_position(bool multiline, size_t line, size_t col)
{
	if (multiline)
		return xasprintf(_("line %zu, column %zu"), line, col);
	return xasprintf(_("column %zu"), col);
}

/* Checks the characters of one value; reports the first bad one (and how
 * many more). Returns false when the value is refused. */
static bool validate_chars(struct validate_sink *vs, const char *s, size_t len, bool multiline)
{
	size_t line = 1, col = 1, i = 0;
	size_t bad = 0;
	uint32_t first_cp = 0;
	size_t first_line = 0, first_col = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			char *pos = validate_position(multiline, line, col);
			validate_report(
			    vs, DIAG_ERROR, "encoding",
			    _("is not valid UTF-8 (byte 0x%02X at %s); save the text as "
			      "UTF-8"),
			    (unsigned char)s[i], pos);
			free(pos);
			return false;
		}
		if (validate_char_refused(cp, multiline)) {
			if (bad++ == 0) {
				first_cp = cp;
				first_line = line;
				first_col = col;
			}
		}
		if (cp == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += n;
	}
	if (bad == 0)
		return true;
	char *pos = validate_position(multiline, first_line, first_col);
	if (first_cp == '\n')
		validate_report(vs, DIAG_ERROR, "character",
		                _("must be one line: it has a line break (U+000A) at %s"), pos);
	else if (bad == 1)
		validate_report(vs, DIAG_ERROR, "character",
		                _("contains the control character U+%04X (%s) at %s; remove it "
		                  "(such characters are refused, not removed for you)"),
		                (unsigned)first_cp, validate_char_name(first_cp), pos);
	else
		validate_report(vs, DIAG_ERROR, "character",
		                _("contains the control character U+%04X (%s) at %s and %zu more; "
		                  "remove them (such characters are refused, not removed for you)"),
		                (unsigned)first_cp, validate_char_name(first_cp), pos, bad - 1);
	free(pos);
	return false;
}

/* ------------------------------------------------------------ base58 */

static const char validate_b58_alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int validate_b58_index(char c)
{
	const char *p = c ? strchr(validate_b58_alphabet, c) : NULL;
	return p ? (int)(p - validate_b58_alphabet) : -1;
}

#define VALIDATE_B58_MAX 160 /* characters; far above any hash or key we check */

/* Decodes Bitcoin-alphabet base58 s[0..len) into out (cap bytes). Returns
 * false on a character outside the alphabet (*bad_out = its index) or when
 * len is above VALIDATE_B58_MAX (*bad_out = len). *n_out gets the decoded
 * length even when it exceeds cap (then out holds nothing useful). */
static bool validate_b58_decode(const char *s, size_t len, unsigned char *out, size_t cap,
                                size_t *n_out, size_t *bad_out)
{
	unsigned char b[VALIDATE_B58_MAX];
	if (len > VALIDATE_B58_MAX) {
		*bad_out = len;
		return false;
	}
	size_t zeros = 0;
	while (zeros < len && s[zeros] == '1')
		zeros++;
	size_t size = sizeof b;
	size_t used = 0;
	memset(b, 0, sizeof b);
	for (size_t i = zeros; i < len; i++) {
		int idx = validate_b58_index(s[i]);
		if (idx < 0) {
			*bad_out = i;
			return false;
		}
		unsigned carry = (unsigned)idx;
		size_t k = 0;
		for (size_t j = size; j-- > 0 && (carry || k < used); k++) {
			carry += 58u * b[j];
			b[j] = (unsigned char)(carry & 0xFF);
			carry >>= 8;
		}
		used = k;
	}
	*n_out = zeros + used;
	if (*n_out <= cap) {
		memset(out, 0, zeros);
		memcpy(out + zeros, b + size - used, used);
	}
	return true;
}

/* Base58Check (version byte + payload + 4-byte double-SHA-256 checksum) of
 * exactly want bytes. Returns 0 = good, 1 = not base58 or wrong length,
 * 2 = checksum mismatch. *version_out gets the first byte. */
static int validate_b58check(const char *s, size_t len, size_t want, unsigned *version_out)
{
	unsigned char buf[64];
	size_t n = 0, bad = 0;
	if (want > sizeof buf || !validate_b58_decode(s, len, buf, sizeof buf, &n, &bad) ||
	    n != want)
		return 1;
	unsigned char d1[SHA256_DIGEST_LEN], d2[SHA256_DIGEST_LEN];
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, buf, want - 4);
	sha256_final(&c, d1);
	sha256_init(&c);
	sha256_update(&c, d1, sizeof d1);
	sha256_final(&c, d2);
	*version_out = buf[0];
	return memcmp(d2, buf + want - 4, 4) == 0 ? 0 : 2;
}

/* ------------------------------------------------------------ bech32 */

static uint32_t validate_bech32_step(uint32_t chk, uint32_t v)
{
	static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
	uint32_t top = chk >> 25;
	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (int g = 0; g < 5; g++)
		if ((top >> g) & 1)
			chk ^= gen[g];
	return chk;
}

/* BIP 173 / BIP 350 checksum: true if s is a valid bech32 or bech32m string
 * with human-readable part hrp (lower case). */
static bool validate_bech32(const char *s, size_t len, const char *hrp)
{
	static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	size_t hlen = strlen(hrp);
	if (len < hlen + 1 + 6 || len > 90)
		return false;
	bool lower = false, upper = false;
	for (size_t i = 0; i < len; i++) {
		lower = lower || (s[i] >= 'a' && s[i] <= 'z');
		upper = upper || (s[i] >= 'A' && s[i] <= 'Z');
	}
	if ((lower && upper) || util_ascii_ncasecmp(s, hrp, hlen) != 0 || s[hlen] != '1')
		return false;
	uint32_t chk = 1;
	for (size_t i = 0; i < hlen; i++)
		chk = validate_bech32_step(chk, (unsigned char)hrp[i] >> 5);
	chk = validate_bech32_step(chk, 0);
	for (size_t i = 0; i < hlen; i++)
		chk = validate_bech32_step(chk, (unsigned char)hrp[i] & 31);
	for (size_t i = hlen + 1; i < len; i++) {
		char c = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
		const char *p = c ? strchr(charset, c) : NULL;
		if (!p)
			return false;
		chk = validate_bech32_step(chk, (uint32_t)(p - charset));
	}
	/* 1 for bech32 (witness v0), 0x2bc830a3 for bech32m (v1+, BIP 350). */
	return chk == 1 || chk == 0x2bc830a3;
}

/* ------------------------------------------------------------ networks */

enum validate_family {
	VALIDATE_FAM_UNKNOWN,
	VALIDATE_FAM_BTC,
	VALIDATE_FAM_TRON,
	VALIDATE_FAM_EVM,
	VALIDATE_FAM_SOLANA,
	VALIDATE_FAM_COUNT
};

struct validate_network {
	const char *name; /* for messages */
	enum validate_family family;
	const char *aliases[5]; /* compact lower-case spellings */
};

static const struct validate_network validate_networks[] = {
    {"Bitcoin (BTC)", VALIDATE_FAM_BTC, {"btc", "bitcoin"}},
    {"Ethereum (ERC20)", VALIDATE_FAM_EVM, {"erc20", "ethereum", "eth"}},
    {"TRON (TRC20)", VALIDATE_FAM_TRON, {"trc20", "tron", "trx"}},
    {"BNB Smart Chain (BEP20)", VALIDATE_FAM_EVM, {"bep20", "bsc", "bnbsmartchain"}},
    {"Polygon", VALIDATE_FAM_EVM, {"polygon", "matic", "pol"}},
    {"Arbitrum One", VALIDATE_FAM_EVM, {"arbitrumone", "arbitrum", "arb"}},
    {"Optimism", VALIDATE_FAM_EVM, {"optimism", "op"}},
    {"Base", VALIDATE_FAM_EVM, {"base"}},
    {"Avalanche C-Chain",
     VALIDATE_FAM_EVM,
     {"avalanchec", "avalanchecchain", "avaxc", "avaxcchain"}},
    {"Solana", VALIDATE_FAM_SOLANA, {"solana", "sol"}},
    {"X Layer", VALIDATE_FAM_EVM, {"xlayer"}},
};

/* "Arbitrum One", "arbitrum-one", "ARBITRUM_ONE" all compact to "arbitrumone". */
static const struct validate_network *validate_network_find(const char *name)
{
	if (!name)
		return NULL;
	char compact[32];
	size_t n = 0;
	for (const char *p = name; *p; p++) {
		if (*p == ' ' || *p == '-' || *p == '_')
			continue;
		if (!validate_is_alnum(*p) || n + 1 >= sizeof compact)
			return NULL;
		compact[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	}
	compact[n] = '\0';
	for (size_t i = 0; i < UTIL_ARRAY_LEN(validate_networks); i++)
		for (size_t j = 0; j < UTIL_ARRAY_LEN(validate_networks[i].aliases); j++)
			if (validate_networks[i].aliases[j] &&
			    strcmp(validate_networks[i].aliases[j], compact) == 0)
				return &validate_networks[i];
	return NULL;
}

static char *validate_network_list(void)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(validate_networks); i++) {
		if (i)
			strbuf_adds(&sb, validate_list_sep());
		strbuf_adds(&sb, validate_networks[i].name);
	}
	return strbuf_take(&sb);
}

/* ------------------------------------------------------------ email */

static bool validate_atext(char c)
{
	return validate_is_alnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static char *validate_char_desc(char c)
{
	if (c == ' ')
		return xstrdup(_("a space"));
	if ((unsigned char)c < 0x20 || c == 0x7F)
		return xasprintf("U+%04X", (unsigned)(unsigned char)c);
	return xasprintf("'%c'", c);
}

/* RFC 5321 4.1.2: Quoted-string = DQUOTE *QcontentSMTP DQUOTE. */
static char *validate_email_quoted(const char *s, size_t len)
{
	if (len < 2 || s[len - 1] != '"')
		return xstrdup(_("the quoted part before '@' has no closing quote"));
	for (size_t i = 1; i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\') {
			i++;
			c = (unsigned char)s[i];
			if (i + 1 >= len)
				return xstrdup(
				    _("the quoted part before '@' ends with a lone backslash"));
		} else if (c == '"') {
			return xstrdup(_("the quoted part before '@' has a quote inside; escape it "
			                 "as \\\""));
		}
		if (c < 0x20 || c == 0x7F)
			return xasprintf(
			    _("the quoted part before '@' contains the control character "
			      "U+%04X"),
			    (unsigned)c);
	}
	return NULL;
}

/* RFC 5321 4.1.2: Dot-string = Atom *("." Atom). */
static char *validate_email_dot_string(const char *s, size_t len)
{
	if (s[0] == '.' || s[len - 1] == '.')
		return xstrdup(_("the part before '@' must not start or end with a dot"));
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return xstrdup(
				    _("the part before '@' must not contain two dots in a row"));
			continue;
		}
		if (!validate_atext(s[i])) {
			char *c = validate_char_desc(s[i]);
			char *m = xasprintf(_("the part before '@' contains %s, which an address "
			                      "cannot contain"),
			                    c);
			free(c);
			return m;
		}
	}
	return NULL;
}

/* RFC 5321 4.1.3: address-literal, IPv4 only. */
static char *validate_email_literal(const char *s, size_t len)
{
	if (s[len - 1] != ']')
		return xstrdup(_("the address literal after '@' has no closing ']'"));
	size_t i = 1;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t digits = 0;
		while (i < len - 1 && validate_is_digit(s[i]) && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			goto bad;
		if (part < 3) {
			if (s[i] != '.')
				goto bad;
			i++;
		}
	}
	if (i == len - 1)
		return NULL;
bad:
	return xstrdup(_("only an IPv4 address literal such as [192.0.2.1] is accepted after '@'"));
}

/* RFC 5321 4.1.2 Domain, with RFC 1035 label limits. */
static char *validate_email_domain(const char *s, size_t len)
{
	if (len == 0)
		return xstrdup(_("has nothing after '@'"));
	if (s[0] == '[')
		return validate_email_literal(s, len);
	if (len > 255)
		return xstrdup(_("the domain is longer than 255 characters"));
	size_t labels = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!validate_is_alnum(s[i]) && s[i] != '-') {
				char *c = validate_char_desc(s[i]);
				char *m =
				    xasprintf(_("the domain contains %s; only letters, digits, "
				                "hyphens and dots are allowed"),
				              c);
				free(c);
				return m;
			}
			continue;
		}
		size_t n = i - start;
		if (n == 0)
			return xstrdup(_("the domain has an empty part (a dot at the start or end, "
			                 "or two dots in a row)"));
		if (n > 63)
			return xstrdup(_("a part of the domain is longer than 63 characters"));
		if (s[start] == '-' || s[i - 1] == '-')
			return xstrdup(_("a part of the domain starts or ends with a hyphen"));
		labels++;
		if (i == len) {
			bool digits = true;
			for (size_t k = start; k < i; k++)
				digits = digits && validate_is_digit(s[k]);
			if (digits)
				return xstrdup(
				    _("the last part of the domain cannot be all digits"));
		}
		start = i + 1;
	}
	if (labels < 2)
		return xstrdup(_("the domain needs at least two parts, like example.com"));
	return NULL;
}

/* NULL when s[0..len) is an RFC 5321 Mailbox we can send to, else an
 * allocated message. */
static char *validate_email_problem(const char *s, size_t len)
{
	if (len == 0)
		return xstrdup(_("is empty"));
	if (memchr(s, '<', len) || memchr(s, '>', len))
		return xstrdup(_("give only the address (name@example.com), without a name or "
		                 "angle brackets"));
	const char *at = NULL;
	for (size_t i = len; i-- > 0;) {
		if (s[i] == '@') {
			at = s + i;
			break;
		}
	}
	if (!at)
		return xstrdup(_("has no '@'; write it as name@example.com"));
	size_t llen = (size_t)(at - s);
	const char *dom = at + 1;
	size_t dlen = len - llen - 1;
	for (size_t i = 0; i < llen; i++)
		if ((unsigned char)s[i] >= 0x80)
			return xstrdup(
			    _("non-ASCII characters before '@' are not supported (our mail "
			      "path does not use SMTPUTF8); use an ASCII address"));
	for (size_t i = 0; i < dlen; i++)
		if ((unsigned char)dom[i] >= 0x80)
			return xstrdup(_("write an international domain in its ASCII form "
			                 "(xn--...)"));
	if (llen == 0)
		return xstrdup(_("has nothing before '@'"));
	if (llen > 64)
		return xstrdup(_("the part before '@' is longer than 64 characters"));
	char *m = s[0] == '"' ? validate_email_quoted(s, llen) : validate_email_dot_string(s, llen);
	if (!m)
		m = validate_email_domain(dom, dlen);
	if (!m && len > 254)
		m = xstrdup(_("is longer than 254 characters"));
	return m;
}

bool validate_email(const char *s)
{
	if (!s)
		return false;
	char *m = validate_email_problem(s, strlen(s));
	free(m);
	return m == NULL;
}

/* ------------------------------------------------------------ date and time */

enum validate_dt_status {
	VALIDATE_DT_OK,
	VALIDATE_DT_FORMAT,
	VALIDATE_DT_NO_ZONE,
	VALIDATE_DT_DATE,
	VALIDATE_DT_TIME,
	VALIDATE_DT_ZONE,
	VALIDATE_DT_ZONE_NAME, /* letters only: an abbreviation such as CST */
	VALIDATE_DT_COUNT
};

/* Reads between min and max digits at s[*i]. */
static bool validate_dt_num(const char *s, size_t len, size_t *i, int min, int max, int *out)
{
	int v = 0, n = 0;
	while (*i < len && validate_is_digit(s[*i]) && n < max) {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
		n++;
	}
	if (n < min || (*i < len && validate_is_digit(s[*i])))
		return false;
	*out = v;
	return true;
}

static void validate_dt_spaces(const char *s, size_t len, size_t *i)
{
	while (*i < len && s[*i] == ' ')
		(*i)++;
}

/* The longest time zone abbreviation recognised as one (ChADT). */
#define VALIDATE_ZONE_ABBR_MAX 6

/* "+08:00", "+0800", "+08", "+8" at s[*i]. */
static enum validate_dt_status validate_dt_offset(const char *s, size_t len, size_t *i,
                                                  int *minutes_out)
{
	int sign = s[*i] == '-' ? -1 : 1;
	(*i)++;
	int h = 0, m = 0;
	size_t start = *i;
	if (!validate_dt_num(s, len, i, 1, 2, &h)) {
		/* "+0800": four digits in a row. */
		*i = start;
		if (!validate_dt_num(s, len, i, 4, 4, &h))
			return VALIDATE_DT_ZONE;
		m = h % 100;
		h /= 100;
	} else if (*i < len && s[*i] == ':') {
		(*i)++;
		if (!validate_dt_num(s, len, i, 2, 2, &m))
			return VALIDATE_DT_ZONE;
	}
	if (m > 59 || h * 60 + m > 14 * 60)
		return VALIDATE_DT_ZONE;
	*minutes_out = sign * (h * 60 + m);
	return VALIDATE_DT_OK;
}

/* Zone at s[*i]: Z, UTC, GMT, UTC+8, GMT+08:00, +08:00, +0800, 北京时间. */
static enum validate_dt_status validate_dt_zone(const char *s, size_t len, size_t *i,
                                                int *minutes_out)
{
	*minutes_out = 0;
	if (s[*i] == 'Z' || s[*i] == 'z') {
		(*i)++;
		return VALIDATE_DT_OK;
	}
	if (len - *i >= 3 && (util_ascii_ncasecmp(s + *i, "UTC", 3) == 0 ||
	                      util_ascii_ncasecmp(s + *i, "GMT", 3) == 0)) {
		*i += 3;
		validate_dt_spaces(s, len, i);
		if (*i < len && (s[*i] == '+' || s[*i] == '-'))
			return validate_dt_offset(s, len, i, minutes_out);
		return VALIDATE_DT_OK;
	}
	if (s[*i] == '+' || s[*i] == '-')
		return validate_dt_offset(s, len, i, minutes_out);
	/* China has one zone, so its name is exact: "北京时间" (optionally in
	 * brackets) and "Beijing time" are UTC+8. */
	static const char *const beijing[] = {"北京时间", "(北京时间)", "（北京时间）",
	                                      "Beijing time"};
	for (size_t k = 0; k < sizeof beijing / sizeof beijing[0]; k++) {
		size_t n = strlen(beijing[k]);
		if (len - *i >= n && util_ascii_ncasecmp(s + *i, beijing[k], n) == 0) {
			*i += n;
			*minutes_out = 8 * 60;
			return VALIDATE_DT_OK;
		}
	}
	/* An abbreviation such as CST is ambiguous (China, US Central and
	 * Cuba): letters only, up to the end but for blanks. */
	if (!validate_is_alpha(s[*i]))
		return VALIDATE_DT_FORMAT;
	size_t k = *i, letters = 0;
	while (k < len && validate_is_alpha(s[k])) {
		k++;
		letters++;
	}
	validate_dt_spaces(s, len, &k);
	return k == len && letters >= 2 && letters <= VALIDATE_ZONE_ABBR_MAX ? VALIDATE_DT_ZONE_NAME
	                                                                     : VALIDATE_DT_ZONE;
}

static bool validate_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int validate_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && validate_leap(y) ? 29 : days[m - 1];
}

static enum validate_dt_status validate_dt_parse(const char *s, size_t len,
                                                 struct validate_datetime *dt)
{
	size_t i = 0;
	memset(dt, 0, sizeof *dt);
	if (!validate_dt_num(s, len, &i, 4, 4, &dt->year) || i >= len || s[i++] != '-' ||
	    !validate_dt_num(s, len, &i, 1, 2, &dt->month) || i >= len || s[i++] != '-' ||
	    !validate_dt_num(s, len, &i, 1, 2, &dt->day) || i >= len)
		return VALIDATE_DT_FORMAT;
	if (s[i] == 'T' || s[i] == 't')
		i++;
	else if (s[i] == ' ')
		validate_dt_spaces(s, len, &i);
	else
		return VALIDATE_DT_FORMAT;
	if (!validate_dt_num(s, len, &i, 1, 2, &dt->hour) || i >= len || s[i++] != ':' ||
	    !validate_dt_num(s, len, &i, 2, 2, &dt->minute))
		return VALIDATE_DT_FORMAT;
	if (i < len && s[i] == ':') {
		i++;
		if (!validate_dt_num(s, len, &i, 2, 2, &dt->second))
			return VALIDATE_DT_FORMAT;
		dt->has_seconds = true;
		/* Fractions of a second, as exchange exports write them; dropped. */
		if (i < len && s[i] == '.') {
			size_t start = ++i;
			while (i < len && validate_is_digit(s[i]))
				i++;
			if (i == start)
				return VALIDATE_DT_FORMAT;
		}
	}
	if (dt->month < 1 || dt->month > 12 || dt->day < 1 ||
	    dt->day > validate_days_in_month(dt->year, dt->month))
		return VALIDATE_DT_DATE;
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 59)
		return VALIDATE_DT_TIME;
	validate_dt_spaces(s, len, &i);
	if (i == len)
		return VALIDATE_DT_NO_ZONE;
	enum validate_dt_status st = validate_dt_zone(s, len, &i, &dt->offset_minutes);
	if (st != VALIDATE_DT_OK)
		return st;
	validate_dt_spaces(s, len, &i);
	return i == len ? VALIDATE_DT_OK : VALIDATE_DT_FORMAT;
}

bool validate_datetime(const char *s, struct validate_datetime *out)
{
	struct validate_datetime dt;
	if (!s || validate_dt_parse(s, strlen(s), &dt) != VALIDATE_DT_OK)
		return false;
	if (out)
		*out = dt;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static long long validate_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static long long validate_dt_epoch(const struct validate_datetime *dt)
{
	long long days = validate_days_from_civil(dt->year, dt->month, dt->day);
	return days * 86400 + dt->hour * 3600 + dt->minute * 60 + dt->second -
	       (long long)dt->offset_minutes * 60;
}

/* The current time; TICKETMAIL_NOW (epoch seconds) pins it for tests. */
static long long validate_now(void)
{
	const char *pin = getenv("TICKETMAIL_NOW");
	if (pin && *pin) {
		char *end;
		errno = 0;
		long long v = strtoll(pin, &end, 10);
		if (errno == 0 && *end == '\0')
			return v;
	}
	return (long long)time(NULL);
}

static void validate_check_datetime(struct validate_sink *vs, const char *s, size_t len)
{
	struct validate_datetime dt;
	enum validate_dt_status st = validate_dt_parse(s, len, &dt);
	char *q = NULL;
	switch (st) {
	case VALIDATE_DT_OK:
		if (validate_dt_epoch(&dt) > validate_now() + 86400)
			validate_report(
			    vs, DIAG_WARNING, "datetime",
			    _("is more than a day in the future; check the date and the "
			      "time zone"));
		break;
	case VALIDATE_DT_NO_ZONE:
		q = validate_quote(s, len);
		validate_report(vs, DIAG_ERROR, "datetime",
		                _("has no time zone; add one, e.g. \"%s +08:00\" (China time) or "
		                  "\"%s Z\" (UTC)"),
		                q, q);
		break;
	case VALIDATE_DT_DATE:
		validate_report(vs, DIAG_ERROR, "datetime", _("%04d-%02d-%02d is not a real date"),
		                dt.year, dt.month, dt.day);
		break;
	case VALIDATE_DT_TIME:
		validate_report(vs, DIAG_ERROR, "datetime",
		                _("%02d:%02d:%02d is not a valid time (hours 00-23, minutes and "
		                  "seconds 00-59)"),
		                dt.hour, dt.minute, dt.second);
		break;
	case VALIDATE_DT_ZONE_NAME: {
		/* The abbreviation is the last word. */
		size_t end = len, start;
		while (end > 0 && s[end - 1] == ' ')
			end--;
		for (start = end; start > 0 && validate_is_alpha(s[start - 1]); start--)
			;
		validate_report(vs, DIAG_ERROR, "datetime",
		                _("has the time zone written as %.*s, a name or abbreviation, "
		                  "which is not read (many are ambiguous: CST is China, US "
		                  "Central and Cuba time); write the offset from UTC instead, "
		                  "e.g. +08:00 for China"),
		                (int)(end - start), s + start);
		break;
	}
	case VALIDATE_DT_ZONE:
		validate_report(vs, DIAG_ERROR, "datetime",
		                _("has a time zone that is not an offset between -14:00 and +14:00 "
		                  "(write it as +08:00, +0800, UTC+8 or Z)"));
		break;
	case VALIDATE_DT_FORMAT:
	case VALIDATE_DT_COUNT:
		validate_report(vs, DIAG_ERROR, "datetime",
		                _("is not a date and time with a zone; write it as "
		                  "YYYY-MM-DD HH:MM +08:00, e.g. 2026-11-20 14:32 +08:00 "
		                  "(ISO 8601 such as 2026-11-20T06:32:00Z also works)"));
		break;
	}
	free(q);
}

/* ------------------------------------------------------------ TxID */

/* The TxID rule; *inferred_out gets the family guessed when no network was
 * given. Returns an allocated message or NULL. */
static char *validate_txid_check(const char *s, size_t len, const char *network, char **norm_out,
                                 enum validate_family *inferred_out)
{
	*norm_out = NULL;
	*inferred_out = VALIDATE_FAM_UNKNOWN;
	if (len == 0)
		return xstrdup(_("is empty"));
	size_t sp = validate_find_space(s, len);
	if (sp < len)
		return xasprintf(_("contains a space at column %zu; copy the TxID again, without "
		                   "spaces"),
		                 utf8_length(s, sp) + 1);
	bool has0x = validate_has_0x(s, len);
	bool hex64 = len == 64 && validate_is_hex(s, len);
	bool hex64_0x = has0x && len == 66 && validate_is_hex(s + 2, 64);
	unsigned char sig[64];
	size_t n = 0, bad = 0;
	bool b58 = validate_b58_decode(s, len, sig, sizeof sig, &n, &bad);
	bool sol = b58 && n == 64;

	if (!network || !*network) {
		if (hex64_0x) {
			*inferred_out = VALIDATE_FAM_EVM;
			return NULL;
		}
		if (sol && !hex64) {
			*inferred_out = VALIDATE_FAM_SOLANA;
			return NULL;
		}
		if (hex64)
			return xstrdup(
			    _("64 hexadecimal characters could be a Bitcoin, TRON or "
			      "EVM-chain TxID; set network (e.g. TRC20, ERC20 or BTC) so "
			      "that it can be checked"));
		return xstrdup(_("has a form that is not recognised without a network; set network "
		                 "(e.g. TRC20, ERC20, BTC or Solana)"));
	}
	const struct validate_network *net = validate_network_find(network);
	if (!net)
		return NULL; /* the network field warns: not checked */
	switch (net->family) {
	case VALIDATE_FAM_BTC:
	case VALIDATE_FAM_TRON:
		if (hex64)
			return NULL;
		if (hex64_0x)
			return xasprintf(
			    _("%s TxIDs are 64 hexadecimal characters without 0x; remove the 0x "
			      "prefix (or correct network if this is an EVM-chain transaction)"),
			    net->name);
		return xasprintf(_("%s TxIDs are exactly 64 hexadecimal characters (0-9, a-f); "
		                   "this one has %zu characters"),
		                 net->name, utf8_length(s, len));
	case VALIDATE_FAM_EVM:
		if (hex64_0x) {
			if (s[1] == 'X')
				*norm_out = xasprintf("0x%.*s", 64, s + 2);
			return NULL;
		}
		if (hex64) {
			*norm_out = xasprintf("0x%.*s", 64, s);
			return NULL;
		}
		if (has0x && len == 42 && validate_is_hex(s + 2, 40))
			return xasprintf(
			    _("is 0x and 40 hexadecimal characters: that is an address, not a "
			      "transaction; %s TxIDs are 0x followed by 64 hexadecimal characters"),
			    net->name);
		return xasprintf(_("%s TxIDs are 0x followed by 64 hexadecimal characters; this "
		                   "one has %zu characters"),
		                 net->name, utf8_length(s, len));
	case VALIDATE_FAM_SOLANA:
		if (sol)
			return NULL;
		if (!b58 && bad < len)
			return xasprintf(
			    _("%s TxIDs (signatures) are base58 text, which has no 0, O, I or l "
			      "and no punctuation; column %zu is not base58"),
			    net->name, utf8_length(s, bad) + 1);
		if (!b58)
			return xasprintf(_("is too long for a TxID on %s (%zu characters; a "
			                   "signature has 87 or 88)"),
			                 net->name, len);
		return xasprintf(_("%s TxIDs (signatures) decode to 64 bytes, usually 87 or 88 "
		                   "base58 characters; this one decodes to %zu bytes"),
		                 net->name, n);
	case VALIDATE_FAM_UNKNOWN:
	case VALIDATE_FAM_COUNT:
		break;
	}
	return NULL;
}

char *validate_txid(const char *txid, const char *network, char **norm_out)
{
	char *norm = NULL;
	enum validate_family fam;
	char *m =
	    validate_txid_check(txid ? txid : "", txid ? strlen(txid) : 0, network, &norm, &fam);
	if (norm_out)
		*norm_out = norm;
	else
		free(norm);
	return m;
}

static void validate_check_txid(struct validate_sink *vs, const char *s, size_t len,
                                const struct ticket *ctx, char **norm_out)
{
	const char *network = ctx ? ticket_get(ctx, TF_NETWORK) : NULL;
	enum validate_family fam;
	char *norm = NULL;
	char *m = validate_txid_check(s, len, network, &norm, &fam);
	if (m) {
		validate_report(vs, DIAG_ERROR, "txid", "%s", m);
		free(m);
		return;
	}
	if (norm) {
		if (validate_has_0x(s, len))
			validate_report(vs, DIAG_NOTE, "normalised",
			                _("wrote the 0X prefix in lower case: %s"), norm);
		else
			validate_report(vs, DIAG_NOTE, "normalised",
			                _("added the 0x prefix that EVM-chain TxIDs have: %s"),
			                norm);
		*norm_out = norm;
	}
	if (fam == VALIDATE_FAM_EVM)
		validate_report(vs, DIAG_NOTE, "txid",
		                _("no network given; 0x and 64 hexadecimal characters is an "
		                  "EVM-chain TxID (ERC20, BEP20, ...); set network to be exact"));
	else if (fam == VALIDATE_FAM_SOLANA)
		validate_report(vs, DIAG_NOTE, "txid",
		                _("no network given; base58 text of 64 bytes is a Solana TxID "
		                  "(signature); set network to be exact"));
}

/* ------------------------------------------------------------ address */

static void validate_check_address(struct validate_sink *vs, const char *s, size_t len,
                                   const struct ticket *ctx)
{
	size_t sp = validate_find_space(s, len);
	if (sp < len) {
		validate_report(vs, DIAG_ERROR, "address",
		                _("contains a space at column %zu; copy the address again, without "
		                  "spaces"),
		                utf8_length(s, sp) + 1);
		return;
	}
	const struct validate_network *net =
	    validate_network_find(ctx ? ticket_get(ctx, TF_NETWORK) : NULL);
	if (!net)
		return;
	unsigned version = 0;
	int r;
	unsigned char key[64];
	size_t n = 0, bad = 0;
	switch (net->family) {
	case VALIDATE_FAM_TRON:
		r = len == 34 && s[0] == 'T' ? validate_b58check(s, len, 25, &version) : 1;
		if (r == 1 || version != 0x41) {
			validate_report(vs, DIAG_ERROR, "address",
			                _("%s addresses are T followed by 33 base58 characters"),
			                net->name);
		} else if (r == 2) {
			validate_report(
			    vs, DIAG_ERROR, "address",
			    _("fails its checksum: a character is wrong or missing; copy "
			      "the %s address again"),
			    net->name);
		}
		break;
	case VALIDATE_FAM_EVM:
		if (!(len == 42 && validate_has_0x(s, len) && validate_is_hex(s + 2, 40)))
			validate_report(
			    vs, DIAG_ERROR, "address",
			    _("%s addresses are 0x followed by 40 hexadecimal characters"),
			    net->name);
		break;
	case VALIDATE_FAM_BTC:
		if (util_ascii_ncasecmp(s, "bc1", 3) == 0) {
			if (!validate_bech32(s, len, "bc"))
				validate_report(
				    vs, DIAG_ERROR, "address",
				    _("is not a valid bc1 (bech32) address: a character is "
				      "wrong or missing; copy the %s address again"),
				    net->name);
		} else if (len >= 26 && len <= 35 && (s[0] == '1' || s[0] == '3')) {
			r = validate_b58check(s, len, 25, &version);
			if (r == 2 || (r == 0 && version != 0x00 && version != 0x05))
				validate_report(
				    vs, DIAG_ERROR, "address",
				    _("fails its checksum: a character is wrong or missing; "
				      "copy the %s address again"),
				    net->name);
			else if (r == 1)
				validate_report(
				    vs, DIAG_ERROR, "address",
				    _("is not a valid %s address (base58, starting with 1 or "
				      "3)"),
				    net->name);
		} else {
			validate_report(vs, DIAG_ERROR, "address",
			                _("%s addresses start with bc1, 1 or 3"), net->name);
		}
		break;
	case VALIDATE_FAM_SOLANA:
		if (!validate_b58_decode(s, len, key, sizeof key, &n, &bad) || n != 32)
			validate_report(
			    vs, DIAG_ERROR, "address",
			    _("%s addresses are base58 text of 32 bytes (32-44 characters)"),
			    net->name);
		break;
	case VALIDATE_FAM_UNKNOWN:
	case VALIDATE_FAM_COUNT:
		break;
	}
}

/* ------------------------------------------------------------ other kinds */

static void validate_check_uid(struct validate_sink *vs, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!validate_is_digit(s[i])) {
			validate_report(
			    vs, DIAG_ERROR, "uid",
			    _("must be digits only (column %zu is not a digit); copy the "
			      "UID from your profile page"),
			    utf8_length(s, i) + 1);
			return;
		}
	}
	if (len < 8 || len > 20)
		validate_report(vs, DIAG_WARNING, "uid",
		                _("has %zu digits; exchange UIDs are usually 8-20 digits long, "
		                  "so check that it is complete"),
		                len);
}

static void validate_check_amount(struct validate_sink *vs, const char *s, size_t len)
{
	size_t i = 0, digits = 0, dots = 0;
	bool nonzero = false;
	if (s[0] == '-') {
		validate_report(vs, DIAG_ERROR, "amount", _("must be a positive number"));
		return;
	}
	if (s[0] == '+') {
		validate_report(vs, DIAG_ERROR, "amount", _("write the number without a sign"));
		return;
	}
	for (; i < len; i++) {
		if (validate_is_digit(s[i])) {
			digits++;
			nonzero = nonzero || s[i] != '0';
		} else if (s[i] == '.') {
			if (digits == 0 || i + 1 >= len || !validate_is_digit(s[i + 1]) ||
			    ++dots > 1)
				break;
		} else {
			break;
		}
	}
	if (i == len) {
		if (!nonzero)
			validate_report(vs, DIAG_ERROR, "amount", _("must be greater than zero"));
		return;
	}
	/* Why it stopped, most specific first. */
	size_t rest = i;
	while (rest < len && s[rest] == ' ')
		rest++;
	bool letters = rest < len;
	for (size_t k = rest; k < len; k++)
		letters = letters && validate_is_alpha(s[k]);
	if (s[i] == '.' && dots > 1)
		validate_report(vs, DIAG_ERROR, "amount", _("has more than one decimal point"));
	else if (s[i] == ',' || s[i] == '\'' || s[i] == '_' ||
	         (s[i] == ' ' && rest < len && validate_is_digit(s[rest])))
		validate_report(
		    vs, DIAG_ERROR, "amount",
		    _("must not use thousands separators or a decimal comma (1,000 could "
		      "mean 1 or 1000); write e.g. 1000 or 1000.5"));
	else if (digits > 0 && letters &&
	         !((s[i] == 'e' || s[i] == 'E') && i + 1 < len &&
	           (validate_is_digit(s[i + 1]) || s[i + 1] == '-' || s[i + 1] == '+')))
		validate_report(vs, DIAG_ERROR, "amount",
		                _("must be the number only; put the coin in coin"));
	else if (digits > 0 && (s[i] == 'e' || s[i] == 'E'))
		validate_report(vs, DIAG_ERROR, "amount",
		                _("write the number in full, without an exponent"));
	else
		validate_report(vs, DIAG_ERROR, "amount",
		                _("is not a decimal number; write e.g. 500 or 0.25"));
}

static void validate_check_coin(struct validate_sink *vs, const char *s, size_t len)
{
	bool ok = len >= 1 && len <= 15;
	for (size_t i = 0; ok && i < len; i++)
		ok = validate_is_alnum(s[i]);
	if (!ok)
		validate_report(vs, DIAG_ERROR, "coin",
		                _("must be a ticker of 1-15 letters and digits, e.g. USDT"));
}

static bool validate_slug(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || validate_is_digit(s[i]) || s[i] == '-'))
			return false;
	return true;
}

static void validate_check_network(struct validate_sink *vs, const char *s)
{
	if (validate_network_find(s))
		return;
	char *list = validate_network_list();
	validate_report(vs, DIAG_WARNING, "network",
	                _("is not a network ticketmail knows, so the TxID and address are not "
	                  "checked by format; known: %s"),
	                list);
	free(list);
}

static void validate_check_order_id(struct validate_sink *vs, const char *s, size_t len)
{
	bool ok = len >= 1 && len <= 64;
	for (size_t i = 0; ok && i < len; i++)
		ok = validate_is_alnum(s[i]) || s[i] == '-' || s[i] == '_';
	if (!ok)
		validate_report(vs, DIAG_ERROR, "order-id",
		                _("must be 1-64 letters, digits, hyphens or underscores"));
}

static void validate_check_phone(struct validate_sink *vs, const char *s, size_t len)
{
	size_t digits = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (validate_is_digit(c)) {
			digits++;
		} else if (!(c == ' ' || c == '-' || c == '(' || c == ')' ||
		             (c == '+' && i == 0))) {
			validate_report(
			    vs, DIAG_ERROR, "phone",
			    _("may contain only digits, spaces, hyphens, parentheses and a "
			      "leading +, e.g. +86 138 0013 8000"));
			return;
		}
	}
	if (digits < 7 || digits > 15)
		validate_report(vs, DIAG_ERROR, "phone",
		                _("has %zu digits; an international number has 7-15, country code "
		                  "included"),
		                digits);
}

static void validate_check_telegram(struct validate_sink *vs, const char *s, size_t len,
                                    char **norm_out)
{
	static const char *const prefixes[] = {"https://t.me/", "http://t.me/",
	                                       "https://telegram.me/", "t.me/", "@"};
	const char *name = s;
	size_t nlen = len;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(prefixes); i++) {
		size_t pl = strlen(prefixes[i]);
		if (len > pl && util_ascii_ncasecmp(s, prefixes[i], pl) == 0) {
			name = s + pl;
			nlen = len - pl;
			break;
		}
	}
	bool ok = nlen >= 5 && nlen <= 32 && validate_is_alpha(name[0]);
	for (size_t i = 0; ok && i < nlen; i++)
		ok = validate_is_alnum(name[i]) || name[i] == '_';
	if (!ok) {
		validate_report(vs, DIAG_ERROR, "telegram",
		                _("must be a Telegram username: 5-32 letters, digits or "
		                  "underscores, starting with a letter, e.g. @zhangsan"));
		return;
	}
	if (name == s + 1 && s[0] == '@')
		return;
	*norm_out = xasprintf("@%.*s", (int)nlen, name);
	validate_report(vs, DIAG_NOTE, "normalised", _("written as %s"), *norm_out);
}

static void validate_check_language(struct validate_sink *vs, const char *s, char **norm_out)
{
	const char *lang = i18n_normalise(s);
	if (!lang) {
		validate_report(vs, DIAG_ERROR, "language",
		                _("must be zh_CN or en (also written zh, 中文, English, EN, "
		                  "en_US, ...)"));
		return;
	}
	if (strcmp(lang, s) == 0)
		return;
	*norm_out = xstrdup(lang);
	validate_report(vs, DIAG_NOTE, "normalised", _("written as %s"), lang);
}

static void validate_check_subject(struct validate_sink *vs, const char *s, size_t len)
{
	size_t n = utf8_length(s, len);
	if (n > 78)
		validate_report(vs, DIAG_ERROR, "subject",
		                _("is %zu characters long; keep it to 78 or fewer (details go in "
		                  "description)"),
		                n);
	else if (n < 4)
		validate_report(vs, DIAG_WARNING, "subject",
		                _("is very short; say what the problem is, e.g. \"USDT withdrawal "
		                  "not received\""));
}

static char *validate_category_list(const struct provider *p)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < provider_category_count(p); i++) {
		const struct provider_category *c = provider_category_at(p, i);
		if (i)
			strbuf_adds(&sb, validate_list_sep());
		strbuf_addf(&sb, _("%s (%s)"), c->id, provider_category_name(c, i18n_lang()));
	}
	return strbuf_take(&sb);
}

/* The category id closest to a mistyped one, or NULL. */
static const char *validate_category_near(const struct provider *p, const char *s)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; i < provider_category_count(p); i++) {
		const char *id = provider_category_at(p, i)->id;
		size_t d = util_edit_distance(s, id);
		if (d < best_d) {
			best_d = d;
			best = id;
		}
	}
	size_t len = strlen(s);
	return best_d <= (len < 6 ? 1 : len / 4 + 1) ? best : NULL;
}

static void validate_check_category(struct validate_sink *vs, const char *s, size_t len,
                                    const struct provider *p)
{
	if (!p) {
		if (!validate_slug(s, len))
			validate_report(vs, DIAG_ERROR, "category",
			                _("must be lower-case letters, digits and hyphens, e.g. "
			                  "deposit-withdrawal"));
		return;
	}
	if (provider_category_find(p, s))
		return;
	char *q = validate_quote(s, len);
	char *list = validate_category_list(p);
	const char *near = validate_category_near(p, s);
	if (near)
		validate_report(
		    vs, DIAG_ERROR, "category",
		    _("\"%s\" is not a problem type of %s; did you mean %s? Use one of: %s"), q,
		    provider_name(p, i18n_lang()), near, list);
	else
		validate_report(vs, DIAG_ERROR, "category",
		                _("\"%s\" is not a problem type of %s; use one of: %s"), q,
		                provider_name(p, i18n_lang()), list);
	free(list);
	free(q);
}

/* The rule for field f's kind; characters are already checked. */
static void validate_check_kind(struct validate_sink *vs, enum ticket_field f, const char *s,
                                size_t len, const struct ticket *ctx, const struct provider *p,
                                char **norm_out)
{
	switch (f) {
	case TF_PROVIDER:
		if (!validate_slug(s, len))
			validate_report(
			    vs, DIAG_ERROR, "provider",
			    _("must be lower-case letters, digits and hyphens, e.g. okx"));
		return;
	case TF_CATEGORY:
		validate_check_category(vs, s, len, p);
		return;
	case TF_SUBJECT:
		validate_check_subject(vs, s, len);
		return;
	case TF_COIN:
		validate_check_coin(vs, s, len);
		return;
	default:
		break;
	}
	switch (ticket_fields[f].kind) {
	case TICKET_KIND_LANGUAGE:
		validate_check_language(vs, s, norm_out);
		break;
	case TICKET_KIND_EMAIL: {
		char *m = validate_email_problem(s, len);
		if (m)
			validate_report(vs, DIAG_ERROR, "email", "%s", m);
		free(m);
		break;
	}
	case TICKET_KIND_UID:
		validate_check_uid(vs, s, len);
		break;
	case TICKET_KIND_DATETIME:
		validate_check_datetime(vs, s, len);
		break;
	case TICKET_KIND_AMOUNT:
		validate_check_amount(vs, s, len);
		break;
	case TICKET_KIND_NETWORK:
		validate_check_network(vs, s);
		break;
	case TICKET_KIND_ADDRESS:
		validate_check_address(vs, s, len, ctx);
		break;
	case TICKET_KIND_TXID:
		validate_check_txid(vs, s, len, ctx, norm_out);
		break;
	case TICKET_KIND_ORDER_ID:
		validate_check_order_id(vs, s, len);
		break;
	case TICKET_KIND_PHONE:
		validate_check_phone(vs, s, len);
		break;
	case TICKET_KIND_TELEGRAM:
		validate_check_telegram(vs, s, len, norm_out);
		break;
	case TICKET_KIND_LINE:
	case TICKET_KIND_TEXT:
	case TICKET_KIND_TOKEN:
	case TICKET_KIND_PATH:
	case TICKET_KIND_COUNT:
		break;
	}
}

/* ------------------------------------------------------------ the ticket */

static char *validate_where(const struct ticket_origin *o, const char *key)
{
	if (o->file)
		return xasprintf("%s:%u", o->file, o->line);
	return xstrdup(key);
}

static bool validate_present(const struct ticket *t, enum ticket_field f)
{
	if (f == TF_ATTACHMENT)
		return ticket_attach_count(t) > 0;
	const char *v = ticket_get(t, f);
	return v && !validate_blank(v, strlen(v));
}

static size_t validate_one(struct ticket *t, const struct provider *p, enum ticket_field f,
                           struct diags *d)
{
	const char *v = ticket_get(t, f);
	if (!v)
		return 0;
	size_t len = strlen(v);
	struct ticket_origin o = ticket_origin_of(t, f);
	char *where = validate_where(&o, ticket_fields[f].key);
	struct validate_sink vs;
	validate_sink_init(&vs, f, where, d);
	char *norm = NULL;
	if (validate_chars(&vs, v, len, ticket_fields[f].kind == TICKET_KIND_TEXT) &&
	    !validate_blank(v, len))
		validate_check_kind(&vs, f, v, len, t, p, &norm);
	if (norm) {
		/* v dies here: ticket_set frees the old value. */
		ticket_set(t, f, norm, strlen(norm), &o);
		free(norm);
	}
	free(where);
	return vs.errors;
}

static size_t validate_attachments(const struct ticket *t, struct diags *d)
{
	size_t errors = 0;
	for (size_t i = 0; i < ticket_attach_count(t); i++) {
		const char *path = ticket_attach_path(t, i);
		struct ticket_origin o = ticket_attach_origin(t, i);
		char *where = validate_where(&o, ticket_fields[TF_ATTACHMENT].key);
		struct validate_sink vs;
		validate_sink_init(&vs, TF_ATTACHMENT, where, d);
		validate_chars(&vs, path, strlen(path), false);
		errors += vs.errors;
		free(where);
	}
	return errors;
}

static char *validate_alternatives(const enum ticket_field *fields, size_t n)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < n; i++) {
		char *name = validate_field_name(fields[i]);
		if (i)
			strbuf_adds(&sb, validate_list_sep());
		strbuf_adds(&sb, name);
		free(name);
	}
	return strbuf_take(&sb);
}

static size_t validate_required(const struct ticket *t, const struct provider *p, struct diags *d)
{
	size_t errors = 0;
	const char *lang = i18n_lang();
	for (int f = 0; f < TF_COUNT; f++) {
		if (!(ticket_fields[f].flags & TICKET_F_REQUIRED) || validate_present(t, f))
			continue;
		char *name = validate_field_name(f);
		diags_add(d, DIAG_ERROR, f, ticket_fields[f].key, "required",
		          _("%s: is required: %s"), name,
		          i18n_is_zh(lang) ? ticket_fields[f].why_zh : ticket_fields[f].why_en);
		free(name);
		errors++;
	}
	if (!validate_present(t, TF_UID) && !validate_present(t, TF_EMAIL)) {
		static const enum ticket_field ids[] = {TF_UID, TF_EMAIL};
		char *alts = validate_alternatives(ids, 2);
		diags_add(d, DIAG_ERROR, TF_UID, ticket_fields[TF_UID].key, "required",
		          _("give at least one account identifier, %s: support needs it to find "
		            "the account"),
		          alts);
		free(alts);
		errors++;
	}
	const char *cat_id = ticket_get(t, TF_CATEGORY);
	const struct provider_category *cat =
	    p && cat_id ? provider_category_find(p, cat_id) : NULL;
	if (!cat)
		return errors;
	for (size_t i = 0; i < cat->nrequired; i++) {
		const struct provider_requirement *r = &cat->required[i];
		bool met = false;
		for (size_t k = 0; k < r->n; k++)
			met = met || validate_present(t, r->fields[k]);
		if (met || r->n == 0)
			continue;
		char *alts = validate_alternatives(r->fields, r->n);
		if (r->n == 1)
			diags_add(d, DIAG_ERROR, r->fields[0], ticket_fields[r->fields[0]].key,
			          "required", _("%s: is required for the problem type %s (%s)"),
			          alts, cat->id, provider_category_name(cat, lang));
		else
			diags_add(d, DIAG_ERROR, r->fields[0], ticket_fields[r->fields[0]].key,
			          "required",
			          _("the problem type %s (%s) needs at least one of: %s"), cat->id,
			          provider_category_name(cat, lang), alts);
		free(alts);
		errors++;
	}
	return errors;
}

size_t validate_ticket(struct ticket *t, const struct provider *p, struct diags *d)
{
	size_t errors = 0;
	for (int f = 0; f < TF_COUNT; f++)
		if (f != TF_ATTACHMENT)
			errors += validate_one(t, p, f, d);
	errors += validate_attachments(t, d);
	errors += validate_required(t, p, d);
	return errors;
}

char *validate_field(enum ticket_field f, const char *value, size_t len, const struct ticket *ctx)
{
	struct validate_sink vs;
	validate_sink_init(&vs, f, NULL, NULL);
	if (!value)
		len = 0;
	if (len == 0 || validate_blank(value, len)) {
		if (ticket_fields[f].flags & TICKET_F_REQUIRED)
			validate_report(&vs, DIAG_ERROR, "required", _("is required: %s"),
			                i18n_is_zh(i18n_lang()) ? ticket_fields[f].why_zh
			                                        : ticket_fields[f].why_en);
		return vs.first_error;
	}
	/* The checks below read value as a C string: refuse an embedded NUL here,
	 * where the length is still known. */
	if (validate_chars(&vs, value, len, ticket_fields[f].kind == TICKET_KIND_TEXT)) {
		char *copy = xstrndup(value, len);
		char *norm = NULL;
		validate_check_kind(&vs, f, copy, len, ctx, NULL, &norm);
		free(norm);
		free(copy);
	}
	return vs.first_error;
}
