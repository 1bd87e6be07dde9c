/* ticket_ini.c - a ticket from an INI file and --set, and back to INI. */
#include "ticket_ini.h"

#include "i18n.h"
#include "inifile.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Indentation of continuation lines in written files. */
#define TICKET_INI_INDENT "    "
/* How much of a --set argument an error message repeats. */
#define TICKET_INI_SHOWN_MAX 60

struct ticket_ini_reader {
	struct ticket *t;
	const char *dir; /* the INI file's directory with its "/", or "" */
	unsigned seen[TF_COUNT];
	/* Unknown sections already reported, so each is reported once. */
	char **bad_sections;
	size_t nbad_sections;
};

/* The field whose key is exactly key, in any section; -1 if none. Unlike
 * ticket_field_lookup() a dot is not a section separator here. */
static int ticket_ini_key_field(const char *key)
{
	for (int i = 0; i < TF_COUNT; i++)
		if (strcmp(ticket_fields[i].key, key) == 0)
			return i;
	return -1;
}

static bool ticket_ini_section_reported(struct ticket_ini_reader *r, const char *section)
{
	for (size_t i = 0; i < r->nbad_sections; i++)
		if (strcmp(r->bad_sections[i], section) == 0)
			return true;
	r->bad_sections =
	    xrealloc(r->bad_sections, (r->nbad_sections + 1) * sizeof *r->bad_sections);
	r->bad_sections[r->nbad_sections++] = xstrdup(section);
	return false;
}

static void ticket_ini_no_section(const char *key, const char *where, struct diags *d)
{
	int f = ticket_ini_key_field(key);
	char *k = util_visible(key, strlen(key));
	if (f >= 0)
		diags_add(d, DIAG_ERROR, f, where, "no-section",
		          _("%s: key before any [section]; it belongs in [%s]"), k,
		          ticket_fields[f].section);
	else
		diags_add(d, DIAG_ERROR, -1, where, "no-section", _("%s: key before any [section]"),
		          k);
	free(k);
}

static void ticket_ini_unknown_section(struct ticket_ini_reader *r, const char *section,
                                       const char *key, const char *where, struct diags *d)
{
	if (ticket_ini_section_reported(r, section))
		return;
	const char *hint = ticket_suggest_section(section);
	char *s = util_visible(section, strlen(section));
	char *k = util_visible(key, strlen(key));
	if (hint)
		diags_add(d, DIAG_ERROR, -1, where, "unknown-section",
		          _("[%s].%s: unknown section; did you mean [%s]?"), s, k, hint);
	else
		diags_add(d, DIAG_ERROR, -1, where, "unknown-section",
		          _("[%s].%s: unknown section"), s, k);
	free(s);
	free(k);
}

static void ticket_ini_unknown_key(const char *section, const char *key, const char *where,
                                   struct diags *d)
{
	char *s = util_visible(section, strlen(section));
	char *k = util_visible(key, strlen(key));
	int f = ticket_ini_key_field(key);
	const char *hint = ticket_suggest_key(key);
	int hf = hint ? ticket_ini_key_field(hint) : -1;
	if (f >= 0)
		diags_add(d, DIAG_ERROR, f, where, "unknown-key",
		          _("[%s].%s: unknown key in this section; '%s' belongs in [%s]"), s, k, k,
		          ticket_fields[f].section);
	else if (hf >= 0 && strcmp(ticket_fields[hf].section, section) == 0)
		diags_add(d, DIAG_ERROR, -1, where, "unknown-key",
		          _("[%s].%s: unknown key; did you mean '%s'?"), s, k, hint);
	else if (hf >= 0)
		diags_add(d, DIAG_ERROR, -1, where, "unknown-key",
		          _("[%s].%s: unknown key; did you mean '%s' (in [%s])?"), s, k, hint,
		          ticket_fields[hf].section);
	else
		diags_add(d, DIAG_ERROR, -1, where, "unknown-key", _("[%s].%s: unknown key"), s, k);
	free(s);
	free(k);
}

static void ticket_ini_attach(struct ticket_ini_reader *r, const struct inifile_entry *e,
                              const char *where, struct diags *d)
{
	if (e->value_len == 0) {
		diags_add(d, DIAG_ERROR, TF_ATTACHMENT, where, "empty-path",
		          _("[%s].%s: empty attachment path"), e->section, e->key);
		return;
	}
	if (memchr(e->value, '\n', e->value_len)) {
		diags_add(d, DIAG_ERROR, TF_ATTACHMENT, where, "multi-line-path",
		          _("[%s].%s: an attachment path must be on one line"), e->section, e->key);
		return;
	}
	struct ticket_origin o = {e->file, e->line};
	if (e->value[0] == '/') {
		ticket_attach_add(r->t, e->value, &o);
		return;
	}
	char *path = xasprintf("%s%s", r->dir, e->value);
	ticket_attach_add(r->t, path, &o);
	free(path);
}

static void ticket_ini_store(struct ticket_ini_reader *r, int f, const struct inifile_entry *e,
                             const char *where, struct diags *d)
{
	if (ticket_fields[f].flags & TICKET_F_REPEAT) {
		ticket_ini_attach(r, e, where, d);
		return;
	}
	if (r->seen[f]) {
		diags_add(d, DIAG_ERROR, f, where, "duplicate-key",
		          _("[%s].%s: given twice, on lines %u and %u"), e->section, e->key,
		          r->seen[f], e->line);
		return;
	}
	r->seen[f] = e->line;
	struct ticket_origin o = {e->file, e->line};
	ticket_set(r->t, (enum ticket_field)f, e->value, e->value_len, &o);
}

static int ticket_ini_entry(void *user, const struct inifile_entry *e, struct diags *d)
{
	struct ticket_ini_reader *r = user;
	char *where = xasprintf("%s:%u", e->file, e->line);
	int f = -1;
	if (e->section[0] == '\0')
		ticket_ini_no_section(e->key, where, d);
	else if (!ticket_section_known(e->section))
		ticket_ini_unknown_section(r, e->section, e->key, where, d);
	else if ((f = ticket_field_lookup_in(e->section, e->key)) < 0)
		ticket_ini_unknown_key(e->section, e->key, where, d);
	if (f >= 0)
		ticket_ini_store(r, f, e, where, d);
	free(where);
	return 0;
}

int ticket_ini_read(struct ticket *t, const char *path, struct diags *d)
{
	size_t before = diags_count(d, DIAG_ERROR);
	const char *base = util_basename(path);
	char *dir = xstrndup(path, (size_t)(base - path));
	struct ticket_ini_reader r = {.t = t, .dir = dir};
	enum inifile_status st = inifile_parse_file(path, ticket_ini_entry, &r, d);
	for (size_t i = 0; i < r.nbad_sections; i++)
		free(r.bad_sections[i]);
	free(r.bad_sections);
	free(dir);
	if (st == INIFILE_ENOENT)
		return -1;
	if (st == INIFILE_EENCODING)
		return -3;
	if (st != INIFILE_OK || diags_count(d, DIAG_ERROR) > before)
		return -2;
	return 0;
}

/* The argument as shown in messages: control characters made visible, and
 * a long value shortened (the message only needs to identify it). */
static char *ticket_ini_shown(const char *assignment)
{
	size_t len = strlen(assignment);
	if (len <= TICKET_INI_SHOWN_MAX)
		return util_visible(assignment, len);
	size_t cut = TICKET_INI_SHOWN_MAX;
	while (cut > 0 && ((unsigned char)assignment[cut] & 0xC0) == 0x80)
		cut--;
	char *v = util_visible(assignment, cut);
	char *s = xasprintf("%s...", v);
	free(v);
	return s;
}

static void ticket_ini_set_unknown(const char *shown, const char *key, struct diags *d)
{
	char *k = util_visible(key, strlen(key));
	const char *dot = strchr(key, '.');
	const char *name = dot ? dot + 1 : key;
	char *section = dot ? xstrndup(key, (size_t)(dot - key)) : NULL;
	int f = ticket_ini_key_field(name);
	const char *hint = ticket_suggest_key(name);
	if (section && !ticket_section_known(section)) {
		const char *sh = ticket_suggest_section(section);
		char *s = util_visible(section, strlen(section));
		if (sh)
			diags_add(d, DIAG_ERROR, -1, NULL, "unknown-section",
			          _("--set %s: unknown section '%s'; did you mean '%s'?"), shown, s,
			          sh);
		else
			diags_add(d, DIAG_ERROR, -1, NULL, "unknown-section",
			          _("--set %s: unknown section '%s'"), shown, s);
		free(s);
	} else if (f >= 0) {
		diags_add(d, DIAG_ERROR, f, NULL, "unknown-key",
		          _("--set %s: unknown key '%s'; '%s' belongs in [%s]"), shown, k, name,
		          ticket_fields[f].section);
	} else if (hint) {
		diags_add(d, DIAG_ERROR, -1, NULL, "unknown-key",
		          _("--set %s: unknown key '%s'; did you mean '%s'?"), shown, k, hint);
	} else {
		diags_add(d, DIAG_ERROR, -1, NULL, "unknown-key", _("--set %s: unknown key '%s'"),
		          shown, k);
	}
	free(section);
	free(k);
}

int ticket_ini_set(struct ticket *t, const char *assignment, struct diags *d)
{
	int rc = -1;
	char *shown = ticket_ini_shown(assignment);
	const char *eq = strchr(assignment, '=');
	char *key = NULL;
	char *value = NULL;
	if (!eq) {
		diags_add(d, DIAG_ERROR, -1, NULL, "bad-set",
		          _("--set %s: expected key=value or section.key=value"), shown);
		goto out;
	}
	const char *k = assignment;
	size_t klen = (size_t)(eq - assignment);
	while (klen > 0 && (*k == ' ' || *k == '\t')) {
		k++;
		klen--;
	}
	while (klen > 0 && (k[klen - 1] == ' ' || k[klen - 1] == '\t'))
		klen--;
	key = xstrndup(k, klen);
	/* Blanks around the value go, as in the file: "--set 'address=T... '"
	 * is the address. */
	size_t vlen;
	value = inifile_trim_value(eq + 1, strlen(eq + 1), &vlen);
	int f = klen > 0 ? ticket_field_lookup(key) : -1;
	if (klen == 0) {
		diags_add(d, DIAG_ERROR, -1, NULL, "bad-set",
		          _("--set %s: missing key before \"=\""), shown);
	} else if (f < 0) {
		ticket_ini_set_unknown(shown, key, d);
	} else if (!utf8_valid(value, vlen, NULL)) {
		diags_add(d, DIAG_ERROR, f, NULL, "bad-utf8",
		          _("--set %s: invalid UTF-8 in the value"), shown);
	} else if (ticket_fields[f].flags & TICKET_F_REPEAT) {
		if (vlen == 0)
			diags_add(d, DIAG_ERROR, f, NULL, "empty-path",
			          _("--set %s: empty attachment path"), shown);
		else {
			ticket_attach_add(t, value, NULL);
			rc = 0;
		}
	} else {
		ticket_set(t, (enum ticket_field)f, value, vlen, NULL);
		rc = 0;
	}
out:
	free(value);
	free(key);
	free(shown);
	return rc;
}

/* One line of a value as it can be written: CR of a CRLF and the blanks at
 * both ends dropped (the reader trims them). */
static void ticket_ini_trim_line(const char **s, size_t *n)
{
	while (*n > 0 && strchr(" \t\v\f", **s) && **s) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && strchr(" \t\v\f\r", (*s)[*n - 1]) && (*s)[*n - 1])
		(*n)--;
}

static void ticket_ini_write_value(FILE *out, const char *key, const char *v)
{
	const char *nl = strchr(v, '\n');
	const char *p = v;
	size_t n = nl ? (size_t)(nl - v) : strlen(v);
	ticket_ini_trim_line(&p, &n);
	if (n > 0)
		fprintf(out, "%s = %.*s\n", key, (int)n, p);
	else
		fprintf(out, "%s =\n", key);
	if (!nl)
		return;
	/* An empty first line cannot stay on the key line: the reader starts
	 * the value at the first continuation line when the key line has none. */
	const char *line = n > 0 ? nl + 1 : v;
	for (;;) {
		nl = strchr(line, '\n');
		p = line;
		n = nl ? (size_t)(nl - line) : strlen(line);
		ticket_ini_trim_line(&p, &n);
		if (n > 0)
			fprintf(out, TICKET_INI_INDENT "%.*s\n", (int)n, p);
		else
			fputs(TICKET_INI_INDENT ".\n", out);
		if (!nl)
			break;
		line = nl + 1;
	}
}

int ticket_ini_write(const struct ticket *t, FILE *out)
{
	const char *section = NULL;
	for (int f = 0; f < TF_COUNT; f++) {
		const char *v = ticket_get(t, (enum ticket_field)f);
		if (f == TF_ATTACHMENT || !v || !*v)
			continue;
		if (!section || strcmp(section, ticket_fields[f].section) != 0) {
			fprintf(out, "%s[%s]\n", section ? "\n" : "", ticket_fields[f].section);
			section = ticket_fields[f].section;
		}
		ticket_ini_write_value(out, ticket_fields[f].key, v);
	}
	size_t na = ticket_attach_count(t);
	if (na > 0)
		fprintf(out, "%s[%s]\n", section ? "\n" : "", ticket_fields[TF_ATTACHMENT].section);
	for (size_t i = 0; i < na; i++)
		ticket_ini_write_value(out, ticket_fields[TF_ATTACHMENT].key,
		                       ticket_attach_path(t, i));
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}
