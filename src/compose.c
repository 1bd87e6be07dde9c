/* compose.c - ticket + provider + templates → the message. */
#include "compose.h"

#include "attach.h"
#include "config.h"
#include "i18n.h"
#include "mime.h"
#include "paths.h"
#include "template.h"
#include "util.h"
#include "validate.h"

#include <inttypes.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* Template variables that are not ticket fields. */
static const char *const compose_derived[] = {
    "provider_name",       "category_name",    "sender",
    "attachments",         "attachment_count", "has_account",
    "has_problem_details", "has_transaction",  "has_device",
    "has_contact",         "reply_time",       "from_address",
    "from_other_address",
};

struct compose_var {
	const char *name;
	char *value; /* allocated */
};

struct compose {
	char *lang;
	char *subject;
	char *body;
	char *from_addr;
	char *from_name;
	char *to_addr;
	char *message_id;
	char *boundary;
	time_t date;
	struct attach **attach;
	size_t nattach;
};

struct compose_vars {
	struct compose_var v[TF_COUNT + UTIL_ARRAY_LEN(compose_derived)];
	size_t n;
};

static bool compose_known(const char *name, void *user)
{
	(void)user;
	int f = ticket_field_lookup(name);
	if (f >= 0 && f != TF_ATTACHMENT && !strchr(name, '.'))
		return true;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(compose_derived); i++)
		if (strcmp(compose_derived[i], name) == 0)
			return true;
	return false;
}

static const char *compose_lookup(const char *name, void *user)
{
	const struct compose_vars *vars = user;
	for (size_t i = 0; i < vars->n; i++)
		if (strcmp(vars->v[i].name, name) == 0)
			return vars->v[i].value;
	return NULL;
}

static void compose_var_set(struct compose_vars *vars, const char *name, char *value)
{
	vars->v[vars->n].name = name;
	vars->v[vars->n].value = value;
	vars->n++;
}

static void compose_vars_free(struct compose_vars *vars)
{
	for (size_t i = 0; i < vars->n; i++)
		free(vars->v[i].value);
	vars->n = 0;
}

static const char *const compose_months_en[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

/* A date in the form natural for the language, always with the zone. */
static char *compose_format_datetime(const char *raw, const char *lang)
{
	struct validate_datetime dt;
	if (!raw || !validate_datetime(raw, &dt))
		return raw ? xstrdup(raw) : NULL;
	int off = dt.offset_minutes < 0 ? -dt.offset_minutes : dt.offset_minutes;
	char zone[16];
	snprintf(zone, sizeof zone, "UTC%c%02d:%02d", dt.offset_minutes < 0 ? '-' : '+', off / 60,
	         off % 60);
	char clock[16];
	if (dt.has_seconds)
		snprintf(clock, sizeof clock, "%02d:%02d:%02d", dt.hour, dt.minute, dt.second);
	else
		snprintf(clock, sizeof clock, "%02d:%02d", dt.hour, dt.minute);
	if (i18n_is_zh(lang))
		return xasprintf("%d年%d月%d日 %s（%s）", dt.year, dt.month, dt.day, clock, zone);
	return xasprintf("%d %s %d, %s (%s)", dt.day, compose_months_en[dt.month - 1], dt.year,
	                 clock, zone);
}

static char *compose_any(const struct ticket *t, const enum ticket_field *fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ticket_has(t, fields[i]))
			return xstrdup("1");
	return NULL;
}

/* Whether two addresses name the same mailbox as far as the user and
 * support are concerned: compared without regard to ASCII case, the domain
 * as RFC 5321 says and the local part as every common provider treats it
 * (the warning about a sender other than the registered email compares
 * the same way). */
static bool compose_same_address(const char *a, const char *b)
{
	return util_ascii_casecmp(a, b) == 0;
}

static void compose_fill_vars(const struct compose *c, const struct ticket *t,
                              const struct provider *p, struct compose_vars *vars)
{
	for (int f = 0; f < TF_COUNT; f++) {
		if (f == TF_ATTACHMENT)
			continue;
		const char *v = ticket_get(t, f);
		char *val;
		if (f == TF_OCCURRED_AT)
			val = compose_format_datetime(v, c->lang);
		else
			val = v ? xstrdup(v) : NULL;
		compose_var_set(vars, ticket_fields[f].key, val);
	}
	compose_var_set(vars, "provider_name", xstrdup(provider_name(p, c->lang)));
	const struct provider_category *cat =
	    provider_category_find(p, ticket_get(t, TF_CATEGORY) ? ticket_get(t, TF_CATEGORY) : "");
	compose_var_set(vars, "category_name",
	                cat ? xstrdup(provider_category_name(cat, c->lang)) : NULL);
	char *sender;
	if (ticket_has(t, TF_NAME))
		sender = xstrdup(ticket_get(t, TF_NAME));
	else if (ticket_has(t, TF_EMAIL))
		sender = xstrdup(ticket_get(t, TF_EMAIL));
	else if (ticket_has(t, TF_UID))
		sender = xasprintf("UID %s", ticket_get(t, TF_UID));
	else
		sender = xstrdup(c->from_addr);
	compose_var_set(vars, "sender", sender);

	struct strbuf list;
	strbuf_init(&list);
	for (size_t i = 0; i < c->nattach; i++) {
		char *size = util_human_size(attach_size(c->attach[i]));
		/* One line each, no final newline: the template ends the line. */
		/* Chinese text takes full-width brackets and comma. */
		strbuf_addf(&list,
		            i18n_is_zh(c->lang) ? "%s%zu. %s（%s，%s）" : "%s%zu. %s (%s, %s)",
		            i ? "\n" : "", i + 1, attach_filename(c->attach[i]),
		            attach_mime_type(c->attach[i]), size);
		free(size);
	}
	compose_var_set(vars, "attachments", c->nattach ? strbuf_take(&list) : NULL);
	if (!c->nattach)
		strbuf_finish(&list);
	compose_var_set(vars, "attachment_count", c->nattach ? xasprintf("%zu", c->nattach) : NULL);

	static const enum ticket_field account[] = {TF_UID, TF_EMAIL};
	static const enum ticket_field problem[] = {TF_OCCURRED_AT, TF_DESCRIPTION, TF_STEPS,
	                                            TF_ERROR_MESSAGE};
	static const enum ticket_field tx[] = {TF_COIN, TF_NETWORK, TF_AMOUNT,  TF_ADDRESS,
	                                       TF_MEMO, TF_TXID,    TF_ORDER_ID};
	static const enum ticket_field device[] = {TF_DEVICE_MODEL, TF_OS_VERSION, TF_APP_VERSION};
	static const enum ticket_field contact[] = {TF_PHONE, TF_TELEGRAM};
	compose_var_set(vars, "has_account", compose_any(t, account, UTIL_ARRAY_LEN(account)));
	compose_var_set(vars, "has_problem_details",
	                compose_any(t, problem, UTIL_ARRAY_LEN(problem)));
	compose_var_set(vars, "has_transaction", compose_any(t, tx, UTIL_ARRAY_LEN(tx)));
	compose_var_set(vars, "has_device", compose_any(t, device, UTIL_ARRAY_LEN(device)));
	compose_var_set(vars, "has_contact", compose_any(t, contact, UTIL_ARRAY_LEN(contact)));
	const char *reply = provider_reply_time(p, c->lang);
	compose_var_set(vars, "reply_time", reply ? xstrdup(reply) : NULL);
	/* The body must not claim to come from the registered email when it
	 * does not. There is no Reply-To, so a reply goes to the From address,
	 * and the body asks for it there. */
	compose_var_set(vars, "from_address", xstrdup(c->from_addr));
	const char *email = ticket_get(t, TF_EMAIL);
	compose_var_set(vars, "from_other_address",
	                email && *email && !compose_same_address(c->from_addr, email) ? xstrdup("1")
	                                                                              : NULL);
}

/* Where an attachment came from, for messages: the ticket file's line, or
 * the path given to -a with control and direction characters made visible
 * (validation refuses them, but the attachments are checked all the same). */
static char *compose_where(struct ticket_origin o, const char *fallback)
{
	if (o.file)
		return xasprintf("%s:%u", o.file, o.line);
	return util_visible(fallback, strlen(fallback));
}

/* true when the open attachment is the file at path (same device and
 * inode: a copy under another name or a hard link is still that file). */
static bool compose_is_file(const struct attach *a, const char *path)
{
	struct stat want, have;
	if (!path || stat(path, &want) != 0 || fstat(attach_fd(a), &have) != 0)
		return false;
	return want.st_dev == have.st_dev && want.st_ino == have.st_ino;
}

/* Opens every attachment and holds it to the provider's policy. */
static enum compose_status compose_open_attachments(struct compose *c, const struct ticket *t,
                                                    const struct provider *p,
                                                    const char *account_file, struct diags *d)
{
	enum compose_status st = COMPOSE_OK;
	size_t n = ticket_attach_count(t);
	uint64_t total = 0;
	c->attach = xcalloc(n ? n : 1, sizeof *c->attach);
	if (n > provider_max_attachments(p)) {
		diags_add(d, DIAG_ERROR, TF_ATTACHMENT, "attachments", "attachment-count",
		          _("%zu attachments, but %s accepts at most %zu"), n,
		          provider_name(p, i18n_lang()), provider_max_attachments(p));
		st = COMPOSE_EDATA;
	}
	for (size_t i = 0; i < n; i++) {
		const char *path = ticket_attach_path(t, i);
		char *where = compose_where(ticket_attach_origin(t, i), path);
		char *err = NULL;
		struct attach *a = NULL;
		enum attach_status as = attach_open(path, &a, &err);
		if (as != ATTACH_OK) {
			diags_add(d, DIAG_ERROR, TF_ATTACHMENT, where, "attachment", "%s", err);
			free(err);
			free(where);
			/* The status is that of the first problem listed. */
			if (st == COMPOSE_OK)
				st = as == ATTACH_ENOENT   ? COMPOSE_ENOINPUT
				     : as == ATTACH_EMAGIC ? COMPOSE_ESOFTWARE
				                           : COMPOSE_EDATA;
			continue;
		}
		c->attach[c->nattach++] = a;
		if (compose_is_file(a, account_file)) {
			diags_add(d, DIAG_ERROR, TF_ATTACHMENT, where, "attachment",
			          _("%s is your account configuration, which may hold your mail "
			            "password: it is never attached"),
			          attach_filename(a));
			if (st == COMPOSE_OK)
				st = COMPOSE_EDATA;
		}
		if (!provider_type_allowed(p, attach_mime_type(a))) {
			diags_add(d, DIAG_ERROR, TF_ATTACHMENT, where, "attachment-type",
			          _("%s is %s by its content, which support does not accept "
			            "(allowed: %s)"),
			          attach_filename(a), attach_mime_type(a),
			          provider_allowed_types(p));
			if (st == COMPOSE_OK)
				st = COMPOSE_EDATA;
		}
		if (attach_size(a) > provider_max_file_size(p)) {
			char *have = util_human_size(attach_size(a));
			char *max = util_human_size(provider_max_file_size(p));
			diags_add(d, DIAG_ERROR, TF_ATTACHMENT, where, "attachment-size",
			          _("%s is %s, over the limit of %s per file"), attach_filename(a),
			          have, max);
			free(have);
			free(max);
			if (st == COMPOSE_OK)
				st = COMPOSE_EDATA;
		}
		total += attach_size(a);
		free(where);
	}
	if (total > provider_max_total_size(p)) {
		char *have = util_human_size(total);
		char *max = util_human_size(provider_max_total_size(p));
		diags_add(d, DIAG_ERROR, TF_ATTACHMENT, "attachments", "attachment-size",
		          _("the attachments total %s, over the limit of %s"), have, max);
		free(have);
		free(max);
		if (st == COMPOSE_OK)
			st = COMPOSE_EDATA;
	}
	return st;
}

static enum compose_status compose_render(struct compose *c, const char *file,
                                          struct compose_vars *vars, char **text_out,
                                          struct diags *d)
{
	char *path = xasprintf("%s/%s/%s", paths_templates_dir(), c->lang, file);
	struct template *tpl = NULL;
	char *err = NULL;
	if (template_load(path, compose_known, NULL, &tpl, &err) != 0) {
		diags_add(d, DIAG_ERROR, -1, NULL, "template", "%s", err);
		free(err);
		free(path);
		return COMPOSE_ECONFIG;
	}
	free(path);
	struct strbuf out;
	strbuf_init(&out);
	template_render(tpl, compose_lookup, vars, &out);
	template_free(tpl);
	*text_out = strbuf_take(&out);
	return COMPOSE_OK;
}

static const char *compose_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "localhost";
}

static void compose_init_headers(struct compose *c, const struct ticket *t,
                                 const struct provider *p, const struct compose_options *o)
{
	const char *lang = o->lang ? i18n_normalise(o->lang) : NULL;
	if (!lang && ticket_has(t, TF_LANGUAGE))
		lang = i18n_normalise(ticket_get(t, TF_LANGUAGE));
	c->lang = xstrdup(lang ? lang : i18n_lang());
	const char *from = o->from_addr ? o->from_addr : ticket_get(t, TF_EMAIL);
	c->from_addr = from ? xstrdup(from) : NULL;
	const char *name = o->from_name ? o->from_name : ticket_get(t, TF_NAME);
	c->from_name = name && *name ? xstrdup(name) : NULL;
	c->to_addr = xstrdup(o->to_addr ? o->to_addr : provider_support_address(p));
	c->date = o->date ? o->date : time(NULL);
	if (c->from_addr)
		c->message_id = o->message_id ? xstrdup(o->message_id)
		                              : mime_make_message_id(compose_domain(c->from_addr));
	c->boundary = o->boundary ? xstrdup(o->boundary) : NULL;
}

enum compose_status compose_prepare(const struct ticket *t, const struct provider *p,
                                    const struct compose_options *o, struct compose **out,
                                    struct diags *d)
{
	*out = NULL;
	struct compose *c = xcalloc(1, sizeof *c);
	compose_init_headers(c, t, p, o);
	enum compose_status st = COMPOSE_OK;
	if (!c->from_addr) {
		diags_add(d, DIAG_ERROR, TF_EMAIL, "email", "sender",
		          _("no sender address: set the registered email (email) or configure "
		            "an account"));
		st = COMPOSE_EDATA;
	}
	/* Both checks run whatever the other found; the status is that of the
	 * first problem listed. */
	enum compose_status ast = compose_open_attachments(c, t, p, o->account_file, d);
	if (st == COMPOSE_OK)
		st = ast;
	*out = c;
	if (st != COMPOSE_OK || o->check_only)
		return st;
	struct compose_vars vars = {.n = 0};
	compose_fill_vars(c, t, p, &vars);
	st = compose_render(c, "subject.txt", &vars, &c->subject, d);
	if (st == COMPOSE_OK)
		st = compose_render(c, "body.txt", &vars, &c->body, d);
	compose_vars_free(&vars);
	if (st == COMPOSE_OK) {
		/* The subject template is one line; its final newline is not
		 * part of the subject. */
		size_t len = strlen(c->subject);
		while (len && (c->subject[len - 1] == '\n' || c->subject[len - 1] == '\r'))
			c->subject[--len] = '\0';
		if (strchr(c->subject, '\n')) {
			diags_add(d, DIAG_ERROR, -1, "subject.txt", "template",
			          _("the subject template must produce a single line"));
			st = COMPOSE_ECONFIG;
		}
	}
	return st;
}

enum compose_status compose_write(const struct compose *c, FILE *out, char **errstr)
{
	return compose_write_from(c, out, NULL, errstr);
}

enum compose_status compose_write_from(const struct compose *c, FILE *out,
                                       const struct mime_source *source, char **errstr)
{
	struct mime_attachment *ma = xcalloc(c->nattach ? c->nattach : 1, sizeof *ma);
	for (size_t i = 0; i < c->nattach; i++) {
		ma[i].fd = attach_fd(c->attach[i]);
		ma[i].filename = attach_filename(c->attach[i]);
		ma[i].content_type = attach_mime_type(c->attach[i]);
		ma[i].charset = attach_charset(c->attach[i]);
		ma[i].size = attach_size(c->attach[i]);
	}
	struct mime_message m = {
	    .from_name = c->from_name,
	    .from_addr = c->from_addr,
	    .to_addr = c->to_addr,
	    .subject = c->subject,
	    .date = c->date,
	    .message_id = c->message_id,
	    .user_agent = "ticketmail/" TICKETMAIL_VERSION,
	    .body = c->body,
	    .body_len = strlen(c->body),
	    .attachments = ma,
	    .nattachments = c->nattach,
	    .boundary = c->boundary,
	    .source = source,
	};
	enum mime_status ms = mime_write(out, &m, errstr);
	free(ma);
	if (ms == MIME_EOK)
		return COMPOSE_OK;
	return ms == MIME_EINVAL ? COMPOSE_EDATA : COMPOSE_EIO;
}

void compose_free(struct compose *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nattach; i++)
		attach_free(c->attach[i]);
	free(c->attach);
	free(c->lang);
	free(c->subject);
	free(c->body);
	free(c->from_addr);
	free(c->from_name);
	free(c->to_addr);
	free(c->message_id);
	free(c->boundary);
	free(c);
}

const char *compose_subject(const struct compose *c)
{
	return c->subject;
}

const char *compose_body(const struct compose *c)
{
	return c->body;
}

const char *compose_from(const struct compose *c)
{
	return c->from_addr;
}

const char *compose_to(const struct compose *c)
{
	return c->to_addr;
}

const char *compose_message_id(const struct compose *c)
{
	return c->message_id;
}

size_t compose_attachment_count(const struct compose *c)
{
	return c->nattach;
}

const char *compose_attachment_name(const struct compose *c, size_t i)
{
	return attach_filename(c->attach[i]);
}

const char *compose_attachment_type(const struct compose *c, size_t i)
{
	return attach_mime_type(c->attach[i]);
}

uint64_t compose_attachment_size(const struct compose *c, size_t i)
{
	return attach_size(c->attach[i]);
}

int compose_attachment_fd(const struct compose *c, size_t i)
{
	return attach_fd(c->attach[i]);
}
