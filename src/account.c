/* account.c - the sender's account: config.ini, presets, the secret.
 *
 * Two passes, as msmtp's check_account(): the INI handler only stores each
 * key's text and line (and rejects unknown ones); account_validate() then
 * judges the whole set, so every problem is reported at once and the rules
 * that tie keys together (one secret source, the preset defaults) sit in
 * one place.
 *
 * The secret is fetched only when the transport needs it, kept in one
 * heap buffer, and wiped with explicit_bzero() when freed. A plain
 * "password =" is refused unless the file is private to its owner, like
 * ssh refuses a readable private key; commands are the user's own shell
 * lines, run like msmtp's passwordeval.
 */
#include "account.h"

#include "i18n.h"
#include "inifile.h"
#include "paths.h"
#include "util.h"
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#define ACCOUNT_SECRET_MAX 4096u  /* a password or an OAuth2 token */
#define ACCOUNT_OUTPUT_MAX 65536u /* read from a command, then refused */

enum account_key {
	ACCOUNT_KEY_FROM,
	ACCOUNT_KEY_NAME,
	ACCOUNT_KEY_SMTP,
	ACCOUNT_KEY_USER,
	ACCOUNT_KEY_PASSWORD,
	ACCOUNT_KEY_PASSWORD_COMMAND,
	ACCOUNT_KEY_OAUTH2_TOKEN_COMMAND,
	ACCOUNT_KEY_CA_FILE,
	ACCOUNT_KEY_TRANSPORT,
	ACCOUNT_KEY_SENDMAIL_COMMAND,
	ACCOUNT_KEY_ALLOW_PLAIN_LOOPBACK,
	ACCOUNT_KEY_LOGIN,
	ACCOUNT_KEY_COUNT
};

static const char *const account_keys[ACCOUNT_KEY_COUNT] = {
    [ACCOUNT_KEY_FROM] = "from",
    [ACCOUNT_KEY_NAME] = "name",
    [ACCOUNT_KEY_SMTP] = "smtp",
    [ACCOUNT_KEY_USER] = "user",
    [ACCOUNT_KEY_PASSWORD] = "password",
    [ACCOUNT_KEY_PASSWORD_COMMAND] = "password_command",
    [ACCOUNT_KEY_OAUTH2_TOKEN_COMMAND] = "oauth2_token_command",
    [ACCOUNT_KEY_CA_FILE] = "ca_file",
    [ACCOUNT_KEY_TRANSPORT] = "transport",
    [ACCOUNT_KEY_SENDMAIL_COMMAND] = "sendmail_command",
    [ACCOUNT_KEY_ALLOW_PLAIN_LOOPBACK] = "allow_plain_loopback",
    [ACCOUNT_KEY_LOGIN] = "login",
};

static const char *const account_auth_names[ACCOUNT_AUTH_COUNT] = {
    [ACCOUNT_AUTH_PASSWORD] = "password",
    [ACCOUNT_AUTH_OAUTH2] = "oauth2",
    [ACCOUNT_AUTH_EITHER] = "either",
};

struct account_preset {
	char *id;
	char *domains; /* blank-separated */
	char *smtp;
	enum account_auth auth;
	char *hint_zh;
	char *hint_en;
	unsigned line;
};

struct account {
	char *path;
	/* Parse pass: the raw values and their lines. */
	char *val[ACCOUNT_KEY_COUNT];
	unsigned line[ACCOUNT_KEY_COUNT];
	/* Validation pass. */
	char *smtp_url; /* effective */
	char *user;     /* effective */
	char *sendmail_command;
	enum account_transport transport;
	enum account_secret_source source;
	bool allow_plain_loopback;
	bool no_login;                 /* login = no, with plain loopback */
	struct account_preset *preset; /* NULL: none in use */
	char *secret;                  /* fetched lazily; wiped */
};

/* --- small helpers ------------------------------------------------------- */

static void account_wipe_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void account_err(char **errstr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void account_err(char **errstr, const char *fmt, ...)
{
	if (!errstr)
		return;
	va_list ap;
	va_start(ap, fmt);
	*errstr = xvasprintf(fmt, ap);
	va_end(ap);
}

static int account_key_find(const char *key)
{
	for (int i = 0; i < ACCOUNT_KEY_COUNT; i++)
		if (strcmp(key, account_keys[i]) == 0)
			return i;
	return -1;
}

/* The closest known key, when close enough to be a typo. */
static const char *account_suggest_key(const char *key)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (int i = 0; i < ACCOUNT_KEY_COUNT; i++) {
		size_t dist = util_edit_distance(key, account_keys[i]);
		if (dist < best_d) {
			best_d = dist;
			best = account_keys[i];
		}
	}
	return best;
}

/* "path:line" for key k (or just path when it was not given). */
static char *account_where(const struct account *a, enum account_key k)
{
	return a->line[k] ? xasprintf("%s:%u", a->path, a->line[k]) : xstrdup(a->path);
}

static void account_error(struct account *a, struct diags *d, enum account_key k,
                          enum diag_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void account_error(struct account *a, struct diags *d, enum account_key k,
                          enum diag_severity sev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *where = account_where(a, k);
	diags_add(d, sev, -1, where, "config", "[account].%s: %s", account_keys[k], msg);
	free(where);
	free(msg);
}

static bool account_yes_no(const char *v, bool *out)
{
	const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(yes); i++) {
		if (util_ascii_casecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (util_ascii_casecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* One line of text with no control characters. */
static bool account_one_line(const char *v)
{
	size_t len = strlen(v);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(v + i, len - i, &cp);
		if (n == 0 || util_forbidden_char(cp, false) || cp == '\t')
			return false;
		i += n;
	}
	return true;
}

/* --- SMTP URLs ------------------------------------------------------------ */

/* Checks "smtps://host[:port][/]" or "smtp://...". Returns NULL, or an
 * allocated message. *host_out (may be NULL) gets the host, allocated. */
static char *account_check_url(const char *url, bool *tls_out, char **host_out)
{
	const char *rest;
	if (util_ascii_ncasecmp(url, "smtps://", 8) == 0) {
		rest = url + 8;
		*tls_out = true;
	} else if (util_ascii_ncasecmp(url, "smtp://", 7) == 0) {
		rest = url + 7;
		*tls_out = false;
	} else {
		return xasprintf(_("'%s' is not an smtps:// or smtp:// URL"), url);
	}
	size_t hlen;
	if (*rest == '[') {
		const char *close = strchr(rest, ']');
		if (!close)
			return xasprintf(_("'%s': unclosed [ in the host"), url);
		hlen = (size_t)(close - rest) + 1;
	} else {
		hlen = strcspn(rest, ":/");
	}
	for (size_t i = 0; i < hlen; i++) {
		char c = rest[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		          (rest[0] == '[' && (c == ':' || c == '[' || c == ']'));
		if (!ok)
			return xasprintf(
			    _("'%s': the host may hold only letters, digits, '.' and '-' "
			      "(no user name or password in the URL)"),
			    url);
	}
	if (hlen == 0)
		return xasprintf(_("'%s' names no host"), url);
	const char *p = rest + hlen;
	if (*p == ':') {
		char *end;
		errno = 0;
		long port = strtol(p + 1, &end, 10);
		if (errno || end == p + 1 || port < 1 || port > 65535 || (*end && *end != '/'))
			return xasprintf(_("'%s': the port must be a number from 1 to 65535"), url);
		p = end;
	}
	if (*p && strcmp(p, "/") != 0)
		return xasprintf(_("'%s': nothing may follow the host and port"), url);
	if (host_out)
		*host_out = xstrndup(rest, hlen);
	return NULL;
}

static bool account_is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0 ||
	       util_ascii_casecmp(host, "localhost") == 0;
}

/* --- presets ------------------------------------------------------------ */

struct account_presets {
	const char *path;
	struct account_preset *v;
	size_t n;
};

static void account_preset_free(struct account_preset *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->domains);
	free(p->smtp);
	free(p->hint_zh);
	free(p->hint_en);
	free(p);
}

static int account_presets_handler(void *user, const struct inifile_entry *e, struct diags *d)
{
	struct account_presets *ps = user;
	char *where = xasprintf("%s:%u", e->file, e->line);
	if (!e->section[0]) {
		diags_add(d, DIAG_ERROR, -1, where, "preset", _("%s: key before any [section]"),
		          e->key);
		goto out;
	}
	if (ps->n == 0 || strcmp(ps->v[ps->n - 1].id, e->section) != 0) {
		ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof *ps->v);
		ps->v[ps->n++] = (struct account_preset){
		    .id = xstrdup(e->section), .auth = ACCOUNT_AUTH_COUNT, .line = e->line};
	}
	struct account_preset *p = &ps->v[ps->n - 1];
	char **slot = strcmp(e->key, "domains") == 0   ? &p->domains
	              : strcmp(e->key, "smtp") == 0    ? &p->smtp
	              : strcmp(e->key, "hint_zh") == 0 ? &p->hint_zh
	              : strcmp(e->key, "hint_en") == 0 ? &p->hint_en
	                                               : NULL;
	if (slot) {
		free(*slot);
		*slot = xstrdup(e->value);
	} else if (strcmp(e->key, "auth") == 0) {
		for (int i = 0; i < ACCOUNT_AUTH_COUNT; i++)
			if (strcmp(e->value, account_auth_names[i]) == 0)
				p->auth = (enum account_auth)i;
		if (p->auth == ACCOUNT_AUTH_COUNT)
			diags_add(d, DIAG_ERROR, -1, where, "preset",
			          _("[%s].auth: must be password, oauth2 or either"), e->section);
	} else {
		diags_add(d, DIAG_ERROR, -1, where, "preset", _("[%s].%s: unknown key"), e->section,
		          e->key);
	}
out:
	free(where);
	return 0;
}

/* Every preset needs every key and a valid URL. */
static bool account_presets_validate(struct account_presets *ps, struct diags *d)
{
	bool ok = true;
	for (size_t i = 0; i < ps->n; i++) {
		struct account_preset *p = &ps->v[i];
		char *where = xasprintf("%s:%u", ps->path, p->line);
		bool tls;
		char *bad = p->smtp ? account_check_url(p->smtp, &tls, NULL) : NULL;
		if (!p->domains || !p->smtp || !p->hint_zh || !p->hint_en ||
		    p->auth == ACCOUNT_AUTH_COUNT) {
			diags_add(d, DIAG_ERROR, -1, where, "preset",
			          _("[%s]: needs domains, smtp, auth, hint_zh and hint_en"), p->id);
			ok = false;
		} else if (bad) {
			diags_add(d, DIAG_ERROR, -1, where, "preset", "[%s].smtp: %s", p->id, bad);
			ok = false;
		}
		free(bad);
		free(where);
	}
	return ok;
}

static void account_presets_finish(struct account_presets *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].id);
		free(ps->v[i].domains);
		free(ps->v[i].smtp);
		free(ps->v[i].hint_zh);
		free(ps->v[i].hint_en);
	}
	free(ps->v);
}

static bool account_domain_listed(const char *domains, const char *domain)
{
	size_t dlen = strlen(domain);
	for (const char *p = domains; *p;) {
		p += strspn(p, " \t\n");
		size_t n = strcspn(p, " \t\n");
		if (n == dlen && util_ascii_ncasecmp(p, domain, n) == 0)
			return true;
		p += n;
	}
	return false;
}

/* Appends every entry of from to d. */
static void account_diags_move(struct diags *d, struct diags *from)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct diag *e = &from->v[i];
		diags_add(d, e->severity, e->field, e->where, e->kind, "%s", e->message);
	}
	diags_finish(from);
}

/* Finds the preset for domain in <share>/smtp-presets.ini. Returns 0 with
 * *out allocated or NULL (no preset), -1 when the file cannot be read
 * (nothing added to d: a configured smtp does not need it), -2 when it is
 * invalid (problems in d). */
static int account_preset_lookup(const char *domain, struct account_preset **out, struct diags *d)
{
	*out = NULL;
	char *path = xasprintf("%s/smtp-presets.ini", paths_share_dir());
	struct account_presets ps = {path, NULL, 0};
	struct diags pd;
	diags_init(&pd);
	int rc = 0;
	enum inifile_status st = inifile_parse_file(path, account_presets_handler, &ps, &pd);
	if (st == INIFILE_ENOENT)
		rc = -1;
	else if (st != INIFILE_OK || diags_count(&pd, DIAG_ERROR) ||
	         !account_presets_validate(&ps, &pd))
		rc = -2;
	for (size_t i = 0; rc == 0 && i < ps.n; i++) {
		if (account_domain_listed(ps.v[i].domains, domain)) {
			*out = xmalloc(sizeof **out);
			**out = ps.v[i];
			memset(&ps.v[i], 0, sizeof ps.v[i]);
			break;
		}
	}
	if (rc == -2)
		account_diags_move(d, &pd);
	diags_finish(&pd);
	account_presets_finish(&ps);
	free(path);
	return rc;
}

/* --- parsing -------------------------------------------------------------- */

static void account_unknown_key(const struct inifile_entry *e, const char *where, struct diags *d)
{
	char *k = util_visible(e->key, strlen(e->key));
	const char *hint = account_suggest_key(e->key);
	if (hint)
		diags_add(d, DIAG_ERROR, -1, where, "unknown-key",
		          _("[account].%s: unknown key; did you mean '%s'?"), k, hint);
	else
		diags_add(d, DIAG_ERROR, -1, where, "unknown-key", _("[account].%s: unknown key"),
		          k);
	free(k);
}

static int account_handler(void *user, const struct inifile_entry *e, struct diags *d)
{
	struct account *a = user;
	char *where = xasprintf("%s:%u", e->file, e->line);
	int k = account_key_find(e->key);
	if (strcmp(e->section, "account") != 0) {
		char *s = util_visible(e->section, strlen(e->section));
		diags_add(d, DIAG_ERROR, -1, where, "unknown-section",
		          e->section[0] ? _("[%s]: unknown section; the settings go in [account]")
		                        : _("%s: key before [account]"),
		          e->section[0] ? s : e->key);
		free(s);
	} else if (k < 0) {
		account_unknown_key(e, where, d);
	} else if (a->val[k]) {
		diags_add(d, DIAG_ERROR, -1, where, "duplicate-key",
		          _("[account].%s: given twice (first on line %u)"), e->key, a->line[k]);
	} else {
		a->val[k] = xstrdup(e->value);
		a->line[k] = e->line;
	}
	free(where);
	return 0;
}

/* --- validation ------------------------------------------------------------ */

/* The file is private: owned by us and no group/other permission bits. */
static bool account_file_private(const char *path, struct stat *st)
{
	return stat(path, st) == 0 && st->st_uid == geteuid() && (st->st_mode & 077) == 0;
}

static void account_validate_secret(struct account *a, struct diags *d)
{
	const enum account_key keys[] = {ACCOUNT_KEY_PASSWORD, ACCOUNT_KEY_PASSWORD_COMMAND,
	                                 ACCOUNT_KEY_OAUTH2_TOKEN_COMMAND};
	const enum account_secret_source sources[] = {
	    ACCOUNT_SECRET_PASSWORD, ACCOUNT_SECRET_COMMAND, ACCOUNT_SECRET_OAUTH2_COMMAND};
	size_t n = 0;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(keys); i++) {
		if (!a->val[keys[i]])
			continue;
		if (n++ > 0)
			account_error(a, d, keys[i], DIAG_ERROR,
			              _("give only one of password, password_command and "
			                "oauth2_token_command"));
		a->source = sources[i];
		if (!a->val[keys[i]][0])
			account_error(a, d, keys[i], DIAG_ERROR, _("empty"));
	}
	struct stat st;
	if (a->val[ACCOUNT_KEY_PASSWORD] && !account_file_private(a->path, &st))
		account_error(a, d, ACCOUNT_KEY_PASSWORD, DIAG_ERROR,
		              _("a password may be stored only in a file that is yours and that "
		                "nobody else can read; run \"chmod 600 %s\", or use "
		                "password_command instead (for example \"pass show mail/qq\")"),
		              a->path);
	bool cmd = a->val[ACCOUNT_KEY_PASSWORD_COMMAND] || a->val[ACCOUNT_KEY_OAUTH2_TOKEN_COMMAND];
	if (cmd && stat(a->path, &st) == 0 &&
	    ((st.st_mode & 022) || (st.st_uid != geteuid() && st.st_uid != 0)))
		account_error(a, d,
		              a->val[ACCOUNT_KEY_PASSWORD_COMMAND]
		                  ? ACCOUNT_KEY_PASSWORD_COMMAND
		                  : ACCOUNT_KEY_OAUTH2_TOKEN_COMMAND,
		              DIAG_ERROR,
		              _("the command runs as you, so the file must be yours and writable "
		                "only by you; run \"chmod go-w %s\""),
		              a->path);
}

static void account_validate_from(struct account *a, struct diags *d)
{
	const char *from = a->val[ACCOUNT_KEY_FROM];
	if (!from)
		account_error(a, d, ACCOUNT_KEY_FROM, DIAG_ERROR,
		              _("missing; add \"from = you@example.com\" (the address registered "
		                "with the exchange)"));
	else if (!validate_email(from))
		account_error(a, d, ACCOUNT_KEY_FROM, DIAG_ERROR,
		              _("'%s' is not a valid email address"), from);
	const char *name = a->val[ACCOUNT_KEY_NAME];
	if (name && (!name[0] || !account_one_line(name)))
		account_error(a, d, ACCOUNT_KEY_NAME, DIAG_ERROR,
		              _("must be one line of text without control characters"));
	const char *user = a->val[ACCOUNT_KEY_USER];
	if (user && (!user[0] || !account_one_line(user) || strchr(user, ' ')))
		account_error(a, d, ACCOUNT_KEY_USER, DIAG_ERROR,
		              _("must be one word without control characters"));
	a->user = xstrdup(user ? user : from ? from : "");
}

/* Resolves smtp from the preset of from's domain when not given. Returns
 * -2 when the presets file is invalid. */
static int account_resolve_preset(struct account *a, struct diags *d)
{
	const char *from = a->val[ACCOUNT_KEY_FROM];
	const char *at = from ? strrchr(from, '@') : NULL;
	struct account_preset *p = NULL;
	int rc = at ? account_preset_lookup(at + 1, &p, d) : 0;
	if (rc == -2)
		return -2;
	const char *smtp = a->val[ACCOUNT_KEY_SMTP];
	if (!smtp && !p) {
		if (from && rc == -1)
			account_error(a, d, ACCOUNT_KEY_SMTP, DIAG_ERROR,
			              _("missing, and the presets file cannot be read"));
		else if (at)
			account_error(a, d, ACCOUNT_KEY_SMTP, DIAG_ERROR,
			              _("missing; there is no preset for %s, so give the server, "
			                "e.g. \"smtp = smtps://smtp.example.com:465\""),
			              at + 1);
		return 0;
	}
	/* The preset's hint only holds for the preset's server. */
	if (p && smtp && util_ascii_casecmp(smtp, p->smtp) != 0) {
		account_preset_free(p);
		p = NULL;
	}
	a->preset = p;
	a->smtp_url = xstrdup(smtp ? smtp : p->smtp);
	return 0;
}

static void account_validate_smtp(struct account *a, struct diags *d)
{
	if (!a->smtp_url)
		return;
	bool tls;
	char *host = NULL;
	char *bad = account_check_url(a->smtp_url, &tls, &host);
	if (bad) {
		account_error(a, d, ACCOUNT_KEY_SMTP, DIAG_ERROR, "%s", bad);
		free(bad);
		return;
	}
	bool allow = false;
	const char *v = a->val[ACCOUNT_KEY_ALLOW_PLAIN_LOOPBACK];
	if (v && !account_yes_no(v, &allow))
		account_error(a, d, ACCOUNT_KEY_ALLOW_PLAIN_LOOPBACK, DIAG_ERROR,
		              _("must be yes or no"));
	if (allow && (tls || !account_is_loopback(host))) {
		account_error(a, d, ACCOUNT_KEY_ALLOW_PLAIN_LOOPBACK, DIAG_WARNING,
		              _("ignored: it applies only to smtp:// URLs to 127.0.0.1, ::1 or "
		                "localhost"));
		allow = false;
	}
	a->allow_plain_loopback = allow;
	/* login = no: no AUTH, for a local relay or a test sink on loopback
	 * only, where nothing crosses the network and there is nothing to
	 * log in to. */
	bool login = true;
	const char *lv = a->val[ACCOUNT_KEY_LOGIN];
	if (lv && !account_yes_no(lv, &login))
		account_error(a, d, ACCOUNT_KEY_LOGIN, DIAG_ERROR, _("must be yes or no"));
	else if (!login && !allow)
		account_error(a, d, ACCOUNT_KEY_LOGIN, DIAG_WARNING,
		              _("ignored: it applies only to smtp:// URLs to 127.0.0.1, ::1 or "
		                "localhost"));
	a->no_login = lv && !login && allow;
	free(host);
	if (a->preset && a->preset->auth == ACCOUNT_AUTH_OAUTH2 &&
	    a->source != ACCOUNT_SECRET_OAUTH2_COMMAND)
		account_error(a, d, ACCOUNT_KEY_OAUTH2_TOKEN_COMMAND, DIAG_WARNING,
		              _("this server accepts OAuth2 only; a password will probably be "
		                "refused"));
	if (a->preset && a->preset->auth == ACCOUNT_AUTH_PASSWORD &&
	    a->source == ACCOUNT_SECRET_OAUTH2_COMMAND)
		account_error(a, d, ACCOUNT_KEY_OAUTH2_TOKEN_COMMAND, DIAG_WARNING,
		              _("this server takes a password, not OAuth2"));
}

/* sendmail_command is split on spaces without a shell (transport.h), and
 * ticketmail gives the envelope itself, so a "-t" is dropped. */
static void account_validate_sendmail(struct account *a, struct diags *d)
{
	const char *cmd = a->val[ACCOUNT_KEY_SENDMAIL_COMMAND];
	if (!cmd) {
		a->sendmail_command = xstrdup("/usr/sbin/sendmail");
		return;
	}
	if (!cmd[0] || !account_one_line(cmd) || strpbrk(cmd, "'\"\\`$|;&<>*?")) {
		account_error(a, d, ACCOUNT_KEY_SENDMAIL_COMMAND, DIAG_ERROR,
		              _("must be a program and its options separated by spaces; no shell "
		                "quoting or special characters (it is run without a shell)"));
		return;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	bool dropped = false;
	for (const char *p = cmd; *p;) {
		p += strspn(p, " ");
		size_t n = strcspn(p, " ");
		if (n == 2 && strncmp(p, "-t", 2) == 0)
			dropped = true;
		else if (n) {
			if (sb.len)
				strbuf_addc(&sb, ' ');
			strbuf_add(&sb, p, n);
		}
		p += n;
	}
	if (dropped)
		account_error(a, d, ACCOUNT_KEY_SENDMAIL_COMMAND, DIAG_NOTE,
		              _("-t is not used: ticketmail gives the sender and the recipient "
		                "itself"));
	a->sendmail_command = strbuf_take(&sb);
}

static void account_validate_transport(struct account *a, struct diags *d)
{
	const char *t = a->val[ACCOUNT_KEY_TRANSPORT];
	a->transport = ACCOUNT_TRANSPORT_SMTP;
	if (t && strcmp(t, "sendmail") == 0)
		a->transport = ACCOUNT_TRANSPORT_SENDMAIL;
	else if (t && strcmp(t, "smtp") != 0)
		account_error(a, d, ACCOUNT_KEY_TRANSPORT, DIAG_ERROR,
		              _("must be smtp or sendmail"));
	if (a->transport == ACCOUNT_TRANSPORT_SENDMAIL) {
		account_validate_sendmail(a, d);
		const enum account_key unused[] = {ACCOUNT_KEY_SMTP, ACCOUNT_KEY_PASSWORD,
		                                   ACCOUNT_KEY_PASSWORD_COMMAND,
		                                   ACCOUNT_KEY_OAUTH2_TOKEN_COMMAND};
		for (size_t i = 0; i < UTIL_ARRAY_LEN(unused); i++)
			if (a->val[unused[i]])
				account_error(a, d, unused[i], DIAG_WARNING,
				              _("ignored with transport = sendmail"));
	} else if (a->val[ACCOUNT_KEY_SENDMAIL_COMMAND]) {
		account_error(a, d, ACCOUNT_KEY_SENDMAIL_COMMAND, DIAG_WARNING,
		              _("ignored unless transport = sendmail"));
	}
	const char *ca = a->val[ACCOUNT_KEY_CA_FILE];
	struct stat st;
	if (ca && (ca[0] != '/' || stat(ca, &st) != 0 || !S_ISREG(st.st_mode)))
		account_error(a, d, ACCOUNT_KEY_CA_FILE, DIAG_ERROR,
		              _("'%s' is not an existing file given by its absolute path"), ca);
}

/* Returns 0, or -2 when anything is wrong (all of it in d). */
static int account_validate(struct account *a, struct diags *d)
{
	size_t errors = diags_count(d, DIAG_ERROR);
	account_validate_from(a, d);
	account_validate_secret(a, d);
	account_validate_transport(a, d);
	if (a->transport == ACCOUNT_TRANSPORT_SMTP) {
		if (account_resolve_preset(a, d) != 0)
			return -2;
		account_validate_smtp(a, d);
	}
	return diags_count(d, DIAG_ERROR) > errors ? -2 : 0;
}

/* --- loading ------------------------------------------------------------- */

static void account_missing_default(const char *path, struct diags *d)
{
	diags_add(d, DIAG_ERROR, -1, path, "no-config",
	          _("no account is configured. Create this file (mode 600) with at least:\n"
	            "  [account]\n"
	            "  from = you@qq.com\n"
	            "  password_command = pass show mail/qq\n"
	            "QQ, 163, 126, yeah.net, Gmail, Outlook, Yahoo and iCloud addresses need no "
	            "other setting; for other providers add \"smtp = smtps://host:465\"."));
}

int account_load(const char *path, struct account **out, struct diags *d)
{
	struct account *a = xcalloc(1, sizeof *a);
	if (path) {
		a->path = xstrdup(path);
	} else {
		char *dir = paths_config_dir();
		a->path = xasprintf("%s/config.ini", dir);
		free(dir);
		struct stat st;
		if (stat(a->path, &st) != 0 && errno == ENOENT) {
			account_missing_default(a->path, d);
			account_free(a);
			return -1;
		}
	}
	size_t errors = diags_count(d, DIAG_ERROR);
	enum inifile_status st = inifile_parse_file(a->path, account_handler, a, d);
	int rc = st == INIFILE_ENOENT ? -1 : 0;
	if (rc == 0 && (st != INIFILE_OK || diags_count(d, DIAG_ERROR) > errors))
		rc = -2;
	if (rc == 0)
		rc = account_validate(a, d);
	if (rc != 0) {
		account_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

int account_exitcode(int load_rc, bool explicit_path)
{
	if (load_rc == 0)
		return EX_OK;
	if (load_rc == -1)
		return explicit_path ? EX_NOINPUT : EX_CONFIG;
	return EX_CONFIG;
}

void account_free(struct account *a)
{
	if (!a)
		return;
	for (int i = 0; i < ACCOUNT_KEY_COUNT; i++)
		account_wipe_free(a->val[i]);
	free(a->path);
	free(a->smtp_url);
	free(a->user);
	free(a->sendmail_command);
	account_preset_free(a->preset);
	account_wipe_free(a->secret);
	free(a);
}

/* --- the secret ------------------------------------------------------------ */

/* Reads fd to its end into a fixed buffer; more than ACCOUNT_SECRET_MAX
 * bytes is an error but is still drained, so the child never blocks. */
static int account_drain(int fd, char *buf, size_t *len_out, bool *too_long_out)
{
	size_t len = 0;
	*too_long_out = false;
	for (;;) {
		char tmp[4096];
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		if (len + (size_t)n > ACCOUNT_SECRET_MAX)
			*too_long_out = true;
		else
			memcpy(buf + len, tmp, (size_t)n);
		if (!*too_long_out)
			len += (size_t)n;
		explicit_bzero(tmp, sizeof tmp);
	}
	*len_out = len;
	return 0;
}

/* Runs cmd with /bin/sh -c; stdin and stderr are ours, stdout is captured.
 * Returns the exit status as waitpid() gives it, or -1 (errno). */
static int account_run(const char *cmd, char *buf, size_t *len_out, bool *too_long_out,
                       int *read_err_out)
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	/* Not inherited by other children; dup2() below clears it for ours. */
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		if (dup2(pfd[1], STDOUT_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	*read_err_out = account_drain(pfd[0], buf, len_out, too_long_out);
	close(pfd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

/* The secret from a command, or NULL with *errstr. Messages name the key,
 * never the output. */
static char *account_secret_from_command(const char *key, const char *cmd, char **errstr)
{
	char *buf = xmalloc(ACCOUNT_SECRET_MAX + 1);
	size_t len = 0;
	bool too_long = false;
	int read_err = 0;
	char *secret = NULL;
	int status = account_run(cmd, buf, &len, &too_long, &read_err);
	if (status == -1 || read_err)
		account_err(errstr, _("%s: cannot run the command: %s"), key,
		            strerror(read_err ? read_err : errno));
	else if (WIFSIGNALED(status))
		account_err(errstr, _("%s: the command was killed by signal %d"), key,
		            WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		account_err(errstr, _("%s: the command failed with exit status %d"), key,
		            WEXITSTATUS(status));
	else if (too_long)
		account_err(errstr, _("%s: the command printed more than %u bytes"), key,
		            ACCOUNT_SECRET_MAX);
	else {
		if (len && buf[len - 1] == '\n')
			len--;
		if (len == 0)
			account_err(errstr, _("%s: the command printed nothing"), key);
		else if (memchr(buf, '\n', len) || memchr(buf, '\r', len) || memchr(buf, '\0', len))
			account_err(errstr, _("%s: the command printed more than one line"), key);
		else
			secret = xstrndup(buf, len);
	}
	explicit_bzero(buf, ACCOUNT_SECRET_MAX + 1);
	free(buf);
	return secret;
}

/* One question; *empty tells an empty answer from other failures. */
static char *account_prompt_once(const char *prompt, bool *empty, char **errstr);

static char *account_secret_prompt(struct account *a, char **errstr)
{
	if (!isatty(STDIN_FILENO)) {
		account_err(errstr,
		            _("no password is configured for %s and there is no terminal to ask "
		              "on; add password_command to %s"),
		            a->user, a->path);
		return NULL;
	}
	const char *hint = account_preset_hint(a, i18n_lang());
	if (hint)
		fprintf(stderr, "%s\n", hint);
	char *prompt = xasprintf(_("Password for %s at %s: "), a->user, a->smtp_url);
	/* An Enter pressed too soon asks again, twice, rather than ending the
	 * run. */
	char *secret = NULL;
	bool empty = true;
	for (int tries = 0; !secret && empty && tries < 3; tries++) {
		if (tries && errstr) {
			free(*errstr);
			*errstr = NULL;
		}
		secret = account_prompt_once(prompt, &empty, errstr);
	}
	free(prompt);
	return secret;
}

const char *account_secret(struct account *a, char **errstr)
{
	if (a->secret)
		return a->secret;
	if (a->no_login) {
		a->secret = xstrdup("");
		return a->secret;
	}
	switch (a->source) {
	case ACCOUNT_SECRET_PASSWORD:
		a->secret = xstrdup(a->val[ACCOUNT_KEY_PASSWORD]);
		break;
	case ACCOUNT_SECRET_COMMAND:
		a->secret = account_secret_from_command(
		    "password_command", a->val[ACCOUNT_KEY_PASSWORD_COMMAND], errstr);
		break;
	case ACCOUNT_SECRET_OAUTH2_COMMAND:
		a->secret = account_secret_from_command(
		    "oauth2_token_command", a->val[ACCOUNT_KEY_OAUTH2_TOKEN_COMMAND], errstr);
		break;
	case ACCOUNT_SECRET_PROMPT:
	case ACCOUNT_SECRET_SOURCE_COUNT:
		a->secret = account_secret_prompt(a, errstr);
		break;
	}
	return a->secret;
}

/* --- the no-echo prompt ---------------------------------------------------- */

/* State the signal handler needs to put the terminal back. */
static struct termios account_saved_tio;
static volatile sig_atomic_t account_tio_changed;
static volatile sig_atomic_t account_interrupted;
static const int account_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static struct sigaction account_old_actions[UTIL_ARRAY_LEN(account_signals)];

static void account_restore_tty(void)
{
	if (account_tio_changed)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &account_saved_tio);
	account_tio_changed = 0;
}

/* Async-signal-safe: restore the terminal, then let the signal do what it
 * did before (the re-raised signal is delivered when this returns). */
static void account_on_signal(int sig)
{
	int saved_errno = errno;
	account_restore_tty();
	account_interrupted = 1;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(account_signals); i++)
		if (account_signals[i] == sig)
			sigaction(sig, &account_old_actions[i], NULL);
	raise(sig);
	errno = saved_errno;
}

static void account_signals_install(struct sigaction *old_tstp)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = account_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(account_signals); i++)
		sigaddset(&sa.sa_mask, account_signals[i]);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(account_signals); i++)
		sigaction(account_signals[i], &sa, &account_old_actions[i]);
	struct sigaction ign;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGTSTP, &ign, old_tstp);
}

static void account_signals_restore(const struct sigaction *old_tstp)
{
	for (size_t i = 0; i < UTIL_ARRAY_LEN(account_signals); i++)
		sigaction(account_signals[i], &account_old_actions[i], NULL);
	sigaction(SIGTSTP, old_tstp, NULL);
}

/* Reads one line from stdin into buf (ACCOUNT_SECRET_MAX + 1 bytes), with
 * the prompt's signals blocked except while pselect() waits with the caller's
 * mask *waitmask: a signal that comes before the wait stays pending until
 * the wait starts, so it cannot be missed between a check and a blocking
 * read(). Returns 0, EINTR (a signal), ENODATA (end of input) or EMSGSIZE. */
static int account_read_line(char *buf, size_t *len_out, const sigset_t *waitmask)
{
	size_t len = 0;
	int err = 0;
	for (;;) {
		fd_set in;
		FD_ZERO(&in);
		FD_SET(STDIN_FILENO, &in);
		if (pselect(STDIN_FILENO + 1, &in, NULL, NULL, NULL, waitmask) < 0) {
			if (errno == EINTR && !account_interrupted)
				continue; /* a signal that is not ours, e.g. SIGWINCH */
			err = account_interrupted ? EINTR : errno;
			break;
		}
		char c;
		ssize_t n = read(STDIN_FILENO, &c, 1);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = errno;
			break;
		}
		if (n == 0) {
			err = ENODATA;
			break;
		}
		if (c == '\n' || c == '\r')
			break;
		if (len == ACCOUNT_SECRET_MAX) {
			err = EMSGSIZE;
			continue; /* read to the end of the line, then refuse */
		}
		buf[len++] = c;
	}
	buf[len] = '\0';
	*len_out = len;
	return err;
}

char *account_prompt_secret(const char *prompt, char **errstr)
{
	bool empty = false;
	return account_prompt_once(prompt, &empty, errstr);
}

static char *account_prompt_once(const char *prompt, bool *empty, char **errstr)
{
	*empty = false;
	struct termios tio;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tio) != 0) {
		account_err(errstr, _("cannot ask for the password: standard input is not a "
		                      "terminal"));
		return NULL;
	}
	struct sigaction old_tstp;
	account_interrupted = 0;
	account_saved_tio = tio;
	account_signals_install(&old_tstp);
	sigset_t ours, waitmask;
	sigemptyset(&ours);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(account_signals); i++)
		sigaddset(&ours, account_signals[i]);
	pthread_sigmask(SIG_BLOCK, &ours, &waitmask);
	tio.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	tio.c_lflag |= ICANON;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio) == 0)
		account_tio_changed = 1;
	fputs(prompt, stderr);
	fflush(stderr);
	char *buf = xmalloc(ACCOUNT_SECRET_MAX + 1);
	size_t len = 0;
	int err = account_read_line(buf, &len, &waitmask);
	account_restore_tty();
	account_signals_restore(&old_tstp);
	/* One that came after the line was read now goes to the old handler. */
	pthread_sigmask(SIG_SETMASK, &waitmask, NULL);
	fputc('\n', stderr);
	char *secret = NULL;
	if (account_interrupted || err == EINTR)
		account_err(errstr, _("interrupted"));
	else if (err == ENODATA)
		account_err(errstr, _("no password given (end of input)"));
	else if (err == EMSGSIZE)
		account_err(errstr, _("the password is longer than %u bytes"), ACCOUNT_SECRET_MAX);
	else if (err)
		account_err(errstr, _("cannot read the password: %s"), strerror(err));
	else if (len == 0) {
		*empty = true;
		account_err(errstr, _("no password given"));
	} else
		secret = xstrndup(buf, len);
	explicit_bzero(buf, ACCOUNT_SECRET_MAX + 1);
	free(buf);
	return secret;
}

/* --- accessors ----------------------------------------------------------- */

const char *account_path(const struct account *a)
{
	return a->path;
}

const char *account_from(const struct account *a)
{
	return a->val[ACCOUNT_KEY_FROM];
}

const char *account_name(const struct account *a)
{
	return a->val[ACCOUNT_KEY_NAME];
}

const char *account_smtp_url(const struct account *a)
{
	return a->transport == ACCOUNT_TRANSPORT_SMTP ? a->smtp_url : NULL;
}

const char *account_user(const struct account *a)
{
	return a->user;
}

const char *account_ca_file(const struct account *a)
{
	return a->val[ACCOUNT_KEY_CA_FILE];
}

enum account_transport account_transport(const struct account *a)
{
	return a->transport;
}

const char *account_sendmail_command(const struct account *a)
{
	return a->transport == ACCOUNT_TRANSPORT_SENDMAIL ? a->sendmail_command : NULL;
}

bool account_oauth2(const struct account *a)
{
	return a->source == ACCOUNT_SECRET_OAUTH2_COMMAND;
}

bool account_allow_plain_loopback(const struct account *a)
{
	return a->allow_plain_loopback;
}

bool account_login(const struct account *a)
{
	return !a->no_login;
}

enum account_secret_source account_secret_source(const struct account *a)
{
	return a->source;
}

const char *account_preset_id(const struct account *a)
{
	return a->preset ? a->preset->id : NULL;
}

const char *account_preset_hint(const struct account *a, const char *lang)
{
	if (!a->preset)
		return NULL;
	return lang && i18n_is_zh(lang) ? a->preset->hint_zh : a->preset->hint_en;
}

enum account_auth account_preset_auth(const struct account *a)
{
	return a->preset ? a->preset->auth : ACCOUNT_AUTH_EITHER;
}
