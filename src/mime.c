/* mime.c - writes one RFC 5322 / MIME message.
 *
 * Headers are built in a strbuf with a column counter so that folding
 * (RFC 5322 2.2.3) keeps lines at 78 characters, and never near 998.
 * Non-ASCII text goes into RFC 2047 encoded-words of at most 75 characters
 * that never split a UTF-8 character: some decoders decode each word on its
 * own, so a split character turns into two replacement characters.
 * Attachments are never held in memory: they are read with pread() in
 * fixed chunks and base64-encoded into a fixed buffer.
 */
#include "mime.h"

#include "i18n.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* RFC 5322 2.1.1: lines SHOULD be at most 78 characters, MUST be at most 998. */
#define MIME_LINE_SOFT 78
/* RFC 2047 2: an encoded-word is at most 75 characters. */
#define MIME_EW_MAX 75
/* "=?UTF-8?B?" + "?=" */
#define MIME_EW_OVERHEAD 12
/* Below this budget an encoded-word is not worth starting on the current
 * line; 24 also guarantees room for one 4-byte character in Q (12 chars). */
#define MIME_EW_MIN 24
/* Plain (unencoded) words longer than this are encoded instead, so that no
 * header line can approach 998 octets. */
#define MIME_WORD_MAX 900
/* Base64 body and attachment lines: 76 characters from 57 bytes. */
#define MIME_B64_LINE_IN  57
#define MIME_B64_LINE_OUT 76
/* Attachment chunk: 2048 lines of 57 bytes = 116736 bytes (114 KiB). */
#define MIME_CHUNK_LINES 2048
#define MIME_CHUNK_IN    (MIME_CHUNK_LINES * MIME_B64_LINE_IN)
#define MIME_CHUNK_OUT   (MIME_CHUNK_LINES * (MIME_B64_LINE_OUT + 2))
_Static_assert(MIME_CHUNK_IN == MIME_SOURCE_MAX && MIME_B64_LINE_IN == MIME_SOURCE_UNIT,
               "a source's pieces fit the encoding buffer");
/* RFC 2045 6.7 (5): encoded lines at most 76 characters. */
#define MIME_QP_LINE 76
/* RFC 2046 5.1.1: a boundary is 1 to 70 characters. */
#define MIME_BOUNDARY_MAX 70

static const char mime_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char mime_hex[] = "0123456789ABCDEF";

static const char *const mime_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const mime_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* A header being written: the column tells where folding is needed. */
struct mime_hdr {
	struct strbuf *sb;
	size_t col;
};

/* ---- checks ---------------------------------------------------------- */

static void mime_set_err(char **errstr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void mime_set_err(char **errstr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (errstr)
		*errstr = msg;
	else
		free(msg);
}

/* Header text: valid UTF-8, no control characters at all (TAB, CR, LF and
 * NUL included) and no bidi controls. Refused, never stripped: a stripped
 * CR/LF would still mean the caller let an injection through. */
static bool mime_check_text(const char *what, const char *s, char **errstr)
{
	size_t len = strlen(s);
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			mime_set_err(errstr, _("%s: invalid UTF-8 at byte %zu"), what, i);
			return false;
		}
		if (cp == '\t' || util_forbidden_char(cp, false)) {
			char *vis = util_visible(s + i, n);
			mime_set_err(errstr, _("%s: control character %s at byte %zu refused"),
			             what, vis, i);
			free(vis);
			return false;
		}
		i += n;
	}
	return true;
}

/* An addr-spec already validated by the caller; here only what would break
 * the header: it must be printable ASCII, without spaces or the characters
 * that end an address, with one '@'. */
static bool mime_check_addr(const char *what, const char *addr, char **errstr)
{
	if (!addr || !*addr) {
		mime_set_err(errstr, _("%s: address missing"), what);
		return false;
	}
	if (!mime_check_text(what, addr, errstr))
		return false;
	size_t len = strlen(addr);
	const char *at = strrchr(addr, '@');
	if (len > 254 || !at || at == addr || at[1] == '\0') {
		mime_set_err(errstr, _("%s: not an email address: %s"), what, addr);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c <= ' ' || c >= 0x7F || strchr("<>(),;:\"\\", c)) {
			mime_set_err(errstr, _("%s: character '%c' not allowed in address %s"),
			             what, c >= 0x7F ? '?' : c, addr);
			return false;
		}
	}
	return true;
}

static bool mime_check_message_id(const char *id, char **errstr)
{
	size_t len = id ? strlen(id) : 0;
	if (len < 5 || len > 250 || id[0] != '<' || id[len - 1] != '>' || !memchr(id, '@', len)) {
		mime_set_err(errstr, _("Message-ID: not of the form <id@domain>"));
		return false;
	}
	for (size_t i = 1; i + 1 < len; i++) {
		unsigned char c = (unsigned char)id[i];
		if (c <= ' ' || c >= 0x7F || c == '<' || c == '>') {
			mime_set_err(errstr, _("Message-ID: character at byte %zu not allowed"), i);
			return false;
		}
	}
	return true;
}

/* RFC 2046 5.1.1 bchars, and "=_" which base64 and quoted-printable can
 * never produce, so the boundary cannot occur inside a part. */
static bool mime_check_boundary(const char *b, char **errstr)
{
	size_t len = strlen(b);
	if (len == 0 || len > MIME_BOUNDARY_MAX || b[len - 1] == ' ' || !strstr(b, "=_")) {
		mime_set_err(errstr,
		             _("boundary \"%s\": must be 1-70 characters and contain \"=_\""), b);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)b[i];
		bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		          (c >= 'a' && c <= 'z') || strchr("'()+_,-./:=? ", c);
		if (!ok || c == 0) {
			mime_set_err(errstr, _("boundary: character at byte %zu not allowed"), i);
			return false;
		}
	}
	return true;
}

static bool mime_token_char(unsigned char c)
{
	return c > ' ' && c < 0x7F && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* type "/" subtype, both RFC 2045 tokens. */
static bool mime_check_content_type(const char *t, char **errstr)
{
	const char *slash = t ? strchr(t, '/') : NULL;
	bool ok = slash && slash != t && slash[1] != '\0' && strlen(t) < 128;
	for (const char *p = t; ok && *p; p++)
		if (p != slash && !mime_token_char((unsigned char)*p))
			ok = false;
	if (!ok)
		mime_set_err(errstr, _("attachment: invalid content type \"%s\""), t ? t : "");
	return ok;
}

/* Body text: valid UTF-8 (the header promises charset=UTF-8), and no
 * control characters other than TAB and line ends. */
static bool mime_check_body(const char *s, size_t len, char **errstr)
{
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			mime_set_err(errstr, _("body: invalid UTF-8 at byte %zu"), i);
			return false;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F) {
			mime_set_err(errstr,
			             _("body: control character \\x%02X at byte %zu refused"),
			             (unsigned)cp, i);
			return false;
		}
		i += n;
	}
	return true;
}

static bool mime_is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* ---- header writing -------------------------------------------------- */

static void mime_hdr_start(struct mime_hdr *h, struct strbuf *sb, const char *name)
{
	h->sb = sb;
	strbuf_adds(sb, name);
	strbuf_adds(sb, ": ");
	h->col = strlen(name) + 2;
}

static void mime_hdr_add(struct mime_hdr *h, const char *s, size_t len)
{
	strbuf_add(h->sb, s, len);
	h->col += len;
}

static void mime_hdr_fold(struct mime_hdr *h)
{
	strbuf_adds(h->sb, "\r\n ");
	h->col = 1;
}

/* Adds " " + s, or folds first when s would pass the column limit. */
static void mime_hdr_item(struct mime_hdr *h, const char *s, size_t len, size_t limit)
{
	if (h->col + 1 + len > limit)
		mime_hdr_fold(h);
	else
		mime_hdr_add(h, " ", 1);
	mime_hdr_add(h, s, len);
}

static void mime_hdr_end(struct mime_hdr *h)
{
	strbuf_adds(h->sb, "\r\n");
	h->col = 0;
}

/* RFC 2047 5 (3): in a phrase only these stand for themselves in Q; using
 * the strict set everywhere keeps one encoder for all contexts. */
static bool mime_q_literal(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static size_t mime_q_len(unsigned char c)
{
	return (mime_q_literal(c) || c == ' ') ? 1 : 3;
}

static size_t mime_b64_len(size_t n)
{
	return 4 * ((n + 2) / 3);
}

/* The longest run of whole characters from s that fits in one encoded-word
 * of at most max_word characters, and whether B beats Q for it: the
 * encoding that carries more text wins (B for CJK, Q for mostly ASCII).
 * A B word other than the last carries a multiple of 3 bytes: GMime (and
 * other readers) join adjacent B words before decoding, and a "=" padding
 * in the middle makes them drop the rest of the text. */
static size_t mime_ew_chunk(const char *s, size_t len, size_t max_word, bool *b64_out)
{
	size_t payload = max_word - MIME_EW_OVERHEAD;
	size_t i = 0, qlen = 0, nb = 0, nq = 0;
	bool q_open = true;
	bool b_all = false;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			n = 1; /* checked earlier; be safe anyway */
		size_t q = 0;
		for (size_t k = 0; k < n; k++)
			q += mime_q_len((unsigned char)s[i + k]);
		bool b_fits = mime_b64_len(i + n) <= payload;
		if (b_fits && (i + n) % 3 == 0)
			nb = i + n;
		if (b_fits && i + n == len)
			b_all = true;
		if (q_open && qlen + q <= payload) {
			qlen += q;
			nq = i + n;
		} else {
			q_open = false;
		}
		if (!b_fits && !q_open)
			break;
		i += n;
	}
	if (b_all)
		nb = len;
	bool b64 = nb > nq || (nb == nq && mime_b64_len(nb) < qlen);
	*b64_out = b64;
	return b64 ? nb : nq;
}

static void mime_b64_encode(struct strbuf *sb, const unsigned char *in, size_t n)
{
	size_t i = 0;
	char q[4];
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		q[0] = mime_b64_alphabet[v >> 18];
		q[1] = mime_b64_alphabet[(v >> 12) & 63];
		q[2] = mime_b64_alphabet[(v >> 6) & 63];
		q[3] = mime_b64_alphabet[v & 63];
		strbuf_add(sb, q, 4);
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		q[0] = mime_b64_alphabet[v >> 18];
		q[1] = mime_b64_alphabet[(v >> 12) & 63];
		q[2] = i + 1 < n ? mime_b64_alphabet[(v >> 6) & 63] : '=';
		q[3] = '=';
		strbuf_add(sb, q, 4);
	}
}

static void mime_ew_build(struct strbuf *w, const char *s, size_t n, bool b64)
{
	strbuf_reset(w);
	strbuf_adds(w, b64 ? "=?UTF-8?B?" : "=?UTF-8?Q?");
	if (b64) {
		mime_b64_encode(w, (const unsigned char *)s, n);
	} else {
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if (mime_q_literal(c)) {
				strbuf_addc(w, (char)c);
			} else if (c == ' ') {
				strbuf_addc(w, '_');
			} else {
				char e[3] = {'=', mime_hex[c >> 4], mime_hex[c & 15]};
				strbuf_add(w, e, 3);
			}
		}
	}
	strbuf_adds(w, "?=");
}

/* Writes all of s as encoded-words separated by folding white space, each
 * word at most 75 characters and each line at most limit characters.
 * first_sep: whether a space must precede the first word. */
static void mime_hdr_encoded(struct mime_hdr *h, const char *s, size_t len, bool first_sep,
                             size_t limit)
{
	struct strbuf w;
	strbuf_init(&w);
	size_t i = 0;
	bool sep = first_sep;
	while (i < len) {
		size_t room = limit > h->col + sep ? limit - h->col - sep : 0;
		if (room < MIME_EW_MIN) {
			mime_hdr_fold(h);
			sep = false;
			room = limit - h->col;
		}
		if (room > MIME_EW_MAX)
			room = MIME_EW_MAX;
		bool b64;
		size_t n = mime_ew_chunk(s + i, len - i, room, &b64);
		mime_ew_build(&w, s + i, n, b64);
		if (sep)
			mime_hdr_add(h, " ", 1);
		mime_hdr_add(h, w.buf, w.len);
		sep = true;
		i += n;
	}
	strbuf_finish(&w);
}

/* Whether unstructured ASCII text can be written as it is: no "=?" (a
 * decoder would take it for an encoded-word) and no word too long to fold. */
static bool mime_plain_ok(const char *s)
{
	if (!mime_is_ascii(s) || strstr(s, "=?"))
		return false;
	size_t run = 0;
	for (; *s; s++) {
		run = *s == ' ' ? 0 : run + 1;
		if (run > MIME_WORD_MAX)
			return false;
	}
	return true;
}

/* Plain text folded before white space (RFC 5322 2.2.3); unfolding, which
 * only removes the CRLF, gives back the exact text. */
static void mime_hdr_plain(struct mime_hdr *h, const char *s, size_t limit)
{
	size_t len = strlen(s);
	size_t i = 0;
	bool first = true;
	while (i < len) {
		size_t ws = i;
		while (i < len && s[i] == ' ')
			i++;
		size_t word = i;
		while (i < len && s[i] != ' ')
			i++;
		size_t toklen = i - ws;
		if (!first && word > ws && i > word && h->col + toklen > limit) {
			strbuf_adds(h->sb, "\r\n");
			h->col = 0;
		}
		mime_hdr_add(h, s + ws, toklen);
		first = false;
	}
}

/* Unstructured text (Subject, User-Agent): plain when possible, else
 * encoded-words throughout. */
static void mime_header_unstructured(struct strbuf *sb, const char *name, const char *value)
{
	struct mime_hdr h;
	mime_hdr_start(&h, sb, name);
	if (mime_plain_ok(value))
		mime_hdr_plain(&h, value, MIME_LINE_SOFT);
	else
		mime_hdr_encoded(&h, value, strlen(value), false, MIME_LINE_SOFT);
	mime_hdr_end(&h);
}

static bool mime_atext(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c > ' ' && c < 0x7F && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* A display name made only of atoms separated by single spaces can be
 * written as it is (RFC 5322 3.2.5 phrase). */
static bool mime_phrase_atoms(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ' || strstr(s, "  ") || strstr(s, "=?"))
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && !mime_atext((unsigned char)s[i]))
			return false;
	return true;
}

/* From: a phrase of atoms, a quoted-string, or encoded-words, then the
 * address in angle brackets. */
static void mime_header_from(struct strbuf *sb, const char *name, const char *addr)
{
	struct mime_hdr h;
	mime_hdr_start(&h, sb, "From");
	if (!name || !*name) {
		mime_hdr_add(&h, addr, strlen(addr));
		mime_hdr_end(&h);
		return;
	}
	if (mime_phrase_atoms(name) && strlen(name) <= MIME_WORD_MAX) {
		mime_hdr_plain(&h, name, MIME_LINE_SOFT);
	} else {
		struct strbuf q;
		strbuf_init(&q);
		strbuf_addc(&q, '"');
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_addc(&q, '\\');
			strbuf_addc(&q, *p);
		}
		strbuf_addc(&q, '"');
		/* A quoted-string is not folded (folding would add a space), so
		 * only a short one is used; "=?" inside quotes is decoded by
		 * lenient readers, so that is encoded too. */
		if (mime_is_ascii(name) && !strstr(name, "=?") && h.col + q.len <= MIME_LINE_SOFT)
			mime_hdr_add(&h, q.buf, q.len);
		else
			mime_hdr_encoded(&h, name, strlen(name), false, MIME_LINE_SOFT);
		strbuf_finish(&q);
	}
	char *angle = xasprintf("<%s>", addr);
	mime_hdr_item(&h, angle, strlen(angle), MIME_LINE_SOFT);
	free(angle);
	mime_hdr_end(&h);
}

static void mime_header_simple(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_addf(sb, "%s: %s\r\n", name, value);
}

/* RFC 5322 3.3: "Thu, 26 Nov 2026 14:05:09 +0800", English names whatever
 * the locale, the offset from tm_gmtoff. */
static void mime_header_date(struct strbuf *sb, time_t t)
{
	struct tm tm;
	if (!localtime_r(&t, &tm)) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	long off = tm.tm_gmtoff / 60;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	strbuf_addf(sb, "Date: %s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld\r\n",
	            mime_days[tm.tm_wday % 7], tm.tm_mday, mime_months[tm.tm_mon % 12],
	            tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60, off % 60);
}

/* ---- attachment parameters ------------------------------------------- */

/* A file name that can go in a quoted-string as it is. */
static bool mime_name_plain(const char *s)
{
	if (!*s || strstr(s, "=?"))
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < ' ' || c >= 0x7F || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/* RFC 5987 attr-char: what RFC 2231 values may carry without %XX. */
static bool mime_attr_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c && strchr("!#$&+-.^_`|~", c));
}

/* Content-Type name="...": RFC 2047 encoded-words inside the quotes, as
 * most mail readers expect (RFC 2231 alone is not read by all of them). */
static void mime_param_name(struct mime_hdr *h, const char *filename)
{
	size_t len = strlen(filename);
	if (mime_name_plain(filename) && len + 10 <= MIME_LINE_SOFT) {
		char *p = xasprintf("name=\"%s\"", filename);
		mime_hdr_item(h, p, strlen(p), MIME_LINE_SOFT);
		free(p);
		return;
	}
	mime_hdr_fold(h);
	mime_hdr_add(h, "name=\"", 6);
	/* one column kept for the closing quote */
	mime_hdr_encoded(h, filename, len, false, MIME_LINE_SOFT - 1);
	mime_hdr_add(h, "\"", 1);
}

/* Content-Disposition filename: a quoted-string when plain and short,
 * else RFC 2231 filename*=UTF-8''%XX, cut into filename*N*= sections
 * (never inside a character) when one line would be too long. */
static void mime_param_filename(struct mime_hdr *h, const char *filename)
{
	size_t len = strlen(filename);
	if (mime_name_plain(filename) && len + 12 <= MIME_LINE_SOFT) {
		char *p = xasprintf("filename=\"%s\"", filename);
		mime_hdr_item(h, p, strlen(p), MIME_LINE_SOFT);
		free(p);
		return;
	}
	struct strbuf enc;
	strbuf_init(&enc);
	/* Offsets into enc where a character starts: the only places to cut. */
	size_t *cuts = xmalloc((len + 1) * sizeof *cuts);
	size_t ncuts = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)filename[i];
		if ((c & 0xC0) != 0x80)
			cuts[ncuts++] = enc.len;
		if (mime_attr_char(c)) {
			strbuf_addc(&enc, (char)c);
		} else {
			char e[3] = {'%', mime_hex[c >> 4], mime_hex[c & 15]};
			strbuf_add(&enc, e, 3);
		}
	}
	cuts[ncuts++] = enc.len;
	const char *prefix = "UTF-8''";
	if (strlen(" filename*=;") + strlen(prefix) + enc.len <= MIME_LINE_SOFT) {
		char *p = xasprintf("filename*=%s%s", prefix, enc.buf);
		mime_hdr_item(h, p, strlen(p), MIME_LINE_SOFT);
		free(p);
		goto out;
	}
	size_t start = 0, k = 0;
	for (unsigned sec = 0; start < enc.len; sec++) {
		struct strbuf p;
		strbuf_init(&p);
		strbuf_addf(&p, "filename*%u*=%s", sec, sec == 0 ? prefix : "");
		/* " " + section + ";" on one line */
		size_t room = MIME_LINE_SOFT - 2 - p.len;
		size_t end = start;
		while (k + 1 < ncuts && cuts[k + 1] - start <= room)
			end = cuts[++k];
		if (end == start) /* cannot happen: a character is at most 12 chars */
			end = cuts[++k];
		strbuf_add(&p, enc.buf + start, end - start);
		if (sec > 0)
			mime_hdr_add(h, ";", 1);
		mime_hdr_fold(h);
		mime_hdr_add(h, p.buf, p.len);
		strbuf_finish(&p);
		start = end;
	}
out:
	free(cuts);
	strbuf_finish(&enc);
}

static void mime_part_headers(struct strbuf *sb, const struct mime_attachment *a)
{
	struct mime_hdr h;
	mime_hdr_start(&h, sb, "Content-Type");
	mime_hdr_add(&h, a->content_type, strlen(a->content_type));
	mime_hdr_add(&h, ";", 1);
	if (a->charset) {
		char *p = xasprintf("charset=%s;", a->charset);
		mime_hdr_item(&h, p, strlen(p), MIME_LINE_SOFT);
		free(p);
	}
	mime_param_name(&h, a->filename);
	mime_hdr_end(&h);

	mime_hdr_start(&h, sb, "Content-Disposition");
	mime_hdr_add(&h, "attachment;", 11);
	mime_param_filename(&h, a->filename);
	mime_hdr_end(&h);
	strbuf_adds(sb, "Content-Transfer-Encoding: base64\r\n\r\n");
}

/* ---- body ------------------------------------------------------------ */

/* LF, CRLF and lone CR all become CRLF; the text ends with CRLF. */
static void mime_crlf(struct strbuf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r') {
			strbuf_adds(out, "\r\n");
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
		} else if (s[i] == '\n') {
			strbuf_adds(out, "\r\n");
		} else {
			strbuf_addc(out, s[i]);
		}
	}
	if (out->len < 2 || memcmp(out->buf + out->len - 2, "\r\n", 2) != 0)
		strbuf_adds(out, "\r\n");
}

/* One quoted-printable token for the character at s[i] of a line of
 * length len: literal, or =XX groups for every byte of a UTF-8 character
 * (kept together so a soft break never cuts through a character). */
static size_t mime_qp_token(const char *s, size_t i, size_t len, bool line_start, char *tok)
{
	unsigned char c = (unsigned char)s[i];
	size_t n = 1;
	if (c >= 0x80) {
		uint32_t cp;
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			n = 1;
	}
	bool literal = c >= 33 && c <= 126 && c != '=';
	if ((c == ' ' || c == '\t') && i + 1 < len)
		literal = true; /* RFC 2045 6.7 (3): only trailing white space is encoded */
	/* A line "." ends SMTP data and "From " is mangled by mbox. */
	if (line_start && (c == '.' || (c == 'F' && len - i >= 5 && !memcmp(s + i, "From ", 5))))
		literal = false;
	if (literal) {
		tok[0] = (char)c;
		tok[1] = '\0';
		return 1;
	}
	for (size_t k = 0; k < n; k++) {
		unsigned char b = (unsigned char)s[i + k];
		tok[3 * k] = '=';
		tok[3 * k + 1] = mime_hex[b >> 4];
		tok[3 * k + 2] = mime_hex[b & 15];
	}
	tok[3 * n] = '\0';
	return n;
}

static void mime_qp_line(struct strbuf *out, const char *s, size_t len)
{
	size_t col = 0;
	size_t i = 0;
	char tok[13];
	while (i < len) {
		size_t n = mime_qp_token(s, i, len, col == 0, tok);
		size_t tlen = strlen(tok);
		bool last = i + n == len;
		if (col + tlen > (last ? MIME_QP_LINE : MIME_QP_LINE - 1)) {
			strbuf_adds(out, "=\r\n");
			col = 0;
			n = mime_qp_token(s, i, len, true, tok);
			tlen = strlen(tok);
		}
		strbuf_add(out, tok, tlen);
		col += tlen;
		i += n;
	}
	strbuf_adds(out, "\r\n");
}

/* RFC 2045 6.7 over CRLF text: each line encoded, hard breaks kept. */
static void mime_qp_encode(struct strbuf *out, const char *s, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] == '\r' && s[i + 1] == '\n') {
			mime_qp_line(out, s + start, i - start);
			start = i + 2;
			i++;
		}
	}
}

static void mime_b64_lines(struct strbuf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i += MIME_B64_LINE_IN) {
		size_t n = len - i < MIME_B64_LINE_IN ? len - i : MIME_B64_LINE_IN;
		mime_b64_encode(out, (const unsigned char *)s + i, n);
		strbuf_adds(out, "\r\n");
	}
}

/* Content-Type and Content-Transfer-Encoding, a blank line and the body in
 * whichever of quoted-printable and base64 is shorter. */
static void mime_text_part(struct strbuf *sb, const char *body, size_t len)
{
	struct strbuf crlf, qp, b64;
	strbuf_init(&crlf);
	strbuf_init(&qp);
	strbuf_init(&b64);
	mime_crlf(&crlf, body, len);
	mime_qp_encode(&qp, crlf.buf, crlf.len);
	mime_b64_lines(&b64, crlf.buf, crlf.len);
	bool use_qp = qp.len <= b64.len;
	strbuf_adds(sb, "Content-Type: text/plain; charset=UTF-8\r\n");
	strbuf_addf(sb, "Content-Transfer-Encoding: %s\r\n\r\n",
	            use_qp ? "quoted-printable" : "base64");
	if (use_qp)
		strbuf_add(sb, qp.buf, qp.len);
	else
		strbuf_add(sb, b64.buf, b64.len);
	strbuf_finish(&crlf);
	strbuf_finish(&qp);
	strbuf_finish(&b64);
}

/* ---- output ---------------------------------------------------------- */

static enum mime_status mime_flush(FILE *out, struct strbuf *sb, char **errstr)
{
	if (sb->len && fwrite(sb->buf, 1, sb->len, out) != sb->len) {
		mime_set_err(errstr, _("writing the message: %s"), strerror(errno));
		return MIME_EIO;
	}
	strbuf_reset(sb);
	return MIME_EOK;
}

/* Two base64 characters for each 12-bit value, so that the attachment loop
 * does one lookup and one 2-byte store per 12 bits instead of per 6 (the
 * encoding was nearly all of a dry run's instructions with large files). */
static uint16_t mime_b64_pairs[4096];

static void mime_b64_pairs_init(void)
{
	if (mime_b64_pairs[0])
		return;
	for (unsigned v = 0; v < 4096; v++) {
		char p[2] = {mime_b64_alphabet[v >> 6], mime_b64_alphabet[v & 63]};
		memcpy(&mime_b64_pairs[v], p, 2);
	}
}

/* Groups of 3 bytes in[from..to) of a line, by the pair table, into o;
 * returns the new end of o. */
static char *mime_b64_groups(const unsigned char *in, size_t from, size_t to, char *o)
{
	const uint16_t *pairs = mime_b64_pairs;
	for (size_t k = from; k < to; k += 3) {
		uint32_t v = (uint32_t)in[k] << 16 | (uint32_t)in[k + 1] << 8 | in[k + 2];
		memcpy(o, &pairs[v >> 12], 2);
		memcpy(o + 2, &pairs[v & 0xFFF], 2);
		o += 4;
	}
	return o;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MIME_B64_AVX2 1

/* Whole base64 lines with AVX2 (the method of Muła and Lemire, "Faster
 * Base64 Encoding and Decoding Using AVX2 Instructions", 2018): each 128-bit
 * lane takes 12 input bytes and gives 16 characters. A 57-byte line is two
 * such 24-byte steps and 9 bytes done with the pair table. Every load stays
 * inside its line: the second step reads line bytes 24 to 51. */
__attribute__((target("avx2"))) static size_t mime_b64_lines_avx2(const unsigned char *in,
                                                                  size_t lines, char *out)
{
	/* Per 3 input bytes b0 b1 b2 the 32-bit word b1 b0 b2 b1: its low half
	 * is b0:b1 and its high half b1:b2 as 16-bit numbers. */
	const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
	                                        1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
	/* Sextets 1 and 3 (bits 15-10 of b0:b1, bits 11-6 of b1:b2) moved down
	 * to bits 0-5 by a high multiply; sextets 2 and 4 (bits 9-4 of b0:b1,
	 * bits 5-0 of b1:b2) moved up to bits 8-13 by a low multiply. */
	const __m256i mask_ac = _mm256_set1_epi32(0x0FC0FC00);
	const __m256i mul_ac = _mm256_set1_epi32(0x04000040);
	const __m256i mask_bd = _mm256_set1_epi32(0x003F03F0);
	const __m256i mul_bd = _mm256_set1_epi32(0x01000010);
	/* Sextet to character: a class 0 (a-z), 1-10 (0-9), 11 (+), 12 (/) or
	 * 13 (A-Z), then the class's offset added. */
	const __m256i c51 = _mm256_set1_epi8(51);
	const __m256i c26 = _mm256_set1_epi8(26);
	const __m256i c13 = _mm256_set1_epi8(13);
	const __m256i offsets =
	    _mm256_setr_epi8(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0, 71, -4,
	                     -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0);
	char *o = out;
	for (size_t l = 0; l < lines; l++, in += MIME_B64_LINE_IN) {
		for (size_t half = 0; half < 48; half += 24) {
			const unsigned char *p = in + half;
			__m128i lo = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(p + 12));
			__m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
			v = _mm256_shuffle_epi8(v, spread);
			__m256i ac = _mm256_mulhi_epu16(_mm256_and_si256(v, mask_ac), mul_ac);
			__m256i bd = _mm256_mullo_epi16(_mm256_and_si256(v, mask_bd), mul_bd);
			__m256i idx = _mm256_or_si256(ac, bd);
			__m256i cls = _mm256_subs_epu8(idx, c51);
			cls = _mm256_or_si256(cls,
			                      _mm256_and_si256(_mm256_cmpgt_epi8(c26, idx), c13));
			__m256i chars = _mm256_add_epi8(idx, _mm256_shuffle_epi8(offsets, cls));
			_mm256_storeu_si256((__m256i *)(void *)o, chars);
			o += 32;
		}
		o = mime_b64_groups(in, 48, MIME_B64_LINE_IN, o);
		memcpy(o, "\r\n", 2);
		o += 2;
	}
	return (size_t)(o - out);
}

static bool mime_b64_use_avx2(void)
{
	static int use = -1;
	if (use < 0)
		use = __builtin_cpu_supports("avx2") ? 1 : 0;
	return use == 1;
}
#endif

static size_t mime_b64_lines_portable(const unsigned char *in, size_t lines, char *out)
{
	char *o = out;
	/* Whole lines: 19 groups of 3 bytes, then CRLF. */
	for (size_t l = 0; l < lines; l++, in += MIME_B64_LINE_IN) {
		o = mime_b64_groups(in, 0, MIME_B64_LINE_IN, o);
		memcpy(o, "\r\n", 2);
		o += 2;
	}
	return (size_t)(o - out);
}

size_t mime_base64_lines(const void *data, size_t n, char *out, enum mime_b64_impl impl)
{
	const unsigned char *in = data;
	const char *a = mime_b64_alphabet;
	mime_b64_pairs_init();
	size_t lines = n / MIME_B64_LINE_IN;
	char *o = out;
#ifdef MIME_B64_AVX2
	if (impl != MIME_B64_PORTABLE && mime_b64_use_avx2())
		o += mime_b64_lines_avx2(in, lines, o);
	else
		o += mime_b64_lines_portable(in, lines, o);
#else
	(void)impl;
	o += mime_b64_lines_portable(in, lines, o);
#endif
	size_t i = lines * MIME_B64_LINE_IN;
	if (i < n) {
		/* The last, short line, padded with '='. */
		for (; i + 3 <= n; i += 3) {
			uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
			o[0] = a[v >> 18];
			o[1] = a[(v >> 12) & 63];
			o[2] = a[(v >> 6) & 63];
			o[3] = a[v & 63];
			o += 4;
		}
		if (i < n) {
			uint32_t v =
			    (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
			o[0] = a[v >> 18];
			o[1] = a[(v >> 12) & 63];
			o[2] = i + 1 < n ? a[(v >> 6) & 63] : '=';
			o[3] = '=';
			o += 4;
		}
		*o++ = '\r';
		*o++ = '\n';
	}
	return (size_t)(o - out);
}

/* Where attachment bytes come from: pread() into our own buffer, or the
 * caller's source (struct mime_source). */
struct mime_reader {
	const struct mime_source *src;
	unsigned char *buf; /* NULL with a source */
	char *enc;
};

static void mime_reader_init(struct mime_reader *r, const struct mime_source *src)
{
	*r = (struct mime_reader){.src = src && src->next ? src : NULL};
	if (!r->src)
		r->buf = xmalloc(MIME_CHUNK_IN);
	r->enc = xmalloc(MIME_CHUNK_OUT);
}

static void mime_reader_finish(struct mime_reader *r)
{
	free(r->buf);
	free(r->enc);
}

/* The next piece of attachment att at offset off: its length (0 at the
 * end), or -1 with errno set. */
static ssize_t mime_reader_next(struct mime_reader *r, const struct mime_attachment *a, size_t att,
                                uint64_t off, const unsigned char **data)
{
	if (r->src) {
		const void *p = NULL;
		ssize_t n = r->src->next(r->src->ctx, att, &p);
		*data = p;
		if (n > MIME_SOURCE_MAX || (n > 0 && !p)) {
			errno = EPROTO;
			return -1;
		}
		return n;
	}
	*data = r->buf;
	return util_pread_full(a->fd, r->buf, MIME_CHUNK_IN, (off_t)off);
}

static enum mime_status mime_stream_attachment(FILE *out, const struct mime_attachment *a,
                                               size_t att, struct mime_reader *r, char **errstr)
{
	uint64_t off = 0;
	for (;;) {
		const unsigned char *in;
		ssize_t n = mime_reader_next(r, a, att, off, &in);
		if (n < 0) {
			mime_set_err(errstr, _("reading attachment %s: %s"), a->filename,
			             strerror(errno));
			return MIME_EIO;
		}
		if (n == 0)
			break;
		off += (uint64_t)n;
		if (off > a->size)
			break;
		size_t elen = mime_base64_lines(in, (size_t)n, r->enc, MIME_B64_BEST);
		if (fwrite(r->enc, 1, elen, out) != elen) {
			mime_set_err(errstr, _("writing the message: %s"), strerror(errno));
			return MIME_EIO;
		}
		/* Only an attachment's last piece may end inside a line: a short
		 * read from pread() is the end of the file; a source keeps to whole
		 * lines (and says so with 0 at the end). */
		if (!r->src && (size_t)n < MIME_CHUNK_IN)
			break;
		if (r->src && (size_t)n % MIME_B64_LINE_IN != 0) {
			const unsigned char *rest;
			ssize_t more = mime_reader_next(r, a, att, off, &rest);
			if (more != 0) {
				mime_set_err(errstr, _("reading attachment %s: %s"), a->filename,
				             more < 0 ? strerror(errno)
				                      : "a piece ended inside a line");
				return MIME_EIO;
			}
			break;
		}
	}
	/* One more read at the expected end: growth after a short last chunk
	 * would otherwise go unnoticed. And the size now: a file cut short
	 * while a chunk was being read can give that chunk a tail of zeros and
	 * still the full length. */
	unsigned char probe;
	if (off == a->size && pread(a->fd, &probe, 1, (off_t)off) > 0)
		off++;
	struct stat st;
	if (off == a->size && fstat(a->fd, &st) == 0 && (uint64_t)st.st_size != a->size)
		off = (uint64_t)st.st_size;
	if (off > a->size) {
		mime_set_err(errstr, _("attachment %s grew while being sent (expected %llu bytes)"),
		             a->filename, (unsigned long long)a->size);
		return MIME_EIO;
	}
	if (off < a->size) {
		mime_set_err(errstr,
		             _("attachment %s shrank while being sent (expected %llu bytes, read "
		               "%llu)"),
		             a->filename, (unsigned long long)a->size, (unsigned long long)off);
		return MIME_EIO;
	}
	return MIME_EOK;
}

static bool mime_check_message(const struct mime_message *m, char **errstr)
{
	if (m->from_name && !mime_check_text("From", m->from_name, errstr))
		return false;
	if (!mime_check_addr("From", m->from_addr, errstr) ||
	    !mime_check_addr("To", m->to_addr, errstr))
		return false;
	if (!m->subject) {
		mime_set_err(errstr, _("Subject: missing"));
		return false;
	}
	if (!mime_check_text("Subject", m->subject, errstr))
		return false;
	if (!mime_check_message_id(m->message_id, errstr))
		return false;
	if (m->user_agent && !mime_check_text("User-Agent", m->user_agent, errstr))
		return false;
	if (m->boundary && !mime_check_boundary(m->boundary, errstr))
		return false;
	if (!m->body && m->body_len) {
		mime_set_err(errstr, _("body: missing"));
		return false;
	}
	if (m->body && !mime_check_body(m->body, m->body_len, errstr))
		return false;
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mime_attachment *a = &m->attachments[i];
		const char *fn = a->filename;
		if (!fn || !*fn) {
			mime_set_err(errstr, _("attachment %zu: file name missing"), i + 1);
			return false;
		}
		if (!mime_check_text(fn, fn, errstr) ||
		    !mime_check_content_type(a->content_type, errstr))
			return false;
	}
	return true;
}

static void mime_headers(struct strbuf *sb, const struct mime_message *m)
{
	mime_header_date(sb, m->date);
	mime_header_from(sb, m->from_name, m->from_addr);
	mime_header_simple(sb, "To", m->to_addr);
	mime_header_unstructured(sb, "Subject", m->subject);
	mime_header_simple(sb, "Message-ID", m->message_id);
	mime_header_simple(sb, "MIME-Version", "1.0");
	if (m->user_agent && *m->user_agent)
		mime_header_unstructured(sb, "User-Agent", m->user_agent);
}

static enum mime_status mime_write_multipart(FILE *out, struct strbuf *sb,
                                             const struct mime_message *m, const char *boundary,
                                             char **errstr)
{
	strbuf_addf(sb, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n", boundary);
	strbuf_adds(sb, "This is a multi-part message in MIME format.\r\n");
	strbuf_addf(sb, "\r\n--%s\r\n", boundary);
	mime_text_part(sb, m->body ? m->body : "", m->body_len);
	enum mime_status st = mime_flush(out, sb, errstr);
	if (st != MIME_EOK)
		return st;
	struct mime_reader r;
	mime_reader_init(&r, m->source);
	for (size_t i = 0; i < m->nattachments && st == MIME_EOK; i++) {
		strbuf_addf(sb, "\r\n--%s\r\n", boundary);
		mime_part_headers(sb, &m->attachments[i]);
		st = mime_flush(out, sb, errstr);
		if (st == MIME_EOK)
			st = mime_stream_attachment(out, &m->attachments[i], i, &r, errstr);
	}
	mime_reader_finish(&r);
	if (st != MIME_EOK)
		return st;
	strbuf_addf(sb, "\r\n--%s--\r\n", boundary);
	return mime_flush(out, sb, errstr);
}

enum mime_status mime_write(FILE *out, const struct mime_message *m, char **errstr)
{
	if (errstr)
		*errstr = NULL;
	if (!mime_check_message(m, errstr))
		return MIME_EINVAL;
	struct strbuf sb;
	strbuf_init(&sb);
	mime_headers(&sb, m);
	enum mime_status st;
	if (m->nattachments == 0) {
		mime_text_part(&sb, m->body ? m->body : "", m->body_len);
		st = mime_flush(out, &sb, errstr);
	} else {
		char *boundary = m->boundary ? xstrdup(m->boundary) : mime_make_boundary();
		st = mime_write_multipart(out, &sb, m, boundary, errstr);
		free(boundary);
	}
	strbuf_finish(&sb);
	if (st == MIME_EOK && (fflush(out) != 0 || ferror(out))) {
		mime_set_err(errstr, _("writing the message: %s"), strerror(errno));
		st = MIME_EIO;
	}
	return st;
}

/* ---- identifiers ----------------------------------------------------- */

static void mime_random(unsigned char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return;
	/* getrandom() missing (old kernel, seccomp): /dev/urandom, then at
	 * worst a weak mix, which still makes the boundary unique enough. */
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		while (got < n) {
			ssize_t r = read(fd, buf + got, n - got);
			if (r <= 0 && errno != EINTR)
				break;
			if (r > 0)
				got += (size_t)r;
		}
		close(fd);
	}
	uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)buf;
	for (; got < n; got++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[got] = (unsigned char)x;
	}
}

char *mime_make_boundary(void)
{
	static const char alnum[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, "=_tm_");
	unsigned char r[64];
	while (sb.len < 5 + 32) {
		mime_random(r, sizeof r);
		/* 248 = 4 * 62: reject the rest so every character is equally likely */
		for (size_t i = 0; i < sizeof r && sb.len < 5 + 32; i++)
			if (r[i] < 248)
				strbuf_addc(&sb, alnum[r[i] % 62]);
	}
	return strbuf_take(&sb);
}

static bool mime_domain_ok(const char *d)
{
	if (!d || !*d || strlen(d) > 200)
		return false;
	for (; *d; d++) {
		unsigned char c = (unsigned char)*d;
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      c == '-' || c == '.'))
			return false;
	}
	return true;
}

char *mime_make_message_id(const char *domain)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	unsigned char r[8];
	mime_random(r, sizeof r);
	char hex[17];
	for (size_t i = 0; i < sizeof r; i++) {
		hex[2 * i] = mime_hex[r[i] >> 4];
		hex[2 * i + 1] = mime_hex[r[i] & 15];
	}
	hex[16] = '\0';
	/* A domain that cannot appear in an id-right falls back to a reserved
	 * name (RFC 2606) rather than producing an invalid header. */
	return xasprintf("<%04d%02d%02d%02d%02d%02d.%s@%s>", tm.tm_year + 1900, tm.tm_mon + 1,
	                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, hex,
	                 mime_domain_ok(domain) ? domain : "ticketmail.invalid");
}

/* ---- decoding, for display ------------------------------------------- */

static int mime_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int mime_b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes one encoded word's text into out; false when malformed. */
static bool mime_decode_word(char enc, const char *text, size_t len, struct strbuf *out)
{
	if (enc == 'Q' || enc == 'q') {
		for (size_t i = 0; i < len; i++) {
			if (text[i] == '_') {
				strbuf_addc(out, ' ');
			} else if (text[i] == '=') {
				if (i + 2 >= len)
					return false;
				int hi = mime_hexval(text[i + 1]), lo = mime_hexval(text[i + 2]);
				if (hi < 0 || lo < 0)
					return false;
				strbuf_addc(out, (char)(hi * 16 + lo));
				i += 2;
			} else {
				strbuf_addc(out, text[i]);
			}
		}
		return true;
	}
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len && text[i] != '='; i++) {
		int v = mime_b64val(text[i]);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addc(out, (char)((acc >> bits) & 0xFF));
		}
	}
	return true;
}

char *mime_decode_header(const char *value)
{
	struct strbuf out;
	strbuf_init(&out);
	const char *p = value;
	bool after_word = false;
	while (*p) {
		const char *start = strstr(p, "=?");
		if (!start) {
			strbuf_adds(&out, p);
			break;
		}
		/* charset?enc?text?= */
		const char *q1 = strchr(start + 2, '?');
		const char *q2 = q1 ? strchr(q1 + 1, '?') : NULL;
		const char *end = q2 ? strstr(q2 + 1, "?=") : NULL;
		bool ok = end && q2 == q1 + 2 &&
		          (util_ascii_ncasecmp(start + 2, "UTF-8", 5) == 0 ||
		           util_ascii_ncasecmp(start + 2, "US-ASCII", 8) == 0);
		size_t gap = (size_t)(start - p);
		bool blank_gap = strspn(p, " \t") == gap;
		if (!(after_word && blank_gap))
			strbuf_add(&out, p, gap);
		if (!ok) {
			strbuf_add(&out, start, 2);
			p = start + 2;
			after_word = false;
			continue;
		}
		size_t mark = out.len;
		if (!mime_decode_word(q1[1], q2 + 1, (size_t)(end - q2 - 1), &out)) {
			out.len = mark;
			out.buf[mark] = '\0';
			strbuf_add(&out, start, (size_t)(end + 2 - start));
		}
		p = end + 2;
		after_word = true;
	}
	/* Never hand invalid UTF-8 or controls to a terminal. */
	char *vis = util_visible(out.buf, out.len);
	strbuf_finish(&out);
	return vis;
}
