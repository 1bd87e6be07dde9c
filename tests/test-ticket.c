/* test-ticket.c - the field table and ticket values. */
#include "ticket.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_table_complete)
{
	/* Every field has a key, a section, both labels, a reason and an
	 * example; keys are unique over the whole table. */
	for (int i = 0; i < TF_COUNT; i++) {
		const struct ticket_field_def *f = &ticket_fields[i];
		ck_assert_ptr_nonnull(f->key);
		ck_assert_ptr_nonnull(f->section);
		ck_assert_ptr_nonnull(f->label_zh);
		ck_assert_ptr_nonnull(f->label_en);
		ck_assert_ptr_nonnull(f->why_zh);
		ck_assert_ptr_nonnull(f->why_en);
		ck_assert_ptr_nonnull(f->example);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(f->key, ticket_fields[j].key);
		ck_assert_int_eq(ticket_field_lookup(f->key), i);
		ck_assert_int_eq(ticket_field_lookup_in(f->section, f->key), i);
	}
}
END_TEST

START_TEST(test_lookup)
{
	ck_assert_int_eq(ticket_field_lookup("txid"), TF_TXID);
	ck_assert_int_eq(ticket_field_lookup("transaction.txid"), TF_TXID);
	ck_assert_int_eq(ticket_field_lookup("account.txid"), -1);
	ck_assert_int_eq(ticket_field_lookup("nope"), -1);
	ck_assert(ticket_section_known("device"));
	ck_assert(!ticket_section_known("devices2"));
	ck_assert_str_eq(ticket_suggest_key("tixd"), "txid");
	ck_assert_str_eq(ticket_suggest_key("emial"), "email");
	ck_assert_str_eq(ticket_suggest_key("descripton"), "description");
	ck_assert_ptr_null(ticket_suggest_key("zzzzzzzzzz"));
	ck_assert_str_eq(ticket_suggest_section("transacton"), "transaction");
}
END_TEST

START_TEST(test_values_exact)
{
	struct ticket *t = ticket_new();
	ck_assert_ptr_null(ticket_get(t, TF_SUBJECT));
	ck_assert(!ticket_has(t, TF_SUBJECT));
	struct ticket_origin o = {"a.ini", 7};
	ticket_set(t, TF_SUBJECT, "USDT提币未到账 ; x", strlen("USDT提币未到账 ; x"), &o);
	ck_assert_str_eq(ticket_get(t, TF_SUBJECT), "USDT提币未到账 ; x");
	struct ticket_origin got = ticket_origin_of(t, TF_SUBJECT);
	ck_assert_str_eq(got.file, "a.ini");
	ck_assert_uint_eq(got.line, 7);
	ticket_set(t, TF_SUBJECT, "", 0, NULL);
	ck_assert(!ticket_has(t, TF_SUBJECT));
	ticket_set(t, TF_SUBJECT, NULL, 0, NULL);
	ck_assert_ptr_null(ticket_get(t, TF_SUBJECT));
	ticket_attach_add(t, "a.png", &o);
	ticket_attach_add(t, "b.png", NULL);
	ck_assert_uint_eq(ticket_attach_count(t), 2);
	ck_assert_str_eq(ticket_attach_path(t, 1), "b.png");
	ck_assert_uint_eq(ticket_attach_origin(t, 0).line, 7);
	ck_assert_ptr_null(ticket_attach_origin(t, 1).file);
	ticket_attach_add(t, "c.png", NULL);
	ticket_attach_remove(t, 0);
	ck_assert_uint_eq(ticket_attach_count(t), 2);
	ck_assert_str_eq(ticket_attach_path(t, 0), "b.png");
	ck_assert_str_eq(ticket_attach_path(t, 1), "c.png");
	ticket_attach_remove(t, 5); /* out of range: nothing */
	ticket_attach_remove(t, 1);
	ck_assert_uint_eq(ticket_attach_count(t), 1);
	ck_assert_str_eq(ticket_attach_path(t, 0), "b.png");
	ck_assert_str_eq(ticket_field_label(TF_TXID, "zh_CN"), "交易哈希（TxID）");
	ck_assert_str_eq(ticket_field_label(TF_TXID, "en"), "Transaction ID (TxID)");
	ticket_free(t);
	ticket_free(NULL);
}
END_TEST

static Suite *ticket_suite(void)
{
	Suite *s = suite_create("ticket");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_table_complete);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_values_exact);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ticket_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
