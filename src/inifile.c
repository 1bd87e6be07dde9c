/* inifile.c - an exact INI reader on top of inih.
 *
 * Why a shadow file: Debian's inih cuts lines at INI_MAX_LINE (200) bytes,
 * strips " ;" inline comments and truncates section names at 50 bytes. None
 * of that may touch a ticket. So we scan the file ourselves first (line
 * kinds, values, every syntax error), then feed inih one short shadow line
 * per physical line through our own reader:
 *
 *   [section]        ->  "[N]"    N indexes our table of exact section names
 *   key = value      ->  "key=x"  the handler takes the value from our table
 *   anything else    ->  ""       comments, blanks, continuations, bad lines
 *
 * inih therefore still decides the structure (which section a key belongs
 * to, the key name) while the bytes of values and names come from the file
 * untouched. Line numbers match because the shadow has one line per line,
 * and the reader knows which line it returned last: inih calls the handler
 * for a line right after reading it.
 */
#include "inifile.h"

#include "i18n.h"
#include "textenc.h"
#include "util.h"

#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Longest section or key name. The shadow line "key=x\n" must stay well
 * inside inih's 200-byte line buffer. */
#define INIFILE_NAME_MAX 150
/* Largest file we read: a ticket is a few kilobytes; this keeps the line
 * table of a hostile file small. */
#define INIFILE_SIZE_MAX (1024u * 1024u)

enum inifile_line_kind {
	INIFILE_LINE_NONE,    /* blank, comment, continuation or bad: shadow "" */
	INIFILE_LINE_SECTION, /* shadow "[N]" */
	INIFILE_LINE_KEY,     /* shadow "key=x" */
};

struct inifile_line {
	enum inifile_line_kind kind;
	size_t section;      /* SECTION: its index; KEY: the section it is in */
	char *key;           /* KEY: allocated */
	struct strbuf value; /* KEY: initialised only for key lines */
	size_t nparts;       /* KEY: value lines collected so far */
};

struct inifile_section {
	char *name;
	bool bad; /* the header had an error: its keys are not delivered */
};

struct inifile_error {
	unsigned line;
	const char *kind;
	char *message;
};

struct inifile_ctx {
	const char *name;
	struct inifile_line *lines;
	size_t nlines;
	size_t lines_cap;
	struct inifile_section *sections; /* [0] is "", before any header */
	size_t nsections;
	struct inifile_error *errors;
	size_t nerrors;
	size_t flushed; /* errors already moved to d */
	/* Scanner state: the key line whose value continuation lines extend,
	 * as index + 1 (0: none; lines move when the array grows). */
	size_t open_key;
	bool open_key_bad;
	size_t cur_section;
	/* Reader state. */
	size_t next; /* 0-based index of the next line to return */
	bool stop;
	inifile_handler h;
	void *user;
	struct diags *d;
};

static bool inifile_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static void inifile_trim(const char **s, size_t *n)
{
	while (*n > 0 && inifile_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && inifile_blank((*s)[*n - 1]))
		(*n)--;
}

char *inifile_trim_value(const char *value, size_t len, size_t *out_len)
{
	struct strbuf sb;
	strbuf_init(&sb);
	size_t pos = 0;
	for (;;) {
		const char *nl = memchr(value + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - value) : len;
		const char *line = value + pos;
		size_t n = end - pos;
		inifile_trim(&line, &n);
		strbuf_add(&sb, line, n);
		if (!nl)
			break;
		strbuf_addc(&sb, '\n');
		pos = end + 1;
	}
	*out_len = sb.len;
	return strbuf_take(&sb);
}

static void inifile_error(struct inifile_ctx *c, unsigned line, const char *kind, const char *fmt,
                          ...) __attribute__((format(printf, 4, 5)));

static void inifile_error(struct inifile_ctx *c, unsigned line, const char *kind, const char *fmt,
                          ...)
{
	c->errors = xrealloc(c->errors, (c->nerrors + 1) * sizeof *c->errors);
	struct inifile_error *e = &c->errors[c->nerrors++];
	e->line = line;
	e->kind = kind;
	va_list ap;
	va_start(ap, fmt);
	e->message = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Moves the collected errors of lines up to and including `upto` into d, so
 * that they appear in file order among the handler's messages. */
static void inifile_flush_errors(struct inifile_ctx *c, unsigned upto)
{
	while (c->flushed < c->nerrors && c->errors[c->flushed].line <= upto) {
		struct inifile_error *e = &c->errors[c->flushed++];
		char *where = xasprintf("%s:%u", c->name, e->line);
		diags_add(c->d, DIAG_ERROR, -1, where, e->kind, "%s", e->message);
		free(where);
	}
}

static size_t inifile_add_section(struct inifile_ctx *c, const char *name, size_t len, bool bad)
{
	c->sections = xrealloc(c->sections, (c->nsections + 1) * sizeof *c->sections);
	c->sections[c->nsections].name = xstrndup(name, len);
	c->sections[c->nsections].bad = bad;
	return c->nsections++;
}

/* "[name]": the name is kept exactly as written between the brackets, as
 * inih would; only text after "]" is refused. */
static void inifile_scan_section(struct inifile_ctx *c, struct inifile_line *l, unsigned lineno,
                                 const char *s, size_t n, bool bad)
{
	const char *close = memchr(s, ']', n);
	size_t name_len = close ? (size_t)(close - s - 1) : n - 1;
	if (!close) {
		inifile_error(c, lineno, "unclosed-section", "%s",
		              _("section header has no closing \"]\""));
		bad = true;
	} else {
		const char *rest = close + 1;
		size_t rest_len = n - (size_t)(rest - s);
		inifile_trim(&rest, &rest_len);
		if (rest_len > 0) {
			inifile_error(c, lineno, "bad-line", "%s",
			              _("unexpected text after the section header"));
			bad = true;
		}
	}
	if (close && name_len == 0) {
		inifile_error(c, lineno, "empty-section", "%s", _("empty section name"));
		bad = true;
	}
	if (name_len > INIFILE_NAME_MAX) {
		inifile_error(c, lineno, "name-too-long",
		              _("section name too long (%zu bytes; at most %d)"), name_len,
		              INIFILE_NAME_MAX);
		bad = true;
		name_len = 0; /* never stored or shown cut */
	}
	l->kind = INIFILE_LINE_SECTION;
	l->section = inifile_add_section(c, s + 1, name_len, bad);
	c->cur_section = l->section;
}

/* "key = value" or "key: value": the first "=" or ":" separates, as in inih. */
static void inifile_scan_key(struct inifile_ctx *c, struct inifile_line *l, unsigned lineno,
                             const char *s, size_t n, bool bad)
{
	size_t sep = 0;
	while (sep < n && s[sep] != '=' && s[sep] != ':')
		sep++;
	if (sep == n) {
		inifile_error(c, lineno, "bad-line", "%s",
		              _("expected \"key = value\", \"[section]\" or a comment"));
		return;
	}
	const char *key = s;
	size_t key_len = sep;
	inifile_trim(&key, &key_len);
	if (key_len == 0) {
		inifile_error(c, lineno, "empty-key", "%s", _("empty key name"));
		bad = true;
	} else if (key_len > INIFILE_NAME_MAX) {
		inifile_error(c, lineno, "name-too-long",
		              _("key name too long (%zu bytes; at most %d)"), key_len,
		              INIFILE_NAME_MAX);
		bad = true;
	} else if (memchr(key, ';', key_len)) {
		/* inih would take " ;" for the start of an inline comment. */
		inifile_error(c, lineno, "bad-key", "%s", _("\";\" is not allowed in a key name"));
		bad = true;
	}
	const char *val = s + sep + 1;
	size_t val_len = n - sep - 1;
	inifile_trim(&val, &val_len);
	c->open_key = (size_t)(l - c->lines) + 1;
	c->open_key_bad = bad || c->sections[c->cur_section].bad;
	if (c->open_key_bad)
		return;
	l->kind = INIFILE_LINE_KEY;
	l->section = c->cur_section;
	l->key = xstrndup(key, key_len);
	strbuf_init(&l->value);
	strbuf_add(&l->value, val, val_len);
	l->nparts = val_len > 0 ? 1 : 0;
}

/* An indented line after a key: one more line of its value. */
static void inifile_scan_continuation(struct inifile_ctx *c, const char *s, size_t n, bool bad)
{
	struct inifile_line *k = &c->lines[c->open_key - 1];
	if (bad && !c->open_key_bad) {
		/* The value is incomplete: deliver none of it. */
		k->kind = INIFILE_LINE_NONE;
		c->open_key_bad = true;
	}
	if (c->open_key_bad)
		return;
	inifile_trim(&s, &n);
	if (n == 1 && s[0] == '.')
		n = 0;
	if (k->nparts > 0)
		strbuf_addc(&k->value, '\n');
	strbuf_add(&k->value, s, n);
	k->nparts++;
}

/* Errors in the bytes of a line, whatever its kind. Returns true if any. */
static bool inifile_check_bytes(struct inifile_ctx *c, unsigned lineno, const char *s, size_t n)
{
	bool bad = false;
	if (memchr(s, '\0', n)) {
		inifile_error(c, lineno, "nul-byte", "%s", _("NUL byte in the line"));
		bad = true;
	}
	if (memchr(s, '\r', n)) {
		inifile_error(c, lineno, "lone-cr", "%s",
		              _("carriage return (CR) not followed by a line feed"));
		bad = true;
	}
	size_t off;
	if (!utf8_valid(s, n, &off)) {
		inifile_error(c, lineno, "bad-utf8", _("invalid UTF-8 at byte %zu of the line"),
		              off + 1);
		bad = true;
	}
	return bad;
}

static void inifile_scan_line(struct inifile_ctx *c, struct inifile_line *l, unsigned lineno,
                              const char *s, size_t n)
{
	bool bad = inifile_check_bytes(c, lineno, s, n);
	const char *t = s;
	size_t tn = n;
	inifile_trim(&t, &tn);
	if (tn > 0 && t != s && c->open_key) {
		inifile_scan_continuation(c, s, n, bad);
		return;
	}
	c->open_key = 0;
	if (tn == 0 || t[0] == ';' || t[0] == '#')
		return;
	if (t[0] == '[')
		inifile_scan_section(c, l, lineno, t, tn, bad);
	else
		inifile_scan_key(c, l, lineno, t, tn, bad);
}

static void inifile_scan(struct inifile_ctx *c, const char *data, size_t len)
{
	const char *p = data;
	const char *end = data + len;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	inifile_add_section(c, "", 0, false);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);
		if (nl && n > 0 && p[n - 1] == '\r')
			n--; /* CRLF */
		if (c->nlines == c->lines_cap) {
			c->lines_cap = c->lines_cap ? 2 * c->lines_cap : 64;
			c->lines = xrealloc(c->lines, c->lines_cap * sizeof *c->lines);
		}
		struct inifile_line *l = &c->lines[c->nlines++];
		memset(l, 0, sizeof *l);
		inifile_scan_line(c, l, (unsigned)c->nlines, p, n);
		p = nl ? nl + 1 : end;
	}
}

/* inih's fgets-like reader: one shadow line per physical line. */
static char *inifile_reader(char *str, int num, void *stream)
{
	struct inifile_ctx *c = stream;
	if (c->stop || c->next >= c->nlines)
		return NULL;
	const struct inifile_line *l = &c->lines[c->next++];
	inifile_flush_errors(c, (unsigned)c->next);
	int r;
	if (l->kind == INIFILE_LINE_SECTION)
		r = snprintf(str, (size_t)num, "[%zu]\n", l->section);
	else if (l->kind == INIFILE_LINE_KEY)
		/* inih drops a BOM at the start of its first line, so a key that
		 * itself starts with U+FEFF (a file with two BOMs) needs one more
		 * to reach the handler unchanged. */
		r = snprintf(str, (size_t)num, "%s%s=x\n",
		             c->next == 1 && !strncmp(l->key, "\xEF\xBB\xBF", 3) ? "\xEF\xBB\xBF"
		                                                                 : "",
		             l->key);
	else
		r = snprintf(str, (size_t)num, "\n");
	if (r < 0 || r >= num) {
		diags_add(c->d, DIAG_ERROR, -1, NULL, "internal",
		          _("internal error: INI line %zu does not fit the parser's buffer"),
		          c->next);
		c->stop = true;
		return NULL;
	}
	return str;
}

/* inih calls this right after the reader returned the key's line. */
static int inifile_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	struct inifile_ctx *c = user;
	const struct inifile_line *l = c->next > 0 ? &c->lines[c->next - 1] : NULL;
	char *end = NULL;
	size_t si = section[0] ? (size_t)strtoul(section, &end, 10) : 0;
	if (!l || l->kind != INIFILE_LINE_KEY || strcmp(value, "x") != 0 ||
	    strcmp(name, l->key) != 0 || (end && *end) || si != l->section) {
		diags_add(c->d, DIAG_ERROR, -1, NULL, "internal",
		          _("internal error: the INI parser disagrees about line %zu"), c->next);
		c->stop = true;
		return 1;
	}
	struct inifile_entry e = {
	    .file = c->name,
	    .section = c->sections[si].name,
	    .key = name,
	    .value = l->value.buf,
	    .value_len = l->value.len,
	    .line = (unsigned)c->next,
	};
	if (c->h(c->user, &e, c->d) != 0)
		c->stop = true;
	return 1;
}

static void inifile_ctx_finish(struct inifile_ctx *c)
{
	for (size_t i = 0; i < c->nlines; i++) {
		free(c->lines[i].key);
		strbuf_finish(&c->lines[i].value);
	}
	free(c->lines);
	for (size_t i = 0; i < c->nsections; i++)
		free(c->sections[i].name);
	free(c->sections);
	for (size_t i = 0; i < c->nerrors; i++)
		free(c->errors[i].message);
	free(c->errors);
}

/* --- files in another encoding --------------------------------------- */

/* The encoding a file that is not UTF-8 appears to be in, as iconv names it,
 * or NULL; *bom_out tells whether it starts with a byte order mark. The
 * attachment scanner tells them apart the same way (textenc). */
static const char *inifile_foreign_encoding(const char *data, size_t len, bool *bom_out)
{
	size_t bom = 0;
	enum textenc enc = textenc_detect(data, len, &bom);
	*bom_out = bom > 0 && enc != TEXTENC_BYTES;
	switch (enc) {
	case TEXTENC_UTF16LE:
		return "UTF-16LE";
	case TEXTENC_UTF16BE:
		return "UTF-16BE";
	case TEXTENC_UTF32LE:
		return "UTF-32LE";
	case TEXTENC_UTF32BE:
		return "UTF-32BE";
	case TEXTENC_BYTES:
		break;
	}
	if (!utf8_valid(data, len, NULL) && textenc_looks_gb18030(data, len))
		return "GB18030";
	return NULL;
}

/* A word as the shell reads it: quoted unless it is plainly safe. */
static void inifile_shell_word(struct strbuf *sb, const char *s)
{
	bool plain = *s != '\0';
	for (const char *p = s; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		        (*p >= '0' && *p <= '9') || strchr("_-./+,:@%=", *p);
	if (plain) {
		strbuf_adds(sb, s);
		return;
	}
	strbuf_addc(sb, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			strbuf_adds(sb, "'\\''");
		else
			strbuf_addc(sb, *p);
	}
	strbuf_addc(sb, '\'');
}

/* One error for a file in UTF-16, UTF-32 or GB18030, instead of one for
 * each of its lines: what it is in, and how to make it UTF-8. */
static bool inifile_check_encoding(const char *name, const char *data, size_t len, struct diags *d)
{
	bool bom;
	const char *enc = inifile_foreign_encoding(data, len, &bom);
	if (!enc)
		return true;
	/* With a byte order mark, iconv's "UTF-16" reads it and drops it. */
	const char *from = !bom ? enc : strncmp(enc, "UTF-16", 6) == 0 ? "UTF-16" : "UTF-32";
	size_t nlen = strlen(name);
	char *out = nlen > 4 && strcmp(name + nlen - 4, ".ini") == 0
	                ? xasprintf("%.*s-utf8.ini", (int)(nlen - 4), name)
	                : xasprintf("%s.utf8", name);
	struct strbuf cmd;
	strbuf_init(&cmd);
	strbuf_addf(&cmd, "iconv -f %s -t UTF-8 ", from);
	inifile_shell_word(&cmd, name);
	strbuf_adds(&cmd, " > ");
	inifile_shell_word(&cmd, out);
	const char *shown = strcmp(enc, "GB18030") == 0 ? "GB18030/GBK" : enc;
	diags_add(d, DIAG_ERROR, -1, name, "encoding",
	          _("the file is in %s, not UTF-8: save it as UTF-8 (in Notepad: Save as, "
	            "Encoding: UTF-8), or convert it with: %s"),
	          shown, cmd.buf);
	strbuf_finish(&cmd);
	free(out);
	return false;
}

enum inifile_status inifile_parse_buffer(const char *name, const char *data, size_t len,
                                         inifile_handler h, void *user, struct diags *d)
{
	if (!inifile_check_encoding(name, data, len, d))
		return INIFILE_EENCODING;
	struct inifile_ctx c = {.name = name, .h = h, .user = user, .d = d};
	inifile_scan(&c, data, len);
	int rc = ini_parse_stream(inifile_reader, &c, inifile_ini_handler, &c);
	if (rc != 0 && !c.stop)
		diags_add(d, DIAG_ERROR, -1, NULL, "internal",
		          _("internal error: the INI parser failed (%d)"), rc);
	inifile_flush_errors(&c, UINT32_MAX);
	enum inifile_status st = c.nerrors > 0 ? INIFILE_ESYNTAX : INIFILE_OK;
	inifile_ctx_finish(&c);
	return st;
}

enum inifile_status inifile_parse_file(const char *path, inifile_handler h, void *user,
                                       struct diags *d)
{
	char *data = NULL;
	size_t len = 0;
	int err = util_read_file(path, INIFILE_SIZE_MAX, &data, &len);
	if (err == ERANGE) {
		diags_add(d, DIAG_ERROR, -1, path, "file", _("file too large (more than %u MiB)"),
		          INIFILE_SIZE_MAX / (1024u * 1024u));
		return INIFILE_ENOENT;
	}
	if (err) {
		diags_add(d, DIAG_ERROR, -1, path, "file", _("cannot read the file: %s"),
		          strerror(err));
		return INIFILE_ENOENT;
	}
	enum inifile_status st = inifile_parse_buffer(path, data, len, h, user, d);
	free(data);
	return st;
}
