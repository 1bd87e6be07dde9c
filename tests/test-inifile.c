/* test-inifile.c - the exact INI reader: values whole, every error found. */
#include "inifile.h"

#include "util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INI_DIR TEST_DATA "/ini"

struct got_entry {
	char *section;
	char *key;
	char *value;
	size_t value_len;
	unsigned line;
};

struct got {
	struct got_entry v[64];
	size_t n;
	size_t stop_after; /* 0: never stop */
};

static int collect(void *user, const struct inifile_entry *e, struct diags *d)
{
	struct got *g = user;
	(void)d;
	ck_assert_uint_lt(g->n, UTIL_ARRAY_LEN(g->v));
	ck_assert_uint_eq(strlen(e->value), e->value_len);
	struct got_entry *x = &g->v[g->n++];
	x->section = xstrdup(e->section);
	x->key = xstrdup(e->key);
	x->value = xstrndup(e->value, e->value_len);
	x->value_len = e->value_len;
	x->line = e->line;
	return g->stop_after && g->n >= g->stop_after;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].section);
		free(g->v[i].key);
		free(g->v[i].value);
	}
	g->n = 0;
}

static enum inifile_status parse_str(const char *text, struct got *g, struct diags *d)
{
	return inifile_parse_buffer("t.ini", text, strlen(text), collect, g, d);
}

static void check_entry(const struct got *g, size_t i, const char *section, const char *key,
                        const char *value, unsigned line)
{
	ck_assert_uint_lt(i, g->n);
	ck_assert_str_eq(g->v[i].section, section);
	ck_assert_str_eq(g->v[i].key, key);
	ck_assert_str_eq(g->v[i].value, value);
	ck_assert_uint_eq(g->v[i].line, line);
}

static void check_diag(const struct diags *d, size_t i, const char *where, const char *kind)
{
	ck_assert_uint_lt(i, d->n);
	ck_assert_int_eq(d->v[i].severity, DIAG_ERROR);
	ck_assert_str_eq(d->v[i].where, where);
	ck_assert_str_eq(d->v[i].kind, kind);
}

START_TEST(test_values_exact)
{
	struct got g = {0};
	struct diags d;
	diags_init(&d);
	const char *text = "top = before any section\n"
	                   "[ticket]\n"
	                   "subject = a ; b # c\n"
	                   "\n"
	                   "  ; an indented line after a blank is a comment\n"
	                   "   category   :   deposit-withdrawal  \n"
	                   "language = zh_CN ;\n"
	                   "provider=\n"
	                   "# comment\n"
	                   "; comment\n"
	                   "url = https://example.com/a=b\n"
	                   "colon: a = b\n";
	ck_assert_int_eq(parse_str(text, &g, &d), INIFILE_OK);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(g.n, 7);
	check_entry(&g, 0, "", "top", "before any section", 1);
	check_entry(&g, 1, "ticket", "subject", "a ; b # c", 3);
	check_entry(&g, 2, "ticket", "category", "deposit-withdrawal", 6);
	check_entry(&g, 3, "ticket", "language", "zh_CN ;", 7);
	check_entry(&g, 4, "ticket", "provider", "", 8);
	check_entry(&g, 5, "ticket", "url", "https://example.com/a=b", 11);
	check_entry(&g, 6, "ticket", "colon", "a = b", 12);
	got_free(&g);
	diags_finish(&d);
}
END_TEST

START_TEST(test_continuation)
{
	struct got g = {0};
	struct diags d;
	diags_init(&d);
	const char *text = "[problem]\n"
	                   "description = first\n"
	                   "\t  second line  \n"
	                   "      .\n"
	                   "  ; kept: continuation lines are text\n"
	                   "  # kept too\n"
	                   "    .\n"
	                   "steps =\n"
	                   "    1. open\n"
	                   "  2. click\n"
	                   "error_message =\n"
	                   "    .\n"
	                   "    after an empty first line\n"
	                   "single = one\n"
	                   "\n"
	                   "    not = a continuation after a blank line\n";
	ck_assert_int_eq(parse_str(text, &g, &d), INIFILE_OK);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(g.n, 5);
	check_entry(&g, 0, "problem", "description",
	            "first\nsecond line\n\n; kept: continuation lines are text\n# kept too\n", 2);
	check_entry(&g, 1, "problem", "steps", "1. open\n2. click", 8);
	check_entry(&g, 2, "problem", "error_message", "\nafter an empty first line", 11);
	check_entry(&g, 3, "problem", "single", "one", 14);
	check_entry(&g, 4, "problem", "not", "a continuation after a blank line", 16);
	got_free(&g);
	diags_finish(&d);
}
END_TEST

/* Lines far beyond inih's 200 bytes arrive whole, and the line numbers
 * after them stay right. */
START_TEST(test_long_values)
{
	struct got g = {0};
	struct diags d;
	diags_init(&d);
	struct strbuf zh, text;
	strbuf_init(&zh);
	strbuf_init(&text);
	static const char *const chars[] = {"提", "币", "未", "到", "账", ",", "请", "查"};
	for (size_t i = 0; i < 3000; i++)
		strbuf_adds(&zh, chars[i % UTIL_ARRAY_LEN(chars)]);
	strbuf_adds(&zh, " ; 结尾;");
	strbuf_addf(&text, "[problem]\ndescription = %s\n", zh.buf);
	strbuf_adds(&text, "steps = short\n");
	strbuf_addf(&text, "error_message = x\n    %s\n", zh.buf);
	strbuf_adds(&text, "[device]\nos_version = iOS 18.1\n");
	ck_assert_int_eq(inifile_parse_buffer("long.ini", text.buf, text.len, collect, &g, &d),
	                 INIFILE_OK);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(g.n, 4);
	ck_assert_uint_eq(utf8_length(g.v[0].value, g.v[0].value_len), 3000 + 6);
	check_entry(&g, 0, "problem", "description", zh.buf, 2);
	check_entry(&g, 1, "problem", "steps", "short", 3);
	char *two = xasprintf("x\n%s", zh.buf);
	check_entry(&g, 2, "problem", "error_message", two, 4);
	free(two);
	check_entry(&g, 3, "device", "os_version", "iOS 18.1", 7);
	strbuf_finish(&zh);
	strbuf_finish(&text);
	got_free(&g);
	diags_finish(&d);
}
END_TEST

/* inih keeps at most 49 bytes of a section name; ours come whole up to 150
 * bytes, and longer names are refused, never cut. */
START_TEST(test_long_names)
{
	struct got g = {0};
	struct diags d;
	diags_init(&d);
	char sec150[151], key150[151], key151[152];
	memset(sec150, 's', 150);
	sec150[150] = '\0';
	memset(key150, 'k', 150);
	key150[150] = '\0';
	memset(key151, 'k', 151);
	key151[151] = '\0';
	char *text = xasprintf("[%s]\n%s = v\n%s = w\n[%sx]\nin_bad = z\n[3]\nk = digits\n", sec150,
	                       key150, key151, sec150);
	ck_assert_int_eq(parse_str(text, &g, &d), INIFILE_ESYNTAX);
	ck_assert_uint_eq(g.n, 2);
	check_entry(&g, 0, sec150, key150, "v", 2);
	/* A section named like a shadow token is still itself. */
	check_entry(&g, 1, "3", "k", "digits", 7);
	ck_assert_uint_eq(d.n, 2);
	check_diag(&d, 0, "t.ini:3", "name-too-long");
	ck_assert_str_eq(d.v[0].message, "key name too long (151 bytes; at most 150)");
	check_diag(&d, 1, "t.ini:4", "name-too-long");
	ck_assert_str_eq(d.v[1].message, "section name too long (151 bytes; at most 150)");
	free(text);
	got_free(&g);
	diags_finish(&d);
}
END_TEST

/* Every error is reported, each at its line, and the good keys around them
 * still arrive. */
START_TEST(test_all_errors)
{
	struct got g = {0};
	struct diags d;
	diags_init(&d);
	const char text[] = "[ticket]\n"                /* 1 */
	                    "subject = good\n"          /* 2 */
	                    "just some words\n"         /* 3 */
	                    "[problem\n"                /* 4 */
	                    "lost = in a bad section\n" /* 5 */
	                    "[device] junk\n"           /* 6 */
	                    "[]\n"                      /* 7 */
	                    "[contact]\n"               /* 8 */
	                    " = no key\n"               /* 9 */
	                    "    continuation of it\n"  /* 10 */
	                    "phone = \xC3\x28\n"        /* 11 */
	                    "telegram = a\0b\n"         /* 12 */
	                    "cr = a\rb\n"               /* 13 */
	                    "semi;colon = v\n"          /* 14 */
	                    "email = x\n"               /* 15 */
	                    "  bad \xED\xA0\x80 part\n" /* 16: surrogate */
	                    "name = last\r\n";          /* 17 */
	ck_assert_int_eq(inifile_parse_buffer("t.ini", text, sizeof text - 1, collect, &g, &d),
	                 INIFILE_ESYNTAX);
	ck_assert_uint_eq(g.n, 2);
	check_entry(&g, 0, "ticket", "subject", "good", 2);
	check_entry(&g, 1, "contact", "name", "last", 17);
	ck_assert_uint_eq(d.n, 10);
	check_diag(&d, 0, "t.ini:3", "bad-line");
	check_diag(&d, 1, "t.ini:4", "unclosed-section");
	check_diag(&d, 2, "t.ini:6", "bad-line");
	check_diag(&d, 3, "t.ini:7", "empty-section");
	check_diag(&d, 4, "t.ini:9", "empty-key");
	check_diag(&d, 5, "t.ini:11", "bad-utf8");
	ck_assert_str_eq(d.v[5].message, "invalid UTF-8 at byte 9 of the line");
	check_diag(&d, 6, "t.ini:12", "nul-byte");
	check_diag(&d, 7, "t.ini:13", "lone-cr");
	check_diag(&d, 8, "t.ini:14", "bad-key");
	check_diag(&d, 9, "t.ini:16", "bad-utf8");
	got_free(&g);
	diags_finish(&d);
}
END_TEST

/* A file in another encoding is one "encoding" error naming it, nothing
 * is delivered; UTF-8 with a stray byte is reported line by line. */
START_TEST(test_foreign_encoding)
{
	static const struct {
		const char *text;
		size_t len;
		const char *needle;
	} cases[] = {
#define T(s) s, sizeof s - 1
	    {T("\xFF\xFE[\0t\0]\0\n\0k\0=\0v\0\n\0"), "UTF-16LE, not UTF-8"},
	    {T("[\0t\0]\0\n\0k\0=\0v\0\n\0"), "UTF-16LE, not UTF-8"},
	    {T("\0[\0t\0]\0\n\0k\0=\0v\0\n"), "iconv -f UTF-16BE -t UTF-8 t.ini > t-utf8.ini"},
	    {T("\xFF\xFE\0\0[\0\0\0]\0\0\0"), "iconv -f UTF-32 -t UTF-8"},
	    {T("[t]\nk = \xD6\xD0\xCE\xC4\n"), "GB18030/GBK, not UTF-8"},
#undef T
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct got g = {0};
		struct diags d;
		diags_init(&d);
		ck_assert_int_eq(
		    inifile_parse_buffer("t.ini", cases[i].text, cases[i].len, collect, &g, &d),
		    INIFILE_EENCODING);
		ck_assert_uint_eq(g.n, 0);
		ck_assert_uint_eq(d.n, 1);
		check_diag(&d, 0, "t.ini", "encoding");
		ck_assert_msg(strstr(d.v[0].message, cases[i].needle), "case %zu: %s", i,
		              d.v[0].message);
		got_free(&g);
		diags_finish(&d);
	}
	/* Latin-1 "é" before a letter, and a lone NUL: not GB18030, not UTF-16. */
	static const char latin1[] = "[t]\nk = caf\xE9s\nn = a\0b\n";
	struct got g = {0};
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(inifile_parse_buffer("t.ini", latin1, sizeof latin1 - 1, collect, &g, &d),
	                 INIFILE_ESYNTAX);
	ck_assert_uint_eq(d.n, 2);
	check_diag(&d, 0, "t.ini:2", "bad-utf8");
	check_diag(&d, 1, "t.ini:3", "nul-byte");
	got_free(&g);
	diags_finish(&d);
}
END_TEST

START_TEST(test_bom_crlf_file)
{
	struct got g = {0};
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(inifile_parse_file(INI_DIR "/bom-crlf.ini", collect, &g, &d), INIFILE_OK);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(g.n, 4);
	check_entry(&g, 0, "ticket", "provider", "okx", 3);
	check_entry(&g, 1, "ticket", "category", "deposit-withdrawal", 4);
	check_entry(&g, 2, "ticket", "subject", "USDT提币未到账", 5);
	check_entry(&g, 3, "problem", "description", "第一行\n\n第三行 ; not a comment", 8);
	got_free(&g);
	diags_finish(&d);
}
END_TEST

START_TEST(test_bad_files)
{
	struct got g = {0};
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(inifile_parse_file(INI_DIR "/bad-utf8.ini", collect, &g, &d),
	                 INIFILE_ESYNTAX);
	ck_assert_uint_eq(d.n, 2);
	check_diag(&d, 0, INI_DIR "/bad-utf8.ini:3", "bad-utf8");
	ck_assert_str_eq(d.v[0].message, "invalid UTF-8 at byte 19 of the line");
	check_diag(&d, 1, INI_DIR "/bad-utf8.ini:6", "bad-utf8");
	ck_assert_uint_eq(g.n, 2);
	check_entry(&g, 0, "ticket", "subject", "ok", 2);
	check_entry(&g, 1, "problem", "steps", "fine", 5);
	got_free(&g);
	diags_finish(&d);

	diags_init(&d);
	ck_assert_int_eq(inifile_parse_file(INI_DIR "/nul.ini", collect, &g, &d), INIFILE_ESYNTAX);
	ck_assert_uint_eq(d.n, 1);
	check_diag(&d, 0, INI_DIR "/nul.ini:2", "nul-byte");
	ck_assert_uint_eq(g.n, 1);
	check_entry(&g, 0, "ticket", "category", "api", 3);
	got_free(&g);
	diags_finish(&d);

	diags_init(&d);
	ck_assert_int_eq(inifile_parse_file(INI_DIR "/lone-cr.ini", collect, &g, &d),
	                 INIFILE_ESYNTAX);
	ck_assert_uint_eq(d.n, 1);
	check_diag(&d, 0, INI_DIR "/lone-cr.ini:2", "lone-cr");
	got_free(&g);
	diags_finish(&d);

	diags_init(&d);
	ck_assert_int_eq(inifile_parse_file(INI_DIR "/missing.ini", collect, &g, &d),
	                 INIFILE_ENOENT);
	ck_assert_uint_eq(d.n, 1);
	check_diag(&d, 0, INI_DIR "/missing.ini", "file");
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "No such file"));
	ck_assert_uint_eq(g.n, 0);
	diags_finish(&d);

	/* More than 1 MiB is no ticket. */
	char path[] = "/tmp/test-inifile-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	for (int i = 0; i < 1024 * 1024 / 16 + 1; i++)
		fputs("; 16 bytes line\n", f);
	fclose(f);
	diags_init(&d);
	ck_assert_int_eq(inifile_parse_file(path, collect, &g, &d), INIFILE_ENOENT);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].message, "file too large (more than 1 MiB)");
	unlink(path);
	diags_finish(&d);
}
END_TEST

/* A handler that stops ends the walk, but later syntax errors are still
 * all reported. */
START_TEST(test_stop)
{
	struct got g = {.stop_after = 1};
	struct diags d;
	diags_init(&d);
	const char *text = "[a]\nx = 1\ny = 2\nbroken\nz = 3\n[b\n";
	ck_assert_int_eq(parse_str(text, &g, &d), INIFILE_ESYNTAX);
	ck_assert_uint_eq(g.n, 1);
	check_entry(&g, 0, "a", "x", "1", 2);
	ck_assert_uint_eq(d.n, 2);
	check_diag(&d, 0, "t.ini:4", "bad-line");
	check_diag(&d, 1, "t.ini:6", "unclosed-section");
	got_free(&g);
	diags_finish(&d);
}
END_TEST

START_TEST(test_edge_buffers)
{
	struct got g = {0};
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(inifile_parse_buffer("e.ini", "", 0, collect, &g, &d), INIFILE_OK);
	ck_assert_int_eq(inifile_parse_buffer("e.ini", "\xEF\xBB\xBF", 3, collect, &g, &d),
	                 INIFILE_OK);
	/* No final newline; a BOM is only skipped at the very start. */
	ck_assert_int_eq(parse_str("[s]\nk = v", &g, &d), INIFILE_OK);
	ck_assert_uint_eq(g.n, 1);
	check_entry(&g, 0, "s", "k", "v", 2);
	ck_assert_uint_eq(d.n, 0);
	/* A CR at the very end is not part of a CRLF. */
	ck_assert_int_eq(parse_str("[s]\nk = v\r", &g, &d), INIFILE_ESYNTAX);
	check_diag(&d, 0, "t.ini:2", "lone-cr");
	got_free(&g);
	diags_finish(&d);
}
END_TEST

static Suite *inifile_suite(void)
{
	Suite *s = suite_create("inifile");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_values_exact);
	tcase_add_test(tc, test_continuation);
	tcase_add_test(tc, test_long_values);
	tcase_add_test(tc, test_long_names);
	tcase_add_test(tc, test_all_errors);
	tcase_add_test(tc, test_foreign_encoding);
	tcase_add_test(tc, test_bom_crlf_file);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_edge_buffers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(inifile_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
