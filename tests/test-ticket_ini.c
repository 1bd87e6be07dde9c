/* test-ticket_ini.c - tickets from INI files and --set, and back to INI. */
#include "ticket_ini.h"

#include "util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INI_DIR TEST_DATA "/ini"

static char *slurp(const char *path)
{
	char *data = NULL;
	size_t len = 0;
	ck_assert_int_eq(util_read_file(path, 1 << 20, &data, &len), 0);
	return data;
}

static char *print_diags(const struct diags *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	diags_print(f, d);
	fclose(f);
	return buf;
}

static char *write_ticket(const struct ticket *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ticket_ini_write(t, f), 0);
	fclose(f);
	return buf;
}

START_TEST(test_read_full)
{
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	ticket_set(t, TF_SUBJECT, "from before", 11, NULL);
	ticket_set(t, TF_MEMO, "overwritten", 11, NULL);
	ck_assert_int_eq(ticket_ini_read(t, INI_DIR "/full.ini", &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_str_eq(ticket_get(t, TF_PROVIDER), "okx");
	ck_assert_str_eq(ticket_get(t, TF_CATEGORY), "deposit-withdrawal");
	ck_assert_str_eq(ticket_get(t, TF_LANGUAGE), "zh_CN");
	ck_assert_str_eq(ticket_get(t, TF_SUBJECT), "USDT提币未到账");
	ck_assert_str_eq(ticket_get(t, TF_OCCURRED_AT), "2026-11-20 14:32 +08:00");
	ck_assert_str_eq(ticket_get(t, TF_DESCRIPTION), "提币已显示完成,但接收钱包未到账。\n"
	                                                "已等待 3 小时 ; 仍未到账\n"
	                                                "\n"
	                                                "# 这一行不是注释");
	ck_assert_str_eq(ticket_get(t, TF_STEPS), "1. 打开资产页 2. 点击提币");
	ck_assert_str_eq(ticket_get(t, TF_ERROR_MESSAGE), "Withdrawal failed (50001);");
	ck_assert_str_eq(ticket_get(t, TF_UID), "123456789012345678");
	ck_assert_str_eq(ticket_get(t, TF_EMAIL), "name@example.com");
	ck_assert_str_eq(ticket_get(t, TF_NAME), "张三");
	ck_assert_str_eq(ticket_get(t, TF_COIN), "USDT");
	ck_assert_str_eq(ticket_get(t, TF_NETWORK), "TRC20");
	ck_assert_str_eq(ticket_get(t, TF_AMOUNT), "500");
	ck_assert_str_eq(ticket_get(t, TF_ADDRESS), "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE");
	ck_assert_str_eq(ticket_get(t, TF_MEMO), "104857");
	ck_assert_str_eq(ticket_get(t, TF_TXID),
	                 "9f2c4a6b8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809102");
	ck_assert_str_eq(ticket_get(t, TF_ORDER_ID), "1234567890123");
	ck_assert_str_eq(ticket_get(t, TF_DEVICE_MODEL), "iPhone 15 Pro");
	ck_assert_str_eq(ticket_get(t, TF_OS_VERSION), "iOS 18.1");
	ck_assert_str_eq(ticket_get(t, TF_APP_VERSION), "6.95.0");
	ck_assert_str_eq(ticket_get(t, TF_PHONE), "+86 138 0013 8000");
	ck_assert_str_eq(ticket_get(t, TF_TELEGRAM), "@zhangsan");
	/* Relative attachment paths are relative to the INI file's directory. */
	ck_assert_uint_eq(ticket_attach_count(t), 2);
	ck_assert_str_eq(ticket_attach_path(t, 0), INI_DIR "/shots/record.png");
	ck_assert_str_eq(ticket_attach_path(t, 1), "/tmp/absolute.png");
	ck_assert_uint_eq(ticket_attach_origin(t, 1).line, 42);
	struct ticket_origin o = ticket_origin_of(t, TF_DESCRIPTION);
	ck_assert_str_eq(o.file, INI_DIR "/full.ini");
	ck_assert_uint_eq(o.line, 10);
	ticket_free(t);
	diags_finish(&d);
}
END_TEST

START_TEST(test_read_relative_dir)
{
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(chdir(INI_DIR), 0);
	ck_assert_int_eq(ticket_ini_read(t, "full.ini", &d), 0);
	ck_assert_str_eq(ticket_attach_path(t, 0), "shots/record.png");
	/* Duplicates are counted per file: a second read overwrites the
	 * fields and adds the attachments again. */
	ck_assert_int_eq(ticket_ini_read(t, "./full.ini", &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(ticket_attach_count(t), 4);
	ck_assert_str_eq(ticket_attach_path(t, 2), "./shots/record.png");
	ticket_free(t);
	diags_finish(&d);
}
END_TEST

START_TEST(test_unknown_messages)
{
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(chdir(INI_DIR), 0);
	ck_assert_int_eq(ticket_ini_read(t, "unknown.ini", &d), -2);
	char *got = print_diags(&d);
	char *want = slurp(INI_DIR "/unknown.expected");
	ck_assert_str_eq(got, want);
	ck_assert_str_eq(d.v[0].kind, "unknown-key");
	ck_assert_str_eq(d.v[1].kind, "unknown-section");
	ck_assert_int_eq(d.v[2].field, TF_UID);
	/* The good keys are still read. */
	ck_assert_str_eq(ticket_get(t, TF_SUBJECT), "USDT提币未到账");
	ck_assert_ptr_null(ticket_get(t, TF_DESCRIPTION));
	free(got);
	free(want);
	ticket_free(t);
	diags_finish(&d);
}
END_TEST

START_TEST(test_duplicate)
{
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(chdir(INI_DIR), 0);
	ck_assert_int_eq(ticket_ini_read(t, "duplicate.ini", &d), -2);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].where, "duplicate.ini:10");
	ck_assert_str_eq(d.v[0].kind, "duplicate-key");
	ck_assert_int_eq(d.v[0].field, TF_SUBJECT);
	ck_assert_str_eq(d.v[0].message, "[ticket].subject: given twice, on lines 2 and 10");
	ck_assert_str_eq(ticket_get(t, TF_SUBJECT), "first");
	ck_assert_uint_eq(ticket_attach_count(t), 2);
	ck_assert_str_eq(ticket_attach_path(t, 1), "b.png");
	ticket_free(t);
	diags_finish(&d);
}
END_TEST

START_TEST(test_read_errors)
{
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(ticket_ini_read(t, INI_DIR "/missing.ini", &d), -1);
	ck_assert_uint_eq(d.n, 1);
	diags_finish(&d);

	diags_init(&d);
	ck_assert_int_eq(ticket_ini_read(t, INI_DIR "/bad-utf8.ini", &d), -2);
	char *got = print_diags(&d);
	ck_assert_str_eq(got,
	                 "ticketmail: " INI_DIR "/bad-utf8.ini:3: error: invalid UTF-8 at byte 19 "
	                 "of the line\n"
	                 "ticketmail: " INI_DIR "/bad-utf8.ini:6: error: invalid UTF-8 at byte 17 "
	                 "of the line\n");
	free(got);
	ck_assert_str_eq(ticket_get(t, TF_STEPS), "fine");
	diags_finish(&d);

	diags_init(&d);
	ck_assert_int_eq(ticket_ini_read(t, INI_DIR "/nul.ini", &d), -2);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].where, INI_DIR "/nul.ini:2");
	ck_assert_str_eq(d.v[0].message, "NUL byte in the line");
	ck_assert_str_eq(ticket_get(t, TF_CATEGORY), "api");
	diags_finish(&d);
	ticket_free(t);
}
END_TEST

/* Keys before any section, keys in the wrong section, empty paths. */
START_TEST(test_misplaced)
{
	char path[] = "/tmp/test-ticket_ini-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char text[] = "subject = x\n"
	                    "bogus = y\n"
	                    "[ticket]\n"
	                    "tixd = 1\n"
	                    "[attachments]\n"
	                    "file =\n"
	                    "file = a\n"
	                    "    b\n";
	ck_assert_int_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(ticket_ini_read(t, path, &d), -2);
	ck_assert_uint_eq(d.n, 5);
	ck_assert_str_eq(d.v[0].message,
	                 "subject: key before any [section]; it belongs in [ticket]");
	ck_assert_str_eq(d.v[1].message, "bogus: key before any [section]");
	ck_assert_str_eq(d.v[2].message,
	                 "[ticket].tixd: unknown key; did you mean 'txid' (in [transaction])?");
	ck_assert_str_eq(d.v[3].message, "[attachments].file: empty attachment path");
	ck_assert_str_eq(d.v[4].message,
	                 "[attachments].file: an attachment path must be on one line");
	char *where = xasprintf("%s:7", path);
	ck_assert_str_eq(d.v[4].where, where);
	free(where);
	ck_assert_uint_eq(ticket_attach_count(t), 0);
	ck_assert_ptr_null(ticket_get(t, TF_SUBJECT));
	unlink(path);
	ticket_free(t);
	diags_finish(&d);
}
END_TEST

START_TEST(test_set)
{
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(ticket_ini_set(t, "subject=USDT提币未到账", &d), 0);
	ck_assert_str_eq(ticket_get(t, TF_SUBJECT), "USDT提币未到账");
	/* The value is the rest after the first "=", its blanks at both ends
	 * (of each line) removed as the file's are; the key is trimmed. */
	ck_assert_int_eq(ticket_ini_set(t, " transaction.memo \t=  a=b ; c ", &d), 0);
	ck_assert_str_eq(ticket_get(t, TF_MEMO), "a=b ; c");
	ck_assert_int_eq(ticket_ini_set(t, "address=TJWvzHYjE5bJ4cmXxiRKya51dfy1PLK6d4 \t", &d), 0);
	ck_assert_str_eq(ticket_get(t, TF_ADDRESS), "TJWvzHYjE5bJ4cmXxiRKya51dfy1PLK6d4");
	ck_assert_int_eq(ticket_ini_set(t, "description=line 1\nline 2", &d), 0);
	ck_assert_str_eq(ticket_get(t, TF_DESCRIPTION), "line 1\nline 2");
	ck_assert_int_eq(ticket_ini_set(t, "description=\v line 1 \n\tline 2\f\n\n  x  ", &d), 0);
	ck_assert_str_eq(ticket_get(t, TF_DESCRIPTION), "line 1\nline 2\n\nx");
	ck_assert_int_eq(ticket_ini_set(t, "txid=   ", &d), 0);
	ck_assert(!ticket_has(t, TF_TXID));
	ck_assert_int_eq(ticket_ini_set(t, "uid=", &d), 0);
	ck_assert_str_eq(ticket_get(t, TF_UID), "");
	ck_assert(!ticket_has(t, TF_UID));
	struct ticket_origin o = ticket_origin_of(t, TF_SUBJECT);
	ck_assert_ptr_null(o.file);
	ck_assert_uint_eq(o.line, 0);
	ck_assert_int_eq(ticket_ini_set(t, "file= shot.png ", &d), 0);
	ck_assert_int_eq(ticket_ini_set(t, "attachments.file=dir/other=1.png", &d), 0);
	ck_assert_uint_eq(ticket_attach_count(t), 2);
	ck_assert_str_eq(ticket_attach_path(t, 0), "shot.png");
	ck_assert_str_eq(ticket_attach_path(t, 1), "dir/other=1.png");
	ck_assert_uint_eq(d.n, 0);

	ck_assert_int_eq(ticket_ini_set(t, "foo=bar", &d), -1);
	ck_assert_int_eq(ticket_ini_set(t, "descripton=bar", &d), -1);
	ck_assert_int_eq(ticket_ini_set(t, "account.txid=1", &d), -1);
	ck_assert_int_eq(ticket_ini_set(t, "acount.uid=1", &d), -1);
	ck_assert_int_eq(ticket_ini_set(t, "subject", &d), -1);
	ck_assert_int_eq(ticket_ini_set(t, " =x", &d), -1);
	ck_assert_int_eq(ticket_ini_set(t, "file=", &d), -1);
	ck_assert_int_eq(ticket_ini_set(t, "file= \t", &d), -1);
	ck_assert_int_eq(ticket_ini_set(t, "name=\xff", &d), -1);
	ck_assert_int_eq(ticket_ini_set(t,
	                                "zzzz=01234567890123456789012345678901234567890123456789"
	                                "0123456789\n",
	                                &d),
	                 -1);
	char *got = print_diags(&d);
	ck_assert_str_eq(got,
	                 "ticketmail: error: --set foo=bar: unknown key 'foo'\n"
	                 "ticketmail: error: --set descripton=bar: unknown key 'descripton'; did "
	                 "you mean 'description'?\n"
	                 "ticketmail: error: --set account.txid=1: unknown key 'account.txid'; "
	                 "'txid' belongs in [transaction]\n"
	                 "ticketmail: error: --set acount.uid=1: unknown section 'acount'; did you "
	                 "mean 'account'?\n"
	                 "ticketmail: error: --set subject: expected key=value or "
	                 "section.key=value\n"
	                 "ticketmail: error: --set  =x: missing key before \"=\"\n"
	                 "ticketmail: error: --set file=: empty attachment path\n"
	                 "ticketmail: error: --set file= \\t: empty attachment path\n"
	                 "ticketmail: error: --set name=\\xFF: invalid UTF-8 in the value\n"
	                 "ticketmail: error: --set zzzz=0123456789012345678901234567890123456789"
	                 "012345678901234...: unknown key 'zzzz'\n");
	free(got);
	ck_assert_str_eq(ticket_get(t, TF_SUBJECT), "USDT提币未到账");
	ck_assert_uint_eq(ticket_attach_count(t), 2);
	ticket_free(t);
	diags_finish(&d);
}
END_TEST

START_TEST(test_write_golden)
{
	struct ticket *t = ticket_new();
	ticket_set(t, TF_SUBJECT, "API调用错误 ; 50011", strlen("API调用错误 ; 50011"), NULL);
	ticket_set(t, TF_CATEGORY, "api", 3, NULL);
	ticket_set(t, TF_PROVIDER, "", 0, NULL); /* empty: left out */
	const char *desc = "第一行\n\n第三行";
	ticket_set(t, TF_DESCRIPTION, desc, strlen(desc), NULL);
	const char *err = "\n# after an empty first line\n";
	ticket_set(t, TF_ERROR_MESSAGE, err, strlen(err), NULL);
	ticket_set(t, TF_COIN, "USDT", 4, NULL);
	ticket_attach_add(t, "/tmp/shot one.png", NULL);
	ticket_attach_add(t, "shots/error.png", NULL);
	char *got = write_ticket(t);
	char *want = slurp(INI_DIR "/written.ini");
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	ticket_free(t);

	/* Nothing set: nothing written. */
	t = ticket_new();
	got = write_ticket(t);
	ck_assert_str_eq(got, "");
	free(got);
	ticket_free(t);
}
END_TEST

static void set_str(struct ticket *t, enum ticket_field f, const char *v)
{
	ticket_set(t, f, v, strlen(v), NULL);
}

/* read -> write -> read gives the same values, long lines and " ;" too. */
START_TEST(test_round_trip)
{
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(ticket_ini_read(t, INI_DIR "/full.ini", &d), 0);
	struct strbuf zh;
	strbuf_init(&zh);
	for (size_t i = 0; i < 3000; i++)
		strbuf_adds(&zh, i % 2 ? "币" : "提");
	strbuf_adds(&zh, " ; # 不是注释;");
	set_str(t, TF_DESCRIPTION, zh.buf);
	set_str(t, TF_STEPS, "\n\n1. a ; b\n2. [not a section]\nkey = not a key\n\n");
	set_str(t, TF_ERROR_MESSAGE, "ends with ;");
	set_str(t, TF_MEMO, "# not a comment");
	set_str(t, TF_NAME, "[张三]");

	char path[] = "/tmp/test-ticket_ini-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	ck_assert_int_eq(ticket_ini_write(t, f), 0);
	fclose(f);
	struct ticket *back = ticket_new();
	ck_assert_int_eq(ticket_ini_read(back, path, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	for (int i = 0; i < TF_COUNT; i++) {
		if (i == TF_ATTACHMENT)
			continue;
		const char *a = ticket_get(t, (enum ticket_field)i);
		const char *b = ticket_get(back, (enum ticket_field)i);
		if (!a) {
			ck_assert_ptr_null(b);
			continue;
		}
		ck_assert_ptr_nonnull(b);
		ck_assert_str_eq(b, a);
	}
	/* Absolute attachment paths survive as they are. */
	ck_assert_uint_eq(ticket_attach_count(back), 2);
	ck_assert_str_eq(ticket_attach_path(back, 1), "/tmp/absolute.png");
	unlink(path);
	strbuf_finish(&zh);
	ticket_free(back);
	ticket_free(t);
	diags_finish(&d);
}
END_TEST

/* Blanks at the ends of a value's lines cannot be written; they are
 * dropped, as the header documents. */
START_TEST(test_write_trims)
{
	struct ticket *t = ticket_new();
	set_str(t, TF_SUBJECT, "  padded  ");
	set_str(t, TF_STEPS, "\t one \r\n two  ");
	set_str(t, TF_NAME, "   ");
	char *got = write_ticket(t);
	ck_assert_str_eq(got, "[ticket]\n"
	                      "subject = padded\n"
	                      "\n"
	                      "[problem]\n"
	                      "steps = one\n"
	                      "    two\n"
	                      "\n"
	                      "[account]\n"
	                      "name =\n");
	free(got);
	ticket_free(t);
}
END_TEST

START_TEST(test_write_error)
{
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		return; /* no /dev/full: nothing to check here */
	struct ticket *t = ticket_new();
	set_str(t, TF_SUBJECT, "x");
	ck_assert_int_eq(ticket_ini_write(t, f), -1);
	fclose(f);
	ticket_free(t);
}
END_TEST

static Suite *ticket_ini_suite(void)
{
	Suite *s = suite_create("ticket_ini");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_read_full);
	tcase_add_test(tc, test_read_relative_dir);
	tcase_add_test(tc, test_unknown_messages);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_read_errors);
	tcase_add_test(tc, test_misplaced);
	tcase_add_test(tc, test_set);
	tcase_add_test(tc, test_write_golden);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_write_trims);
	tcase_add_test(tc, test_write_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ticket_ini_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
