/* test-util.c - strbuf, UTF-8 and helper checks. */
#include "util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(test_strbuf_grows)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	ck_assert_uint_eq(sb.len, strlen(sb.buf));
	ck_assert(strncmp(sb.buf, "0,1,2,", 6) == 0);
	ck_assert(strstr(sb.buf, ",999,") != NULL);
	char *s = strbuf_take(&sb);
	ck_assert_ptr_null(sb.buf);
	free(s);
}
END_TEST

START_TEST(test_utf8_decode_strict)
{
	uint32_t cp;
	ck_assert_uint_eq(utf8_decode("\xE4\xB8\xAD", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x4E2D);
	ck_assert_uint_eq(utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4);
	ck_assert_uint_eq(cp, 0x1F600);
	/* Overlong, surrogate, truncated, above U+10FFFF, stray continuation. */
	ck_assert_uint_eq(utf8_decode("\xC0\xAF", 2, &cp), 0);
	ck_assert_uint_eq(utf8_decode("\xED\xA0\x80", 3, &cp), 0);
	ck_assert_uint_eq(utf8_decode("\xE4\xB8", 2, &cp), 0);
	ck_assert_uint_eq(utf8_decode("\xF4\x90\x80\x80", 4, &cp), 0);
	ck_assert_uint_eq(utf8_decode("\x80", 1, &cp), 0);
}
END_TEST

START_TEST(test_utf8_valid_offset)
{
	size_t off = 99;
	ck_assert(utf8_valid("abc中文", strlen("abc中文"), NULL));
	ck_assert(!utf8_valid("ab\xFFz", 4, &off));
	ck_assert_uint_eq(off, 2);
	ck_assert_uint_eq(utf8_length("中文ab", strlen("中文ab")), 4);
}
END_TEST

START_TEST(test_utf8_encode_roundtrip)
{
	const uint32_t cps[] = {0x41, 0xE9, 0x4E2D, 0x1F600, 0x10FFFF};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cps); i++) {
		struct strbuf sb;
		strbuf_init(&sb);
		utf8_encode(&sb, cps[i]);
		uint32_t cp = 0;
		ck_assert_uint_eq(utf8_decode(sb.buf, sb.len, &cp), sb.len);
		ck_assert_uint_eq(cp, cps[i]);
		strbuf_finish(&sb);
	}
}
END_TEST

START_TEST(test_forbidden_chars)
{
	ck_assert(!util_forbidden_char('\t', false));
	ck_assert(util_forbidden_char('\n', false));
	ck_assert(!util_forbidden_char('\n', true));
	ck_assert(util_forbidden_char('\r', false));
	ck_assert(util_forbidden_char(0, true));
	ck_assert(util_forbidden_char(0x7F, true));
	ck_assert(util_forbidden_char(0x85, true));
	ck_assert(util_forbidden_char(0x202E, true));
	ck_assert(util_forbidden_char(0x2066, true));
	ck_assert(!util_forbidden_char(0x4E2D, false));
}
END_TEST

START_TEST(test_visible)
{
	char *v = util_visible("a\r\nb\x1b[31m\xE2\x80\xAE\xFF", 13);
	ck_assert_str_eq(v, "a\\r\\nb\\x1B[31m\\u{202E}\\xFF");
	free(v);
}
END_TEST

START_TEST(test_edit_distance)
{
	ck_assert_uint_eq(util_edit_distance("txid", "txid"), 0);
	ck_assert_uint_eq(util_edit_distance("tixd", "txid"), 1);
	ck_assert_uint_eq(util_edit_distance("emial", "email"), 1);
	ck_assert_uint_eq(util_edit_distance("kitten", "sitting"), 3);
	ck_assert_uint_eq(util_edit_distance("", "abc"), 3);
}
END_TEST

START_TEST(test_basename)
{
	ck_assert_str_eq(util_basename("/a/b/截图.png"), "截图.png");
	ck_assert_str_eq(util_basename("x.png"), "x.png");
}
END_TEST

static void *report_mask(void *arg)
{
	sigset_t *mask = arg;
	pthread_sigmask(SIG_BLOCK, NULL, mask);
	return NULL;
}

/* A worker blocks every signal (so they reach the main thread's prompts),
 * and the caller's own mask is as it was. */
START_TEST(test_thread_start_blocks_signals)
{
	sigset_t before, after, worker;
	sigemptyset(&worker);
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, NULL, &before), 0);
	ck_assert(!sigismember(&before, SIGINT));
	pthread_t t;
	ck_assert_int_eq(util_thread_start(&t, report_mask, &worker), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGWINCH, SIGUSR1};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		ck_assert_msg(sigismember(&worker, sigs[i]), "signal %d not blocked", sigs[i]);
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, NULL, &after), 0);
	ck_assert(!sigismember(&after, SIGINT));
	ck_assert(!sigismember(&after, SIGTERM));
}
END_TEST

/* The whole request, from an offset; less only at the end; -1 on error. */
START_TEST(test_pread_full)
{
	char path[] = "/tmp/test-util-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, "0123456789", 10), 10);
	char buf[16] = "";
	ck_assert_int_eq(util_pread_full(fd, buf, 4, 3), 4);
	ck_assert(memcmp(buf, "3456", 4) == 0);
	ck_assert_int_eq(util_pread_full(fd, buf, sizeof buf, 6), 4);
	ck_assert(memcmp(buf, "6789", 4) == 0);
	ck_assert_int_eq(util_pread_full(fd, buf, sizeof buf, 10), 0);
	close(fd);
	errno = 0;
	ck_assert_int_eq(util_pread_full(fd, buf, 4, 0), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_strbuf_grows);
	tcase_add_test(tc, test_utf8_decode_strict);
	tcase_add_test(tc, test_utf8_valid_offset);
	tcase_add_test(tc, test_utf8_encode_roundtrip);
	tcase_add_test(tc, test_forbidden_chars);
	tcase_add_test(tc, test_visible);
	tcase_add_test(tc, test_edit_distance);
	tcase_add_test(tc, test_basename);
	tcase_add_test(tc, test_thread_start_blocks_signals);
	tcase_add_test(tc, test_pread_full);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(util_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
