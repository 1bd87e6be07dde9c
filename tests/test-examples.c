/* test-examples.c - the example tickets in share/examples/ are ready to send:
 * each reads without error, passes validation against the OKX profile with
 * no error or warning, holds nothing the secrets scanner finds, and matches
 * the category and language its file name promises. */
#include "provider.h"
#include "secrets.h"
#include "ticket_ini.h"
#include "util.h"
#include "validate.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define EXAMPLES TOP_DIR "/share/examples"

struct example {
	const char *file;
	const char *category;
	const char *language;
	size_t nattach;
};

static const struct example examples[] = {
    {"account-zh.ini", "account", "zh_CN", 0},
    {"account-en.ini", "account", "en", 0},
    {"trading-zh.ini", "trading", "zh_CN", 0},
    {"trading-en.ini", "trading", "en", 0},
    {"withdrawal-zh.ini", "deposit-withdrawal", "zh_CN", 2},
    {"withdrawal-en.ini", "deposit-withdrawal", "en", 0},
    {"api-zh.ini", "api", "zh_CN", 0},
    {"api-en.ini", "api", "en", 0},
    {"other-zh.ini", "other", "zh_CN", 0},
    {"other-en.ini", "other", "en", 0},
};

static struct provider *okx;
static struct secrets *secrets;

static void setup(void)
{
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(provider_load("okx", &okx, &d), 0);
	diags_finish(&d);
	char *err = NULL;
	int rc = secrets_load(&secrets, &err);
	if (rc != SECRETS_EOK)
		ck_abort_msg("secrets_load: %s", err);
}

static void teardown(void)
{
	provider_free(okx);
	okx = NULL;
	secrets_free(secrets);
	secrets = NULL;
}

static struct ticket *read_example(const struct example *ex)
{
	char *path = xasprintf("%s/%s", EXAMPLES, ex->file);
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	int rc = ticket_ini_read(t, path, &d);
	size_t errors = rc == 0 ? validate_ticket(t, okx, &d) : 0;
	if (d.n)
		diags_print(stderr, &d);
	ck_assert_msg(rc == 0, "%s: read failed", ex->file);
	ck_assert_msg(errors == 0 && d.n == 0, "%s: %zu diagnostics", ex->file, d.n);
	diags_finish(&d);
	free(path);
	return t;
}

START_TEST(example_valid)
{
	const struct example *ex = &examples[_i];
	struct ticket *t = read_example(ex);
	ck_assert_str_eq(ticket_get(t, TF_PROVIDER), "okx");
	ck_assert_str_eq(ticket_get(t, TF_CATEGORY), ex->category);
	ck_assert_str_eq(ticket_get(t, TF_LANGUAGE), ex->language);
	ck_assert_ptr_nonnull(provider_category_find(okx, ex->category));
	/* Descriptions are several lines, with an empty line (".") between
	 * paragraphs. */
	ck_assert_ptr_nonnull(strstr(ticket_get(t, TF_DESCRIPTION), "\n\n"));
	ck_assert_uint_eq(ticket_attach_count(t), ex->nattach);
	ticket_free(t);
}
END_TEST

START_TEST(example_no_secrets)
{
	const struct example *ex = &examples[_i];
	struct ticket *t = read_example(ex);
	struct diags d;
	diags_init(&d);
	for (int f = 0; f < TF_COUNT; f++) {
		if (f == TF_ATTACHMENT || !ticket_has(t, (enum ticket_field)f))
			continue;
		const char *v = ticket_get(t, (enum ticket_field)f);
		secrets_diagnose(secrets, v, strlen(v),
		                 f == TF_TXID ? SECRETS_CTX_TXID : SECRETS_CTX_TEXT, NULL,
		                 ticket_get(t, TF_TXID), f, ticket_fields[f].key, &d);
	}
	if (d.n)
		diags_print(stderr, &d);
	ck_assert_msg(d.n == 0, "%s: %zu secret findings", ex->file, d.n);
	diags_finish(&d);
	ticket_free(t);
}
END_TEST

/* The Chinese examples keep a description line above inih's 200-byte cut,
 * so the exact reader stays exercised by real data. */
START_TEST(example_zh_long_line)
{
	const struct example *ex = &examples[_i];
	if (strcmp(ex->language, "zh_CN") != 0)
		return;
	struct ticket *t = read_example(ex);
	const char *s = ticket_get(t, TF_DESCRIPTION);
	size_t longest = 0;
	while (*s) {
		size_t n = strcspn(s, "\n");
		longest = n > longest ? n : longest;
		s += n + (s[n] == '\n');
	}
	ck_assert_uint_gt(longest, 200);
	ticket_free(t);
}
END_TEST

/* withdrawal-zh.ini attaches the two synthetic screenshots; they are real,
 * small PNG files the profile accepts. */
START_TEST(example_screenshots)
{
	struct ticket *t = read_example(&examples[4]);
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	for (size_t i = 0; i < ticket_attach_count(t); i++) {
		const char *path = ticket_attach_path(t, i);
		char *data = NULL;
		size_t len = 0;
		ck_assert_int_eq(util_read_file(path, 64 * 1024, &data, &len), 0);
		ck_assert_uint_lt(len, 20 * 1024);
		ck_assert_uint_le(len, provider_max_file_size(okx));
		ck_assert_int_eq(memcmp(data, sig, sizeof sig), 0);
		free(data);
	}
	ck_assert(provider_type_allowed(okx, "image/png"));
	ticket_free(t);
}
END_TEST

static Suite *examples_suite(void)
{
	Suite *s = suite_create("examples");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, example_valid, 0, (int)UTIL_ARRAY_LEN(examples));
	tcase_add_loop_test(tc, example_no_secrets, 0, (int)UTIL_ARRAY_LEN(examples));
	tcase_add_loop_test(tc, example_zh_long_line, 0, (int)UTIL_ARRAY_LEN(examples));
	tcase_add_test(tc, example_screenshots);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setenv("TICKETMAIL_DATADIR", TOP_DIR "/share", 1);
	SRunner *sr = srunner_create(examples_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
