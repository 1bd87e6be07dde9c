/* template.c - a Mustache-like template, parsed once into a flat node list.
 *
 * The parser works line by line because the standalone rule is a property of
 * a line: a line whose only content is section tags or comments (and blanks)
 * disappears together with its line end, so templates can put every section
 * tag on its own line and still leave no blank lines behind. Tags must
 * therefore open and close on the same line.
 *
 * Sections are stored flat: an opening node records the index of its END
 * node, and rendering a false section simply jumps past it. No recursion, so
 * the nesting limit exists only to catch runaway templates early.
 */
#include "template.h"

#include "i18n.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define TEMPLATE_MAX_DEPTH 16
/* Templates are a page of text; anything near this size is a mistake. */
#define TEMPLATE_MAX_BYTES (256u * 1024u)

enum template_node_kind {
	TEMPLATE_NODE_TEXT,
	TEMPLATE_NODE_VAR,
	TEMPLATE_NODE_SECTION,  /* rendered when the value is non-empty */
	TEMPLATE_NODE_INVERTED, /* rendered when the value is empty */
	TEMPLATE_NODE_END,
	TEMPLATE_NODE_KIND_COUNT
};

struct template_node {
	enum template_node_kind kind;
	size_t off, len; /* TEXT: span of template.text */
	char *name;      /* VAR, SECTION, INVERTED: allocated */
	size_t end;      /* SECTION, INVERTED: index of the matching END */
};

struct template
{
	struct template_node *nodes;
	size_t n, cap;
	struct strbuf text; /* every literal, back to back */
};

/* One piece of a line, before the standalone decision. */
enum template_tok_kind {
	TEMPLATE_TOK_TEXT,
	TEMPLATE_TOK_VAR,
	TEMPLATE_TOK_SECTION,
	TEMPLATE_TOK_INVERTED,
	TEMPLATE_TOK_CLOSE,
	TEMPLATE_TOK_COMMENT,
	TEMPLATE_TOK_KIND_COUNT
};

struct template_tok {
	enum template_tok_kind kind;
	const char *s; /* TEXT: the text; tags: the name */
	size_t len;
};

struct template_open {
	size_t node;
	unsigned line;
};

struct template_parser {
	const char *name;
	template_known_fn known;
	void *user;
	struct template *t;
	unsigned line;
	struct template_tok *toks;
	size_t ntoks, captoks;
	struct template_open stack[TEMPLATE_MAX_DEPTH];
	size_t depth;
	char *err;
};

static void template_error(struct template_parser *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void template_error(struct template_parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	p->err = xasprintf("%s:%u: %s", p->name, line, msg);
	free(msg);
}

static struct template_node *template_push_node(struct template *t, enum template_node_kind kind)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->nodes = xrealloc(t->nodes, t->cap * sizeof *t->nodes);
	}
	struct template_node *n = &t->nodes[t->n++];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	return n;
}

/* Adjacent literals (text, then the line end) share one node. */
static void template_add_text(struct template *t, const char *s, size_t len)
{
	if (len == 0)
		return;
	struct template_node *last = t->n ? &t->nodes[t->n - 1] : NULL;
	if (!last || last->kind != TEMPLATE_NODE_TEXT || last->off + last->len != t->text.len) {
		last = template_push_node(t, TEMPLATE_NODE_TEXT);
		last->off = t->text.len;
	}
	strbuf_add(&t->text, s, len);
	last->len += len;
}

static void template_add_tok(struct template_parser *p, enum template_tok_kind kind, const char *s,
                             size_t len)
{
	if (p->ntoks == p->captoks) {
		p->captoks = p->captoks ? 2 * p->captoks : 16;
		p->toks = xrealloc(p->toks, p->captoks * sizeof *p->toks);
	}
	p->toks[p->ntoks++] = (struct template_tok){kind, s, len};
}

static bool template_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool template_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Classifies the inside of one {{...}} and checks the name. */
static int template_parse_tag(struct template_parser *p, const char *s, size_t len)
{
	while (len && template_is_blank(*s)) {
		s++;
		len--;
	}
	enum template_tok_kind kind = TEMPLATE_TOK_VAR;
	if (len && *s == '!') {
		template_add_tok(p, TEMPLATE_TOK_COMMENT, s, len);
		return 0;
	}
	if (len && (*s == '#' || *s == '^' || *s == '/')) {
		kind = *s == '#'   ? TEMPLATE_TOK_SECTION
		       : *s == '^' ? TEMPLATE_TOK_INVERTED
		                   : TEMPLATE_TOK_CLOSE;
		s++;
		len--;
	}
	while (len && template_is_blank(*s)) {
		s++;
		len--;
	}
	while (len && template_is_blank(s[len - 1]))
		len--;
	if (len == 0) {
		template_error(p, p->line, _("empty tag: a name is missing"));
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (!template_name_char(s[i])) {
			char *vis = util_visible(s, len);
			template_error(p, p->line,
			               _("bad name \"%s\" (names use only a-z, 0-9 and _)"), vis);
			free(vis);
			return -1;
		}
	}
	template_add_tok(p, kind, s, len);
	return 0;
}

/* Finds the first "cc" in s[0..len) (memmem is a GNU extension). */
static const char *template_find_pair(const char *s, size_t len, char c)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] == c && s[i + 1] == c)
			return s + i;
	}
	return NULL;
}

/* Splits line[0..len) into text and tags. */
static int template_tokenize(struct template_parser *p, const char *line, size_t len)
{
	p->ntoks = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *open = template_find_pair(line + pos, len - pos, '{');
		if (!open) {
			template_add_tok(p, TEMPLATE_TOK_TEXT, line + pos, len - pos);
			break;
		}
		size_t o = (size_t)(open - line);
		if (o > pos)
			template_add_tok(p, TEMPLATE_TOK_TEXT, line + pos, o - pos);
		const char *close = template_find_pair(line + o + 2, len - o - 2, '}');
		if (!close) {
			template_error(
			    p, p->line,
			    _("unterminated tag: \"{{\" without \"}}\" on the same line"));
			return -1;
		}
		size_t c = (size_t)(close - line);
		if (template_parse_tag(p, line + o + 2, c - o - 2) < 0)
			return -1;
		pos = c + 2;
	}
	return 0;
}

/* Mustache's standalone rule, extended to several non-variable tags. */
static bool template_standalone(const struct template_parser *p)
{
	bool tag = false;
	for (size_t i = 0; i < p->ntoks; i++) {
		const struct template_tok *k = &p->toks[i];
		if (k->kind == TEMPLATE_TOK_VAR)
			return false;
		if (k->kind != TEMPLATE_TOK_TEXT) {
			tag = true;
			continue;
		}
		for (size_t j = 0; j < k->len; j++) {
			if (!template_is_blank(k->s[j]))
				return false;
		}
	}
	return tag;
}

static char *template_known_name(struct template_parser *p, const struct template_tok *k)
{
	char *name = xstrndup(k->s, k->len);
	if (p->known && !p->known(name, p->user)) {
		template_error(p, p->line, _("unknown name \"%s\""), name);
		free(name);
		return NULL;
	}
	return name;
}

static int template_open_section(struct template_parser *p, const struct template_tok *k)
{
	if (p->depth == TEMPLATE_MAX_DEPTH) {
		template_error(p, p->line, _("sections nested deeper than %d"), TEMPLATE_MAX_DEPTH);
		return -1;
	}
	char *name = template_known_name(p, k);
	if (!name)
		return -1;
	enum template_node_kind kind =
	    k->kind == TEMPLATE_TOK_SECTION ? TEMPLATE_NODE_SECTION : TEMPLATE_NODE_INVERTED;
	struct template_node *n = template_push_node(p->t, kind);
	n->name = name;
	p->stack[p->depth++] = (struct template_open){p->t->n - 1, p->line};
	return 0;
}

static int template_close_section(struct template_parser *p, const struct template_tok *k)
{
	int len = k->len > 64 ? 64 : (int)k->len;
	if (p->depth == 0) {
		template_error(p, p->line, _("{{/%.*s}} closes no open section"), len, k->s);
		return -1;
	}
	struct template_open *o = &p->stack[p->depth - 1];
	struct template_node *open = &p->t->nodes[o->node];
	if (strlen(open->name) != k->len || memcmp(open->name, k->s, k->len) != 0) {
		template_error(p, p->line, _("{{/%.*s}} does not match {{%c%s}} opened on line %u"),
		               len, k->s, open->kind == TEMPLATE_NODE_SECTION ? '#' : '^',
		               open->name, o->line);
		return -1;
	}
	p->depth--;
	/* Take the index before pushing: the push may move the array. */
	size_t open_index = o->node;
	template_push_node(p->t, TEMPLATE_NODE_END);
	p->t->nodes[open_index].end = p->t->n - 1;
	return 0;
}

static int template_emit(struct template_parser *p, bool standalone)
{
	for (size_t i = 0; i < p->ntoks; i++) {
		const struct template_tok *k = &p->toks[i];
		int r = 0;
		switch (k->kind) {
		case TEMPLATE_TOK_TEXT:
			if (!standalone)
				template_add_text(p->t, k->s, k->len);
			break;
		case TEMPLATE_TOK_VAR: {
			char *name = template_known_name(p, k);
			if (!name)
				return -1;
			template_push_node(p->t, TEMPLATE_NODE_VAR)->name = name;
			break;
		}
		case TEMPLATE_TOK_SECTION:
		case TEMPLATE_TOK_INVERTED:
			r = template_open_section(p, k);
			break;
		case TEMPLATE_TOK_CLOSE:
			r = template_close_section(p, k);
			break;
		case TEMPLATE_TOK_COMMENT:
		case TEMPLATE_TOK_KIND_COUNT:
			break;
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

/* Refuses bytes that would corrupt the email: bad UTF-8, NUL, a bare CR. */
static int template_check_bytes(struct template_parser *p, const char *line, size_t len)
{
	size_t bad;
	if (!utf8_valid(line, len, &bad)) {
		template_error(p, p->line, _("invalid UTF-8 at byte %zu of the line"), bad + 1);
		return -1;
	}
	if (memchr(line, '\0', len)) {
		template_error(p, p->line, _("NUL byte in the line"));
		return -1;
	}
	if (memchr(line, '\r', len)) {
		template_error(p, p->line, _("carriage return not followed by a line feed"));
		return -1;
	}
	return 0;
}

static int template_parse_line(struct template_parser *p, const char *line, size_t len,
                               bool has_newline)
{
	/* CRLF files render like LF files. */
	if (len && line[len - 1] == '\r')
		len--;
	if (template_check_bytes(p, line, len) < 0 || template_tokenize(p, line, len) < 0)
		return -1;
	bool standalone = template_standalone(p);
	if (template_emit(p, standalone) < 0)
		return -1;
	if (has_newline && !standalone)
		template_add_text(p->t, "\n", 1);
	return 0;
}

int template_parse(const char *name, const char *text, size_t len, template_known_fn known,
                   void *user, struct template **out, char **errstr)
{
	struct template_parser p = {.name = name, .known = known, .user = user};
	p.t = xcalloc(1, sizeof *p.t);
	strbuf_init(&p.t->text);
	*out = NULL;
	int ret = -1;
	/* Editors on Windows, where CRLF files come from, like to add a BOM. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	size_t pos = 0;
	while (pos < len) {
		p.line++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (template_parse_line(&p, text + pos, end - pos, nl != NULL) < 0)
			goto out;
		pos = nl ? end + 1 : len;
	}
	if (p.depth) {
		const struct template_open *o = &p.stack[p.depth - 1];
		template_error(&p, o->line, _("section \"%s\" opened here is never closed"),
		               p.t->nodes[o->node].name);
		goto out;
	}
	*out = p.t;
	p.t = NULL;
	ret = 0;
out:
	free(p.toks);
	template_free(p.t);
	if (ret < 0)
		*errstr = p.err;
	else
		free(p.err);
	return ret;
}

int template_load(const char *path, template_known_fn known, void *user, struct template **out,
                  char **errstr)
{
	char *data = NULL;
	size_t len = 0;
	*out = NULL;
	int err = util_read_file(path, TEMPLATE_MAX_BYTES, &data, &len);
	if (err == ERANGE) {
		*errstr = xasprintf("%s: %s", path, _("template larger than 256 KiB"));
		return -1;
	}
	if (err) {
		*errstr = xasprintf("%s: %s", path, strerror(err));
		return -1;
	}
	int r = template_parse(path, data, len, known, user, out, errstr);
	free(data);
	return r;
}

static bool template_value_set(const struct template_node *n, template_lookup_fn lookup, void *user)
{
	const char *v = lookup(n->name, user);
	return v && *v;
}

void template_render(const struct template *t, template_lookup_fn lookup, void *user,
                     struct strbuf *out)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct template_node *n = &t->nodes[i];
		const char *v;
		switch (n->kind) {
		case TEMPLATE_NODE_TEXT:
			strbuf_add(out, t->text.buf + n->off, n->len);
			break;
		case TEMPLATE_NODE_VAR:
			v = lookup(n->name, user);
			if (v)
				strbuf_adds(out, v);
			break;
		case TEMPLATE_NODE_SECTION:
			if (!template_value_set(n, lookup, user))
				i = n->end;
			break;
		case TEMPLATE_NODE_INVERTED:
			if (template_value_set(n, lookup, user))
				i = n->end;
			break;
		case TEMPLATE_NODE_END:
		case TEMPLATE_NODE_KIND_COUNT:
			break;
		}
	}
}

void template_free(struct template *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->nodes[i].name);
	free(t->nodes);
	strbuf_finish(&t->text);
	free(t);
}
