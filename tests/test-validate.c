/* test-validate.c - every field rule, positive and negative, and the
 * all-at-once report of validate_ticket(). */
#include "validate.h"

#include "diag.h"
#include "i18n.h"
#include "provider.h"
#include "sha256.h"
#include "ticket.h"
#include "util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2026-11-26 12:00:00 UTC: "now" for every test (TICKETMAIL_NOW). */
#define TEST_NOW "1795694400"

/* ------------------------------------------------------------ generators */

/* xorshift64*: deterministic "random" bytes, so failures reproduce. */
static uint64_t test_rng_state = 0x9E3779B97F4A7C15ull;

static unsigned char test_rand_byte(void)
{
	uint64_t x = test_rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	test_rng_state = x;
	return (unsigned char)((x * 0x2545F4914F6CDD1Dull) >> 56);
}

static void test_rand_bytes(unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = test_rand_byte();
}

/* n random hex characters, mixed case when upper. Allocated. */
static char *test_rand_hex(size_t n, bool upper)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	char *s = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		s[i] = (upper && (i & 1) ? up : lo)[test_rand_byte() & 15];
	s[n] = '\0';
	return s;
}

/* Our own base58 encoder (Bitcoin alphabet), independent of the decoder
 * under test: repeated division of the big-endian number by 58. */
static char *test_b58_encode(const unsigned char *in, size_t n)
{
	static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	unsigned char num[128];
	ck_assert_uint_le(n, sizeof num);
	memcpy(num, in, n);
	char digits[200];
	size_t nd = 0;
	size_t start = 0;
	while (start < n && num[start] == 0)
		start++;
	size_t zeros = start;
	while (start < n) {
		unsigned rem = 0;
		for (size_t i = start; i < n; i++) {
			unsigned cur = rem * 256 + num[i];
			num[i] = (unsigned char)(cur / 58);
			rem = cur % 58;
		}
		digits[nd++] = alphabet[rem];
		while (start < n && num[start] == 0)
			start++;
	}
	char *s = xmalloc(zeros + nd + 1);
	memset(s, '1', zeros);
	for (size_t i = 0; i < nd; i++)
		s[zeros + i] = digits[nd - 1 - i];
	s[zeros + nd] = '\0';
	return s;
}

/* Base58Check of version + 20-byte payload (a TRON or legacy BTC address). */
static char *test_b58check(unsigned char version, const unsigned char payload[20], bool corrupt)
{
	unsigned char buf[25], d1[SHA256_DIGEST_LEN], d2[SHA256_DIGEST_LEN];
	buf[0] = version;
	memcpy(buf + 1, payload, 20);
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, buf, 21);
	sha256_final(&c, d1);
	sha256_init(&c);
	sha256_update(&c, d1, sizeof d1);
	sha256_final(&c, d2);
	memcpy(buf + 21, d2, 4);
	if (corrupt)
		buf[24] ^= 0x01;
	return test_b58_encode(buf, sizeof buf);
}

/* A Solana transaction signature: 64 random bytes in base58. */
static char *test_solana_sig(void)
{
	unsigned char sig[64];
	test_rand_bytes(sig, sizeof sig);
	sig[0] |= 0x80; /* a full-size number: 87 or 88 characters */
	return test_b58_encode(sig, sizeof sig);
}

/* ------------------------------------------------------------ helpers */

static void test_set(struct ticket *t, enum ticket_field f, const char *v)
{
	ticket_set(t, f, v, strlen(v), NULL);
}

/* A ticket that passes every rule without a provider. */
static struct ticket *test_good_ticket(void)
{
	struct ticket *t = ticket_new();
	test_set(t, TF_CATEGORY, "deposit-withdrawal");
	test_set(t, TF_SUBJECT, "USDT提币未到账");
	test_set(t, TF_OCCURRED_AT, "2026-11-20 14:32 +08:00");
	test_set(t, TF_DESCRIPTION, "提币已显示完成,但接收钱包未到账。\n\t第二行。");
	test_set(t, TF_UID, "123456789012345678");
	test_set(t, TF_EMAIL, "zhang.san@example.com");
	test_set(t, TF_COIN, "USDT");
	test_set(t, TF_NETWORK, "TRC20");
	test_set(t, TF_AMOUNT, "500.25");
	test_set(t, TF_ADDRESS, "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE");
	char *tx = test_rand_hex(64, false);
	test_set(t, TF_TXID, tx);
	free(tx);
	test_set(t, TF_LANGUAGE, "zh_CN");
	test_set(t, TF_PHONE, "+86 138 0013 8000");
	test_set(t, TF_TELEGRAM, "@zhangsan");
	test_set(t, TF_ORDER_ID, "1234567890123");
	return t;
}

/* Number of entries of severity sev about field f. */
static size_t test_count(const struct diags *d, enum diag_severity sev, int f)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == sev && d->v[i].field == f)
			n++;
	return n;
}

/* The first entry of severity sev about f, or NULL. */
static const struct diag *test_find(const struct diags *d, enum diag_severity sev, int f)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == sev && d->v[i].field == f)
			return &d->v[i];
	return NULL;
}

static void test_dump(const struct diags *d)
{
	diags_print(stderr, d);
}

/* validate_field() must accept value. */
#define ck_ok(f, value)                                                                            \
	do {                                                                                       \
		char *m_ = validate_field((f), (value), strlen(value), NULL);                      \
		ck_assert_msg(m_ == NULL, "%s rejected \"%s\": %s", ticket_fields[f].key, value,   \
		              m_ ? m_ : "");                                                       \
		free(m_);                                                                          \
	} while (0)

/* validate_field() must refuse value with a message containing needle. */
#define ck_bad(f, value, needle)                                                                   \
	do {                                                                                       \
		char *m_ = validate_field((f), (value), strlen(value), NULL);                      \
		ck_assert_msg(m_ != NULL, "%s accepted \"%s\"", ticket_fields[f].key, value);      \
		ck_assert_msg(strstr(m_, (needle)) != NULL, "%s: \"%s\" gave \"%s\", want \"%s\"", \
		              ticket_fields[f].key, value, m_, needle);                            \
		free(m_);                                                                          \
	} while (0)

/* ------------------------------------------------------------ whole ticket */

START_TEST(test_good_ticket_passes)
{
	struct ticket *t = test_good_ticket();
	struct diags d;
	diags_init(&d);
	size_t errors = validate_ticket(t, NULL, &d);
	if (d.n)
		test_dump(&d);
	ck_assert_uint_eq(errors, 0);
	ck_assert_uint_eq(d.n, 0);
	diags_finish(&d);
	ticket_free(t);
}
END_TEST

START_TEST(test_empty_ticket_required)
{
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	/* category, subject, description, occurred_at, and uid-or-email. */
	ck_assert_uint_eq(validate_ticket(t, NULL, &d), 5);
	ck_assert_uint_eq(d.n, 5);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_CATEGORY), 1);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_SUBJECT), 1);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_DESCRIPTION), 1);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_OCCURRED_AT), 1);
	const struct diag *id = test_find(&d, DIAG_ERROR, TF_UID);
	ck_assert_ptr_nonnull(id);
	ck_assert_ptr_nonnull(strstr(id->message, "uid ("));
	ck_assert_ptr_nonnull(strstr(id->message, "email ("));
	const struct diag *subj = test_find(&d, DIAG_ERROR, TF_SUBJECT);
	ck_assert_str_eq(subj->where, "subject");
	ck_assert_ptr_nonnull(strstr(subj->message, "subject (Subject): is required"));
	diags_finish(&d);

	/* Blank is as good as missing; one identifier is enough. */
	test_set(t, TF_CATEGORY, "other");
	test_set(t, TF_SUBJECT, "   ");
	test_set(t, TF_DESCRIPTION, "Something happened.");
	test_set(t, TF_OCCURRED_AT, "2026-11-20 14:32 Z");
	test_set(t, TF_EMAIL, "a@example.com");
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, NULL, &d), 1);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_SUBJECT), 1);
	diags_finish(&d);
	ticket_free(t);
}
END_TEST

START_TEST(test_all_problems_at_once)
{
	struct ticket *t = test_good_ticket();
	struct ticket_origin o = {"my ticket.ini", 12};
	ticket_set(t, TF_EMAIL, "user@@example.com", 17, &o);    /* error */
	test_set(t, TF_UID, "12345");                            /* warning */
	test_set(t, TF_OCCURRED_AT, "2026-02-30 10:00 +08:00");  /* error */
	test_set(t, TF_AMOUNT, "1,000");                         /* error */
	test_set(t, TF_NAME, "Zhang\x7F");                       /* error */
	test_set(t, TF_SUBJECT, "USDT \xE2\x80\xAE withdrawal"); /* error */
	test_set(t, TF_PHONE, "12");                             /* error */
	test_set(t, TF_TELEGRAM, "zhangsan");                    /* note */
	test_set(t, TF_TXID, "0x1234");                          /* error */
	test_set(t, TF_COIN, "US DT");                           /* error */
	struct diags d;
	diags_init(&d);
	size_t errors = validate_ticket(t, NULL, &d);
	ck_assert_uint_eq(errors, 8);
	ck_assert_uint_eq(diags_count(&d, DIAG_ERROR), 8);
	ck_assert_uint_eq(diags_count(&d, DIAG_WARNING), 1);
	ck_assert_uint_eq(diags_count(&d, DIAG_NOTE), 1);
	ck_assert_uint_eq(d.n, 10);
	const struct diag *e = test_find(&d, DIAG_ERROR, TF_EMAIL);
	ck_assert_str_eq(e->where, "my ticket.ini:12");
	ck_assert_ptr_nonnull(strstr(e->message, "email (Registered email): "));
	const struct diag *a = test_find(&d, DIAG_ERROR, TF_AMOUNT);
	ck_assert_str_eq(a->where, "amount");
	ck_assert_str_eq(test_find(&d, DIAG_WARNING, TF_UID)->kind, "uid");
	ck_assert_str_eq(ticket_get(t, TF_TELEGRAM), "@zhangsan");
	diags_finish(&d);
	ticket_free(t);
}
END_TEST

/* ------------------------------------------------------------ characters */

START_TEST(test_forbidden_characters)
{
	struct ticket *t = test_good_ticket();
	struct ticket_origin o = {"t.ini", 3};
	const char *bidi = "USDT\xE2\x80\xAEtxt.exe";
	ticket_set(t, TF_SUBJECT, bidi, strlen(bidi), &o);
	struct diags d;
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, NULL, &d), 1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].where, "t.ini:3");
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "U+202E"));
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "RIGHT-TO-LEFT OVERRIDE"));
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "column 5"));
	/* Never echoed raw, and never stripped. */
	ck_assert_ptr_null(strstr(d.v[0].message, "\xE2\x80\xAE"));
	ck_assert_str_eq(ticket_get(t, TF_SUBJECT), bidi);
	diags_finish(&d);
	ticket_free(t);

	ck_bad(TF_NAME, "Zhang\x7F", "U+007F");
	ck_bad(TF_NAME, "Zhang\xC2\x85", "U+0085"); /* C1 NEL */
	ck_bad(TF_NAME,
	       "a\xE2\x81\xA6"
	       "b",
	       "U+2066"); /* isolate */
	ck_bad(TF_NAME,
	       "a\xE2\x80\x8F"
	       "b",
	       "U+200F");
	ck_bad(TF_NAME, "a\x1b[31mred", "U+001B");
	ck_bad(TF_SUBJECT, "two\nlines", "line break");
	ck_bad(TF_DESCRIPTION, "line one\r\nline two", "U+000D");
	ck_bad(TF_DESCRIPTION, "ok\nok\nbad\x01", "line 3, column 4");
	ck_bad(TF_NAME,
	       "a\x01"
	       "b\x02"
	       "c",
	       "and 1 more");
	ck_ok(TF_DESCRIPTION, "line one\nline two\twith a tab");
	ck_ok(TF_NAME, "Zhang\tSan");
	ck_ok(TF_NAME, "张三 😀");

	/* Invalid UTF-8: stray continuation, overlong, surrogate, truncated. */
	ck_bad(TF_NAME, "abc\x80", "not valid UTF-8");
	ck_bad(TF_NAME, "\xC0\xAF", "byte 0xC0");
	ck_bad(TF_NAME, "\xED\xA0\x80", "not valid UTF-8");
	ck_bad(TF_NAME, "ab\xE5\xBC", "column 3");

	/* An embedded NUL, seen where the length is still known. */
	char *m = validate_field(TF_UID,
	                         "1234\0"
	                         "5678",
	                         9, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(m, "U+0000"));
	ck_assert_ptr_nonnull(strstr(m, "column 5"));
	free(m);
	/* ticket_set() with that length stores the C string up to the NUL, so
	 * the rest cannot reach the email; what is stored is judged. */
	t = ticket_new();
	ticket_set(t, TF_UID,
	           "12\0"
	           "34567890",
	           11, NULL);
	ck_assert_str_eq(ticket_get(t, TF_UID), "12");
	diags_init(&d);
	validate_ticket(t, NULL, &d);
	ck_assert_uint_eq(test_count(&d, DIAG_WARNING, TF_UID), 1);
	diags_finish(&d);
	ticket_free(t);
}
END_TEST

START_TEST(test_attachment_path_characters)
{
	struct ticket *t = test_good_ticket();
	struct ticket_origin o = {"t.ini", 30};
	ticket_attach_add(t, "shot.png", &o);
	ticket_attach_add(t, "evil\xE2\x80\xAEgnp.exe", &o);
	struct diags d;
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, NULL, &d), 1);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_ATTACHMENT), 1);
	ck_assert_str_eq(d.v[0].where, "t.ini:30");
	diags_finish(&d);
	ticket_free(t);
}
END_TEST

/* ------------------------------------------------------------ subject */

START_TEST(test_subject)
{
	char buf[200];
	memset(buf, 'a', 78);
	buf[78] = '\0';
	ck_ok(TF_SUBJECT, buf);
	buf[78] = 'a';
	buf[79] = '\0';
	ck_bad(TF_SUBJECT, buf, "79 characters");
	/* Code points, not bytes: 78 Chinese characters are 234 bytes. */
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 78; i++)
		strbuf_adds(&sb, "币");
	ck_ok(TF_SUBJECT, sb.buf);
	strbuf_adds(&sb, "币");
	ck_bad(TF_SUBJECT, sb.buf, "79 characters");
	strbuf_finish(&sb);
	ck_bad(TF_SUBJECT, "", "is required");
	ck_bad(TF_SUBJECT, "a\nb", "one line");

	/* Fewer than 4 characters: a warning, not an error. */
	ck_ok(TF_SUBJECT, "abc");
	struct ticket *t = test_good_ticket();
	test_set(t, TF_SUBJECT, "abc");
	struct diags d;
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, NULL, &d), 0);
	ck_assert_uint_eq(test_count(&d, DIAG_WARNING, TF_SUBJECT), 1);
	diags_finish(&d);
	test_set(t, TF_SUBJECT, "登录异常");
	diags_init(&d);
	validate_ticket(t, NULL, &d);
	ck_assert_uint_eq(d.n, 0);
	diags_finish(&d);
	ticket_free(t);
}
END_TEST

/* ------------------------------------------------------------ email */

START_TEST(test_email)
{
	static const char *const good[] = {
	    "name@example.com",
	    "first.last@sub.example.co.uk",
	    "a+tag@example.com",
	    "o'brien@example.ie",
	    "x!#$%&'*+-/=?^_`{|}~@example.com",
	    "\"john doe\"@example.com",
	    "\"a\\\"b\"@example.com",
	    "user@[192.0.2.1]",
	    "user@xn--fiqs8s.xn--fiqz9s",
	    "user@a-b.c0m",
	    "u@e.co",
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(good); i++) {
		ck_assert_msg(validate_email(good[i]), "refused %s", good[i]);
		ck_ok(TF_EMAIL, good[i]);
	}
	static const char *const bad[] = {
	    "",
	    "plain",
	    "@example.com",
	    "user@",
	    ".user@example.com",
	    "user.@example.com",
	    "us..er@example.com",
	    "us er@example.com",
	    "user@example",
	    "user@example.123",
	    "user@-example.com",
	    "user@example-.com",
	    "user@exa_mple.com",
	    "user@example..com",
	    "user@example.com.",
	    "user@[300.1.1.1]",
	    "user@[1.2.3]",
	    "user@[IPv6:::1]",
	    "\"unterminated@example.com",
	    "\"tab\there\"@example.com",
	    "Zhang <z@example.com>",
	    "用户@example.com",
	    "user@例子.中国",
	    "a@b@example.com",
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(bad); i++)
		ck_assert_msg(!validate_email(bad[i]), "accepted %s", bad[i]);
	ck_assert(!validate_email(NULL));

	ck_bad(TF_EMAIL, "用户@example.com", "SMTPUTF8");
	ck_bad(TF_EMAIL, "user@例子.中国", "xn--");
	ck_bad(TF_EMAIL, "\"a\x01\"@example.com", "U+0001");
	ck_bad(TF_EMAIL, "us..er@example.com", "two dots");
	ck_bad(TF_EMAIL, "user@example", "two parts");
	ck_bad(TF_EMAIL, "user@example.123", "all digits");
	ck_bad(TF_EMAIL, "Zhang <z@example.com>", "angle brackets");
	ck_bad(TF_EMAIL, "us er@example.com", "a space");

	/* Lengths: local part 64, label 63, domain 255, whole 254. */
	char buf[400];
	memset(buf, 'a', 64);
	snprintf(buf + 64, sizeof buf - 64, "@example.com");
	ck_assert(validate_email(buf));
	memset(buf, 'a', 65);
	snprintf(buf + 65, sizeof buf - 65, "@example.com");
	ck_assert(!validate_email(buf));
	ck_bad(TF_EMAIL, buf, "64 characters");
	buf[0] = 'a';
	buf[1] = '@';
	memset(buf + 2, 'b', 63);
	snprintf(buf + 65, sizeof buf - 65, ".com");
	ck_assert(validate_email(buf));
	memset(buf + 2, 'b', 64);
	snprintf(buf + 66, sizeof buf - 66, ".com");
	ck_assert(!validate_email(buf));
	/* 64 + 1 + 189 = 254 accepted; one more refused. */
	size_t n = 0;
	memset(buf, 'a', 64);
	n = 64;
	buf[n++] = '@';
	while (n < 254 - 4) {
		size_t lab = 254 - 4 - n > 40 ? 40 : 254 - 4 - n;
		memset(buf + n, 'd', lab);
		n += lab;
		if (n < 254 - 4)
			buf[n++] = '.';
	}
	snprintf(buf + n, sizeof buf - n, ".com");
	ck_assert_uint_eq(strlen(buf), 254);
	ck_assert_msg(validate_email(buf), "refused 254: %s", buf);
	buf[64 + 1] = 'e';
	memmove(buf + 66, buf + 65, strlen(buf + 65) + 1);
	ck_assert_uint_eq(strlen(buf), 255);
	ck_assert(!validate_email(buf));
}
END_TEST

/* ------------------------------------------------------------ uid */

START_TEST(test_uid)
{
	ck_ok(TF_UID, "123456789012345678");
	ck_ok(TF_UID, "12345678");
	ck_ok(TF_UID, "12345"); /* warning only */
	ck_bad(TF_UID, "12345a789", "column 6");
	ck_bad(TF_UID, "-1234567890", "digits only");
	ck_bad(TF_UID, " 123456789", "digits only");

	static const char *const lens[] = {"1234567", "123456789012345678901", "12345678",
	                                   "12345678901234567890"};
	static const size_t warns[] = {1, 1, 0, 0};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(lens); i++) {
		struct ticket *t = test_good_ticket();
		test_set(t, TF_UID, lens[i]);
		struct diags d;
		diags_init(&d);
		ck_assert_uint_eq(validate_ticket(t, NULL, &d), 0);
		ck_assert_uint_eq(test_count(&d, DIAG_WARNING, TF_UID), warns[i]);
		diags_finish(&d);
		ticket_free(t);
	}
}
END_TEST

/* ------------------------------------------------------------ date and time */

START_TEST(test_datetime_forms)
{
	static const struct {
		const char *s;
		int y, mo, d, h, mi, sec;
		bool has_sec;
		int off;
	} good[] = {
	    {"2026-11-20 14:32 +08:00", 2026, 11, 20, 14, 32, 0, false, 480},
	    {"2026-11-20 14:32:05 +0800", 2026, 11, 20, 14, 32, 5, true, 480},
	    {"2026-11-20 14:32 -05:30", 2026, 11, 20, 14, 32, 0, false, -330},
	    {"2026-11-20 14:32 Z", 2026, 11, 20, 14, 32, 0, false, 0},
	    {"2026-11-20 14:32 UTC", 2026, 11, 20, 14, 32, 0, false, 0},
	    {"2026-11-20 14:32 UTC+8", 2026, 11, 20, 14, 32, 0, false, 480},
	    {"2026-11-20 14:32 UTC+08:00", 2026, 11, 20, 14, 32, 0, false, 480},
	    {"2026-11-20 14:32 GMT+8", 2026, 11, 20, 14, 32, 0, false, 480},
	    {"2026-11-20 14:32 utc-3", 2026, 11, 20, 14, 32, 0, false, -180},
	    {"2026-11-20T14:32:00+08:00", 2026, 11, 20, 14, 32, 0, true, 480},
	    {"2026-11-20T06:32Z", 2026, 11, 20, 6, 32, 0, false, 0},
	    {"2026-11-20T06:32:00.123Z", 2026, 11, 20, 6, 32, 0, true, 0},
	    {"2024-02-29 00:00 +14:00", 2024, 2, 29, 0, 0, 0, false, 840},
	    {"2000-02-29 23:59:59 -14:00", 2000, 2, 29, 23, 59, 59, true, -840},
	    {"2026-1-5 9:05 +08:00", 2026, 1, 5, 9, 5, 0, false, 480},
	    {"2026-11-20 14:32 北京时间", 2026, 11, 20, 14, 32, 0, false, 480},
	    {"2026-11-20 14:32（北京时间）", 2026, 11, 20, 14, 32, 0, false, 480},
	    {"2026-11-20 14:32 Beijing time", 2026, 11, 20, 14, 32, 0, false, 480},
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(good); i++) {
		struct validate_datetime dt;
		ck_assert_msg(validate_datetime(good[i].s, &dt), "refused %s", good[i].s);
		ck_assert_int_eq(dt.year, good[i].y);
		ck_assert_int_eq(dt.month, good[i].mo);
		ck_assert_int_eq(dt.day, good[i].d);
		ck_assert_int_eq(dt.hour, good[i].h);
		ck_assert_int_eq(dt.minute, good[i].mi);
		ck_assert_int_eq(dt.second, good[i].sec);
		ck_assert_int_eq(dt.has_seconds, good[i].has_sec);
		ck_assert_int_eq(dt.offset_minutes, good[i].off);
		ck_ok(TF_OCCURRED_AT, good[i].s);
	}
	static const char *const bad[] = {
	    "2026-11-20 14:32",        "2026-11-20T14:32:00",        "2026-11-20",
	    "2025-02-29 10:00 +08:00", "1900-02-29 10:00 +08:00",    "2026-04-31 10:00 +08:00",
	    "2026-13-01 10:00 +08:00", "2026-00-10 10:00 +08:00",    "2026-11-20 24:00 +08:00",
	    "2026-11-20 12:60 +08:00", "2026-11-20 12:00:60 +08:00", "2026-11-20 12:00 +15:00",
	    "2026-11-20 12:00 +14:01", "2026-11-20 12:00 +08:60",    "2026-11-20 12:00 CST",
	    "20/11/2026 12:00 +08:00", "2026-11-20 12:00 +08:00 x",  "yesterday",
	    "2026-11-20 12 +08:00",    "2026-11-20 12:00 UTC+",      "",
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(bad); i++)
		ck_assert_msg(!validate_datetime(bad[i], NULL), "accepted %s", bad[i]);
	ck_assert(!validate_datetime(NULL, NULL));

	ck_bad(TF_OCCURRED_AT, "2026-11-20 14:32", "add one, e.g. \"2026-11-20 14:32 +08:00\"");
	ck_bad(TF_OCCURRED_AT, "2025-02-29 10:00 +08:00", "2025-02-29 is not a real date");
	ck_bad(TF_OCCURRED_AT, "2026-11-20 24:00 +08:00", "not a valid time");
	ck_bad(TF_OCCURRED_AT, "2026-11-20 12:00 +15:00", "-14:00 and +14:00");
	ck_bad(TF_OCCURRED_AT, "2026-11-20 12:00 CST", "+08:00");
	/* A letters-only zone is a name or abbreviation: not read (many are
	 * ambiguous), with the numeric form to use instead. */
	static const char *const abbr[] = {"CST", "cst", "PST", "CEST", "HKT", "ChADT"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(abbr); i++) {
		char *v = xasprintf("2026-11-20 12:00 %s ", abbr[i]);
		char *want = xasprintf("has the time zone written as %s, a name or abbreviation, "
		                       "which is not read (many are ambiguous: CST is China, US "
		                       "Central and Cuba time); write the offset from UTC instead, "
		                       "e.g. +08:00 for China",
		                       abbr[i]);
		ck_bad(TF_OCCURRED_AT, v, want);
		free(want);
		free(v);
	}
	ck_bad(TF_OCCURRED_AT, "2026-11-20 12:00 CST+8", "-14:00 and +14:00");
	ck_bad(TF_OCCURRED_AT, "2026-11-20 12:00 Antarctica", "-14:00 and +14:00");
	ck_bad(TF_OCCURRED_AT, "yesterday", "YYYY-MM-DD HH:MM");
}
END_TEST

START_TEST(test_datetime_future)
{
	/* Now is 2026-11-26 12:00 UTC. */
	static const struct {
		const char *s;
		size_t warnings;
	} cases[] = {
	    {"2026-11-27 12:00 Z", 0},      /* exactly a day ahead */
	    {"2026-11-27 12:00:01 Z", 1},   /* a second more */
	    {"2026-11-27 20:00 +08:00", 0}, /* 12:00 UTC */
	    {"2026-11-27 20:01 +08:00", 1}, {"2026-11-27 12:01 +08:00", 0}, /* 04:01 UTC */
	    {"2027-01-01 00:00 Z", 1},      {"2020-01-01 00:00 Z", 0},
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		struct ticket *t = test_good_ticket();
		test_set(t, TF_OCCURRED_AT, cases[i].s);
		struct diags d;
		diags_init(&d);
		ck_assert_uint_eq(validate_ticket(t, NULL, &d), 0);
		ck_assert_msg(test_count(&d, DIAG_WARNING, TF_OCCURRED_AT) == cases[i].warnings,
		              "%s", cases[i].s);
		diags_finish(&d);
		ticket_free(t);
	}
	/* A different pinned "now" moves the line. */
	setenv("TICKETMAIL_NOW", "1830297600", 1); /* 2028-01-01 */
	struct ticket *t = test_good_ticket();
	test_set(t, TF_OCCURRED_AT, "2027-01-01 00:00 Z");
	struct diags d;
	diags_init(&d);
	validate_ticket(t, NULL, &d);
	ck_assert_uint_eq(d.n, 0);
	diags_finish(&d);
	ticket_free(t);
	setenv("TICKETMAIL_NOW", TEST_NOW, 1);
}
END_TEST

/* ------------------------------------------------------------ amount, coin, ids */

START_TEST(test_amount)
{
	static const char *const good[] = {"500",        "0.5", "1000.25",
	                                   "0.00000001", "007", "123456789012345678.123456789"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(good); i++)
		ck_ok(TF_AMOUNT, good[i]);
	ck_bad(TF_AMOUNT, "-5", "positive");
	ck_bad(TF_AMOUNT, "+5", "without a sign");
	ck_bad(TF_AMOUNT, "0", "greater than zero");
	ck_bad(TF_AMOUNT, "0.000", "greater than zero");
	ck_bad(TF_AMOUNT, "1,000", "thousands separators");
	ck_bad(TF_AMOUNT, "1,5", "thousands separators");
	ck_bad(TF_AMOUNT, "1 000", "thousands separators");
	ck_bad(TF_AMOUNT, "1'000", "thousands separators");
	ck_bad(TF_AMOUNT, "1_000", "thousands separators");
	ck_bad(TF_AMOUNT, "1.2.3", "more than one decimal point");
	ck_bad(TF_AMOUNT, "1e5", "exponent");
	ck_bad(TF_AMOUNT, "2.5E-3", "exponent");
	ck_bad(TF_AMOUNT, "500 USDT", "put the coin in coin");
	ck_bad(TF_AMOUNT, "500USDT", "put the coin in coin");
	ck_bad(TF_AMOUNT, "5eth", "put the coin in coin");
	ck_bad(TF_AMOUNT, ".5", "not a decimal number");
	ck_bad(TF_AMOUNT, "5.", "not a decimal number");
	ck_bad(TF_AMOUNT, "abc", "not a decimal number");
	ck_bad(TF_AMOUNT, "0x10", "not a decimal number");
}
END_TEST

START_TEST(test_coin_order_provider_category)
{
	ck_ok(TF_COIN, "USDT");
	ck_ok(TF_COIN, "usdt");
	ck_ok(TF_COIN, "1INCH");
	ck_ok(TF_COIN, "ABCDEFGHIJKLMNO");
	ck_bad(TF_COIN, "ABCDEFGHIJKLMNOP", "1-15");
	ck_bad(TF_COIN, "USD-T", "1-15");
	ck_bad(TF_COIN, "泰达币", "1-15");

	ck_ok(TF_ORDER_ID, "1234567890123");
	ck_ok(TF_ORDER_ID, "W-2026_11-20");
	char buf[80];
	memset(buf, '9', 64);
	buf[64] = '\0';
	ck_ok(TF_ORDER_ID, buf);
	buf[64] = '9';
	buf[65] = '\0';
	ck_bad(TF_ORDER_ID, buf, "1-64");
	ck_bad(TF_ORDER_ID, "12 34", "1-64");
	ck_bad(TF_ORDER_ID, "12#34", "1-64");

	ck_ok(TF_PROVIDER, "okx");
	ck_ok(TF_PROVIDER, "some-exchange2");
	ck_bad(TF_PROVIDER, "OKX", "lower-case");
	ck_bad(TF_PROVIDER, "okx.com", "lower-case");
	ck_bad(TF_PROVIDER, "../etc", "lower-case");

	ck_ok(TF_CATEGORY, "deposit-withdrawal");
	ck_bad(TF_CATEGORY, "Deposit", "lower-case");
	ck_bad(TF_CATEGORY, "", "is required");
}
END_TEST

START_TEST(test_phone)
{
	ck_ok(TF_PHONE, "+86 138 0013 8000");
	ck_ok(TF_PHONE, "+1 (415) 555-0100");
	ck_ok(TF_PHONE, "1234567");
	ck_ok(TF_PHONE, "+123456789012345");
	ck_bad(TF_PHONE, "123456", "has 6 digits");
	ck_bad(TF_PHONE, "+1234567890123456", "has 16 digits");
	ck_bad(TF_PHONE, "138 0013 8000 ext 5", "only digits");
	ck_bad(TF_PHONE, "138+0013", "only digits");
	ck_bad(TF_PHONE, "++86 1380013800", "only digits");
	ck_bad(TF_PHONE, "+86.138.0013.8000", "only digits");
}
END_TEST

START_TEST(test_telegram)
{
	ck_ok(TF_TELEGRAM, "@zhangsan");
	ck_ok(TF_TELEGRAM, "zhangsan");
	ck_ok(TF_TELEGRAM, "https://t.me/zhang_san");
	ck_ok(TF_TELEGRAM, "t.me/zhang_san");
	ck_ok(TF_TELEGRAM, "@abcde");
	ck_bad(TF_TELEGRAM, "@abcd", "5-32");
	ck_bad(TF_TELEGRAM, "@1abcde", "starting with a letter");
	ck_bad(TF_TELEGRAM, "@_abcde", "starting with a letter");
	ck_bad(TF_TELEGRAM, "@abc-de", "5-32");
	ck_bad(TF_TELEGRAM, "@abcdefghijklmnopqrstuvwxyz1234567", "5-32");
	ck_bad(TF_TELEGRAM, "https://t.me/", "5-32");

	static const struct {
		const char *in, *out;
		size_t notes;
	} cases[] = {
	    {"@zhangsan", "@zhangsan", 0},
	    {"zhangsan", "@zhangsan", 1},
	    {"https://t.me/zhang_san", "@zhang_san", 1},
	    {"HTTPS://T.ME/Zhang_San", "@Zhang_San", 1},
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		struct ticket *t = test_good_ticket();
		struct ticket_origin o = {"t.ini", 40};
		ticket_set(t, TF_TELEGRAM, cases[i].in, strlen(cases[i].in), &o);
		struct diags d;
		diags_init(&d);
		ck_assert_uint_eq(validate_ticket(t, NULL, &d), 0);
		ck_assert_uint_eq(test_count(&d, DIAG_NOTE, TF_TELEGRAM), cases[i].notes);
		ck_assert_str_eq(ticket_get(t, TF_TELEGRAM), cases[i].out);
		/* The origin survives the normalisation. */
		ck_assert_str_eq(ticket_origin_of(t, TF_TELEGRAM).file, "t.ini");
		ck_assert_uint_eq(ticket_origin_of(t, TF_TELEGRAM).line, 40);
		diags_finish(&d);
		ticket_free(t);
	}
}
END_TEST

START_TEST(test_language)
{
	ck_ok(TF_LANGUAGE, "zh_CN");
	ck_ok(TF_LANGUAGE, "en");
	ck_ok(TF_LANGUAGE, "zh");
	ck_bad(TF_LANGUAGE, "fr", "zh_CN or en");
	ck_bad(TF_LANGUAGE, "français", "zh_CN or en");
	ck_bad(TF_LANGUAGE, "日本語", "zh_CN or en");
	ck_bad(TF_LANGUAGE, "中文版", "zh_CN or en");

	static const struct {
		const char *in, *out;
		size_t notes;
	} cases[] = {
	    {"zh_CN", "zh_CN", 0},   {"en", "en", 0},          {"zh", "zh_CN", 1},
	    {"zh-Hans", "zh_CN", 1}, {"en_US.UTF-8", "en", 1}, {"EN", "en", 1},
	    {"English", "en", 1},    {"ENGLISH", "en", 1},     {"english", "en", 1},
	    {"En_us", "en", 1},      {"ZH_cn", "zh_CN", 1},    {"ZH", "zh_CN", 1},
	    {"Chinese", "zh_CN", 1}, {"中文", "zh_CN", 1},     {"简体中文", "zh_CN", 1},
	    {"汉语", "zh_CN", 1},    {"英文", "en", 1},        {"英语", "en", 1},
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		struct ticket *t = test_good_ticket();
		test_set(t, TF_LANGUAGE, cases[i].in);
		struct diags d;
		diags_init(&d);
		ck_assert_uint_eq(validate_ticket(t, NULL, &d), 0);
		ck_assert_uint_eq(test_count(&d, DIAG_NOTE, TF_LANGUAGE), cases[i].notes);
		ck_assert_str_eq(ticket_get(t, TF_LANGUAGE), cases[i].out);
		diags_finish(&d);
		ticket_free(t);
	}
}
END_TEST

/* ------------------------------------------------------------ network, TxID */

START_TEST(test_network)
{
	static const char *const known[] = {
	    "BTC",      "Bitcoin",
	    "ERC20",    "erc-20",
	    "Ethereum", "ETH",
	    "TRC20",    "tron",
	    "TRX",      "BEP20",
	    "BSC",      "Polygon",
	    "MATIC",    "Arbitrum One",
	    "ARB",      "arbitrum-one",
	    "Optimism", "OP",
	    "Base",     "Avalanche C",
	    "AVAXC",    "Avalanche C-Chain",
	    "Solana",   "SOL",
	    "X Layer",  "xlayer",
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(known); i++) {
		struct ticket *t = test_good_ticket();
		test_set(t, TF_NETWORK, known[i]);
		ticket_set(t, TF_TXID, NULL, 0, NULL);
		ticket_set(t, TF_ADDRESS, NULL, 0, NULL);
		struct diags d;
		diags_init(&d);
		validate_ticket(t, NULL, &d);
		ck_assert_msg(d.n == 0, "network %s not known", known[i]);
		diags_finish(&d);
		ticket_free(t);
	}
	/* Unknown: a warning, and the TxID is then not checked by format. */
	struct ticket *t = test_good_ticket();
	test_set(t, TF_NETWORK, "Aptos");
	test_set(t, TF_TXID, "not-a-hash-we-know");
	test_set(t, TF_ADDRESS, "0x1");
	struct diags d;
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, NULL, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(test_count(&d, DIAG_WARNING, TF_NETWORK), 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "not checked"));
	diags_finish(&d);
	ticket_free(t);
}
END_TEST

/* Every network family with real-format hashes. */
START_TEST(test_txid_by_network)
{
	char *hex = test_rand_hex(64, false);
	char *hexmix = test_rand_hex(64, true);
	char *hex0x = xasprintf("0x%s", hex);
	char *sig = test_solana_sig();
	size_t siglen = strlen(sig);
	ck_assert_msg(siglen == 87 || siglen == 88, "signature of %zu characters", siglen);
	char *norm = NULL;
	char *m;

	/* BTC and TRON: 64 hex, no 0x. */
	static const char *const plain[] = {"BTC", "Bitcoin", "TRC20", "TRON", "trx"};
	const char last = hex[63];
	for (size_t i = 0; i < UTIL_ARRAY_LEN(plain); i++) {
		ck_assert_ptr_null(validate_txid(hex, plain[i], &norm));
		ck_assert_ptr_null(norm);
		ck_assert_ptr_null(validate_txid(hexmix, plain[i], NULL));
		m = validate_txid(hex0x, plain[i], &norm);
		ck_assert_ptr_nonnull(m);
		ck_assert_ptr_nonnull(strstr(m, "remove the 0x"));
		ck_assert_ptr_null(norm);
		free(m);
		hex[63] = '\0';
		m = validate_txid(hex, plain[i], NULL);
		ck_assert_ptr_nonnull(strstr(m, "63 characters"));
		free(m);
		hex[63] = 'g';
		m = validate_txid(hex, plain[i], NULL);
		ck_assert_ptr_nonnull(m);
		free(m);
		hex[63] = last;
		m = validate_txid(sig, plain[i], NULL);
		ck_assert_ptr_nonnull(m);
		free(m);
	}

	/* EVM: 0x + 64 hex; without 0x it is normalised. */
	static const char *const evm[] = {"ERC20",    "BEP20", "Polygon", "Arbitrum One",
	                                  "Optimism", "Base",  "AVAXC",   "X Layer"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(evm); i++) {
		ck_assert_ptr_null(validate_txid(hex0x, evm[i], &norm));
		ck_assert_ptr_null(norm);
		ck_assert_ptr_null(validate_txid(hex, evm[i], &norm));
		ck_assert_ptr_nonnull(norm);
		ck_assert_str_eq(norm, hex0x);
		free(norm);
		char *upper0x = xasprintf("0X%s", hex);
		ck_assert_ptr_null(validate_txid(upper0x, evm[i], &norm));
		ck_assert_str_eq(norm, hex0x);
		free(norm);
		free(upper0x);
		char *addr = test_rand_hex(40, false);
		char *addr0x = xasprintf("0x%s", addr);
		m = validate_txid(addr0x, evm[i], NULL);
		ck_assert_ptr_nonnull(strstr(m, "address"));
		free(m);
		free(addr0x);
		free(addr);
		m = validate_txid("0x1234", evm[i], NULL);
		ck_assert_ptr_nonnull(strstr(m, "6 characters"));
		free(m);
		m = validate_txid(sig, evm[i], NULL);
		ck_assert_ptr_nonnull(m);
		free(m);
	}

	/* Solana: base58 decoding to 64 bytes. */
	ck_assert_ptr_null(validate_txid(sig, "Solana", &norm));
	ck_assert_ptr_null(norm);
	ck_assert_ptr_null(validate_txid(sig, "SOL", NULL));
	m = validate_txid(hex, "Solana", NULL);
	ck_assert_ptr_nonnull(strstr(m, "not base58"));
	free(m);
	unsigned char short_sig[32];
	test_rand_bytes(short_sig, sizeof short_sig);
	short_sig[0] |= 0x80;
	char *pubkey = test_b58_encode(short_sig, sizeof short_sig);
	m = validate_txid(pubkey, "Solana", NULL);
	ck_assert_ptr_nonnull(strstr(m, "decodes to 32 bytes"));
	free(m);
	char *sig0 = xstrdup(sig);
	sig0[10] = '0';
	m = validate_txid(sig0, "Solana", NULL);
	ck_assert_ptr_nonnull(strstr(m, "column 11"));
	free(m);
	char *sig_long = xasprintf("%s%s", sig, "2");
	m = validate_txid(sig_long, "Solana", NULL);
	ck_assert_ptr_nonnull(m);
	free(m);
	/* All-zero signature: leading '1's are zero bytes. */
	unsigned char zeros[64] = {0};
	zeros[63] = 1;
	char *zsig = test_b58_encode(zeros, sizeof zeros);
	ck_assert_ptr_null(validate_txid(zsig, "Solana", NULL));

	/* Spaces are refused for every network. */
	char *spaced = xasprintf("%.32s %s", hex, hex + 32);
	m = validate_txid(spaced, "TRC20", NULL);
	ck_assert_ptr_nonnull(strstr(m, "column 33"));
	free(m);
	m = validate_txid(spaced, "Aptos", NULL);
	ck_assert_ptr_nonnull(m);
	free(m);

	free(spaced);
	free(zsig);
	free(sig_long);
	free(sig0);
	free(pubkey);
	free(sig);
	free(hex0x);
	free(hexmix);
	free(hex);
}
END_TEST

/* The network's name goes into the TxID and address messages without an
 * article, so none can read "a Ethereum" or "a X Layer". */
START_TEST(test_network_messages_no_article)
{
	static const char *const networks[] = {"BTC",     "ERC20",        "TRC20",    "BEP20",
	                                       "Polygon", "Arbitrum One", "Optimism", "Base",
	                                       "AVAXC",   "Solana",       "X Layer"};
	static const char *const names[] = {"Bitcoin",   "Ethereum", "TRON",     "BNB",
	                                    "Polygon",   "Arbitrum", "Optimism", "Base",
	                                    "Avalanche", "Solana",   "X Layer"};
	char *hex = test_rand_hex(64, false);
	char *hex0x = xasprintf("0x%s", hex);
	char *addr0x = xasprintf("0x%.40s", hex);
	char *sig = test_solana_sig();
	char *sig0 = xstrdup(sig);
	sig0[5] = '0';
	char *longsig = xasprintf("%s%s", sig, sig);
	const char *const txids[] = {hex, hex0x, addr0x, "0x1234", sig0, longsig, "1111"};
	const char *const addresses[] = {"0x1234", "T1234", "zz", addr0x, hex};
	size_t checked = 0;
	for (size_t n = 0; n < UTIL_ARRAY_LEN(networks); n++) {
		struct ticket *ctx = test_good_ticket();
		test_set(ctx, TF_NETWORK, networks[n]);
		for (size_t k = 0; k < UTIL_ARRAY_LEN(txids) + UTIL_ARRAY_LEN(addresses); k++) {
			bool is_tx = k < UTIL_ARRAY_LEN(txids);
			const char *v = is_tx ? txids[k] : addresses[k - UTIL_ARRAY_LEN(txids)];
			char *m = validate_field(is_tx ? TF_TXID : TF_ADDRESS, v, strlen(v), ctx);
			if (!m)
				continue;
			checked++;
			for (size_t i = 0; i < UTIL_ARRAY_LEN(names); i++) {
				char *a = xasprintf("a %s", names[i]);
				char *an = xasprintf("an %s", names[i]);
				ck_assert_msg(!strstr(m, a) && !strstr(m, an), "%s, %s: %s",
				              networks[n], v, m);
				free(a);
				free(an);
			}
			free(m);
		}
		ticket_free(ctx);
	}
	ck_assert_uint_gt(checked, 60);
	char *m = validate_txid("0x1234", "ERC20", NULL);
	ck_assert_str_eq(m, "Ethereum (ERC20) TxIDs are 0x followed by 64 hexadecimal characters; "
	                    "this one has 6 characters");
	free(m);
	free(longsig);
	free(sig0);
	free(sig);
	free(addr0x);
	free(hex0x);
	free(hex);
}
END_TEST

START_TEST(test_txid_without_network)
{
	char *hex = test_rand_hex(64, false);
	char *hex0x = xasprintf("0x%s", hex);
	char *sig = test_solana_sig();
	char *norm = NULL;

	/* Ambiguous: 64 hex could be BTC, TRON or EVM without 0x. */
	char *m = validate_txid(hex, NULL, &norm);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(m, "set network"));
	ck_assert_ptr_null(norm);
	free(m);
	m = validate_txid(hex, "", NULL);
	ck_assert_ptr_nonnull(m);
	free(m);
	/* Unambiguous forms pass. */
	ck_assert_ptr_null(validate_txid(hex0x, NULL, &norm));
	ck_assert_ptr_null(norm);
	ck_assert_ptr_null(validate_txid(sig, NULL, NULL));
	m = validate_txid("hello", NULL, NULL);
	ck_assert_ptr_nonnull(strstr(m, "set network"));
	free(m);

	/* In a ticket: a note names the inferred family. */
	struct {
		const char *txid;
		size_t errors, notes;
		const char *needle;
	} cases[] = {{hex, 1, 0, "set network"}, {hex0x, 0, 1, "EVM"}, {sig, 0, 1, "Solana"}};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		struct ticket *t = test_good_ticket();
		ticket_set(t, TF_NETWORK, NULL, 0, NULL);
		ticket_set(t, TF_ADDRESS, NULL, 0, NULL);
		test_set(t, TF_TXID, cases[i].txid);
		struct diags d;
		diags_init(&d);
		ck_assert_uint_eq(validate_ticket(t, NULL, &d), cases[i].errors);
		ck_assert_uint_eq(test_count(&d, DIAG_NOTE, TF_TXID), cases[i].notes);
		ck_assert_uint_eq(d.n, 1);
		ck_assert_ptr_nonnull(strstr(d.v[0].message, cases[i].needle));
		ck_assert_str_eq(ticket_get(t, TF_TXID), cases[i].txid);
		diags_finish(&d);
		ticket_free(t);
	}
	free(sig);
	free(hex0x);
	free(hex);
}
END_TEST

START_TEST(test_txid_normalised_in_ticket)
{
	char *hex = test_rand_hex(64, false);
	char *hex0x = xasprintf("0x%s", hex);
	struct ticket *t = test_good_ticket();
	test_set(t, TF_NETWORK, "ERC20");
	test_set(t, TF_ADDRESS, "0x52908400098527886E0F7030069857D2E4169EE7");
	struct ticket_origin o = {"t.ini", 21};
	ticket_set(t, TF_TXID, hex, 64, &o);
	struct diags d;
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, NULL, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].severity, DIAG_NOTE);
	ck_assert_int_eq(d.v[0].field, TF_TXID);
	ck_assert_str_eq(d.v[0].where, "t.ini:21");
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "0x prefix"));
	ck_assert_str_eq(ticket_get(t, TF_TXID), hex0x);
	diags_finish(&d);
	/* Validating again finds nothing more to do. */
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, NULL, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	diags_finish(&d);
	ticket_free(t);

	/* An upper-case 0X is written in lower case, with its own note. */
	t = test_good_ticket();
	test_set(t, TF_NETWORK, "Polygon");
	ticket_set(t, TF_ADDRESS, NULL, 0, NULL);
	char *upper = xasprintf("0X%s", hex);
	test_set(t, TF_TXID, upper);
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, NULL, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "lower case"));
	ck_assert_str_eq(ticket_get(t, TF_TXID), hex0x);
	diags_finish(&d);
	free(upper);
	ticket_free(t);

	/* validate_field() judges but never changes anything. */
	t = test_good_ticket();
	test_set(t, TF_NETWORK, "BEP20");
	char *m = validate_field(TF_TXID, hex, 64, t);
	ck_assert_ptr_null(m);
	test_set(t, TF_NETWORK, "TRC20");
	m = validate_field(TF_TXID, hex0x, 66, t);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(m, "txid ("));
	free(m);
	ticket_free(t);
	free(hex0x);
	free(hex);
}
END_TEST

/* ------------------------------------------------------------ addresses */

static size_t test_address_errors(const char *network, const char *address)
{
	struct ticket *t = test_good_ticket();
	test_set(t, TF_NETWORK, network);
	ticket_set(t, TF_TXID, NULL, 0, NULL);
	test_set(t, TF_ADDRESS, address);
	struct diags d;
	diags_init(&d);
	size_t e = validate_ticket(t, NULL, &d);
	ck_assert_uint_eq(test_count(&d, DIAG_WARNING, TF_ADDRESS), 0);
	diags_finish(&d);
	ticket_free(t);
	return e;
}

START_TEST(test_address)
{
	unsigned char payload[20];
	test_rand_bytes(payload, sizeof payload);
	char *tron = test_b58check(0x41, payload, false);
	char *tron_bad = test_b58check(0x41, payload, true);
	char *btc1 = test_b58check(0x00, payload, false);
	char *btc3 = test_b58check(0x05, payload, false);
	char *btc1_bad = test_b58check(0x00, payload, true);
	ck_assert_int_eq(tron[0], 'T');
	ck_assert_uint_eq(strlen(tron), 34);

	ck_assert_uint_eq(test_address_errors("TRC20", tron), 0);
	ck_assert_uint_eq(test_address_errors("TRC20", "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"), 0);
	ck_assert_uint_eq(test_address_errors("TRC20", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"), 0);
	ck_assert_uint_eq(test_address_errors("TRC20", tron_bad), 1);
	ck_assert_uint_eq(test_address_errors("TRC20", "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSF"), 1);
	ck_assert_uint_eq(test_address_errors("TRC20", btc1), 1);
	ck_assert_uint_eq(
	    test_address_errors("TRC20", "0x52908400098527886E0F7030069857D2E4169EE7"), 1);

	ck_assert_uint_eq(
	    test_address_errors("ERC20", "0x52908400098527886E0F7030069857D2E4169EE7"), 0);
	ck_assert_uint_eq(test_address_errors("Base", "0xde709f2102306220921060314715629080e2fb77"),
	                  0);
	ck_assert_uint_eq(test_address_errors("ERC20", "52908400098527886E0F7030069857D2E4169EE7"),
	                  1);
	ck_assert_uint_eq(test_address_errors("ERC20", "0x52908400098527886E0F7030069857D2E4169EE"),
	                  1);
	ck_assert_uint_eq(test_address_errors("ERC20", tron), 1);

	ck_assert_uint_eq(test_address_errors("BTC", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), 0);
	ck_assert_uint_eq(test_address_errors("BTC", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"), 0);
	ck_assert_uint_eq(test_address_errors("BTC", btc1), 0);
	ck_assert_uint_eq(test_address_errors("BTC", btc3), 0);
	ck_assert_uint_eq(test_address_errors("BTC", btc1_bad), 1);
	ck_assert_uint_eq(test_address_errors("BTC", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
	                  0);
	ck_assert_uint_eq(test_address_errors("BTC", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"),
	                  0);
	ck_assert_uint_eq(
	    test_address_errors("BTC",
	                        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"),
	    0);
	ck_assert_uint_eq(test_address_errors("BTC", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"),
	                  1);
	ck_assert_uint_eq(test_address_errors("BTC", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzWf5mdq"),
	                  1);
	ck_assert_uint_eq(test_address_errors("BTC", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdb"),
	                  1);
	ck_assert_uint_eq(test_address_errors("BTC", tron), 1);

	unsigned char key[32];
	test_rand_bytes(key, sizeof key);
	key[0] |= 0x80;
	char *sol = test_b58_encode(key, sizeof key);
	ck_assert_uint_eq(test_address_errors("Solana", sol), 0);
	ck_assert_uint_eq(test_address_errors("Solana", tron), 1);

	/* Light checks only elsewhere; spaces always refused. */
	ck_assert_uint_eq(test_address_errors("Aptos", "anything-goes"), 0);
	ck_assert_uint_eq(test_address_errors("TRC20", "TQn9Y2khEsLJW1 ChVWFMSMeRDow5KcbLSE"), 1);
	ck_ok(TF_ADDRESS, "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE");
	ck_bad(TF_ADDRESS, "TQn9 Y2kh", "space");

	free(sol);
	free(btc1_bad);
	free(btc3);
	free(btc1);
	free(tron_bad);
	free(tron);
}
END_TEST

/* ------------------------------------------------------------ labels */

START_TEST(test_chinese_labels)
{
	i18n_init("zh_CN");
	ck_assert_str_eq(i18n_lang(), "zh_CN");
	char *m = validate_field(TF_TXID, "xyz", 3, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_msg(
	    strncmp(m, "txid（交易哈希（TxID））：", strlen("txid（交易哈希（TxID））：")) == 0,
	    "%s", m);
	free(m);
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	validate_ticket(t, NULL, &d);
	const struct diag *e = test_find(&d, DIAG_ERROR, TF_SUBJECT);
	ck_assert_ptr_nonnull(strstr(e->message, "subject（邮件主题）：必须填写，"));
	ck_assert_ptr_nonnull(strstr(e->message, ticket_fields[TF_SUBJECT].why_zh));
	diags_finish(&d);
	ticket_free(t);
	i18n_init("en");
}
END_TEST

/* ------------------------------------------------------------ provider */

static struct provider *test_okx(void)
{
	struct provider *p = NULL;
	struct diags d;
	diags_init(&d);
	int r = provider_load_file(TOP_DIR "/share/providers/okx.ini", &p, &d);
	if (r != 0)
		test_dump(&d);
	ck_assert_int_eq(r, 0);
	diags_finish(&d);
	return p;
}

START_TEST(test_provider_categories)
{
	struct provider *p = test_okx();
	struct ticket *t = test_good_ticket();
	struct diags d;
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, p, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	diags_finish(&d);

	/* Unknown category: one error listing the provider's categories. */
	test_set(t, TF_CATEGORY, "withdrawal");
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, p, &d), 1);
	const struct diag *e = test_find(&d, DIAG_ERROR, TF_CATEGORY);
	ck_assert_ptr_nonnull(e);
	for (size_t i = 0; i < provider_category_count(p); i++)
		ck_assert_msg(strstr(e->message, provider_category_at(p, i)->id), "%s lacks %s",
		              e->message, provider_category_at(p, i)->id);
	ck_assert_ptr_nonnull(strstr(e->message, "\"withdrawal\""));
	diags_finish(&d);
	/* A typo gets a suggestion. */
	test_set(t, TF_CATEGORY, "deposit-withdrawl");
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, p, &d), 1);
	e = test_find(&d, DIAG_ERROR, TF_CATEGORY);
	ck_assert_ptr_nonnull(strstr(e->message, "did you mean deposit-withdrawal?"));
	diags_finish(&d);
	test_set(t, TF_CATEGORY, "zzzzzz");
	diags_init(&d);
	validate_ticket(t, p, &d);
	ck_assert_ptr_null(strstr(d.v[0].message, "did you mean"));
	diags_finish(&d);

	/* deposit-withdrawal: coin, network, amount, txid|order_id. */
	ticket_free(t);
	t = ticket_new();
	test_set(t, TF_CATEGORY, "deposit-withdrawal");
	test_set(t, TF_SUBJECT, "USDT withdrawal not received");
	test_set(t, TF_DESCRIPTION, "It did not arrive.");
	test_set(t, TF_OCCURRED_AT, "2026-11-20 14:32 +08:00");
	test_set(t, TF_UID, "123456789012345678");
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, p, &d), 4);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_COIN), 1);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_NETWORK), 1);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_AMOUNT), 1);
	e = test_find(&d, DIAG_ERROR, TF_TXID);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e->message, "txid ("));
	ck_assert_ptr_nonnull(strstr(e->message, "order_id ("));
	ck_assert_ptr_nonnull(strstr(e->message, "deposit-withdrawal"));
	diags_finish(&d);

	/* One alternative is enough. */
	test_set(t, TF_COIN, "USDT");
	test_set(t, TF_NETWORK, "TRC20");
	test_set(t, TF_AMOUNT, "500");
	test_set(t, TF_ORDER_ID, "1234567890123");
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, p, &d), 0);
	diags_finish(&d);

	/* account needs the device fields. */
	test_set(t, TF_CATEGORY, "account");
	diags_init(&d);
	ck_assert_uint_eq(validate_ticket(t, p, &d), 3);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_DEVICE_MODEL), 1);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_OS_VERSION), 1);
	ck_assert_uint_eq(test_count(&d, DIAG_ERROR, TF_APP_VERSION), 1);
	diags_finish(&d);

	ticket_free(t);
	provider_free(p);
}
END_TEST

static Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_good_ticket_passes);
	tcase_add_test(tc, test_empty_ticket_required);
	tcase_add_test(tc, test_all_problems_at_once);
	tcase_add_test(tc, test_forbidden_characters);
	tcase_add_test(tc, test_attachment_path_characters);
	tcase_add_test(tc, test_subject);
	tcase_add_test(tc, test_email);
	tcase_add_test(tc, test_uid);
	tcase_add_test(tc, test_datetime_forms);
	tcase_add_test(tc, test_datetime_future);
	tcase_add_test(tc, test_amount);
	tcase_add_test(tc, test_coin_order_provider_category);
	tcase_add_test(tc, test_phone);
	tcase_add_test(tc, test_telegram);
	tcase_add_test(tc, test_language);
	tcase_add_test(tc, test_network);
	tcase_add_test(tc, test_txid_by_network);
	tcase_add_test(tc, test_network_messages_no_article);
	tcase_add_test(tc, test_txid_without_network);
	tcase_add_test(tc, test_txid_normalised_in_ticket);
	tcase_add_test(tc, test_address);
	tcase_add_test(tc, test_chinese_labels);
	tcase_add_test(tc, test_provider_categories);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setenv("TICKETMAIL_NOW", TEST_NOW, 1);
	SRunner *sr = srunner_create(validate_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
