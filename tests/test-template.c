/* test-template.c - the template engine, and the real email templates against
 * golden files (TICKETMAIL_UPDATE_GOLDEN=1 rewrites them). */
#include "template.h"

#include "ticket.h"
#include "util.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- engine helpers --------------------------------------------------- */

/* A value set for the engine tests: NULL-terminated name/value pairs. */
struct kv {
	const char *k;
	const char *v;
};

static const char *const engine_names[] = {"a", "b", "c", "d", "name", "x1", "long_name_2", NULL};

static bool engine_known(const char *name, void *user)
{
	(void)user;
	for (size_t i = 0; engine_names[i]; i++) {
		if (strcmp(engine_names[i], name) == 0)
			return true;
	}
	return false;
}

static const char *kv_lookup(const char *name, void *user)
{
	const struct kv *kv = user;
	for (; kv && kv->k; kv++) {
		if (strcmp(kv->k, name) == 0)
			return kv->v;
	}
	return NULL;
}

/* Parses text (must succeed) and renders it with vars; caller frees. */
static char *render(const char *text, const struct kv *vars)
{
	struct template *t = NULL;
	char *err = NULL;
	int r = template_parse("t.txt", text, strlen(text), engine_known, NULL, &t, &err);
	ck_assert_msg(r == 0, "parse failed: %s", err ? err : "(no message)");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(err);
	struct strbuf sb;
	strbuf_init(&sb);
	template_render(t, kv_lookup, (void *)vars, &sb);
	template_free(t);
	return strbuf_take(&sb);
}

static void check_render(const char *text, const struct kv *vars, const char *want)
{
	char *got = render(text, vars);
	ck_assert_str_eq(got, want);
	free(got);
}

/* Parses text[0..len) (must fail) and checks the exact message. */
static void check_error_n(const char *text, size_t len, const char *want)
{
	struct template *t = (struct template *)&t; /* must be reset to NULL */
	char *err = NULL;
	int r = template_parse("t.txt", text, len, engine_known, NULL, &t, &err);
	ck_assert_int_eq(r, -1);
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, want);
	free(err);
}

static void check_error(const char *text, const char *want)
{
	check_error_n(text, strlen(text), want);
}

/* ---- engine: constructs ----------------------------------------------- */

START_TEST(test_variables)
{
	const struct kv vars[] = {{"a", "1"}, {"b", "two"}, {"long_name_2", "L"}, {NULL, NULL}};
	check_render("", vars, "");
	check_render("plain text\n", vars, "plain text\n");
	check_render("a={{a}}, b={{b}}.\n", vars, "a=1, b=two.\n");
	check_render("{{a}}{{b}}{{long_name_2}}", vars, "1twoL");
	/* Blanks inside the braces are allowed. */
	check_render("[{{ a }}][{{\tb\t}}]", vars, "[1][two]");
	/* Unset and empty values render as nothing. */
	check_render("<{{c}}><{{d}}>", (const struct kv[]){{"d", ""}, {NULL, NULL}}, "<><>");
	/* Single braces and a lone closing pair are plain text. */
	check_render("{a} }} {x}}\n", vars, "{a} }} {x}}\n");
}
END_TEST

START_TEST(test_values_verbatim)
{
	/* The email is text/plain: no HTML escaping, no re-expansion. */
	const struct kv vars[] = {{"a", "<b> & \"q\" 'x'"}, {"b", "{{a}} {{#a}}"}, {NULL, NULL}};
	check_render("{{a}}|{{b}}", vars, "<b> & \"q\" 'x'|{{a}} {{#a}}");
	/* Multi-line values keep their lines. */
	const struct kv ml[] = {{"a", "line one\nline two"}, {NULL, NULL}};
	check_render("Description:\n{{a}}\nEnd\n", ml, "Description:\nline one\nline two\nEnd\n");
	check_render("中文:{{a}}。", (const struct kv[]){{"a", "值"}, {NULL, NULL}}, "中文:值。");
}
END_TEST

START_TEST(test_sections)
{
	const struct kv set[] = {{"a", "yes"}, {"b", ""}, {NULL, NULL}};
	check_render("[{{#a}}A={{a}}{{/a}}]", set, "[A=yes]");
	check_render("[{{#b}}B{{/b}}]", set, "[]");
	check_render("[{{#c}}C{{/c}}]", set, "[]");
	check_render("[{{^a}}no a{{/a}}]", set, "[]");
	check_render("[{{^b}}no b{{/b}}]", set, "[no b]");
	check_render("[{{^c}}no c{{/c}}]", set, "[no c]");
	check_render("{{# a }}x{{/ a }}{{ ^b }}y{{ / b }}", set, "xy");
	/* Sections may be empty, and the same name may be reopened. */
	check_render("{{#a}}{{/a}}{{#a}}1{{/a}}{{#a}}2{{/a}}", set, "12");
}
END_TEST

START_TEST(test_nested_sections)
{
	const char *tpl = "{{#a}}a[{{#b}}b[{{^c}}not c{{/c}}]{{/b}}{{#c}}c{{/c}}]{{/a}}.";
	check_render(tpl, (const struct kv[]){{"a", "1"}, {"b", "1"}, {NULL, NULL}},
	             "a[b[not c]].");
	check_render(tpl, (const struct kv[]){{"a", "1"}, {"c", "1"}, {NULL, NULL}}, "a[c].");
	check_render(tpl, (const struct kv[]){{"b", "1"}, {"c", "1"}, {NULL, NULL}}, ".");
	/* A false outer section hides everything inside, whatever the inner values. */
	check_render("{{^a}}{{#b}}B{{/b}}{{/a}}|{{#a}}{{^b}}!B{{/b}}{{/a}}",
	             (const struct kv[]){{"a", "1"}, {NULL, NULL}}, "|!B");
}
END_TEST

START_TEST(test_depth_limit)
{
	/* 16 levels are fine; the 17th is refused on the line that opens it. */
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 16; i++)
		strbuf_adds(&sb, "{{#a}}\n");
	strbuf_adds(&sb, "deep\n");
	for (int i = 0; i < 16; i++)
		strbuf_adds(&sb, "{{/a}}\n");
	check_render(sb.buf, (const struct kv[]){{"a", "1"}, {NULL, NULL}}, "deep\n");
	check_render(sb.buf, NULL, "");
	strbuf_reset(&sb);
	for (int i = 0; i < 17; i++)
		strbuf_adds(&sb, "{{#a}}\n");
	check_error(sb.buf, "t.txt:17: sections nested deeper than 16");
	strbuf_finish(&sb);
}
END_TEST

START_TEST(test_comments)
{
	check_render("a{{! a comment }}b", NULL, "ab");
	check_render("a{{!}}b{{!x{y}z}}c", NULL, "abc");
	/* Names in comments are not checked. */
	check_render("{{! {{unknown_name }}ok", NULL, "ok");
	check_render("{{! standalone }}\nline\n  {{! indented too }}  \n", NULL, "line\n");
}
END_TEST

START_TEST(test_standalone_lines)
{
	const struct kv on[] = {{"a", "1"}, {NULL, NULL}};
	const char *tpl = "top\n"
	                  "{{#a}}\n"
	                  "inside\n"
	                  "{{/a}}\n"
	                  "bottom\n";
	check_render(tpl, on, "top\ninside\nbottom\n");
	check_render(tpl, NULL, "top\nbottom\n");
	/* Blanks around a standalone tag go with the line. */
	check_render("x\n  {{#a}}\t\n y\n\t{{/a}}  \nz\n", on, "x\n y\nz\n");
	/* Several non-variable tags on one line are still standalone. */
	check_render("x\n{{#a}}{{^b}} {{! c }}\ny\n{{/b}}{{/a}}\nz\n", on, "x\ny\nz\n");
	/* A standalone last line without a line end. */
	check_render("x\n{{#a}}y\n{{/a}}", on, "x\ny\n");
	/* Text or a variable on the line: not standalone, the line end stays. */
	check_render("x\n{{#a}}y{{/a}}\nz\n", NULL, "x\n\nz\n");
	check_render("x\n{{a}}{{#a}}\n{{/a}}z\n", NULL, "x\nz\n");
	check_render("x\n {{#a}}\n{{/a}}.\n", on, "x\n.\n");
	check_render("x\n {{#a}}.\n{{/a}}\n", on, "x\n .\n");
	check_render("x\n {{#a}}.\n{{/a}}\n", NULL, "x\n ");
	/* Empty lines are kept. */
	check_render("x\n\n\ny", NULL, "x\n\n\ny");
}
END_TEST

START_TEST(test_crlf)
{
	const struct kv on[] = {{"a", "1"}, {NULL, NULL}};
	const char *lf = "one {{a}}\n{{#a}}\ntwo\n{{/a}}\n{{^a}}\nnone\n{{/a}}\nthree";
	const char *crlf =
	    "one {{a}}\r\n{{#a}}\r\ntwo\r\n{{/a}}\r\n{{^a}}\r\nnone\r\n{{/a}}\r\nthree";
	check_render(lf, on, "one 1\ntwo\nthree");
	check_render(crlf, on, "one 1\ntwo\nthree");
	check_render(crlf, NULL, "one \nnone\nthree");
	check_render("a\r\nb\nc\r\n", NULL, "a\nb\nc\n");
	/* Line numbers count CRLF lines too. */
	check_error("x\r\ny\r\n{{zz}}\r\n", "t.txt:3: unknown name \"zz\"");
	/* A UTF-8 byte order mark is dropped. */
	check_render("\xEF\xBB\xBF{{a}}\r\n", on, "1\n");
}
END_TEST

START_TEST(test_render_appends_and_repeats)
{
	struct template *t = NULL;
	char *err = NULL;
	const char *text = "{{#a}}<{{a}}>{{/a}}";
	ck_assert_int_eq(template_parse("t", text, strlen(text), engine_known, NULL, &t, &err), 0);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, "before:");
	template_render(t, kv_lookup, (void *)(const struct kv[]){{"a", "x"}, {NULL, NULL}}, &sb);
	template_render(t, kv_lookup, NULL, &sb);
	template_render(t, kv_lookup, (void *)(const struct kv[]){{"a", "y"}, {NULL, NULL}}, &sb);
	ck_assert_str_eq(sb.buf, "before:<x><y>");
	strbuf_finish(&sb);
	template_free(t);
	template_free(NULL);
}
END_TEST

/* The known callback gets the user pointer, and every name is checked. */
static bool known_counting(const char *name, void *user)
{
	(*(int *)user)++;
	return strcmp(name, "bad") != 0;
}

START_TEST(test_known_callback)
{
	int calls = 0;
	struct template *t = NULL;
	char *err = NULL;
	const char *text = "{{a}}{{#b}}{{^c}}{{/c}}{{/b}}{{! bad }}";
	ck_assert_int_eq(template_parse("t", text, strlen(text), known_counting, &calls, &t, &err),
	                 0);
	ck_assert_int_eq(calls, 3);
	template_free(t);
	text = "ok\n{{#bad}}\n";
	ck_assert_int_eq(template_parse("t", text, strlen(text), known_counting, &calls, &t, &err),
	                 -1);
	ck_assert_str_eq(err, "t:2: unknown name \"bad\"");
	free(err);
}
END_TEST

/* ---- engine: errors --------------------------------------------------- */

START_TEST(test_error_unknown_name)
{
	check_error("line 1\nline 2\nhello {{nope}}\n", "t.txt:3: unknown name \"nope\"");
	check_error("{{#a}}\n{{^zzz}}\n{{/zzz}}\n{{/a}}\n", "t.txt:2: unknown name \"zzz\"");
	check_error("\n{{#nope}}x{{/nope}}", "t.txt:2: unknown name \"nope\"");
}
END_TEST

START_TEST(test_error_unclosed)
{
	check_error("x\n{{#a}}\ny\n", "t.txt:2: section \"a\" opened here is never closed");
	check_error("{{^b}}", "t.txt:1: section \"b\" opened here is never closed");
	/* With several open, the innermost (the one due first) is named. */
	check_error("{{#a}}\n\n{{#b}}\n{{#c}}{{/c}}\n",
	            "t.txt:3: section \"b\" opened here is never closed");
}
END_TEST

START_TEST(test_error_mismatched)
{
	check_error("{{#a}}\n{{#b}}\nx\n{{/a}}\n{{/b}}\n",
	            "t.txt:4: {{/a}} does not match {{#b}} opened on line 2");
	check_error("\n\n{{^c}} {{/a}}", "t.txt:3: {{/a}} does not match {{^c}} opened on line 3");
}
END_TEST

START_TEST(test_error_stray_close)
{
	check_error("x\n{{/a}}\n", "t.txt:2: {{/a}} closes no open section");
	check_error("{{#a}}{{/a}}\n{{/a}}\n", "t.txt:2: {{/a}} closes no open section");
}
END_TEST

START_TEST(test_error_unterminated)
{
	const char *want = "t.txt:2: unterminated tag: \"{{\" without \"}}\" on the same line";
	check_error("ok\nhello {{name\n}}\n", want);
	check_error("ok\n{{a}} {{\n", want);
	check_error("ok\n{{! a comment\nthat goes on }}\n", want);
	check_error("ok\n{{a}", want);
}
END_TEST

START_TEST(test_error_bad_name)
{
	check_error("\n{{Name}}", "t.txt:2: bad name \"Name\" (names use only a-z, 0-9 and _)");
	check_error("{{a-b}}", "t.txt:1: bad name \"a-b\" (names use only a-z, 0-9 and _)");
	check_error("{{#a b}}{{/a b}}",
	            "t.txt:1: bad name \"a b\" (names use only a-z, 0-9 and _)");
	/* No triple mustache or & : values are never escaped, so nothing to opt out of. */
	check_error("{{{a}}}", "t.txt:1: bad name \"{a\" (names use only a-z, 0-9 and _)");
	check_error("{{&a}}", "t.txt:1: bad name \"&a\" (names use only a-z, 0-9 and _)");
	check_error("{{名字}}", "t.txt:1: bad name \"名字\" (names use only a-z, 0-9 and _)");
	/* Control characters in the name are shown, not printed raw. */
	check_error("{{a\x01}}", "t.txt:1: bad name \"a\\x01\" (names use only a-z, 0-9 and _)");
	check_error("x\n\n{{}}", "t.txt:3: empty tag: a name is missing");
	check_error("{{  }}", "t.txt:1: empty tag: a name is missing");
	check_error("{{#}}", "t.txt:1: empty tag: a name is missing");
	check_error("{{/ }}", "t.txt:1: empty tag: a name is missing");
}
END_TEST

START_TEST(test_error_bytes)
{
	check_error("ok\nab\xFF\n", "t.txt:2: invalid UTF-8 at byte 3 of the line");
	check_error("ok\n\xE4\xB8\n", "t.txt:2: invalid UTF-8 at byte 1 of the line");
	check_error_n("ok\nok\na\0b\n", 9, "t.txt:3: NUL byte in the line");
	check_error("a\rb\n", "t.txt:1: carriage return not followed by a line feed");
	check_error("a\n\r\r\n", "t.txt:2: carriage return not followed by a line feed");
}
END_TEST

/* The first error wins: parsing stops there. */
START_TEST(test_error_first_wins)
{
	check_error("{{#a}}\n{{bad_one}}\n{{BAD}}\n", "t.txt:2: unknown name \"bad_one\"");
}
END_TEST

START_TEST(test_load)
{
	char dir[] = "/tmp/test-template-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = xasprintf("%s/t.txt", dir);
	struct template *t = NULL;
	char *err = NULL;

	ck_assert_int_eq(template_load(path, engine_known, NULL, &t, &err), -1);
	ck_assert_ptr_null(t);
	char *want = xasprintf("%s: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	free(want);
	free(err);
	err = NULL;

	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("Hi {{name}}\r\n{{#a}}\r\nA\r\n{{/a}}\r\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(template_load(path, engine_known, NULL, &t, &err), 0);
	struct strbuf sb;
	strbuf_init(&sb);
	template_render(t, kv_lookup, (void *)(const struct kv[]){{"name", "Li"}, {NULL, NULL}},
	                &sb);
	ck_assert_str_eq(sb.buf, "Hi Li\n");
	strbuf_finish(&sb);
	template_free(t);

	/* Errors name the file. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("Hi\n{{#a}}\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(template_load(path, engine_known, NULL, &t, &err), -1);
	want = xasprintf("%s:2: section \"a\" opened here is never closed", path);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);

	/* A directory cannot be read as a template. */
	ck_assert_int_eq(template_load(dir, engine_known, NULL, &t, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, dir));
	free(err);

	unlink(path);
	rmdir(dir);
	free(path);
}
END_TEST

/* ---- the real templates ----------------------------------------------- */

/* The variables compose passes to the templates (see templates/README.md). */
enum var {
	V_PROVIDER,
	V_CATEGORY,
	V_LANGUAGE,
	V_SUBJECT,
	V_OCCURRED_AT,
	V_DESCRIPTION,
	V_STEPS,
	V_ERROR_MESSAGE,
	V_UID,
	V_EMAIL,
	V_NAME,
	V_COIN,
	V_NETWORK,
	V_AMOUNT,
	V_ADDRESS,
	V_MEMO,
	V_TXID,
	V_ORDER_ID,
	V_DEVICE_MODEL,
	V_OS_VERSION,
	V_APP_VERSION,
	V_PHONE,
	V_TELEGRAM,
	V_PROVIDER_NAME,
	V_CATEGORY_NAME,
	V_SENDER,
	V_ATTACHMENTS,
	V_ATTACHMENT_COUNT,
	V_HAS_ACCOUNT,
	V_HAS_PROBLEM_DETAILS,
	V_HAS_TRANSACTION,
	V_HAS_DEVICE,
	V_HAS_CONTACT,
	V_REPLY_TIME,
	V_FROM_ADDRESS,
	V_FROM_OTHER_ADDRESS,
	V_COUNT
};

static const char *const var_names[V_COUNT] = {
    [V_PROVIDER] = "provider",
    [V_CATEGORY] = "category",
    [V_LANGUAGE] = "language",
    [V_SUBJECT] = "subject",
    [V_OCCURRED_AT] = "occurred_at",
    [V_DESCRIPTION] = "description",
    [V_STEPS] = "steps",
    [V_ERROR_MESSAGE] = "error_message",
    [V_UID] = "uid",
    [V_EMAIL] = "email",
    [V_NAME] = "name",
    [V_COIN] = "coin",
    [V_NETWORK] = "network",
    [V_AMOUNT] = "amount",
    [V_ADDRESS] = "address",
    [V_MEMO] = "memo",
    [V_TXID] = "txid",
    [V_ORDER_ID] = "order_id",
    [V_DEVICE_MODEL] = "device_model",
    [V_OS_VERSION] = "os_version",
    [V_APP_VERSION] = "app_version",
    [V_PHONE] = "phone",
    [V_TELEGRAM] = "telegram",
    [V_PROVIDER_NAME] = "provider_name",
    [V_CATEGORY_NAME] = "category_name",
    [V_SENDER] = "sender",
    [V_ATTACHMENTS] = "attachments",
    [V_ATTACHMENT_COUNT] = "attachment_count",
    [V_HAS_ACCOUNT] = "has_account",
    [V_HAS_PROBLEM_DETAILS] = "has_problem_details",
    [V_HAS_TRANSACTION] = "has_transaction",
    [V_HAS_DEVICE] = "has_device",
    [V_HAS_CONTACT] = "has_contact",
    [V_REPLY_TIME] = "reply_time",
    [V_FROM_ADDRESS] = "from_address",
    [V_FROM_OTHER_ADDRESS] = "from_other_address",
};

static bool email_known(const char *name, void *user)
{
	(void)user;
	for (size_t i = 0; i < V_COUNT; i++) {
		if (strcmp(var_names[i], name) == 0)
			return true;
	}
	return false;
}

struct vars {
	const char *v[V_COUNT];
	char sender[128];
	char count[16];
	const char *from; /* the sending address; NULL: the registered email */
};

static const char *vars_lookup(const char *name, void *user)
{
	const struct vars *vs = user;
	for (size_t i = 0; i < V_COUNT; i++) {
		if (strcmp(var_names[i], name) == 0)
			return vs->v[i];
	}
	ck_abort_msg("lookup of unknown name %s", name);
	return NULL;
}

static bool vars_set(const struct vars *vs, enum var i)
{
	return vs->v[i] && *vs->v[i];
}

static const char *vars_any(const struct vars *vs, enum var from, enum var to)
{
	for (enum var i = from; i <= to; i++) {
		if (vars_set(vs, i))
			return "1";
	}
	return "";
}

/* What compose derives from the ticket fields, done the same way here. */
static void vars_derive(struct vars *vs)
{
	if (vars_set(vs, V_NAME))
		snprintf(vs->sender, sizeof vs->sender, "%s", vs->v[V_NAME]);
	else if (vars_set(vs, V_EMAIL))
		snprintf(vs->sender, sizeof vs->sender, "%s", vs->v[V_EMAIL]);
	else
		snprintf(vs->sender, sizeof vs->sender, "UID %s", vs->v[V_UID] ? vs->v[V_UID] : "");
	vs->v[V_SENDER] = vs->sender;
	size_t n = 0;
	for (const char *s = vs->v[V_ATTACHMENTS]; s && *s; s++)
		n += s == vs->v[V_ATTACHMENTS] || s[-1] == '\n';
	snprintf(vs->count, sizeof vs->count, "%zu", n);
	vs->v[V_ATTACHMENT_COUNT] = vs->count;
	vs->v[V_HAS_ACCOUNT] = vars_any(vs, V_UID, V_NAME);
	vs->v[V_HAS_PROBLEM_DETAILS] = vars_any(vs, V_OCCURRED_AT, V_ERROR_MESSAGE);
	vs->v[V_HAS_TRANSACTION] = vars_any(vs, V_COIN, V_ORDER_ID);
	vs->v[V_HAS_DEVICE] = vars_any(vs, V_DEVICE_MODEL, V_APP_VERSION);
	vs->v[V_HAS_CONTACT] = vars_any(vs, V_PHONE, V_TELEGRAM);
	vs->v[V_FROM_ADDRESS] = vs->from ? vs->from : vs->v[V_EMAIL];
	vs->v[V_FROM_OTHER_ADDRESS] =
	    vs->from && vars_set(vs, V_EMAIL) && util_ascii_casecmp(vs->from, vs->v[V_EMAIL]) != 0
	        ? "1"
	        : "";
}

static const char *const txid_hex =
    "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4f6a8b0c2d4e6f8a0b";

static void vars_full_zh(struct vars *vs)
{
	memset(vs, 0, sizeof *vs);
	vs->v[V_PROVIDER] = "okx";
	vs->v[V_CATEGORY] = "deposit-withdrawal";
	vs->v[V_LANGUAGE] = "zh_CN";
	vs->v[V_SUBJECT] = "USDT提币未到账";
	vs->v[V_OCCURRED_AT] = "2026年11月20日 14:32（UTC+08:00）";
	vs->v[V_DESCRIPTION] = "我从欧易提币 500 USDT(TRC20)到自己的钱包,提币记录显示“已完成”,\n"
	                       "但钱包里至今没有到账,链上浏览器也查不到这笔交易。";
	vs->v[V_STEPS] = "1. 打开“资产”页面,点击“提币”\n"
	                 "2. 选择 USDT 和 TRC20 网络,填写地址和数量\n"
	                 "3. 完成安全验证后提交";
	vs->v[V_ERROR_MESSAGE] = "提币状态:已完成(链上未确认)";
	vs->v[V_UID] = "123456789012345678";
	vs->v[V_EMAIL] = "zhangsan@example.com";
	vs->v[V_NAME] = "张三";
	vs->v[V_COIN] = "USDT";
	vs->v[V_NETWORK] = "TRC20";
	vs->v[V_AMOUNT] = "500";
	vs->v[V_ADDRESS] = "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE";
	vs->v[V_MEMO] = "104857";
	vs->v[V_TXID] = txid_hex;
	vs->v[V_ORDER_ID] = "1234567890123";
	vs->v[V_DEVICE_MODEL] = "iPhone 15 Pro";
	vs->v[V_OS_VERSION] = "iOS 18.1";
	vs->v[V_APP_VERSION] = "6.95.0";
	vs->v[V_PHONE] = "+86 138 0013 8000";
	vs->v[V_TELEGRAM] = "@zhangsan";
	vs->v[V_PROVIDER_NAME] = "欧易 (OKX)";
	vs->v[V_CATEGORY_NAME] = "充提币";
	vs->v[V_ATTACHMENTS] = "1. withdrawal-record.png (image/png, 18.2 KiB)\n"
	                       "2. wallet-balance.jpg (image/jpeg, 96.0 KiB)";
	vs->v[V_REPLY_TIME] = "1-3 个工作日";
	vars_derive(vs);
}

static void vars_full_en(struct vars *vs)
{
	vars_full_zh(vs);
	vs->v[V_LANGUAGE] = "en";
	vs->v[V_SUBJECT] = "USDT withdrawal not received";
	vs->v[V_OCCURRED_AT] = "20 November 2026, 14:32 (UTC+08:00)";
	vs->v[V_DESCRIPTION] =
	    "I withdrew 500 USDT (TRC20) from OKX to my own wallet. The withdrawal\n"
	    "record says \"Completed\", but nothing has arrived in the wallet and\n"
	    "a block explorer cannot find the transaction.";
	vs->v[V_STEPS] = "1. Opened Assets and tapped Withdraw\n"
	                 "2. Chose USDT on the TRC20 network, entered the address and amount\n"
	                 "3. Passed the security check and submitted";
	vs->v[V_ERROR_MESSAGE] = "Withdrawal status: Completed (not confirmed on chain)";
	vs->v[V_NAME] = "Zhang San";
	vs->v[V_PROVIDER_NAME] = "OKX";
	vs->v[V_CATEGORY_NAME] = "Deposit & withdrawal";
	vs->v[V_REPLY_TIME] = "1-3 working days";
	vars_derive(vs);
}

/* Only what every ticket has, plus the registered email it is sent from. */
static void vars_minimal_zh(struct vars *vs)
{
	memset(vs, 0, sizeof *vs);
	vs->v[V_PROVIDER] = "okx";
	vs->v[V_CATEGORY] = "account";
	vs->v[V_LANGUAGE] = "zh_CN";
	vs->v[V_SUBJECT] = "账户登录异常";
	vs->v[V_OCCURRED_AT] = "2026年11月20日 09:05 (UTC+08:00)";
	vs->v[V_DESCRIPTION] = "输入正确的密码后提示账户已被锁定,无法登录。";
	vs->v[V_EMAIL] = "li.si@example.com";
	vs->v[V_PROVIDER_NAME] = "欧易 (OKX)";
	vs->v[V_CATEGORY_NAME] = "账户问题";
	vars_derive(vs);
}

static void vars_minimal_en(struct vars *vs)
{
	vars_minimal_zh(vs);
	vs->v[V_LANGUAGE] = "en";
	vs->v[V_SUBJECT] = "Account login problem";
	vs->v[V_OCCURRED_AT] = "20 November 2026, 09:05 (UTC+08:00)";
	vs->v[V_DESCRIPTION] = "After entering the correct password I am told the account is "
	                       "locked, and I cannot log in.";
	vs->v[V_PROVIDER_NAME] = "OKX";
	vs->v[V_CATEGORY_NAME] = "Account";
	vars_derive(vs);
}

/* The minimal tickets sent from an address other than the registered one. */
static void vars_other_from_zh(struct vars *vs)
{
	vars_minimal_zh(vs);
	vs->from = "me@example.net";
	vars_derive(vs);
}

static void vars_other_from_en(struct vars *vs)
{
	vars_minimal_en(vs);
	vs->from = "me@example.net";
	vars_derive(vs);
}

static char *render_real(const char *lang, const char *file, const struct vars *vs)
{
	char *path = xasprintf("%s/templates/%s/%s", TOP_DIR, lang, file);
	struct template *t = NULL;
	char *err = NULL;
	int r = template_load(path, email_known, NULL, &t, &err);
	ck_assert_msg(r == 0, "%s", err ? err : path);
	struct strbuf sb;
	strbuf_init(&sb);
	template_render(t, vars_lookup, (void *)vs, &sb);
	template_free(t);
	free(path);
	return strbuf_take(&sb);
}

/* Returns line n (0-based) of s as a new string, or NULL past the end. */
static char *nth_line(const char *s, size_t n)
{
	for (; n > 0; n--) {
		s = strchr(s, '\n');
		if (!s || !*++s)
			return NULL;
	}
	if (!*s)
		return NULL;
	return xstrndup(s, strcspn(s, "\n"));
}

/* A unified-diff-like excerpt around the first differing line. */
static char *golden_diff(const char *path, const char *want, const char *got)
{
	size_t first = 0;
	for (;; first++) {
		char *a = nth_line(want, first), *b = nth_line(got, first);
		bool both_ended = !a && !b;
		bool same = both_ended || (a && b && strcmp(a, b) == 0);
		free(a);
		free(b);
		if (!same || both_ended)
			break;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s differs from the rendered text at line %zu\n", path, first + 1);
	strbuf_addf(&sb, "--- %s\n+++ rendered\n@@ line %zu @@\n", path, first + 1);
	size_t from = first >= 3 ? first - 3 : 0;
	for (size_t i = from; i < first; i++) {
		char *a = nth_line(want, i);
		strbuf_addf(&sb, " %s\n", a ? a : "");
		free(a);
	}
	for (size_t i = first; i < first + 4; i++) {
		char *a = nth_line(want, i);
		if (a)
			strbuf_addf(&sb, "-%s\n", a);
		free(a);
	}
	for (size_t i = first; i < first + 4; i++) {
		char *b = nth_line(got, i);
		if (b)
			strbuf_addf(&sb, "+%s\n", b);
		free(b);
	}
	if (strlen(want) != strlen(got) && strncmp(want, got, strlen(want)) == 0)
		strbuf_adds(&sb, "(the rendered text is longer, or differs only in line ends)\n");
	strbuf_adds(&sb, "review, then regenerate with TICKETMAIL_UPDATE_GOLDEN=1 meson test");
	return strbuf_take(&sb);
}

static void check_golden(const char *name, const char *got)
{
	char *dir = xasprintf("%s/template", TEST_DATA);
	char *path = xasprintf("%s/%s.golden", dir, name);
	const char *update = getenv("TICKETMAIL_UPDATE_GOLDEN");
	if (update && strcmp(update, "1") == 0) {
		mkdir(dir, 0755);
		FILE *f = fopen(path, "w");
		ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
		fputs(got, f);
		ck_assert_int_eq(fclose(f), 0);
		fprintf(stderr, "wrote %s\n", path);
	}
	char *want = NULL;
	size_t len = 0;
	int err = util_read_file(path, 1 << 20, &want, &len);
	ck_assert_msg(err == 0, "%s: %s (generate it with TICKETMAIL_UPDATE_GOLDEN=1)", path,
	              strerror(err));
	if (len != strlen(got) || memcmp(want, got, len) != 0) {
		char *msg = golden_diff(path, want, got);
		ck_abort_msg("%s", msg);
	}
	free(want);
	free(path);
	free(dir);
}

/* No blank-line debris, no trailing blanks, no empty section heading. */
static void check_tidy(const char *what, const char *s)
{
	ck_assert_msg(*s && *s != '\n', "%s: starts with a blank line", what);
	size_t len = strlen(s);
	ck_assert_msg(s[len - 1] == '\n', "%s: no final line end", what);
	ck_assert_msg(len < 2 || s[len - 2] != '\n', "%s: ends with a blank line", what);
	ck_assert_msg(!strstr(s, "\n\n\n"), "%s: two blank lines in a row:\n%s", what, s);
	ck_assert_msg(!strstr(s, " \n") && !strstr(s, "\t\n"), "%s: trailing blank:\n%s", what, s);
	ck_assert_msg(!strchr(s, '\r'), "%s: carriage return", what);
	for (const char *p = s; *p; p = strchr(p, '\n') + 1) {
		bool heading = strncmp(p, "【", strlen("【")) == 0 || *p == '[';
		const char *next = strchr(p, '\n') + 1;
		ck_assert_msg(!heading || (*next && *next != '\n'), "%s: empty section %.*s", what,
		              (int)(next - p - 1), p);
	}
}

/* Every key of ticket.h's table (but the attachment paths) is a variable. */
START_TEST(test_variables_cover_ticket_fields)
{
	for (size_t f = 0; f < TF_COUNT; f++) {
		if (f == TF_ATTACHMENT)
			continue;
		ck_assert_msg(email_known(ticket_fields[f].key, NULL), "field %s is no variable",
		              ticket_fields[f].key);
		ck_assert_str_eq(var_names[f], ticket_fields[f].key);
	}
}
END_TEST

struct golden_case {
	const char *name;
	const char *lang;
	void (*fill)(struct vars *);
};

static const struct golden_case golden_cases[] = {
    {"zh_CN-full", "zh_CN", vars_full_zh},
    {"en-full", "en", vars_full_en},
    {"zh_CN-minimal", "zh_CN", vars_minimal_zh},
    {"en-minimal", "en", vars_minimal_en},
    {"zh_CN-other-from", "zh_CN", vars_other_from_zh},
    {"en-other-from", "en", vars_other_from_en},
};

START_TEST(test_golden)
{
	const struct golden_case *c = &golden_cases[_i];
	struct vars vs;
	c->fill(&vs);
	char *subject = render_real(c->lang, "subject.txt", &vs);
	char *body = render_real(c->lang, "body.txt", &vs);
	char *name = xasprintf("%s.subject", c->name);
	check_golden(name, subject);
	free(name);
	name = xasprintf("%s.body", c->name);
	check_golden(name, body);
	free(name);
	check_tidy(c->name, body);
	/* The subject is one line (compose drops the final line end). */
	ck_assert_uint_eq(strcspn(subject, "\n"), strlen(subject) - 1);
	free(subject);
	free(body);
}
END_TEST

/* With everything set, every value and its ticket.h label is in the body. */
START_TEST(test_full_body_has_every_field)
{
	const struct golden_case *c = &golden_cases[_i];
	struct vars vs;
	c->fill(&vs);
	char *body = render_real(c->lang, "body.txt", &vs);
	for (size_t f = TF_SUBJECT; f < TF_ATTACHMENT; f++) {
		ck_assert_msg(strstr(body, vs.v[f]), "%s: %s missing", c->name, var_names[f]);
		if (f == TF_SUBJECT)
			continue;
		const char *label = ticket_field_label((enum ticket_field)f, c->lang);
		ck_assert_msg(strstr(body, label), "%s: label \"%s\" missing", c->name, label);
	}
	const enum var derived[] = {V_PROVIDER_NAME, V_CATEGORY_NAME, V_SENDER, V_ATTACHMENTS,
	                            V_REPLY_TIME};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(derived); i++)
		ck_assert_msg(strstr(body, vs.v[derived[i]]), "%s: %s missing", c->name,
		              var_names[derived[i]]);
	/* Multi-line values start on a line of their own. */
	const enum var ml[] = {V_DESCRIPTION, V_STEPS, V_ERROR_MESSAGE, V_ATTACHMENTS};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(ml); i++) {
		const char *at = strstr(body, vs.v[ml[i]]);
		ck_assert_msg(at[-1] == '\n' && at[strlen(vs.v[ml[i]])] == '\n',
		              "%s: %s not on its own lines", c->name, var_names[ml[i]]);
	}
	free(body);
}
END_TEST

/* Each optional field alone: it shows up, and the layout stays tidy. */
START_TEST(test_each_field_alone)
{
	const struct golden_case *full = &golden_cases[_i];
	const struct golden_case *minimal = &golden_cases[_i + 2];
	struct vars all;
	full->fill(&all);
	for (size_t f = V_STEPS; f <= V_REPLY_TIME; f++) {
		if (f > V_TELEGRAM && f != V_ATTACHMENTS && f != V_REPLY_TIME)
			continue;
		/* Compose needs the registered email or the UID to identify the user. */
		for (int with_email = 0; with_email < 2; with_email++) {
			struct vars vs;
			minimal->fill(&vs);
			if (!with_email) {
				vs.v[V_EMAIL] = NULL;
				vs.v[V_UID] = all.v[V_UID];
			}
			vs.v[f] = all.v[f];
			vars_derive(&vs);
			char *body = render_real(full->lang, "body.txt", &vs);
			char *what = xasprintf("%s body with %s and %s", full->lang, var_names[f],
			                       with_email ? "email" : "uid");
			check_tidy(what, body);
			ck_assert_msg(strstr(body, vs.v[f]), "%s: value missing", what);
			ck_assert_msg(strstr(body, vs.v[V_SENDER]), "%s: no sender", what);
			free(what);
			free(body);
		}
	}
}
END_TEST

/* Sent from another address, the body says so, names the registered email
 * as the account's and asks for the reply where it will go (the From
 * address); it never claims to come from the registered email. Sent from
 * the registered email in another case, it says what it always said. */
START_TEST(test_other_from_address)
{
	static const char *const claim[] = {"由我的注册邮箱", "from my registered email"};
	static const char *const other[] = {"这封邮件由我的另一个邮箱 me@example.net 发出",
	                                    "I am writing from another\naddress, me@example.net."};
	static const char *const reply[] = {"请回复到这个邮箱", "Please reply to me@example.net."};
	const char *lang = _i ? "en" : "zh_CN";
	struct vars vs;
	(_i ? vars_other_from_en : vars_other_from_zh)(&vs);
	char *body = render_real(lang, "body.txt", &vs);
	ck_assert_msg(!strstr(body, claim[_i]), "%s: claims the registered email:\n%s", lang, body);
	ck_assert_msg(strstr(body, other[_i]),
	              "%s: does not say it comes from another address:\n%s", lang, body);
	ck_assert_msg(strstr(body, reply[_i]), "%s: no reply request:\n%s", lang, body);
	ck_assert_msg(strstr(body, vs.v[V_EMAIL]), "%s: no registered email", lang);
	free(body);

	(_i ? vars_minimal_en : vars_minimal_zh)(&vs);
	vs.from = "LI.SI@Example.COM";
	vars_derive(&vs);
	body = render_real(lang, "body.txt", &vs);
	ck_assert_msg(strstr(body, claim[_i]), "%s: same address in other case:\n%s", lang, body);
	ck_assert_msg(!strstr(body, "LI.SI@"), "%s: the sending address was shown", lang);
	free(body);
}
END_TEST

/* Display columns of a line: CJK and full-width forms count two. */
static size_t display_width(const char *s, size_t len)
{
	size_t w = 0;
	while (len) {
		uint32_t cp;
		size_t n = utf8_decode(s, len, &cp);
		ck_assert_uint_ne(n, 0);
		w += cp >= 0x2E80 ? 2 : 1;
		s += n;
		len -= n;
	}
	return w;
}

START_TEST(test_template_sources_tidy)
{
	static const char *const files[] = {"zh_CN/subject.txt", "zh_CN/body.txt", "en/subject.txt",
	                                    "en/body.txt"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(files); i++) {
		char *path = xasprintf("%s/templates/%s", TOP_DIR, files[i]);
		char *text = NULL;
		size_t len = 0;
		ck_assert_int_eq(util_read_file(path, 1 << 20, &text, &len), 0);
		ck_assert_msg(len && text[len - 1] == '\n', "%s: no final line end", path);
		unsigned lineno = 0;
		for (const char *p = text; *p;) {
			lineno++;
			size_t n = strcspn(p, "\n");
			ck_assert_msg(n == 0 || (p[n - 1] != ' ' && p[n - 1] != '\t'),
			              "%s:%u: trailing blank", path, lineno);
			ck_assert_msg(display_width(p, n) <= 80, "%s:%u: longer than 80 columns",
			              path, lineno);
			p += n + (p[n] == '\n');
		}
		if (strstr(files[i], "subject"))
			ck_assert_msg(lineno == 1, "%s: more than one line", path);
		free(text);
		free(path);
	}
}
END_TEST

static Suite *template_suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("engine");
	tcase_add_test(tc, test_variables);
	tcase_add_test(tc, test_values_verbatim);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_nested_sections);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_standalone_lines);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_render_appends_and_repeats);
	tcase_add_test(tc, test_known_callback);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_error_unknown_name);
	tcase_add_test(tc, test_error_unclosed);
	tcase_add_test(tc, test_error_mismatched);
	tcase_add_test(tc, test_error_stray_close);
	tcase_add_test(tc, test_error_unterminated);
	tcase_add_test(tc, test_error_bad_name);
	tcase_add_test(tc, test_error_bytes);
	tcase_add_test(tc, test_error_first_wins);
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);

	tc = tcase_create("email");
	tcase_add_test(tc, test_variables_cover_ticket_fields);
	tcase_add_loop_test(tc, test_golden, 0, (int)UTIL_ARRAY_LEN(golden_cases));
	tcase_add_loop_test(tc, test_full_body_has_every_field, 0, 2);
	tcase_add_loop_test(tc, test_each_field_alone, 0, 2);
	tcase_add_loop_test(tc, test_other_from_address, 0, 2);
	tcase_add_test(tc, test_template_sources_tidy);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(template_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
