/* test-mime.c - the MIME writer: header encoding, body encodings, limits,
 * refusals, a golden message, streaming, and the GMime oracle. */
#include "mime.h"

#include "util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T_MSGID    "<20261126060509.0123456789ABCDEF@example.com>"
#define T_BOUNDARY "=_tm_TESTtestTESTtestTESTtestTESTtest"
/* 2026-11-26 06:05:09 UTC, a Thursday */
#define T_DATE ((time_t)1795673109)

static char t_tmpdir[] = "/tmp/test-mime-XXXXXX";

static void t_setup(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	ck_assert_ptr_nonnull(mkdtemp(t_tmpdir));
}

static void t_teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", t_tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	strcpy(t_tmpdir, "/tmp/test-mime-XXXXXX");
}

static struct mime_message t_message(const char *subject, const char *body)
{
	struct mime_message m = {
	    .from_name = "Zhang San",
	    .from_addr = "zhang@example.com",
	    .to_addr = "support@okx.com",
	    .subject = subject,
	    .date = T_DATE,
	    .message_id = T_MSGID,
	    .user_agent = "ticketmail/0.1.0",
	    .body = body,
	    .body_len = strlen(body),
	    .boundary = T_BOUNDARY,
	};
	return m;
}

/* Writes m into memory; returns the status, *out allocated. */
static enum mime_status t_write(const struct mime_message *m, char **out, size_t *len, char **err)
{
	FILE *f = open_memstream(out, len);
	ck_assert_ptr_nonnull(f);
	*err = NULL;
	enum mime_status st = mime_write(f, m, err);
	ck_assert_int_eq(fclose(f), 0);
	return st;
}

static char *t_write_ok(const struct mime_message *m, size_t *len_out)
{
	char *out, *err;
	size_t len;
	enum mime_status st = t_write(m, &out, &len, &err);
	if (st != MIME_EOK)
		ck_abort_msg("mime_write failed: %s", err ? err : "(no message)");
	if (len_out)
		*len_out = len;
	return out;
}

/* Every line ends in CRLF, has at most max octets, no bare CR or LF. */
static void t_assert_lines(const char *s, size_t len, size_t max)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		/* ck_abort only on failure: every Check assertion costs a pipe write */
		if (s[i] == '\r' && !(i + 1 < len && s[i + 1] == '\n'))
			ck_abort_msg("bare CR at %zu", i);
		if (s[i] == '\n') {
			if (i == 0 || s[i - 1] != '\r')
				ck_abort_msg("bare LF at %zu", i);
			size_t l = i - 1 - start;
			if (l > max)
				ck_abort_msg("line of %zu octets at %zu: %.*s", l, start, (int)l,
				             s + start);
			start = i + 1;
		}
	}
	ck_assert_uint_eq(start, len);
}

static size_t t_header_end(const char *s)
{
	const char *e = strstr(s, "\r\n\r\n");
	ck_assert_ptr_nonnull(e);
	return (size_t)(e - s) + 2;
}

/* The raw (folded) value of header name in the top header block;
 * allocated. */
static char *t_header_raw(const char *msg, const char *name)
{
	size_t end = t_header_end(msg);
	size_t nl = strlen(name);
	for (size_t i = 0; i < end;) {
		if (strncmp(msg + i, name, nl) == 0 && msg[i + nl] == ':' &&
		    msg[i + nl + 1] == ' ') {
			size_t v = i + nl + 2, j = v;
			while (j < end &&
			       !(msg[j] == '\r' && msg[j + 2] != ' ' && msg[j + 2] != '\t'))
				j++;
			return xstrndup(msg + v, j - v);
		}
		const char *next = strstr(msg + i, "\r\n");
		i = (size_t)(next - msg) + 2;
	}
	return NULL;
}

static char *t_unfold(const char *s)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (; *s; s++)
		if (*s != '\r' && *s != '\n')
			strbuf_addc(&sb, *s);
	return strbuf_take(&sb);
}

static int t_b64_val(char c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;
	return p ? (int)(p - a) : -1;
}

/* Appends the base64 decoding of s[0..n); asserts it is well-formed. */
static void t_b64_decode(struct strbuf *out, const char *s, size_t n)
{
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		int v = t_b64_val(s[i]);
		if (v < 0)
			ck_abort_msg("bad base64 character 0x%02X", (unsigned char)s[i]);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addc(out, (char)((acc >> bits) & 0xFF));
		}
	}
}

static int t_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 2047 decoding of an unfolded unstructured value. Checks that every
 * encoded-word is at most 75 characters and decodes to valid UTF-8 on its
 * own (no character split between words). Allocated. */
static char *t_rfc2047_decode(const char *s)
{
	struct strbuf out;
	strbuf_init(&out);
	bool prev_ew = false;
	size_t pending_ws = 0;
	const char *ws_start = s;
	while (*s) {
		if (*s == ' ' || *s == '\t') {
			if (pending_ws == 0)
				ws_start = s;
			pending_ws++;
			s++;
			continue;
		}
		if (strncmp(s, "=?UTF-8?", 8) == 0 && (s[8] == 'B' || s[8] == 'Q') && s[9] == '?') {
			const char *end = strstr(s + 10, "?=");
			ck_assert_ptr_nonnull(end);
			size_t wlen = (size_t)(end + 2 - s);
			ck_assert_msg(wlen <= 75, "encoded-word of %zu characters", wlen);
			if (!prev_ew)
				strbuf_add(&out, ws_start, pending_ws);
			struct strbuf w;
			strbuf_init(&w);
			if (s[8] == 'B') {
				t_b64_decode(&w, s + 10, (size_t)(end - s - 10));
			} else {
				for (const char *p = s + 10; p < end; p++) {
					if (*p == '_') {
						strbuf_addc(&w, ' ');
					} else if (*p == '=') {
						int hi = t_hex(p[1]), lo = t_hex(p[2]);
						ck_assert(hi >= 0 && lo >= 0);
						strbuf_addc(&w, (char)(hi * 16 + lo));
						p += 2;
					} else {
						strbuf_addc(&w, *p);
					}
				}
			}
			ck_assert_msg(utf8_valid(w.buf, w.len, NULL),
			              "encoded-word splits a character: %.*s", (int)wlen, s);
			strbuf_add(&out, w.buf, w.len);
			strbuf_finish(&w);
			s = end + 2;
			prev_ew = true;
		} else {
			strbuf_add(&out, ws_start, pending_ws);
			while (*s && *s != ' ' && *s != '\t')
				strbuf_addc(&out, *s++);
			prev_ew = false;
		}
		pending_ws = 0;
	}
	return strbuf_take(&out);
}

/* The decoded value of a header in msg; header lines at most 78. */
static char *t_header_decoded(const char *msg, const char *name)
{
	char *raw = t_header_raw(msg, name);
	ck_assert_msg(raw != NULL, "no %s header", name);
	size_t col = strlen(name) + 2;
	for (const char *p = raw; *p; p++) {
		if (*p == '\r') {
			col = 0;
			p++;
			continue;
		}
		col++;
		ck_assert_msg(col <= 78, "%s line over 78: %s", name, raw);
	}
	char *unfolded = t_unfold(raw);
	char *dec = t_rfc2047_decode(unfolded);
	free(unfolded);
	free(raw);
	return dec;
}

static char *t_subject_roundtrip(const char *subject)
{
	struct mime_message m = t_message(subject, "Hello\n");
	size_t len;
	char *out = t_write_ok(&m, &len);
	t_assert_lines(out, len, 998);
	size_t hend = t_header_end(out);
	for (size_t i = 0; i < hend; i++)
		ck_assert_msg((unsigned char)out[i] < 0x80, "8-bit header byte");
	char *dec = t_header_decoded(out, "Subject");
	ck_assert_str_eq(dec, subject);
	free(dec);
	char *raw = t_header_raw(out, "Subject");
	free(out);
	return raw;
}

START_TEST(test_subject_ascii_plain)
{
	char *raw = t_subject_roundtrip("Withdrawal not received");
	ck_assert_str_eq(raw, "Withdrawal not received");
	free(raw);
	/* A long ASCII subject is folded at white space, not encoded. */
	const char *longs = "Withdrawal of 1.5 BTC to my hardware wallet has not arrived after "
	                    "three days, transaction 0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84"
	                    " is still pending";
	raw = t_subject_roundtrip(longs);
	ck_assert_ptr_null(strstr(raw, "=?"));
	ck_assert_ptr_nonnull(strstr(raw, "\r\n "));
	free(raw);
}
END_TEST

START_TEST(test_subject_ascii_with_encoded_word_marker)
{
	/* Literal "=?" would be decoded by a reader: it must be encoded. */
	char *raw = t_subject_roundtrip("Re: =?UTF-8?B?not-really?= test");
	ck_assert_ptr_nonnull(strstr(raw, "=?UTF-8?"));
	free(raw);
}
END_TEST

START_TEST(test_subject_chinese_emoji_mixed)
{
	const char *cases[] = {
	    "提现未到账",
	    "提币 USDT-TRC20 未到账 🙏🚀",
	    "😀",
	    "Withdrawal 提现 not received (订单 #12345) _=?_",
	    "Ünïcödé façade — naïve café",
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		char *raw = t_subject_roundtrip(cases[i]);
		ck_assert_ptr_nonnull(strstr(raw, "=?UTF-8?"));
		free(raw);
	}
	/* CJK goes in B words. */
	char *raw = t_subject_roundtrip("提现未到账");
	ck_assert_ptr_nonnull(strstr(raw, "=?UTF-8?B?"));
	free(raw);
}
END_TEST

START_TEST(test_subject_long_chinese)
{
	struct strbuf sb;
	strbuf_init(&sb);
	const char *chars = "提现未到账请帮助我查询这笔交易的状态谢谢";
	size_t clen = strlen(chars);
	while (utf8_length(sb.buf, sb.len) < 200)
		strbuf_add(&sb, chars, clen);
	/* exactly 200 characters; an emoji and some ASCII in the middle */
	size_t cut = 0, n = 0;
	while (n < 195) {
		uint32_t cp;
		cut += utf8_decode(sb.buf + cut, sb.len - cut, &cp);
		n++;
	}
	sb.len = cut;
	sb.buf[cut] = '\0';
	strbuf_adds(&sb, "a😀b c");
	ck_assert_uint_eq(utf8_length(sb.buf, sb.len), 200);
	char *raw = t_subject_roundtrip(sb.buf);
	/* many words, folded */
	size_t words = 0;
	for (const char *p = raw; (p = strstr(p, "=?UTF-8?")); p++)
		words++;
	ck_assert_uint_ge(words, 10);
	free(raw);
	strbuf_finish(&sb);
}
END_TEST

START_TEST(test_from_name_forms)
{
	struct {
		const char *name, *raw;
	} cases[] = {
	    {"Zhang San", "Zhang San <zhang@example.com>"},
	    {"San, Zhang Q.", "\"San, Zhang Q.\" <zhang@example.com>"},
	    {"a \"b\" \\c", "\"a \\\"b\\\" \\\\c\" <zhang@example.com>"},
	    {NULL, "zhang@example.com"},
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		struct mime_message m = t_message("x", "y\n");
		m.from_name = cases[i].name;
		char *out = t_write_ok(&m, NULL);
		char *raw = t_header_raw(out, "From");
		ck_assert_str_eq(raw, cases[i].raw);
		free(raw);
		free(out);
	}
	const char *names[] = {
	    "张三", "张三 (Zhang San)", "Zoë =?x?= O'Brien",
	    "非常长的名字非常长的名字非常长的名字非常长的名字非常长的名字非常长的名字"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(names); i++) {
		struct mime_message m = t_message("x", "y\n");
		m.from_name = names[i];
		char *out = t_write_ok(&m, NULL);
		char *dec = t_header_decoded(out, "From");
		char *want = xasprintf("%s <zhang@example.com>", names[i]);
		ck_assert_str_eq(dec, want);
		free(want);
		free(dec);
		free(out);
	}
}
END_TEST

START_TEST(test_date_header)
{
	struct mime_message m = t_message("x", "y\n");
	char *out = t_write_ok(&m, NULL);
	ck_assert(strncmp(out, "Date: Thu, 26 Nov 2026 14:05:09 +0800\r\nFrom: ", 45) == 0);
	free(out);
	/* A negative offset with minutes (POSIX TZ: 3:30 west of UTC). */
	setenv("TZ", "NST+3:30", 1);
	tzset();
	out = t_write_ok(&m, NULL);
	ck_assert(strncmp(out, "Date: Thu, 26 Nov 2026 02:35:09 -0330\r\n", 39) == 0);
	free(out);
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
}
END_TEST

START_TEST(test_header_order)
{
	struct mime_message m = t_message("x", "y\n");
	char *out = t_write_ok(&m, NULL);
	const char *order[] = {"Date:",           "\r\nFrom:",        "\r\nTo:",
	                       "\r\nSubject:",    "\r\nMessage-ID:",  "\r\nMIME-Version: 1.0\r\n",
	                       "\r\nUser-Agent:", "\r\nContent-Type:"};
	const char *p = out;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(order); i++) {
		const char *q = strstr(p, order[i]);
		ck_assert_msg(q != NULL, "%s missing or out of order", order[i]);
		p = q;
	}
	free(out);
}
END_TEST

/* The body of a single-part message, decoded from QP or base64. */
static char *t_body_decoded(const char *msg, bool *qp_out, size_t *len_out)
{
	char *cte = t_header_raw(msg, "Content-Transfer-Encoding");
	ck_assert_ptr_nonnull(cte);
	bool qp = strcmp(cte, "quoted-printable") == 0;
	ck_assert(qp || strcmp(cte, "base64") == 0);
	free(cte);
	const char *b = msg + t_header_end(msg) + 2;
	struct strbuf out;
	strbuf_init(&out);
	while (*b) {
		const char *eol = strstr(b, "\r\n");
		ck_assert_ptr_nonnull(eol);
		size_t l = (size_t)(eol - b);
		if (qp) {
			ck_assert_msg(l <= 76, "QP line of %zu", l);
			ck_assert_msg(l == 0 || (b[l - 1] != ' ' && b[l - 1] != '\t'),
			              "trailing white space in QP");
			struct strbuf line;
			strbuf_init(&line);
			bool soft = false;
			for (size_t i = 0; i < l; i++) {
				if (b[i] != '=') {
					ck_assert((unsigned char)b[i] < 0x80);
					strbuf_addc(&line, b[i]);
				} else if (i + 1 == l) {
					soft = true;
				} else {
					ck_assert_msg(i + 2 < l || (i + 2 == l && !soft),
					              "=XX split by a soft break");
					int hi = t_hex(b[i + 1]), lo = t_hex(b[i + 2]);
					ck_assert(hi >= 0 && lo >= 0);
					strbuf_addc(&line, (char)(hi * 16 + lo));
					i += 2;
				}
			}
			/* no UTF-8 character is cut by a soft break */
			ck_assert_msg(utf8_valid(line.buf, line.len, NULL),
			              "soft break inside a character: %.*s", (int)l, b);
			strbuf_add(&out, line.buf, line.len);
			if (!soft)
				strbuf_adds(&out, "\r\n");
			strbuf_finish(&line);
		} else {
			ck_assert_uint_le(l, 76);
			t_b64_decode(&out, b, l);
		}
		b = eol + 2;
	}
	*qp_out = qp;
	*len_out = out.len;
	return strbuf_take(&out);
}

START_TEST(test_body_qp_english)
{
	const char *body = "Hello,\n\nMy withdrawal of 100 USDT has not arrived. It is a very long "
	                   "line that must be wrapped with soft line breaks, a=b.  \n"
	                   "From here on\n.\nTabs\t\nend";
	struct mime_message m = t_message("x", body);
	size_t len;
	char *out = t_write_ok(&m, &len);
	t_assert_lines(out, len, 998);
	bool qp;
	size_t dlen;
	char *dec = t_body_decoded(out, &qp, &dlen);
	ck_assert(qp);
	ck_assert_str_eq(dec,
	                 "Hello,\r\n\r\nMy withdrawal of 100 USDT has not arrived. It is a very "
	                 "long line that must be wrapped with soft line breaks, a=b.  \r\n"
	                 "From here on\r\n.\r\nTabs\t\r\nend\r\n");
	/* trailing white space, '=', a leading "From " and a lone dot are
	 * encoded */
	ck_assert_ptr_nonnull(strstr(out, "a=3Db. =20\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\n=46rom here on\r\n=2E\r\nTabs=09\r\n"));
	free(dec);
	free(out);
}
END_TEST

START_TEST(test_body_base64_chinese)
{
	const char *body = "您好，\n\n我于2026年11月25日从欧易提现了100 USDT，至今未到账。\n"
	                   "交易哈希如下，请帮忙查询。谢谢！\n";
	struct mime_message m = t_message("x", body);
	size_t len;
	char *out = t_write_ok(&m, &len);
	t_assert_lines(out, len, 998);
	bool qp;
	size_t dlen;
	char *dec = t_body_decoded(out, &qp, &dlen);
	ck_assert(!qp);
	ck_assert_ptr_nonnull(strstr(out, "Content-Type: text/plain; charset=UTF-8\r\n"));
	ck_assert_ptr_nonnull(strstr(dec, "至今未到账。\r\n交易哈希"));
	free(dec);
	free(out);
}
END_TEST

START_TEST(test_body_qp_keeps_characters_whole)
{
	/* Mostly ASCII with accents: QP wins, and every soft-broken line
	 * decodes to whole characters (checked in t_body_decoded). */
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 40; i++)
		strbuf_adds(&sb,
		            "The caf\xC3\xA9 was closed and the na\xC3\xAFve clerk said wait. ");
	strbuf_adds(&sb, "\n");
	struct mime_message m = t_message("x", sb.buf);
	size_t len;
	char *out = t_write_ok(&m, &len);
	bool qp;
	size_t dlen;
	char *dec = t_body_decoded(out, &qp, &dlen);
	ck_assert(qp);
	ck_assert_uint_eq(dlen, sb.len + 1);
	free(dec);
	free(out);
	strbuf_finish(&sb);
}
END_TEST

START_TEST(test_body_crlf_normalised)
{
	const char *body = "a\nb\r\nc\rd";
	struct mime_message m = t_message("x", body);
	size_t len;
	char *out = t_write_ok(&m, &len);
	t_assert_lines(out, len, 998);
	bool qp;
	size_t dlen;
	char *dec = t_body_decoded(out, &qp, &dlen);
	ck_assert_str_eq(dec, "a\r\nb\r\nc\r\nd\r\n");
	free(dec);
	free(out);
}
END_TEST

START_TEST(test_long_lines_limited)
{
	/* One 5000-character line of ASCII and one of Chinese. */
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 5000; i++)
		strbuf_addc(&sb, (char)('a' + i % 26));
	strbuf_addc(&sb, '\n');
	for (int i = 0; i < 2000; i++)
		strbuf_adds(&sb, "中");
	struct mime_message m = t_message("x", sb.buf);
	size_t len;
	char *out = t_write_ok(&m, &len);
	t_assert_lines(out, len, 998);
	bool qp;
	size_t dlen;
	char *dec = t_body_decoded(out, &qp, &dlen);
	ck_assert_uint_eq(dlen, sb.len + 3);
	free(dec);
	free(out);
	strbuf_finish(&sb);
}
END_TEST

static void t_assert_refused(const struct mime_message *m, const char *what)
{
	char *out, *err;
	size_t len;
	enum mime_status st = t_write(m, &out, &len, &err);
	ck_assert_msg(st == MIME_EINVAL, "%s: not refused", what);
	ck_assert_msg(err != NULL && *err, "%s: no message", what);
	ck_assert_msg(len == 0, "%s: wrote output", what);
	free(err);
	free(out);
}

START_TEST(test_refuses_injection)
{
	const char *bad_text[] = {"a\r\nBcc: x@evil.example",
	                          "a\nb",
	                          "a\rb",
	                          "a\tb",
	                          "a\x01z",
	                          "bad \xFF utf8",
	                          "overlong \xC0\xAF",
	                          "bidi \xE2\x80\xAE"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(bad_text); i++) {
		struct mime_message m = t_message(bad_text[i], "b\n");
		t_assert_refused(&m, "subject");
		m = t_message("s", "b\n");
		m.from_name = bad_text[i];
		t_assert_refused(&m, "from name");
		m = t_message("s", "b\n");
		m.user_agent = bad_text[i];
		t_assert_refused(&m, "user agent");
	}
	const char *bad_addr[] = {"a@b.example\r\nBcc: x@evil.example",
	                          "a@b\n",
	                          "a b@c",
	                          "<a@b>",
	                          "noat",
	                          "@b",
	                          "a@",
	                          "中@b.example",
	                          ""};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(bad_addr); i++) {
		struct mime_message m = t_message("s", "b\n");
		m.from_addr = bad_addr[i];
		t_assert_refused(&m, "from addr");
		m = t_message("s", "b\n");
		m.to_addr = bad_addr[i];
		t_assert_refused(&m, "to addr");
	}
	struct mime_message m = t_message("s", "b\n");
	m.message_id = "<a b@c>";
	t_assert_refused(&m, "message id");
	m = t_message("s", "body \x00 nul");
	m.body_len = 10;
	t_assert_refused(&m, "NUL in body");
	m = t_message("s", "bad \xFE body");
	t_assert_refused(&m, "bad UTF-8 in body");
}
END_TEST

static char *t_make_file(const char *name, const void *data, size_t len)
{
	char *path = xasprintf("%s/%s", t_tmpdir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void t_attach(struct mime_attachment *a, const char *path, const char *name,
                     const char *type)
{
	a->fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(a->fd, 0);
	struct stat st;
	ck_assert_int_eq(fstat(a->fd, &st), 0);
	a->filename = name;
	a->content_type = type;
	a->charset = NULL;
	a->size = (uint64_t)st.st_size;
}

START_TEST(test_refuses_attachment_fields)
{
	char *path = t_make_file("f.txt", "hi", 2);
	struct mime_attachment a;
	t_attach(&a, path, "a\nb.txt", "text/plain");
	struct mime_message m = t_message("s", "b\n");
	m.attachments = &a;
	m.nattachments = 1;
	t_assert_refused(&m, "filename with LF");
	a.filename = "ok.txt";
	a.content_type = "text/plain\r\nX-Evil: 1";
	t_assert_refused(&m, "content type with CRLF");
	a.content_type = "text/plain";
	m.boundary = "no-marker-boundary";
	t_assert_refused(&m, "boundary without =_");
	close(a.fd);
	free(path);
}
END_TEST

static const unsigned char t_png[] = {
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};

#define T_LONG_NAME                                                                                                             \
	"截图 提现记录 非常非常非常非常非常非常非常非常非常非常长的文件名称 screenshot of the " \
	"withdrawal page (2026-11-26).png"

/* The multipart message used by the golden, boundary and oracle tests. */
static char *t_multipart(const char *boundary, size_t *len, char **png_path, char **log_path)
{
	*png_path = t_make_file("shot.png", t_png, sizeof t_png);
	const char *log = "--" T_BOUNDARY "\r\nboundary text inside an attachment\n";
	*log_path = t_make_file("log.txt", log, strlen(log));
	struct mime_attachment a[2];
	t_attach(&a[0], *png_path, T_LONG_NAME, "image/png");
	t_attach(&a[1], *log_path, "log.txt", "text/plain");
	struct mime_message m = t_message("提现未到账 Withdrawal not received",
	                                  "您好，\n\n我的提现没有到账。\n--" T_BOUNDARY "\n");
	m.from_name = "张三";
	m.attachments = a;
	m.nattachments = 2;
	m.boundary = boundary;
	char *out = t_write_ok(&m, len);
	close(a[0].fd);
	close(a[1].fd);
	return out;
}

static size_t t_count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

START_TEST(test_multipart_structure)
{
	size_t len;
	char *png, *log;
	char *out = t_multipart(T_BOUNDARY, &len, &png, &log);
	t_assert_lines(out, len, 998);
	/* every header line in the message is at most 78 characters */
	ck_assert_ptr_nonnull(strstr(out, "\r\nThis is a multi-part message in MIME format.\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "boundary=\"" T_BOUNDARY "\""));
	/* the boundary appears only as delimiters: 3 parts + close + header,
	 * even though the body and an attachment contain its text */
	ck_assert_uint_eq(t_count(out, T_BOUNDARY), 5);
	ck_assert_uint_eq(t_count(out, "\r\n--" T_BOUNDARY "\r\n"), 3);
	ck_assert_uint_eq(t_count(out, "\r\n--" T_BOUNDARY "--\r\n"), 1);
	ck_assert_ptr_nonnull(strstr(out, "filename*0*=UTF-8''%E6%88%AA%E5%9B%BE%20"));
	ck_assert_ptr_nonnull(strstr(out,
	                             "Content-Type: text/plain; name=\"log.txt\"\r\n"
	                             "Content-Disposition: attachment; filename=\"log.txt\"\r\n"
	                             "Content-Transfer-Encoding: base64\r\n"));
	/* every line, header or body, is at most 78 characters here */
	t_assert_lines(out, len, 78);
	free(png);
	free(log);
	free(out);
}
END_TEST

START_TEST(test_random_boundary)
{
	char *b1 = mime_make_boundary();
	char *b2 = mime_make_boundary();
	ck_assert_uint_eq(strlen(b1), 37);
	ck_assert(strncmp(b1, "=_tm_", 5) == 0);
	for (const char *p = b1 + 5; *p; p++)
		ck_assert((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		          (*p >= '0' && *p <= '9'));
	ck_assert_str_ne(b1, b2);
	free(b1);
	free(b2);
	size_t len;
	char *png, *log;
	char *out = t_multipart(NULL, &len, &png, &log);
	const char *p = strstr(out, "boundary=\"=_tm_");
	ck_assert_ptr_nonnull(p);
	char *b = xstrndup(p + 10, 37);
	ck_assert_uint_eq(t_count(out, b), 5);
	free(b);
	free(png);
	free(log);
	free(out);
}
END_TEST

START_TEST(test_message_id)
{
	char *id = mime_make_message_id("example.com");
	/* <YYYYMMDDhhmmss.<16 hex>@example.com> */
	ck_assert_uint_eq(strlen(id), 1 + 14 + 1 + 16 + 1 + 11 + 1);
	ck_assert_int_eq(id[0], '<');
	ck_assert_int_eq(id[15], '.');
	ck_assert_str_eq(id + 32, "@example.com>");
	for (int i = 1; i < 32; i++)
		if (i != 15)
			ck_assert(strchr("0123456789ABCDEFabcdef", id[i]));
	char *id2 = mime_make_message_id("example.com");
	ck_assert_str_ne(id, id2);
	free(id);
	free(id2);
	id = mime_make_message_id("bad domain\r\n");
	ck_assert_ptr_null(strchr(id, ' '));
	ck_assert_ptr_nonnull(strstr(id, "@ticketmail.invalid>"));
	free(id);
}
END_TEST

START_TEST(test_golden)
{
	size_t len;
	char *png, *log;
	char *out = t_multipart(T_BOUNDARY, &len, &png, &log);
	char *want = NULL;
	size_t wlen = 0;
	int rc = util_read_file(TEST_DATA "/mime-golden.eml", 1 << 20, &want, &wlen);
	if (rc != 0 || wlen != len || memcmp(want, out, len) != 0) {
		/* Leave the output next to the build for a look (and a diff). */
		const char *bd = getenv("BUILD_DIR");
		char *actual = xasprintf("%s/mime-golden.eml.actual", bd ? bd : "/tmp");
		FILE *f = fopen(actual, "wb");
		if (f) {
			fwrite(out, 1, len, f);
			fclose(f);
		}
		ck_abort_msg("output differs from tests/data/mime-golden.eml (%s); see %s",
		             rc ? strerror(rc) : "content", actual);
	}
	free(want);
	free(png);
	free(log);
	free(out);
}
END_TEST

/* Decodes the base64 lines of one attachment part from f into buf
 * (without Check assertions: each one costs a pipe write). Returns false on
 * a malformed line. */
static bool t_b64_line(const char *line, size_t l, unsigned char *out, size_t *n_out)
{
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;
	if (l < 2 || line[l - 2] != '\r' || line[l - 1] != '\n' || l - 2 > 76)
		return false;
	for (size_t i = 0; i + 2 < l && line[i] != '='; i++) {
		int v = t_b64_val(line[i]);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	*n_out = n;
	return true;
}

/* Compares the base64 attachment part of the message in eml with the
 * source file, one line at a time. */
static void t_compare_streamed(const char *eml, const char *src, uint64_t size)
{
	FILE *f = fopen(eml, "rb");
	FILE *s = fopen(src, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(s);
	char line[1024];
	bool in_part = false, ok = true;
	uint64_t total = 0, lines = 0;
	unsigned char dec[80], want[80];
	while (ok && fgets(line, sizeof line, f)) {
		size_t l = strlen(line);
		if (!in_part) {
			if (strcmp(line, "Content-Transfer-Encoding: base64\r\n") == 0 &&
			    fgets(line, sizeof line, f) && strcmp(line, "\r\n") == 0)
				in_part = true;
			continue;
		}
		if (line[0] == '\r' || line[0] == '-')
			break;
		size_t n = 0;
		ok = t_b64_line(line, l, dec, &n) && (n == 57 || total + n == size) &&
		     fread(want, 1, n, s) == n && memcmp(want, dec, n) == 0;
		total += n;
		lines++;
	}
	ck_assert_msg(ok, "attachment differs at line %llu", (unsigned long long)lines);
	ck_assert_uint_eq(total, size);
	fclose(f);
	fclose(s);
}

static long t_maxrss_kib(void)
{
	struct rusage ru;
	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

START_TEST(test_stream_large_attachment)
{
	const uint64_t size = 20u << 20;
	char *path = xasprintf("%s/big.bin", t_tmpdir);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	/* xorshift noise, written 64 KiB at a time (an assertion per word
	 * would cost a pipe write each under Check) */
	static uint32_t chunk[16384];
	uint32_t x = 2463534242u;
	bool ok = true;
	for (uint64_t done = 0; done < size; done += sizeof chunk) {
		for (size_t i = 0; i < UTIL_ARRAY_LEN(chunk); i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			chunk[i] = x;
		}
		ok = ok && fwrite(chunk, sizeof chunk, 1, f) == 1;
	}
	ck_assert(ok);
	ck_assert_int_eq(fclose(f), 0);
	char *eml = xasprintf("%s/big.eml", t_tmpdir);
	struct mime_attachment a;
	t_attach(&a, path, "big.bin", "application/octet-stream");
	ck_assert_uint_eq(a.size, size);
	struct mime_message m = t_message("big", "see attached\n");
	m.attachments = &a;
	m.nattachments = 1;
	FILE *out = fopen(eml, "wb");
	ck_assert_ptr_nonnull(out);
	long before = t_maxrss_kib();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *err = NULL;
	enum mime_status st = mime_write(out, &m, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long after = t_maxrss_kib();
	ck_assert_msg(st == MIME_EOK, "%s", err ? err : "");
	ck_assert_int_eq(fclose(out), 0);
	fprintf(stderr, "streamed 20 MiB in %.3f s, max RSS %ld -> %ld KiB\n",
	        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, before,
	        after);
	ck_assert_msg(after - before < 4096, "memory grew by %ld KiB", after - before);
	t_compare_streamed(eml, path, size);

	/* The size the caller saw no longer matches: refused, both ways. */
	const uint64_t wrong[] = {size + 1, size - 1, size + 57 * 862};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(wrong); i++) {
		a.size = wrong[i];
		out = fopen("/dev/null", "wb");
		err = NULL;
		st = mime_write(out, &m, &err);
		fclose(out);
		ck_assert_int_eq(st, MIME_EIO);
		ck_assert_ptr_nonnull(err);
		ck_assert_ptr_nonnull(strstr(err, "big.bin"));
		free(err);
	}
	close(a.fd);
	free(eml);
	free(path);
}
END_TEST

/* Every way a file can end against the 57-byte lines and the 49,134-byte
 * read chunks: the fast whole-line path and the tail both decode back. */
START_TEST(test_attachment_lengths)
{
	const size_t sizes[] = {0,     1,     2,     3,          4,          56,
	                        57,    58,    113,   114,        115,        171,
	                        49133, 49134, 49135, 49134 + 57, 49134 + 56, 2 * 49134 + 1};
	char *path = xasprintf("%s/len.bin", t_tmpdir);
	char *eml = xasprintf("%s/len.eml", t_tmpdir);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(sizes); i++) {
		FILE *f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		for (size_t k = 0; k < sizes[i]; k++)
			fputc((int)((k * 2654435761u) >> 13 & 0xFF), f);
		ck_assert_int_eq(fclose(f), 0);
		struct mime_attachment a;
		t_attach(&a, path, "len.bin", "application/octet-stream");
		struct mime_message m = t_message("lengths", "see attached\n");
		m.attachments = &a;
		m.nattachments = 1;
		FILE *out = fopen(eml, "wb");
		char *err = NULL;
		ck_assert_int_eq(mime_write(out, &m, &err), MIME_EOK);
		ck_assert_int_eq(fclose(out), 0);
		t_compare_streamed(eml, path, sizes[i]);
		close(a.fd);
	}
	free(eml);
	free(path);
}
END_TEST

/* Runs the GMime oracle; returns its exit status, or -1 if not built. */
static int t_mimecheck(const char *const *args)
{
	const char *bd = getenv("BUILD_DIR");
	if (!bd)
		return -1;
	char *exe = xasprintf("%s/tests/mimecheck", bd);
	if (access(exe, X_OK) != 0) {
		free(exe);
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *argv[32] = {exe};
		for (size_t n = 0; args[n] && n + 2 < UTIL_ARRAY_LEN(argv); n++)
			argv[n + 1] = args[n];
		/* quiet: the report is on stdout, the exit status is what counts */
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	free(exe);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

START_TEST(test_gmime_oracle)
{
	size_t len;
	char *png, *log;
	char *out = t_multipart(T_BOUNDARY, &len, &png, &log);
	char *eml = t_make_file("two.eml", out, len);
	char *e1 = xasprintf("%s=%s", T_LONG_NAME, png);
	char *e2 = xasprintf("log.txt=%s", log);
	const char *args[] = {eml,
	                      "--expect-subject",
	                      "提现未到账 Withdrawal not received",
	                      "--expect-from-name",
	                      "张三",
	                      "--expect-attachment",
	                      e1,
	                      "--expect-attachment",
	                      e2,
	                      "--expect-body-contains",
	                      "我的提现没有到账。",
	                      "--expect-parts",
	                      "3",
	                      NULL};
	int rc = t_mimecheck(args);
	if (rc == -1) {
		fprintf(stderr, "mimecheck not built; oracle case skipped\n");
	} else {
		ck_assert_int_eq(rc, 0);
		/* The oracle can fail: a wrong expectation, and a bare LF. */
		args[2] = "something else";
		ck_assert_int_eq(t_mimecheck(args), 1);
		args[2] = "提现未到账 Withdrawal not received";
		out[10] = '\n';
		char *bad = t_make_file("bad.eml", out, len);
		args[0] = bad;
		ck_assert_int_eq(t_mimecheck(args), 1);
		free(bad);
	}
	free(e1);
	free(e2);
	free(eml);
	free(png);
	free(log);
	free(out);
}
END_TEST

START_TEST(test_decode_header)
{
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"=?UTF-8?B?VVNEVOaPkOW4geacquWIsOi0pg==?=", "USDT提币未到账"},
	    {"=?UTF-8?B?5Lit?= =?UTF-8?B?5paH?=", "中文"},
	    {"=?utf-8?q?a_b=3Dc?=", "a b=c"},
	    {"plain text", "plain text"},
	    {"x =?UTF-8?Q?=E4=B8=AD?= y", "x 中 y"},
	    {"=?ISO-8859-1?Q?caf=E9?=", "=?ISO-8859-1?Q?caf=E9?="},
	    {"=?UTF-8?Q?bad=Z?=", "=?UTF-8?Q?bad=Z?="},
	    {"=?UTF-8?B?G1szMW0=?=", "\\x1B[31m"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *d = mime_decode_header(v[i].in);
		ck_assert_str_eq(d, v[i].out);
		free(d);
	}
}
END_TEST

/* The vector encoder (when the CPU has one) and the portable one give the
 * same text, and that text decodes back to the input with the test's own
 * decoder, for every length around the line and vector step sizes and for
 * bytes that reach every alphabet class (0x00-0xFF in a pattern, and
 * random). Each output sits in an exactly-sized heap block so that ASan sees
 * a write past the promised length. */
START_TEST(test_base64_lines_impls)
{
	unsigned seed = 12345;
	for (size_t n = 0; n <= 57 * 9 + 5; n++) {
		for (int pattern = 0; pattern < 3; pattern++) {
			unsigned char *in = malloc(n ? n : 1);
			ck_assert_ptr_nonnull(in);
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				in[i] = pattern == 0   ? (unsigned char)i
				        : pattern == 1 ? (unsigned char)(seed >> 16)
				                       : (unsigned char)(0xFF - i * 7);
			}
			size_t cap = (n + 56) / 57 * 78;
			char *best = malloc(cap ? cap : 1);
			char *port = malloc(cap ? cap : 1);
			ck_assert(best && port);
			size_t lb = mime_base64_lines(in, n, best, MIME_B64_BEST);
			size_t lp = mime_base64_lines(in, n, port, MIME_B64_PORTABLE);
			size_t want = n / 57 * 78 + (n % 57 ? (n % 57 + 2) / 3 * 4 + 2 : 0);
			ck_assert_uint_eq(lb, want);
			ck_assert_uint_eq(lp, want);
			ck_assert_msg(memcmp(best, port, lb) == 0,
			              "implementations differ at n=%zu", n);
			struct strbuf dec;
			strbuf_init(&dec);
			for (size_t off = 0; off < lp; off += 78) {
				size_t l = lp - off < 78 ? lp - off - 2 : 76;
				ck_assert(port[off + l] == '\r' && port[off + l + 1] == '\n');
				t_b64_decode(&dec, port + off, l);
			}
			ck_assert_uint_eq(dec.len, n);
			ck_assert(n == 0 || memcmp(dec.buf, in, n) == 0);
			strbuf_finish(&dec);
			free(best);
			free(port);
			free(in);
		}
	}
}
END_TEST

static Suite *mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_subject_ascii_plain);
	tcase_add_test(tc, test_subject_ascii_with_encoded_word_marker);
	tcase_add_test(tc, test_subject_chinese_emoji_mixed);
	tcase_add_test(tc, test_subject_long_chinese);
	tcase_add_test(tc, test_from_name_forms);
	tcase_add_test(tc, test_date_header);
	tcase_add_test(tc, test_header_order);
	tcase_add_test(tc, test_body_qp_english);
	tcase_add_test(tc, test_body_base64_chinese);
	tcase_add_test(tc, test_body_qp_keeps_characters_whole);
	tcase_add_test(tc, test_body_crlf_normalised);
	tcase_add_test(tc, test_long_lines_limited);
	tcase_add_test(tc, test_refuses_injection);
	tcase_add_test(tc, test_refuses_attachment_fields);
	tcase_add_test(tc, test_multipart_structure);
	tcase_add_test(tc, test_random_boundary);
	tcase_add_test(tc, test_message_id);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_stream_large_attachment);
	tcase_add_test(tc, test_attachment_lengths);
	tcase_add_test(tc, test_gmime_oracle);
	tcase_add_test(tc, test_decode_header);
	tcase_add_test(tc, test_base64_lines_impls);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mime_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
