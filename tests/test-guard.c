/* test-guard.c - punycode and the recipient verdicts. */
#include "guard.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const char *const OFFICIAL = "support@okx.com";
static const char *const DOMAIN = "okx.com";

static enum guard_verdict verdict(const char *addr)
{
	struct guard_result r;
	guard_check_recipient(addr, OFFICIAL, DOMAIN, &r);
	enum guard_verdict v = r.verdict;
	guard_result_finish(&r);
	return v;
}

START_TEST(test_punycode_vectors)
{
	static const struct {
		const char *uni, *ascii;
	} v[] = {
	    {"bücher", "xn--bcher-kva"}, {"münchen", "xn--mnchen-3ya"}, {"中文", "xn--fiq228c"},
	    {"оkx", "xn--kx-emc"},       {"okх", "xn--ok-1mc"},         {"окх", "xn--j1ahw"},
	    {"οkx", "xn--kx-ibc"},       {"欧易", "xn--7hvx6i"},        {"okx", "okx"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *a = guard_label_to_ascii(v[i].uni, strlen(v[i].uni));
		ck_assert_str_eq(a, v[i].ascii);
		free(a);
		if (strncmp(v[i].ascii, "xn--", 4) == 0) {
			char *u = guard_label_to_unicode(v[i].ascii, strlen(v[i].ascii));
			ck_assert_str_eq(u, v[i].uni);
			free(u);
		}
	}
	ck_assert_ptr_null(guard_label_to_unicode("xn--!!", 6));
	ck_assert_ptr_null(guard_label_to_ascii("\xff", 1));
}
END_TEST

START_TEST(test_official)
{
	ck_assert_int_eq(verdict("support@okx.com"), GUARD_OFFICIAL);
	ck_assert_int_eq(verdict("Support@OKX.com"), GUARD_OFFICIAL);
	ck_assert_int_eq(verdict("kyc@okx.com"), GUARD_SAME_DOMAIN);
}
END_TEST

START_TEST(test_lookalikes_refused)
{
	static const char *const bad[] = {
	    "support@0kx.com",        "support@okx-support.com", "support@okx.com.evil.io",
	    "support@okxsupport.net", "help@support-okx.com",    "support@оkx.com",
	    "support@okх.com",        "support@οkx.com",         "support@xn--kx-emc.com",
	    "support@okk.com",        "support@oxk.com",         "support@okx.co",
	    "support@OKX-HELP.ORG",   "support@ｏｋｘ.com",      "support@okxx.com",
	    "support@xn--ok-1mc.com",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct guard_result r;
		guard_check_recipient(bad[i], OFFICIAL, DOMAIN, &r);
		ck_assert_msg(r.verdict == GUARD_LOOKALIKE, "%s: verdict %d", bad[i], r.verdict);
		ck_assert_ptr_nonnull(r.reason);
		guard_result_finish(&r);
	}
}
END_TEST

START_TEST(test_xn_form_shown)
{
	struct guard_result r;
	guard_check_recipient("support@оkx.com", OFFICIAL, DOMAIN, &r);
	ck_assert_int_eq(r.verdict, GUARD_LOOKALIKE);
	ck_assert_str_eq(r.ascii, "support@xn--kx-emc.com");
	ck_assert_ptr_nonnull(strstr(r.reason, "xn--kx-emc.com"));
	guard_result_finish(&r);
}
END_TEST

START_TEST(test_foreign_and_invalid)
{
	ck_assert_int_eq(verdict("me@example.com"), GUARD_FOREIGN);
	ck_assert_int_eq(verdict("team@ok.ru"), GUARD_FOREIGN);
	ck_assert_int_eq(verdict("help@box.com"), GUARD_FOREIGN);
	ck_assert_int_eq(verdict("x@mail.okx.com"), GUARD_FOREIGN);
	ck_assert_int_eq(verdict("not-an-address"), GUARD_INVALID);
	ck_assert_int_eq(verdict("a@"), GUARD_INVALID);
	ck_assert_int_eq(verdict("a\r\nb@okx.com"), GUARD_INVALID);
}
END_TEST

static Suite *guard_suite(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_punycode_vectors);
	tcase_add_test(tc, test_official);
	tcase_add_test(tc, test_lookalikes_refused);
	tcase_add_test(tc, test_xn_form_shown);
	tcase_add_test(tc, test_foreign_and_invalid);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(guard_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
