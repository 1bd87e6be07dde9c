/* provider.c - provider profiles.
 *
 * Two passes, as the style guide asks: the INI handler only files each value
 * under its section and key (refusing unknown and repeated ones), then
 * provider_check() judges and converts everything, so one run reports every
 * problem of a profile with its file:line.
 */
#include "provider.h"

#include "i18n.h"
#include "inifile.h"
#include "paths.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One value as read, with the line of its key. */
struct provider_value {
	char *s;
	unsigned line;
};

/* All values of one key; more than one only for repeatable keys. */
struct provider_slot {
	struct provider_value *v;
	size_t n;
};

struct provider_keydef {
	const char *key;
	bool required;
	bool repeat;
	bool multiline;
	bool empty_ok; /* a list that may list nothing */
};

enum provider_key {
	PK_ID,
	PK_NAME_ZH,
	PK_NAME_EN,
	PK_SUPPORT_ADDRESS,
	PK_OFFICIAL_DOMAIN,
	PK_VERIFY_URL,
	PK_HELP_CENTER_URL,
	PK_REPLY_TIME_ZH,
	PK_REPLY_TIME_EN,
	PK_COUNT
};

static const struct provider_keydef provider_keys[PK_COUNT] = {
    [PK_ID] = {"id", true, false, false},
    [PK_NAME_ZH] = {"name_zh", true, false, false},
    [PK_NAME_EN] = {"name_en", true, false, false},
    [PK_SUPPORT_ADDRESS] = {"support_address", true, false, false},
    [PK_OFFICIAL_DOMAIN] = {"official_domain", true, false, false},
    [PK_VERIFY_URL] = {"verify_url", true, false, false},
    [PK_HELP_CENTER_URL] = {"help_center_url", false, false, false},
    [PK_REPLY_TIME_ZH] = {"reply_time_zh", false, false, false},
    [PK_REPLY_TIME_EN] = {"reply_time_en", false, false, false},
};

enum provider_attach_key { PA_TYPES, PA_MAX_FILE_SIZE, PA_MAX_TOTAL_SIZE, PA_MAX_COUNT, PA_COUNT };

static const struct provider_keydef provider_attach_keys[PA_COUNT] = {
    [PA_TYPES] = {"types", true, false, false},
    [PA_MAX_FILE_SIZE] = {"max_file_size", true, false, false},
    [PA_MAX_TOTAL_SIZE] = {"max_total_size", true, false, false},
    [PA_MAX_COUNT] = {"max_count", true, false, false},
};

enum provider_cat_key {
	PC_NAME_ZH,
	PC_NAME_EN,
	PC_GUIDANCE_ZH,
	PC_GUIDANCE_EN,
	PC_SUBJECT_ZH,
	PC_SUBJECT_EN,
	PC_REQUIRED,
	PC_RECOMMENDED,
	PC_COUNT
};

static const struct provider_keydef provider_cat_keys[PC_COUNT] = {
    [PC_NAME_ZH] = {"name_zh", true, false, false},
    [PC_NAME_EN] = {"name_en", true, false, false},
    [PC_GUIDANCE_ZH] = {"guidance_zh", false, false, true},
    [PC_GUIDANCE_EN] = {"guidance_en", false, false, true},
    [PC_SUBJECT_ZH] = {"subject_zh", true, true, false},
    [PC_SUBJECT_EN] = {"subject_en", true, true, false},
    [PC_REQUIRED] = {"required", false, false, false, true},
    [PC_RECOMMENDED] = {"recommended", false, false, false, true},
};

/* Limits that keep a typo ("10 GiB", "max_count = 10000") from passing. */
#define PROVIDER_MAX_ID_LEN    64
#define PROVIDER_MAX_COUNT_CAP 100
#define PROVIDER_MAX_ALTS      UTIL_ARRAY_LEN(((struct provider_requirement *)0)->fields)

struct provider_cat {
	char *id;
	unsigned line; /* first key of the section */
	struct provider_slot slots[PC_COUNT];
	/* Filled by the check pass; strings point into slots. */
	const char **subjects_zh;
	const char **subjects_en;
	struct provider_requirement *required;
	size_t nrequired;
	enum ticket_field *recommended;
	size_t nrecommended;
	struct provider_category pub;
};

struct provider {
	char *file;
	unsigned provider_line; /* first key of [provider], for "missing" */
	unsigned attach_line;   /* first key of [attachments] */
	struct provider_slot keys[PK_COUNT];
	struct provider_slot attach[PA_COUNT];
	struct provider_cat *cats;
	size_t ncats;
	/* Filled by the check pass. */
	char **types;
	size_t ntypes;
	char *types_joined;
	uint64_t max_file_size;
	uint64_t max_total_size;
	size_t max_count;
};

/* State of the first pass. */
struct provider_parse {
	struct provider *p;
	char *section; /* the section of the previous key */
	char **seen;   /* sections already closed, to spot a repeat */
	size_t nseen;
	int kind;   /* PROVIDER_SEC_* of section */
	size_t cat; /* index in p->cats when kind is a category */
};

enum {
	PROVIDER_SEC_BAD,
	PROVIDER_SEC_PROVIDER,
	PROVIDER_SEC_ATTACH,
	PROVIDER_SEC_CATEGORY,
};

static void provider_error(struct diags *d, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void provider_error(struct diags *d, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *where = line ? xasprintf("%s:%u", file, line) : xstrdup(file);
	diags_add(d, DIAG_ERROR, -1, where, "provider", "%s", msg);
	free(where);
	free(msg);
}

static void provider_slot_finish(struct provider_slot *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].s);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void provider_slot_add(struct provider_slot *s, const char *value, size_t len, unsigned line)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n].s = xstrndup(value, len);
	s->v[s->n].line = line;
	s->n++;
}

/* The first value of a single-valued key, or NULL. */
static const char *provider_slot_get(const struct provider_slot *s)
{
	return s->n ? s->v[0].s : NULL;
}

static unsigned provider_slot_line(const struct provider_slot *s)
{
	return s->n ? s->v[0].line : 0;
}

void provider_free(struct provider *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < PK_COUNT; i++)
		provider_slot_finish(&p->keys[i]);
	for (size_t i = 0; i < PA_COUNT; i++)
		provider_slot_finish(&p->attach[i]);
	for (size_t i = 0; i < p->ncats; i++) {
		struct provider_cat *c = &p->cats[i];
		free(c->id);
		for (size_t k = 0; k < PC_COUNT; k++)
			provider_slot_finish(&c->slots[k]);
		free(c->subjects_zh);
		free(c->subjects_en);
		free(c->required);
		free(c->recommended);
	}
	free(p->cats);
	for (size_t i = 0; i < p->ntypes; i++)
		free(p->types[i]);
	free(p->types);
	free(p->types_joined);
	free(p->file);
	free(p);
}

/* ---- first pass: file the values ---- */

/* [a-z0-9-]+, the shape of provider and category ids. */
static bool provider_id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > PROVIDER_MAX_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static const char *provider_suggest(const char *key, const struct provider_keydef *defs,
                                    size_t ndefs)
{
	const char *best = NULL;
	size_t best_d = 3; /* a typo, not another word */
	for (size_t i = 0; i < ndefs; i++) {
		size_t dist = util_edit_distance(key, defs[i].key);
		if (dist < best_d) {
			best_d = dist;
			best = defs[i].key;
		}
	}
	return best;
}

static size_t provider_find_cat(const struct provider *p, const char *id)
{
	for (size_t i = 0; i < p->ncats; i++)
		if (strcmp(p->cats[i].id, id) == 0)
			return i;
	return (size_t)-1;
}

/* Classifies a new section and reports a bad one, once, at its first key.
 * Category sections are "category ID" or "category.ID". */
static void provider_enter_section(struct provider_parse *ps, const struct inifile_entry *e,
                                   struct diags *d)
{
	const char *s = e->section;
	ps->kind = PROVIDER_SEC_BAD;
	if (strcmp(s, "provider") == 0) {
		ps->kind = PROVIDER_SEC_PROVIDER;
		return;
	}
	if (strcmp(s, "attachments") == 0) {
		ps->kind = PROVIDER_SEC_ATTACH;
		return;
	}
	if (strncmp(s, "category", 8) == 0 && (s[8] == ' ' || s[8] == '.' || s[8] == '\0')) {
		const char *id = s + 8;
		while (*id == ' ' || *id == '.')
			id++;
		if (!provider_id_valid(id)) {
			provider_error(
			    d, e->file, e->line,
			    _("[%s]: a category section is [category ID], the ID made of "
			      "a-z, 0-9 and '-'"),
			    s);
			return;
		}
		size_t i = provider_find_cat(ps->p, id);
		if (i == (size_t)-1) {
			struct provider *p = ps->p;
			p->cats = xrealloc(p->cats, (p->ncats + 1) * sizeof *p->cats);
			memset(&p->cats[p->ncats], 0, sizeof p->cats[p->ncats]);
			p->cats[p->ncats].id = xstrdup(id);
			p->cats[p->ncats].line = e->line;
			i = p->ncats++;
		}
		ps->kind = PROVIDER_SEC_CATEGORY;
		ps->cat = i;
		return;
	}
	if (*s == '\0')
		provider_error(d, e->file, e->line, _("%s: key outside of any section"), e->key);
	else
		provider_error(d, e->file, e->line,
		               _("[%s]: unknown section (expected [provider], [attachments] or "
		                 "[category ID])"),
		               s);
}

/* Tracks section changes; a section that comes back later is an error
 * (its keys are still filed, so the other checks run). */
static void provider_track_section(struct provider_parse *ps, const struct inifile_entry *e,
                                   struct diags *d)
{
	if (ps->section && strcmp(ps->section, e->section) == 0)
		return;
	if (ps->section) {
		ps->seen = xrealloc(ps->seen, (ps->nseen + 1) * sizeof *ps->seen);
		ps->seen[ps->nseen++] = ps->section;
	}
	ps->section = xstrdup(e->section);
	for (size_t i = 0; i < ps->nseen; i++)
		if (strcmp(ps->seen[i], e->section) == 0)
			provider_error(d, e->file, e->line,
			               _("[%s]: section appears a second time"), e->section);
	provider_enter_section(ps, e, d);
}

static int provider_handler(void *user, const struct inifile_entry *e, struct diags *d)
{
	struct provider_parse *ps = user;
	provider_track_section(ps, e, d);

	const struct provider_keydef *defs;
	struct provider_slot *slots;
	size_t ndefs;
	switch (ps->kind) {
	case PROVIDER_SEC_PROVIDER:
		if (!ps->p->provider_line)
			ps->p->provider_line = e->line;
		defs = provider_keys;
		ndefs = PK_COUNT;
		slots = ps->p->keys;
		break;
	case PROVIDER_SEC_ATTACH:
		if (!ps->p->attach_line)
			ps->p->attach_line = e->line;
		defs = provider_attach_keys;
		ndefs = PA_COUNT;
		slots = ps->p->attach;
		break;
	case PROVIDER_SEC_CATEGORY:
		defs = provider_cat_keys;
		ndefs = PC_COUNT;
		slots = ps->p->cats[ps->cat].slots;
		break;
	default:
		return 0; /* reported once for the section */
	}

	size_t k;
	for (k = 0; k < ndefs; k++)
		if (strcmp(defs[k].key, e->key) == 0)
			break;
	if (k == ndefs) {
		const char *hint = provider_suggest(e->key, defs, ndefs);
		if (hint)
			provider_error(d, e->file, e->line,
			               _("[%s].%s: unknown key (did you mean %s?)"), e->section,
			               e->key, hint);
		else
			provider_error(d, e->file, e->line,
			               _("[%s].%s: unknown key in the profile"), e->section,
			               e->key);
		return 0;
	}
	if (slots[k].n && !defs[k].repeat) {
		provider_error(d, e->file, e->line, _("[%s].%s: set twice (first on line %u)"),
		               e->section, e->key, slots[k].v[0].line);
		return 0;
	}
	provider_slot_add(&slots[k], e->value, e->value_len, e->line);
	return 0;
}

/* ---- second pass: check and convert ---- */

/* Context for messages of the check pass. */
struct provider_ctx {
	const char *file;
	const char *section; /* "provider", "category api", ... */
	struct diags *d;
};

/* One line (or several, for multiline keys) of readable text: not empty,
 * no control or bidi characters. */
static void provider_check_text(const struct provider_ctx *cx, const struct provider_keydef *def,
                                const struct provider_value *v)
{
	const char *key = def->key;
	bool multiline = def->multiline;
	size_t len = strlen(v->s);
	if (len == 0 && !def->empty_ok) {
		provider_error(cx->d, cx->file, v->line, _("[%s].%s: empty value"), cx->section,
		               key);
		return;
	}
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(v->s + i, len - i, &cp);
		if (n == 0) {
			provider_error(cx->d, cx->file, v->line, _("[%s].%s: invalid UTF-8"),
			               cx->section, key);
			return;
		}
		if (util_forbidden_char(cp, multiline)) {
			if (cp == '\n')
				provider_error(cx->d, cx->file, v->line,
				               _("[%s].%s: must be a single line"), cx->section,
				               key);
			else
				provider_error(cx->d, cx->file, v->line,
				               _("[%s].%s: control character U+%04X"), cx->section,
				               key, (unsigned)cp);
			return;
		}
		i += n;
	}
}

/* Required keys present, text values readable. */
static void provider_check_slots(const struct provider_ctx *cx, const struct provider_keydef *defs,
                                 const struct provider_slot *slots, size_t n, unsigned line)
{
	for (size_t k = 0; k < n; k++) {
		if (slots[k].n == 0) {
			if (defs[k].required)
				provider_error(cx->d, cx->file, line, _("[%s].%s: missing"),
				               cx->section, defs[k].key);
			continue;
		}
		for (size_t i = 0; i < slots[k].n; i++)
			provider_check_text(cx, &defs[k], &slots[k].v[i]);
	}
}

/* A host name of lower-case LDH labels with at least one dot (RFC 1035
 * section 2.3.1; RFC 5890 A-labels pass as they are LDH). */
static bool provider_domain_valid(const char *s)
{
	size_t len = strlen(s);
	size_t label = 0;
	bool dot = false;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			dot = dot || c == '.';
			label = 0;
			continue;
		}
		bool ok =
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && label > 0);
		if (!ok)
			return false;
		label++;
	}
	return dot;
}

/* RFC 5322 section 3.2.3 atext. */
static bool provider_atext(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* addr-spec with a dot-atom local part (RFC 5322 section 3.4.1); quoted
 * local parts are valid mail but not what an exchange publishes. */
static bool provider_local_part_valid(const char *s, size_t len)
{
	if (len == 0 || len > 64 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
		} else if (!provider_atext(s[i])) {
			return false;
		}
	}
	return true;
}

static void provider_check_address(const struct provider_ctx *cx, const struct provider *p)
{
	const struct provider_slot *a = &p->keys[PK_SUPPORT_ADDRESS];
	const char *domain = provider_slot_get(&p->keys[PK_OFFICIAL_DOMAIN]);
	const char *addr = provider_slot_get(a);
	if (!addr)
		return;
	const char *at = strrchr(addr, '@');
	if (!at || !provider_local_part_valid(addr, (size_t)(at - addr)) ||
	    !provider_domain_valid(at + 1)) {
		provider_error(cx->d, cx->file, provider_slot_line(a),
		               _("[%s].support_address: '%s' is not an address like "
		                 "support@example.com"),
		               cx->section, addr);
		return;
	}
	if (domain && provider_domain_valid(domain) && strcmp(at + 1, domain) != 0)
		provider_error(
		    cx->d, cx->file, provider_slot_line(a),
		    _("[%s].support_address: the domain %s is not the official domain %s"),
		    cx->section, at + 1, domain);
}

/* An https URL whose host is the official domain or one of its
 * subdomains; no user info, which is how "https://okx.com@evil.test"
 * would sneak past a look at the start. */
static void provider_check_url(const struct provider_ctx *cx, const struct provider *p,
                               enum provider_key k)
{
	const struct provider_slot *s = &p->keys[k];
	const char *url = provider_slot_get(s);
	const char *domain = provider_slot_get(&p->keys[PK_OFFICIAL_DOMAIN]);
	if (!url || !*url)
		return;
	if (strncmp(url, "https://", 8) != 0) {
		provider_error(cx->d, cx->file, provider_slot_line(s),
		               _("[%s].%s: must be an https:// URL"), cx->section,
		               provider_keys[k].key);
		return;
	}
	const char *host = url + 8;
	size_t hlen = strcspn(host, "/?#");
	for (size_t i = 0; url[i]; i++) {
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f) {
			provider_error(cx->d, cx->file, provider_slot_line(s),
			               _("[%s].%s: blank or control character in the URL"),
			               cx->section, provider_keys[k].key);
			return;
		}
	}
	char *h = xstrndup(host, hlen);
	if (strchr(h, '@')) {
		provider_error(cx->d, cx->file, provider_slot_line(s),
		               _("[%s].%s: no user name before the host ('@' in %s)"), cx->section,
		               provider_keys[k].key, h);
	} else if (!provider_domain_valid(h)) {
		provider_error(cx->d, cx->file, provider_slot_line(s),
		               _("[%s].%s: '%s' is not a lower-case host name"), cx->section,
		               provider_keys[k].key, h);
	} else if (domain && provider_domain_valid(domain)) {
		size_t dl = strlen(domain);
		bool same = strcmp(h, domain) == 0;
		bool sub =
		    hlen > dl && h[hlen - dl - 1] == '.' && strcmp(h + hlen - dl, domain) == 0;
		if (!same && !sub)
			provider_error(cx->d, cx->file, provider_slot_line(s),
			               _("[%s].%s: the host %s is not on the official domain %s"),
			               cx->section, provider_keys[k].key, h, domain);
	}
	free(h);
}

static void provider_check_provider(struct provider *p, struct diags *d)
{
	struct provider_ctx cx = {p->file, "provider", d};
	provider_check_slots(&cx, provider_keys, p->keys, PK_COUNT, p->provider_line);

	const struct provider_slot *id = &p->keys[PK_ID];
	if (id->n && id->v[0].s[0] && !provider_id_valid(id->v[0].s))
		provider_error(d, p->file, id->v[0].line,
		               _("[provider].id: '%s' must be made of a-z, 0-9 and '-'"),
		               id->v[0].s);
	const struct provider_slot *dom = &p->keys[PK_OFFICIAL_DOMAIN];
	if (dom->n && dom->v[0].s[0] && !provider_domain_valid(dom->v[0].s))
		provider_error(d, p->file, dom->v[0].line,
		               _("[provider].official_domain: '%s' is not a lower-case domain name "
		                 "like example.com"),
		               dom->v[0].s);
	provider_check_address(&cx, p);
	provider_check_url(&cx, p, PK_VERIFY_URL);
	provider_check_url(&cx, p, PK_HELP_CENTER_URL);
}

/* RFC 6838 section 4.2 restricted-name, here in lower case only. */
static bool provider_mime_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > 127)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || !strchr("!#$&-^_.+", c)))
			return false;
	}
	return true;
}

static void provider_add_type(struct provider *p, const struct provider_value *v, const char *t,
                              size_t len, struct diags *d)
{
	char *type = xstrndup(t, len);
	const char *slash = strchr(type, '/');
	bool upper = false;
	for (size_t i = 0; i < len; i++)
		upper = upper || (type[i] >= 'A' && type[i] <= 'Z');
	if (upper) {
		provider_error(d, p->file, v->line,
		               _("[attachments].types: '%s' must be written in lower case"), type);
	} else if (!slash || !provider_mime_name_valid(type, (size_t)(slash - type)) ||
	           !provider_mime_name_valid(slash + 1, strlen(slash + 1))) {
		provider_error(d, p->file, v->line,
		               _("[attachments].types: '%s' is not a MIME type like image/png"),
		               type);
	} else {
		for (size_t i = 0; i < p->ntypes; i++) {
			if (strcmp(p->types[i], type) == 0) {
				provider_error(d, p->file, v->line,
				               _("[attachments].types: %s is listed twice"), type);
				free(type);
				return;
			}
		}
		p->types = xrealloc(p->types, (p->ntypes + 1) * sizeof *p->types);
		p->types[p->ntypes++] = type;
		return;
	}
	free(type);
}

static void provider_check_types(struct provider *p, struct diags *d)
{
	const struct provider_slot *s = &p->attach[PA_TYPES];
	if (!s->n)
		return;
	const char *t = s->v[0].s;
	while (*t) {
		t += strspn(t, " \t\n");
		size_t len = strcspn(t, " \t\n");
		if (len)
			provider_add_type(p, &s->v[0], t, len, d);
		t += len;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < p->ntypes; i++) {
		if (i)
			strbuf_addc(&sb, ' ');
		strbuf_adds(&sb, p->types[i]);
	}
	p->types_joined = strbuf_take(&sb);
}

/* "10 MiB", "512 KiB", "2048 B": digits, optional blanks, a binary unit. */
static bool provider_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {{"B", 1}, {"KiB", 1024}, {"MiB", 1024 * 1024}};
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno || n == 0)
		return false;
	end += strspn(end, " \t");
	for (size_t i = 0; i < UTIL_ARRAY_LEN(units); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			if (n > UINT64_MAX / units[i].mult)
				return false;
			*out = (uint64_t)n * units[i].mult;
			return true;
		}
	}
	return false;
}

static void provider_check_attachments(struct provider *p, struct diags *d)
{
	struct provider_ctx cx = {p->file, "attachments", d};
	provider_check_slots(&cx, provider_attach_keys, p->attach, PA_COUNT, p->attach_line);
	provider_check_types(p, d);
	if (p->attach[PA_TYPES].n && p->ntypes == 0 && p->attach[PA_TYPES].v[0].s[0])
		provider_error(d, p->file, p->attach[PA_TYPES].v[0].line,
		               _("[attachments].types: no MIME type listed"));

	static const enum provider_attach_key sizes[] = {PA_MAX_FILE_SIZE, PA_MAX_TOTAL_SIZE};
	uint64_t *dest[] = {&p->max_file_size, &p->max_total_size};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(sizes); i++) {
		const struct provider_slot *s = &p->attach[sizes[i]];
		if (s->n && s->v[0].s[0] && !provider_parse_size(s->v[0].s, dest[i]))
			provider_error(
			    d, p->file, s->v[0].line,
			    _("[attachments].%s: '%s' is not a size like 10 MiB (units: B, "
			      "KiB, MiB)"),
			    provider_attach_keys[sizes[i]].key, s->v[0].s);
	}
	if (p->max_file_size && p->max_total_size && p->max_file_size > p->max_total_size)
		provider_error(d, p->file, provider_slot_line(&p->attach[PA_MAX_FILE_SIZE]),
		               _("[attachments].max_file_size: larger than max_total_size"));

	const struct provider_slot *c = &p->attach[PA_MAX_COUNT];
	if (c->n && c->v[0].s[0]) {
		const char *s = c->v[0].s;
		char *end;
		errno = 0;
		unsigned long n = strtoul(s, &end, 10);
		if (*s < '0' || *s > '9' || *end || errno || n == 0 || n > PROVIDER_MAX_COUNT_CAP)
			provider_error(
			    d, p->file, c->v[0].line,
			    _("[attachments].max_count: '%s' is not a whole number from 1 "
			      "to %d"),
			    s, PROVIDER_MAX_COUNT_CAP);
		else
			p->max_count = (size_t)n;
	}
}

/* Looks up one field name of a required/recommended list. */
static int provider_field(const struct provider_ctx *cx, const char *key,
                          const struct provider_value *v, const char *name, size_t len)
{
	char *f = xstrndup(name, len);
	int field = len ? ticket_field_lookup(f) : -1;
	if (len == 0) {
		provider_error(cx->d, cx->file, v->line, _("[%s].%s: empty field name in the list"),
		               cx->section, key);
	} else if (field < 0) {
		const char *hint = ticket_suggest_key(f);
		if (hint)
			provider_error(cx->d, cx->file, v->line,
			               _("[%s].%s: unknown ticket field '%s' (did you mean %s?)"),
			               cx->section, key, f, hint);
		else
			provider_error(cx->d, cx->file, v->line,
			               _("[%s].%s: unknown ticket field '%s'"), cx->section, key,
			               f);
	}
	free(f);
	return field;
}

/* Trims blanks around s[0..*len). */
static const char *provider_trim(const char *s, size_t *len)
{
	while (*len && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return s;
}

/* true when field f is already listed in c (required or recommended). */
static bool provider_cat_has(const struct provider_cat *c, enum ticket_field f)
{
	for (size_t i = 0; i < c->nrequired; i++)
		for (size_t j = 0; j < c->required[i].n; j++)
			if (c->required[i].fields[j] == f)
				return true;
	for (size_t i = 0; i < c->nrecommended; i++)
		if (c->recommended[i] == f)
			return true;
	return false;
}

/* One "a|b" group of a list; alternatives only where allow_alt. */
static void provider_parse_group(const struct provider_ctx *cx, struct provider_cat *c,
                                 enum provider_cat_key k, const struct provider_value *v,
                                 const char *g, size_t glen)
{
	const char *key = provider_cat_keys[k].key;
	struct provider_requirement req = {.n = 0};
	bool bad = false;
	for (size_t pos = 0; pos <= glen;) {
		size_t len = strcspn(g + pos, "|");
		if (pos + len > glen)
			len = glen - pos;
		size_t tl = len;
		const char *name = provider_trim(g + pos, &tl);
		int f = provider_field(cx, key, v, name, tl);
		pos += len + 1;
		if (f < 0) {
			bad = true;
			continue;
		}
		if (req.n == PROVIDER_MAX_ALTS) {
			provider_error(cx->d, cx->file, v->line,
			               _("[%s].%s: at most %zu alternatives in one group"),
			               cx->section, key, PROVIDER_MAX_ALTS);
			return;
		}
		bool dup = provider_cat_has(c, (enum ticket_field)f);
		for (size_t i = 0; i < req.n; i++)
			dup = dup || req.fields[i] == (enum ticket_field)f;
		if (dup) {
			provider_error(cx->d, cx->file, v->line,
			               _("[%s].%s: field %s is listed twice"), cx->section, key,
			               ticket_fields[f].key);
			bad = true;
			continue;
		}
		req.fields[req.n++] = (enum ticket_field)f;
	}
	if (bad)
		return;
	if (k == PC_RECOMMENDED) {
		if (req.n > 1) {
			provider_error(cx->d, cx->file, v->line,
			               _("[%s].recommended: alternatives (a|b) belong in required"),
			               cx->section);
			return;
		}
		c->recommended =
		    xrealloc(c->recommended, (c->nrecommended + 1) * sizeof *c->recommended);
		c->recommended[c->nrecommended++] = req.fields[0];
		return;
	}
	c->required = xrealloc(c->required, (c->nrequired + 1) * sizeof *c->required);
	c->required[c->nrequired++] = req;
}

/* "coin, network, amount, txid|order_id"; an empty value lists nothing. */
static void provider_parse_list(const struct provider_ctx *cx, struct provider_cat *c,
                                enum provider_cat_key k)
{
	const struct provider_slot *s = &c->slots[k];
	if (!s->n)
		return;
	const struct provider_value *v = &s->v[0];
	size_t total = strlen(v->s);
	size_t tl = total;
	provider_trim(v->s, &tl);
	if (tl == 0)
		return;
	for (size_t pos = 0; pos <= total;) {
		size_t len = strcspn(v->s + pos, ",");
		size_t gl = len;
		const char *g = provider_trim(v->s + pos, &gl);
		provider_parse_group(cx, c, k, v, g, gl);
		pos += len + 1;
	}
}

/* NULL-terminated array of the strings of a repeatable slot. */
static const char **provider_string_array(const struct provider_slot *s)
{
	const char **a = xcalloc(s->n + 1, sizeof *a);
	for (size_t i = 0; i < s->n; i++)
		a[i] = s->v[i].s;
	return a;
}

static void provider_check_category(struct provider *p, struct provider_cat *c, struct diags *d)
{
	char *section = xasprintf("category %s", c->id);
	struct provider_ctx cx = {p->file, section, d};
	provider_check_slots(&cx, provider_cat_keys, c->slots, PC_COUNT, c->line);
	provider_parse_list(&cx, c, PC_REQUIRED);
	provider_parse_list(&cx, c, PC_RECOMMENDED);
	free(section);

	c->subjects_zh = provider_string_array(&c->slots[PC_SUBJECT_ZH]);
	c->subjects_en = provider_string_array(&c->slots[PC_SUBJECT_EN]);
	c->pub = (struct provider_category){
	    .id = c->id,
	    .name_zh = provider_slot_get(&c->slots[PC_NAME_ZH]),
	    .name_en = provider_slot_get(&c->slots[PC_NAME_EN]),
	    .guidance_zh = provider_slot_get(&c->slots[PC_GUIDANCE_ZH]),
	    .guidance_en = provider_slot_get(&c->slots[PC_GUIDANCE_EN]),
	    .subjects_zh = c->subjects_zh,
	    .subjects_en = c->subjects_en,
	    .required = c->required,
	    .nrequired = c->nrequired,
	    .recommended = c->recommended,
	    .nrecommended = c->nrecommended,
	};
}

static void provider_check(struct provider *p, struct diags *d)
{
	provider_check_provider(p, d);
	provider_check_attachments(p, d);
	if (p->ncats == 0)
		provider_error(d, p->file, 0,
		               _("no [category ID] section: at least one is needed"));
	for (size_t i = 0; i < p->ncats; i++)
		provider_check_category(p, &p->cats[i], d);
}

int provider_load_file(const char *path, struct provider **out, struct diags *d)
{
	*out = NULL;
	size_t before = diags_count(d, DIAG_ERROR);
	struct provider *p = xcalloc(1, sizeof *p);
	p->file = xstrdup(path);
	struct provider_parse ps = {.p = p};
	enum inifile_status st = inifile_parse_file(path, provider_handler, &ps, d);
	free(ps.section);
	for (size_t i = 0; i < ps.nseen; i++)
		free(ps.seen[i]);
	free(ps.seen);
	if (st == INIFILE_ENOENT) {
		provider_free(p);
		return -1;
	}
	provider_check(p, d);
	if (diags_count(d, DIAG_ERROR) > before) {
		provider_free(p);
		return -2;
	}
	*out = p;
	return 0;
}

static int provider_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "examplex, okx": the profiles in dir, sorted, for the unknown-provider
 * message. Allocated, caller frees. */
static char *provider_list_known(const char *dir)
{
	char **ids = NULL;
	size_t n = 0;
	DIR *dh = opendir(dir);
	struct dirent *de;
	while (dh && (de = readdir(dh)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		char *id = xstrndup(de->d_name, len - 4);
		if (!provider_id_valid(id)) {
			free(id);
			continue;
		}
		ids = xrealloc(ids, (n + 1) * sizeof *ids);
		ids[n++] = id;
	}
	if (dh)
		closedir(dh);
	if (n)
		qsort(ids, n, sizeof *ids, provider_strcmp);
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < n; i++) {
		strbuf_adds(&sb, i ? ", " : "");
		strbuf_adds(&sb, ids[i]);
		free(ids[i]);
	}
	free(ids);
	return strbuf_take(&sb);
}

int provider_load(const char *id, struct provider **out, struct diags *d)
{
	*out = NULL;
	if (!id || !provider_id_valid(id)) {
		diags_add(d, DIAG_ERROR, TF_PROVIDER, "provider", "provider",
		          _("'%s' is not a provider name (a-z, 0-9 and '-')"), id ? id : "");
		return -1;
	}
	char *dir = xasprintf("%s/providers", paths_share_dir());
	char *path = xasprintf("%s/%s.ini", dir, id);
	struct stat st;
	int rc;
	if (stat(path, &st) != 0 && errno == ENOENT) {
		char *known = provider_list_known(dir);
		if (*known)
			diags_add(d, DIAG_ERROR, TF_PROVIDER, "provider", "provider",
			          _("unknown provider '%s' (known: %s)"), id, known);
		else
			diags_add(d, DIAG_ERROR, TF_PROVIDER, "provider", "provider",
			          _("unknown provider '%s' (no profiles in %s)"), id, dir);
		free(known);
		rc = -1;
		goto out;
	}
	rc = provider_load_file(path, out, d);
	if (rc == 0 && strcmp(provider_id(*out), id) != 0) {
		provider_error(d, path, provider_slot_line(&(*out)->keys[PK_ID]),
		               _("[provider].id: '%s' does not match the file name %s.ini"),
		               provider_id(*out), id);
		provider_free(*out);
		*out = NULL;
		rc = -2;
	}
out:
	free(path);
	free(dir);
	return rc;
}

/* ---- accessors ---- */

const char *provider_id(const struct provider *p)
{
	return provider_slot_get(&p->keys[PK_ID]);
}

const char *provider_name(const struct provider *p, const char *lang)
{
	return provider_slot_get(&p->keys[i18n_is_zh(lang) ? PK_NAME_ZH : PK_NAME_EN]);
}

const char *provider_support_address(const struct provider *p)
{
	return provider_slot_get(&p->keys[PK_SUPPORT_ADDRESS]);
}

const char *provider_official_domain(const struct provider *p)
{
	return provider_slot_get(&p->keys[PK_OFFICIAL_DOMAIN]);
}

const char *provider_verify_url(const struct provider *p)
{
	return provider_slot_get(&p->keys[PK_VERIFY_URL]);
}

const char *provider_help_center_url(const struct provider *p)
{
	const char *u = provider_slot_get(&p->keys[PK_HELP_CENTER_URL]);
	return u ? u : provider_verify_url(p);
}

const char *provider_reply_time(const struct provider *p, const char *lang)
{
	return provider_slot_get(&p->keys[i18n_is_zh(lang) ? PK_REPLY_TIME_ZH : PK_REPLY_TIME_EN]);
}

size_t provider_category_count(const struct provider *p)
{
	return p->ncats;
}

const struct provider_category *provider_category_at(const struct provider *p, size_t i)
{
	return i < p->ncats ? &p->cats[i].pub : NULL;
}

const struct provider_category *provider_category_find(const struct provider *p, const char *id)
{
	size_t i = id ? provider_find_cat(p, id) : (size_t)-1;
	return i == (size_t)-1 ? NULL : &p->cats[i].pub;
}

const char *provider_category_name(const struct provider_category *c, const char *lang)
{
	return i18n_is_zh(lang) ? c->name_zh : c->name_en;
}

bool provider_type_allowed(const struct provider *p, const char *mime_type)
{
	if (!mime_type)
		return false;
	for (size_t i = 0; i < p->ntypes; i++)
		if (util_ascii_casecmp(p->types[i], mime_type) == 0)
			return true;
	return false;
}

const char *provider_allowed_types(const struct provider *p)
{
	return p->types_joined;
}

uint64_t provider_max_file_size(const struct provider *p)
{
	return p->max_file_size;
}

uint64_t provider_max_total_size(const struct provider *p)
{
	return p->max_total_size;
}

size_t provider_max_attachments(const struct provider *p)
{
	return p->max_count;
}
