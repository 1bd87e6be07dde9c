/* test-textenc.c - telling text encodings apart and decoding them to UTF-8:
 * byte order marks, UTF-16 without one, surrogate pairs, what does not
 * decode, and GB18030. The expected bytes are written out by hand. */
#include "textenc.h"

#include "util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define S(lit) lit, sizeof(lit) - 1

static void t_detect(const char *data, size_t len, enum textenc want, size_t want_bom)
{
	size_t bom = 99;
	enum textenc got = textenc_detect(data, len, &bom);
	ck_assert_msg(got == want, "detect: %d, want %d", got, want);
	ck_assert_uint_eq(bom, want_bom);
}

/* data in enc decodes to exactly want (want_len bytes). */
static void t_decode(const char *data, size_t len, enum textenc enc, const char *want,
                     size_t want_len)
{
	size_t n = 99;
	char *u = textenc_to_utf8(data, len, enc, &n);
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(n, want_len);
	ck_assert_msg(memcmp(u, want, n) == 0, "decoded to \"%s\"", u);
	ck_assert_int_eq(u[n], '\0');
	free(u);
}

START_TEST(test_boms)
{
	t_detect(S("\xFF\xFEh\0i\0"), TEXTENC_UTF16LE, 2);
	t_detect(S("\xFE\xFF\0h\0i"), TEXTENC_UTF16BE, 2);
	t_detect(S("\xFF\xFE\0\0h\0\0\0"), TEXTENC_UTF32LE, 4);
	t_detect(S("\0\0\xFE\xFF\0\0\0h"), TEXTENC_UTF32BE, 4);
	t_detect(S("\xEF\xBB\xBFhi"), TEXTENC_BYTES, 3);
	t_detect(S("hi\n"), TEXTENC_BYTES, 0);
	t_detect(S("密码"), TEXTENC_BYTES, 0);
	t_detect("", 0, TEXTENC_BYTES, 0);
	t_detect(S("\xFF"), TEXTENC_BYTES, 0);
	/* a BOM alone */
	t_detect(S("\xFF\xFE"), TEXTENC_UTF16LE, 2);
	t_decode(S("\xFF\xFE"), TEXTENC_UTF16LE, "", 0);
	ck_assert_ptr_null(textenc_to_utf8(S("hi"), TEXTENC_BYTES, &(size_t){0}));
}
END_TEST

START_TEST(test_utf16_without_bom)
{
	/* "ok 密码\n" */
	t_detect(S("o\0k\0 \0\xC6\x5B\x01\x78\n\0"), TEXTENC_UTF16LE, 0);
	t_detect(S("\0o\0k\0 \x5B\xC6\x78\x01\0\n"), TEXTENC_UTF16BE, 0);
	t_decode(S("o\0k\0 \0\xC6\x5B\x01\x78\n\0"), TEXTENC_UTF16LE, S("ok 密码\n"));
	t_decode(S("\0o\0k\0 \x5B\xC6\x78\x01\0\n"), TEXTENC_UTF16BE, S("ok 密码\n"));
	/* odd length, a U+0000, a control character, an unpaired surrogate,
	 * U+FFFF: not text */
	t_detect(S("o\0k\0\n"), TEXTENC_BYTES, 0);
	t_detect(S("o\0\0\0k\0"), TEXTENC_BYTES, 0);
	t_detect(S("o\0\x01\0k\0"), TEXTENC_BYTES, 0);
	t_detect(S("o\0\x00\xD8k\0"), TEXTENC_BYTES, 0);
	t_detect(S("o\0\xFF\xFFk\0"), TEXTENC_BYTES, 0);
	/* 1 ASCII unit in 8 is enough; 1 in 9 too little to be sure */
	t_detect(S("\x01\x4E\x01\x4E\x01\x4E\x01\x4E\x01\x4E\x01\x4E\x01\x4E\n\0"), TEXTENC_UTF16LE,
	         0);
	t_detect(S("\x01\x4E\x01\x4E\x01\x4E\x01\x4E\x01\x4E\x01\x4E\x01\x4E\x01\x4E\x01\x4E\n\0"),
	         TEXTENC_BYTES, 0);
	/* no NUL byte: left to the 8-bit readings */
	t_detect(S("\x01\x4E\x01\x4E"), TEXTENC_BYTES, 0);
}
END_TEST

START_TEST(test_utf16_long)
{
	/* Only the first TEXTENC_SNIFF_BYTES are looked at: binary after them
	 * does not matter, and a surrogate pair cut at their end is fine. */
	size_t len = TEXTENC_SNIFF_BYTES + 64;
	char *d = xmalloc(len);
	for (size_t i = 0; i < len; i += 2) {
		d[i] = 'a';
		d[i + 1] = 0;
	}
	memcpy(d + TEXTENC_SNIFF_BYTES - 2, "\x3D\xD8\x00\xDE", 4); /* U+1F600 */
	memset(d + TEXTENC_SNIFF_BYTES + 8, 0, 8);
	t_detect(d, len, TEXTENC_UTF16LE, 0);
	size_t n;
	char *u = textenc_to_utf8(d, len, TEXTENC_UTF16LE, &n);
	ck_assert_ptr_nonnull(strstr(u, "a\xF0\x9F\x98\x80"
	                                "a"));
	free(u);
	free(d);
}
END_TEST

START_TEST(test_surrogates_and_invalid)
{
	/* U+1F600 as a pair, LE and BE */
	t_decode(S("\xFF\xFE\x3D\xD8\x00\xDEx\0"), TEXTENC_UTF16LE, S("\xF0\x9F\x98\x80x"));
	t_decode(S("\xFE\xFF\xD8\x3D\xDE\x00\0x"), TEXTENC_UTF16BE, S("\xF0\x9F\x98\x80x"));
	/* a high surrogate then a letter; a lone low one; a high one at the end */
	t_decode(S("\xFF\xFE\x3D\xD8x\0"), TEXTENC_UTF16LE, S("\xEF\xBF\xBDx"));
	t_decode(S("\xFF\xFE\x00\xDEx\0"), TEXTENC_UTF16LE, S("\xEF\xBF\xBDx"));
	t_decode(S("\xFF\xFEx\0\x3D\xD8"), TEXTENC_UTF16LE, S("x\xEF\xBF\xBD"));
	/* an odd byte at the end; U+0000 */
	t_decode(S("\xFF\xFEx\0y"), TEXTENC_UTF16LE, S("x\xEF\xBF\xBD"));
	t_decode(S("\xFF\xFEx\0\0\0y\0"), TEXTENC_UTF16LE, S("x\xEF\xBF\xBDy"));
	/* UTF-32: a pair, a surrogate, above U+10FFFF, a partial unit */
	t_decode(S("\xFF\xFE\0\0\x00\xF6\x01\0"
	           "x\0\0\0"),
	         TEXTENC_UTF32LE, S("\xF0\x9F\x98\x80x"));
	t_decode(S("\0\0\xFE\xFF\0\0\xD8\x3D\0\x11\0\0\0\0\0x\0\0"), TEXTENC_UTF32BE,
	         S("\xEF\xBF\xBD\xEF\xBF\xBDx\xEF\xBF\xBD"));
	/* Chinese, 2 and 3 bytes of UTF-8 */
	t_decode(S("\xFF\xFE\xE9\0\xC6\x5B\x01\x78"), TEXTENC_UTF16LE, S("é密码"));
}
END_TEST

START_TEST(test_utf8_errors)
{
	ck_assert_uint_eq(textenc_utf8_errors(S("ascii only\n")), 0);
	ck_assert_uint_eq(textenc_utf8_errors(S("密码 ok")), 0);
	ck_assert_uint_eq(textenc_utf8_errors(S("caf\xE9 ol\xE9")), 2);
	/* "密码" in GBK: C3 DC C2 EB */
	ck_assert_uint_eq(textenc_utf8_errors(S("\xC3\xDC\xC2\xEB")), 4);
	/* overlong, surrogate, cut at the end */
	ck_assert_uint_eq(textenc_utf8_errors(S("\xC0\xAF")), 2);
	ck_assert_uint_eq(textenc_utf8_errors(S("\xED\xA0\x80")), 3);
	ck_assert_uint_eq(textenc_utf8_errors(S("x\xE5\xAF")), 2);
}
END_TEST

START_TEST(test_gb18030)
{
	size_t n, bad;
	/* "密码：Qwe!rty9" in GBK */
	char *u = textenc_gb18030_to_utf8(S("\xC3\xDC\xC2\xEB\xA3\xBAQwe!rty9"), &n, &bad);
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u, "密码：Qwe!rty9");
	ck_assert_uint_eq(n, strlen("密码：Qwe!rty9"));
	ck_assert_uint_eq(bad, 0);
	free(u);
	/* a four-byte GB18030 sequence (U+1F600) */
	u = textenc_gb18030_to_utf8(S("\x94\x39\xFC\x36"), &n, &bad);
	ck_assert_str_eq(u, "\xF0\x9F\x98\x80");
	ck_assert_uint_eq(bad, 0);
	free(u);
	/* bytes that are not GB18030: each one U+FFFD, and decoding goes on */
	u = textenc_gb18030_to_utf8(S("a\xFF\xC3\xDC\n\xC3"), &n, &bad);
	ck_assert_str_eq(u, "a\xEF\xBF\xBD密\n\xEF\xBF\xBD");
	ck_assert_uint_eq(bad, 2);
	free(u);
	/* UTF-8 Chinese read as GB18030 goes wrong where a lead byte meets a
	 * line end */
	u = textenc_gb18030_to_utf8(S("密\n"), &n, &bad);
	ck_assert_uint_gt(bad, 0);
	free(u);
	u = textenc_gb18030_to_utf8("", 0, &n, &bad);
	ck_assert_str_eq(u, "");
	ck_assert_uint_eq(n, 0);
	free(u);
}
END_TEST

static Suite *textenc_suite(void)
{
	Suite *s = suite_create("textenc");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_boms);
	tcase_add_test(tc, test_utf16_without_bom);
	tcase_add_test(tc, test_utf16_long);
	tcase_add_test(tc, test_surrogates_and_invalid);
	tcase_add_test(tc, test_utf8_errors);
	tcase_add_test(tc, test_gb18030);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(textenc_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
