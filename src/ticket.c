/* ticket.c - the field table and the values of one ticket. */
#include "ticket.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The table follows the order of the support guide: what the ticket is about,
 * what happened, who the user is, the transaction, the device, the contact. */
const struct ticket_field_def ticket_fields[TF_COUNT] = {
    [TF_PROVIDER] = {"provider", "ticket", TICKET_KIND_TOKEN, 0, "服务商", "Provider",
                     "决定官方收件地址和问题分类。",
                     "Decides the official support address and the problem types.", "okx"},
    [TF_CATEGORY] = {"category", "ticket", TICKET_KIND_TOKEN, TICKET_F_REQUIRED, "问题类型",
                     "Problem type", "客服按问题类型分派工单。",
                     "Support routes tickets by problem type.", "deposit-withdrawal"},
    [TF_LANGUAGE] = {"language", "ticket", TICKET_KIND_LANGUAGE, 0, "邮件语言", "Email language",
                     "邮件正文和标签使用的语言。", "The language of the email's text and labels.",
                     "zh_CN"},
    [TF_SUBJECT] = {"subject", "ticket", TICKET_KIND_LINE, TICKET_F_REQUIRED, "邮件主题", "Subject",
                    "清晰简短的主题便于客服分类处理。",
                    "A short, exact subject is what support triages by.", "USDT提币未到账",
                    "USDT withdrawal not received"},
    [TF_OCCURRED_AT] = {"occurred_at", "problem", TICKET_KIND_DATETIME, TICKET_F_REQUIRED,
                        "发生时间", "When it happened", "客服需要按时间查找记录，请带上时区。",
                        "Support looks records up by time; include the time zone.",
                        "2026-11-20 14:32 +08:00"},
    [TF_DESCRIPTION] = {"description", "problem", TICKET_KIND_TEXT, TICKET_F_REQUIRED, "问题描述",
                        "Description", "说明发生了什么，越具体越好。",
                        "What happened, as exactly as you can.",
                        "何时、在哪个页面做了什么，结果和预期有何不同",
                        "when, where, what you did, and what happened instead"},
    [TF_STEPS] = {"steps", "problem", TICKET_KIND_TEXT, 0, "操作步骤", "Steps taken",
                  "按顺序写下您做过的操作，便于复现。",
                  "The steps you took, in order, so support can retrace them.",
                  "1. 打开“资产”页 2. 点击“提币” 3. ……",
                  "1. Opened Assets 2. Tapped Withdraw 3. ..."},
    [TF_ERROR_MESSAGE] = {"error_message", "problem", TICKET_KIND_TEXT, 0, "错误提示",
                          "Error message", "原样抄写界面上的错误提示。",
                          "The exact error text shown, copied as it is.",
                          "Withdrawal failed (50001)"},
    [TF_UID] = {"uid", "account", TICKET_KIND_UID, 0, "用户 UID", "User ID (UID)",
                "UID 让客服快速找到您的账户。", "The UID lets support find your account.",
                "123456789012345678"},
    [TF_EMAIL] = {"email", "account", TICKET_KIND_EMAIL, 0, "注册邮箱", "Registered email",
                  "注册邮箱用于核实账户身份。",
                  "The registered email lets support verify the account.", "name@example.com"},
    [TF_NAME] = {"name", "account", TICKET_KIND_LINE, 0, "姓名", "Name", "邮件落款和发件人显示名。",
                 "Shown as the sender's name and signature.", "张三", "Alex Morgan"},
    [TF_COIN] = {"coin", "transaction", TICKET_KIND_TOKEN, 0, "币种", "Coin",
                 "客服需要知道是哪种资产。", "Support needs to know which asset.", "USDT"},
    [TF_NETWORK] = {"network", "transaction", TICKET_KIND_NETWORK, 0, "网络", "Network",
                    "同一币种在不同链上的记录不同。",
                    "The same coin has different records on each chain.", "TRC20"},
    [TF_AMOUNT] = {"amount", "transaction", TICKET_KIND_AMOUNT, 0, "数量", "Amount",
                   "数量用于核对交易记录。", "The amount is checked against the record.", "500"},
    [TF_ADDRESS] = {"address", "transaction", TICKET_KIND_ADDRESS, 0, "地址", "Address",
                    "收币或提币地址。", "The receiving or withdrawal address.",
                    "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"},
    [TF_MEMO] = {"memo", "transaction", TICKET_KIND_LINE, 0, "Memo / 标签", "Memo / tag",
                 "部分币种充值需要 Memo 或标签。", "Some coins need a memo or tag to credit.",
                 "104857"},
    [TF_TXID] = {"txid", "transaction", TICKET_KIND_TXID, 0, "交易哈希（TxID）",
                 "Transaction ID (TxID)", "TxID 可在链上查到这笔交易。",
                 "The TxID finds the transaction on chain.", "9f2c…（64 位十六进制）",
                 "9f2c… (64 hex digits)"},
    [TF_ORDER_ID] = {"order_id", "transaction", TICKET_KIND_ORDER_ID, 0, "订单号 / 提币单号",
                     "Order or withdrawal ID", "订单号可直接定位交易记录。",
                     "The order ID points support to the exact record.", "1234567890123"},
    [TF_DEVICE_MODEL] = {"device_model", "device", TICKET_KIND_LINE, 0, "设备型号", "Device model",
                         "有些问题只出现在特定设备上。",
                         "Some problems only happen on certain devices.", "iPhone 15 Pro"},
    [TF_OS_VERSION] = {"os_version", "device", TICKET_KIND_LINE, 0, "系统版本", "OS version",
                       "系统版本有助于排查兼容问题。",
                       "The OS version helps find compatibility problems.", "iOS 18.1"},
    [TF_APP_VERSION] = {"app_version", "device", TICKET_KIND_LINE, 0, "App 版本", "App version",
                        "App 版本说明您用的是哪个版本。", "Tells support which release you run.",
                        "6.95.0"},
    [TF_PHONE] = {"phone", "contact", TICKET_KIND_PHONE, 0, "电话", "Phone",
                  "其他联系方式（可选）。", "Another way to reach you (optional).",
                  "+86 138 0013 8000"},
    [TF_TELEGRAM] = {"telegram", "contact", TICKET_KIND_TELEGRAM, 0, "Telegram", "Telegram",
                     "其他联系方式（可选）。", "Another way to reach you (optional).", "@zhangsan"},
    [TF_ATTACHMENT] = {"file", "attachments", TICKET_KIND_PATH, TICKET_F_REPEAT, "附件",
                       "Attachment", "截图：错误页面、交易记录、余额页面。",
                       "Screenshots: the error page, the transaction record, the balance.",
                       "shot.png"},
};

struct ticket_value {
	char *value;
	struct ticket_origin origin;
};

struct ticket_attachment {
	char *path;
	struct ticket_origin origin;
};

struct ticket {
	struct ticket_value values[TF_COUNT];
	struct ticket_attachment *attach;
	size_t nattach;
	/* Interned file names that origins point to. */
	char **files;
	size_t nfiles;
};

struct ticket *ticket_new(void)
{
	return xcalloc(1, sizeof(struct ticket));
}

void ticket_free(struct ticket *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < TF_COUNT; i++)
		free(t->values[i].value);
	for (size_t i = 0; i < t->nattach; i++)
		free(t->attach[i].path);
	free(t->attach);
	for (size_t i = 0; i < t->nfiles; i++)
		free(t->files[i]);
	free(t->files);
	free(t);
}

static struct ticket_origin ticket_intern_origin(struct ticket *t, const struct ticket_origin *o)
{
	struct ticket_origin r = {NULL, 0};
	if (!o)
		return r;
	r.line = o->line;
	if (!o->file)
		return r;
	for (size_t i = 0; i < t->nfiles; i++) {
		if (strcmp(t->files[i], o->file) == 0) {
			r.file = t->files[i];
			return r;
		}
	}
	t->files = xrealloc(t->files, (t->nfiles + 1) * sizeof *t->files);
	t->files[t->nfiles] = xstrdup(o->file);
	r.file = t->files[t->nfiles++];
	return r;
}

int ticket_field_lookup(const char *key)
{
	const char *dot = strchr(key, '.');
	if (dot) {
		char *section = xstrndup(key, (size_t)(dot - key));
		int f = ticket_field_lookup_in(section, dot + 1);
		free(section);
		return f;
	}
	for (int i = 0; i < TF_COUNT; i++)
		if (strcmp(ticket_fields[i].key, key) == 0)
			return i;
	return -1;
}

int ticket_field_lookup_in(const char *section, const char *key)
{
	for (int i = 0; i < TF_COUNT; i++)
		if (strcmp(ticket_fields[i].section, section) == 0 &&
		    strcmp(ticket_fields[i].key, key) == 0)
			return i;
	return -1;
}

bool ticket_section_known(const char *section)
{
	for (int i = 0; i < TF_COUNT; i++)
		if (strcmp(ticket_fields[i].section, section) == 0)
			return true;
	return false;
}

static const char *ticket_suggest(const char *name, bool section)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (int i = 0; i < TF_COUNT; i++) {
		const char *cand = section ? ticket_fields[i].section : ticket_fields[i].key;
		size_t d = util_edit_distance(name, cand);
		if (d < best_d) {
			best_d = d;
			best = cand;
		}
	}
	/* Close enough to be a typo: at most a third of the word wrong. */
	size_t len = strlen(name);
	size_t limit = len < 6 ? 2 : len / 3 + 1;
	return best_d <= limit ? best : NULL;
}

const char *ticket_suggest_key(const char *name)
{
	return ticket_suggest(name, false);
}

const char *ticket_suggest_section(const char *name)
{
	return ticket_suggest(name, true);
}

const char *ticket_get(const struct ticket *t, enum ticket_field f)
{
	return t->values[f].value;
}

bool ticket_has(const struct ticket *t, enum ticket_field f)
{
	return t->values[f].value && t->values[f].value[0];
}

void ticket_set(struct ticket *t, enum ticket_field f, const char *value, size_t len,
                const struct ticket_origin *origin)
{
	free(t->values[f].value);
	t->values[f].value = value ? xstrndup(value, len) : NULL;
	t->values[f].origin = ticket_intern_origin(t, origin);
}

struct ticket_origin ticket_origin_of(const struct ticket *t, enum ticket_field f)
{
	return t->values[f].origin;
}

void ticket_attach_add(struct ticket *t, const char *path, const struct ticket_origin *origin)
{
	t->attach = xrealloc(t->attach, (t->nattach + 1) * sizeof *t->attach);
	t->attach[t->nattach].path = xstrdup(path);
	t->attach[t->nattach].origin = ticket_intern_origin(t, origin);
	t->nattach++;
}

void ticket_attach_remove(struct ticket *t, size_t i)
{
	if (i >= t->nattach)
		return;
	free(t->attach[i].path);
	memmove(&t->attach[i], &t->attach[i + 1], (t->nattach - i - 1) * sizeof *t->attach);
	t->nattach--;
}

size_t ticket_attach_count(const struct ticket *t)
{
	return t->nattach;
}

const char *ticket_attach_path(const struct ticket *t, size_t i)
{
	return t->attach[i].path;
}

struct ticket_origin ticket_attach_origin(const struct ticket *t, size_t i)
{
	return t->attach[i].origin;
}

const char *ticket_field_label(enum ticket_field f, const char *lang)
{
	if (lang && strncmp(lang, "zh", 2) == 0)
		return ticket_fields[f].label_zh;
	return ticket_fields[f].label_en;
}
