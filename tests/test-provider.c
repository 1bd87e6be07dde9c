/* test-provider.c - provider profiles: the shipped OKX profile, a second
 * provider added as data only, and broken profiles with their file:line. */
#include "provider.h"
#include "util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OKX_INI   TOP_DIR "/share/providers/okx.ini"
#define PROV_DATA TEST_DATA "/providers"

static struct provider *load_ok(const char *path)
{
	struct diags d;
	diags_init(&d);
	struct provider *p = NULL;
	int rc = provider_load_file(path, &p, &d);
	if (rc != 0)
		diags_print(stderr, &d);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_ptr_nonnull(p);
	diags_finish(&d);
	return p;
}

/* true when d holds an error at where whose message contains needle. */
static bool has_error(const struct diags *d, const char *where, const char *needle)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *e = &d->v[i];
		if (e->severity == DIAG_ERROR && e->where && strcmp(e->where, where) == 0 &&
		    strstr(e->message, needle))
			return true;
	}
	return false;
}

static void dump(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  [%s] %s\n", d->v[i].where ? d->v[i].where : "-",
		        d->v[i].message);
}

#define ck_assert_error(d, where, needle)                                                          \
	do {                                                                                       \
		if (!has_error((d), (where), (needle))) {                                          \
			dump(d);                                                                   \
			ck_abort_msg("no error at %s containing '%s'", (where), (needle));         \
		}                                                                                  \
	} while (0)

/* Loads a broken profile: -2, no provider, exactly nerrors errors. */
static void load_bad(const char *name, struct diags *d, size_t nerrors)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", PROV_DATA, name);
	struct provider *p = (struct provider *)1;
	diags_init(d);
	int rc = provider_load_file(path, &p, d);
	ck_assert_int_eq(rc, -2);
	ck_assert_ptr_null(p);
	if (diags_count(d, DIAG_ERROR) != nerrors)
		dump(d);
	ck_assert_uint_eq(diags_count(d, DIAG_ERROR), nerrors);
}

static bool group_is(const struct provider_requirement *r, enum ticket_field a, int b)
{
	if (b < 0)
		return r->n == 1 && r->fields[0] == a;
	return r->n == 2 && r->fields[0] == a && r->fields[1] == (enum ticket_field)b;
}

static bool has_subject(const char *const *v, const char *s)
{
	for (; *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

START_TEST(okx_channel)
{
	struct provider *p = load_ok(OKX_INI);
	ck_assert_str_eq(provider_id(p), "okx");
	ck_assert_str_eq(provider_support_address(p), "support@okx.com");
	ck_assert_str_eq(provider_official_domain(p), "okx.com");
	ck_assert_str_eq(provider_verify_url(p), "https://www.okx.com/help");
	ck_assert_str_eq(provider_help_center_url(p), "https://www.okx.com/help");
	ck_assert_str_eq(provider_name(p, "zh_CN"), "欧易 OKX");
	ck_assert_str_eq(provider_name(p, "en"), "OKX");
	ck_assert_str_eq(provider_reply_time(p, "zh_CN"), "1-3 个工作日");
	ck_assert_str_eq(provider_reply_time(p, "en"), "1-3 working days");
	provider_free(p);
}
END_TEST

START_TEST(okx_categories_in_order)
{
	static const char *const ids[] = {"account", "trading", "deposit-withdrawal", "api",
	                                  "other"};
	struct provider *p = load_ok(OKX_INI);
	ck_assert_uint_eq(provider_category_count(p), 5);
	for (size_t i = 0; i < 5; i++) {
		const struct provider_category *c = provider_category_at(p, i);
		ck_assert_str_eq(c->id, ids[i]);
		ck_assert_ptr_eq(provider_category_find(p, ids[i]), c);
		ck_assert_ptr_nonnull(c->name_zh);
		ck_assert_ptr_nonnull(c->name_en);
		ck_assert_ptr_nonnull(c->guidance_zh);
		ck_assert_ptr_nonnull(c->guidance_en);
		/* Several suggestions in each language. */
		ck_assert_ptr_nonnull(c->subjects_zh[2]);
		ck_assert_ptr_nonnull(c->subjects_en[2]);
	}
	ck_assert_ptr_null(provider_category_at(p, 5));
	ck_assert_ptr_null(provider_category_find(p, "deposit"));
	ck_assert_ptr_null(provider_category_find(p, NULL));
	const struct provider_category *dw = provider_category_find(p, "deposit-withdrawal");
	ck_assert_str_eq(provider_category_name(dw, "zh_CN"), "充提币问题");
	ck_assert_str_eq(provider_category_name(dw, "en"), "Deposits and withdrawals");
	/* Continuation lines are joined with "\n". */
	ck_assert_ptr_nonnull(strchr(dw->guidance_en, '\n'));
	provider_free(p);
}
END_TEST

START_TEST(okx_guide_subjects)
{
	struct provider *p = load_ok(OKX_INI);
	const struct provider_category *c;
	c = provider_category_find(p, "account");
	ck_assert(has_subject(c->subjects_zh, "账户登录异常"));
	ck_assert(has_subject(c->subjects_en, "Account login problem"));
	c = provider_category_find(p, "deposit-withdrawal");
	ck_assert(has_subject(c->subjects_zh, "USDT提币未到账"));
	ck_assert(has_subject(c->subjects_en, "USDT withdrawal not received"));
	c = provider_category_find(p, "trading");
	ck_assert(has_subject(c->subjects_zh, "合约交易爆仓申诉"));
	ck_assert(has_subject(c->subjects_en, "Futures liquidation appeal"));
	c = provider_category_find(p, "api");
	ck_assert(has_subject(c->subjects_zh, "API调用错误"));
	ck_assert(has_subject(c->subjects_en, "API call error"));
	provider_free(p);
}
END_TEST

START_TEST(okx_requirements)
{
	struct provider *p = load_ok(OKX_INI);
	const struct provider_category *c = provider_category_find(p, "deposit-withdrawal");
	ck_assert_uint_eq(c->nrequired, 4);
	ck_assert(group_is(&c->required[0], TF_COIN, -1));
	ck_assert(group_is(&c->required[1], TF_NETWORK, -1));
	ck_assert(group_is(&c->required[2], TF_AMOUNT, -1));
	ck_assert(group_is(&c->required[3], TF_TXID, TF_ORDER_ID));
	ck_assert_uint_eq(c->nrecommended, 4);
	ck_assert_int_eq(c->recommended[2], TF_ADDRESS);

	c = provider_category_find(p, "account");
	ck_assert_uint_eq(c->nrequired, 3);
	ck_assert(group_is(&c->required[0], TF_DEVICE_MODEL, -1));
	ck_assert(group_is(&c->required[1], TF_OS_VERSION, -1));
	ck_assert(group_is(&c->required[2], TF_APP_VERSION, -1));

	c = provider_category_find(p, "trading");
	ck_assert_uint_eq(c->nrequired, 1);
	ck_assert(group_is(&c->required[0], TF_ORDER_ID, -1));

	c = provider_category_find(p, "api");
	ck_assert_uint_eq(c->nrequired, 1);
	ck_assert(group_is(&c->required[0], TF_ERROR_MESSAGE, -1));

	c = provider_category_find(p, "other");
	ck_assert_uint_eq(c->nrequired, 0);
	ck_assert_uint_eq(c->nrecommended, 2);
	provider_free(p);
}
END_TEST

START_TEST(okx_attachment_policy)
{
	struct provider *p = load_ok(OKX_INI);
	ck_assert(provider_type_allowed(p, "image/png"));
	ck_assert(provider_type_allowed(p, "image/jpeg"));
	ck_assert(provider_type_allowed(p, "image/heic"));
	ck_assert(provider_type_allowed(p, "application/pdf"));
	ck_assert(provider_type_allowed(p, "text/plain"));
	ck_assert(provider_type_allowed(p, "IMAGE/PNG"));
	ck_assert(!provider_type_allowed(p, "application/zip"));
	ck_assert(!provider_type_allowed(p, "application/x-dosexec"));
	ck_assert(!provider_type_allowed(p, "text/html"));
	ck_assert(!provider_type_allowed(p, "image/"));
	ck_assert(!provider_type_allowed(p, ""));
	ck_assert(!provider_type_allowed(p, NULL));
	ck_assert_str_eq(provider_allowed_types(p), "image/png image/jpeg image/webp image/gif "
	                                            "image/heic application/pdf text/plain");
	ck_assert_uint_eq(provider_max_file_size(p), 10u * 1024 * 1024);
	ck_assert_uint_eq(provider_max_total_size(p), 20u * 1024 * 1024);
	ck_assert_uint_eq(provider_max_attachments(p), 10);
	provider_free(p);
}
END_TEST

/* provider_load() finds okx by id in the real share directory, and the
 * second provider in the test data directory via TICKETMAIL_DATADIR (set in
 * main, since paths_share_dir() reads it once). */
START_TEST(second_provider_by_id)
{
	struct diags d;
	diags_init(&d);
	struct provider *p = NULL;
	int rc = provider_load("examplex", &p, &d);
	if (rc != 0)
		dump(&d);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(provider_id(p), "examplex");
	ck_assert_str_eq(provider_name(p, "en"), "ExampleX");
	ck_assert_str_eq(provider_name(p, "zh"), "示例交易所");
	ck_assert_str_eq(provider_support_address(p), "help.desk@examplex.test");
	ck_assert_str_eq(provider_official_domain(p), "examplex.test");
	ck_assert_str_eq(provider_verify_url(p), "https://help.examplex.test/contact");
	/* Optional keys: the help center falls back to verify_url. */
	ck_assert_str_eq(provider_help_center_url(p), "https://help.examplex.test/contact");
	ck_assert_ptr_null(provider_reply_time(p, "en"));
	ck_assert_uint_eq(provider_max_file_size(p), 512u * 1024);
	ck_assert_uint_eq(provider_max_total_size(p), 1024u * 1024);
	ck_assert_uint_eq(provider_max_attachments(p), 3);
	ck_assert(provider_type_allowed(p, "application/pdf"));
	ck_assert(!provider_type_allowed(p, "image/jpeg"));
	ck_assert_str_eq(provider_allowed_types(p), "image/png application/pdf");

	ck_assert_uint_eq(provider_category_count(p), 2);
	const struct provider_category *w = provider_category_at(p, 0);
	ck_assert_str_eq(w->id, "withdrawal");
	ck_assert_ptr_null(w->guidance_en);
	ck_assert_str_eq(w->subjects_en[1], "Withdrawal stuck");
	ck_assert_ptr_null(w->subjects_en[2]);
	ck_assert_ptr_null(w->subjects_zh[1]);
	ck_assert_uint_eq(w->nrequired, 3);
	ck_assert_uint_eq(w->required[1].n, 3);
	ck_assert_int_eq(w->required[1].fields[0], TF_TXID);
	ck_assert_int_eq(w->required[1].fields[1], TF_ORDER_ID);
	ck_assert_int_eq(w->required[1].fields[2], TF_ADDRESS);
	ck_assert(group_is(&w->required[2], TF_AMOUNT, -1));
	const struct provider_category *l = provider_category_at(p, 1);
	ck_assert_str_eq(l->id, "login");
	ck_assert_uint_eq(l->nrequired, 0);
	ck_assert_uint_eq(l->nrecommended, 1);
	ck_assert_int_eq(l->recommended[0], TF_DEVICE_MODEL);
	provider_free(p);
	diags_finish(&d);
}
END_TEST

START_TEST(load_by_id_errors)
{
	struct diags d;
	struct provider *p = (struct provider *)1;
	diags_init(&d);
	ck_assert_int_eq(provider_load("../okx", &p, &d), -1);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(provider_load("OKX", &p, &d), -1);
	ck_assert_int_eq(provider_load("", &p, &d), -1);
	ck_assert_uint_eq(diags_count(&d, DIAG_ERROR), 3);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "../okx"));
	diags_finish(&d);

	/* Unknown: the message lists the profiles that exist. */
	diags_init(&d);
	ck_assert_int_eq(provider_load("nosuch", &p, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "nosuch"));
	/* Sorted; broken profiles are listed too: they exist, and loading one
	 * says what is wrong with it. */
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "(known: bad-address, bad-attachments, "
	                                             "bad-empty, bad-fields, bad-id, bad-keys, "
	                                             "examplex)"));
	ck_assert_int_eq(d.v[0].field, TF_PROVIDER);
	diags_finish(&d);

	/* A file whose id is not its name. */
	diags_init(&d);
	ck_assert_int_eq(provider_load("bad-id", &p, &d), -2);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_error(&d, PROV_DATA "/bad-id.ini:3", "someone-else");
	diags_finish(&d);

	/* A broken profile loaded by id is -2 as well. */
	diags_init(&d);
	ck_assert_int_eq(provider_load("bad-keys", &p, &d), -2);
	ck_assert_ptr_null(p);
	diags_finish(&d);
}
END_TEST

START_TEST(missing_file)
{
	struct diags d;
	diags_init(&d);
	struct provider *p = (struct provider *)1;
	ck_assert_int_eq(provider_load_file(PROV_DATA "/no-such-file.ini", &p, &d), -1);
	ck_assert_ptr_null(p);
	ck_assert_uint_ge(diags_count(&d, DIAG_ERROR), 1);
	diags_finish(&d);
}
END_TEST

START_TEST(bad_keys)
{
	struct diags d;
	load_bad("bad-keys.ini", &d, 7);
#define F PROV_DATA "/bad-keys.ini:"
	ck_assert_error(&d, F "2", "outside of any section");
	ck_assert_error(&d, F "7", "set twice (first on line 6)");
	ck_assert_error(&d, F "8", "did you mean support_address?");
	ck_assert_error(&d, F "14", "[attachment]: unknown section");
	ck_assert_error(&d, F "23", "[category Other]: a category section is");
	ck_assert_error(&d, F "30", "[category other].colour: unknown key");
	ck_assert_error(&d, F "33", "[provider]: section appears a second time");
#undef F
	diags_finish(&d);
}
END_TEST

START_TEST(bad_address)
{
	struct diags d;
	load_bad("bad-address.ini", &d, 3);
#define F PROV_DATA "/bad-address.ini:"
	ck_assert_error(&d, F "6", "okx-help.test is not the official domain okx.com");
	ck_assert_error(&d, F "8", "no user name before the host");
	ck_assert_error(&d, F "9", "must be an https:// URL");
#undef F
	diags_finish(&d);
}
END_TEST

START_TEST(bad_fields)
{
	struct diags d;
	load_bad("bad-fields.ini", &d, 6);
#define F PROV_DATA "/bad-fields.ini:"
	ck_assert_error(&d, F "21", "unknown ticket field 'tx_id' (did you mean txid?)");
	ck_assert_error(&d, F "21", "empty field name");
	ck_assert_error(&d, F "21", "at most 4 alternatives");
	ck_assert_error(&d, F "22", "field coin is listed twice");
	ck_assert_error(&d, F "22", "alternatives (a|b) belong in required");
	ck_assert_error(&d, F "28", "[category other].name_zh: must be a single line");
#undef F
	diags_finish(&d);
}
END_TEST

START_TEST(bad_attachments)
{
	struct diags d;
	load_bad("bad-attachments.ini", &d, 6);
#define F PROV_DATA "/bad-attachments.ini:11"
	ck_assert_error(&d, F, "'Image/JPEG' must be written in lower case");
	ck_assert_error(&d, F, "'image' is not a MIME type");
	ck_assert_error(&d, F, "image/png is listed twice");
	ck_assert_error(&d, F, "'image/*' is not a MIME type");
#undef F
	ck_assert_error(&d, PROV_DATA "/bad-attachments.ini:12", "'10 MB' is not a size");
	ck_assert_error(&d, PROV_DATA "/bad-attachments.ini:14", "'0' is not a whole number");
	diags_finish(&d);
}
END_TEST

START_TEST(bad_empty)
{
	struct diags d;
	load_bad("bad-empty.ini", &d, 8);
#define F PROV_DATA "/bad-empty.ini"
	ck_assert_error(&d, F ":5", "[provider].name_en: empty value");
	ck_assert_error(&d, F ":3", "[provider].support_address: missing");
	ck_assert_error(&d, F ":6", "'Bad.Test' is not a lower-case domain name");
	ck_assert_error(&d, F, "[attachments].types: missing");
	ck_assert_error(&d, F, "[attachments].max_count: missing");
	ck_assert_error(&d, F, "at least one is needed");
#undef F
	diags_finish(&d);
}
END_TEST

START_TEST(size_limits_are_ordered)
{
	/* max_file_size above max_total_size cannot be satisfied. */
	static const char text[] = "[provider]\n"
	                           "id = t\n"
	                           "name_zh = t\n"
	                           "name_en = t\n"
	                           "support_address = a@t.test\n"
	                           "official_domain = t.test\n"
	                           "verify_url = https://t.test/\n"
	                           "[attachments]\n"
	                           "types = image/png\n"
	                           "max_file_size = 3 MiB\n"
	                           "max_total_size = 2048 KiB\n"
	                           "max_count = 101\n"
	                           "[category x]\n"
	                           "name_zh = x\n"
	                           "name_en = x\n"
	                           "subject_zh = x\n"
	                           "subject_en = x\n";
	char path[] = "/tmp/test-provider-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	struct diags d;
	diags_init(&d);
	struct provider *p = NULL;
	int rc = provider_load_file(path, &p, &d);
	char *where10 = xasprintf("%s:10", path);
	char *where12 = xasprintf("%s:12", path);
	unlink(path);
	ck_assert_int_eq(rc, -2);
	ck_assert_uint_eq(diags_count(&d, DIAG_ERROR), 2);
	ck_assert_error(&d, where10, "larger than max_total_size");
	ck_assert_error(&d, where12, "from 1 to 100");
	free(where10);
	free(where12);
	diags_finish(&d);
}
END_TEST

START_TEST(free_null)
{
	provider_free(NULL);
}
END_TEST

static Suite *provider_suite(void)
{
	Suite *s = suite_create("provider");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, okx_channel);
	tcase_add_test(tc, okx_categories_in_order);
	tcase_add_test(tc, okx_guide_subjects);
	tcase_add_test(tc, okx_requirements);
	tcase_add_test(tc, okx_attachment_policy);
	tcase_add_test(tc, second_provider_by_id);
	tcase_add_test(tc, load_by_id_errors);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, bad_keys);
	tcase_add_test(tc, bad_address);
	tcase_add_test(tc, bad_fields);
	tcase_add_test(tc, bad_attachments);
	tcase_add_test(tc, bad_empty);
	tcase_add_test(tc, size_limits_are_ordered);
	tcase_add_test(tc, free_null);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* Before any load: paths_share_dir() reads it once. */
	setenv("TICKETMAIL_DATADIR", TEST_DATA, 1);
	SRunner *sr = srunner_create(provider_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
