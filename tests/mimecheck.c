/* mimecheck.c - an independent MIME oracle for the tests (GMime 3).
 *
 * Usage: mimecheck MESSAGE.eml [--expect-subject S] [--expect-from-name N]
 *                  [--expect-attachment NAME=PATH ...]
 *                  [--expect-body-contains TEXT ...] [--expect-body-lacks TEXT ...]
 *                  [--expect-from ADDR] [--expect-no-header NAME ...]
 *                  [--expect-parts N]
 *        mimecheck MESSAGE.eml --dump
 *
 * Fails (exit 1) on any GMime parser warning, on any raw-byte problem
 * (a line not ending in CRLF, a bare CR or LF, a line over 998 octets,
 * 8-bit bytes in the header block), and on any expectation not met; prints
 * "ok" and exits 0 otherwise. --expect-parts counts leaf parts (the text
 * body plus each attachment). Exit 2 on bad usage or an unreadable file.
 */
#include <gmime/gmime.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct check_expect_att {
	const char *name;
	const char *path;
};

struct check_opts {
	const char *file;
	const char *subject;
	const char *from_name;
	struct check_expect_att *atts;
	size_t natts;
	const char **body_texts;
	size_t nbody_texts;
	const char **body_lacks;
	size_t nbody_lacks;
	const char *from_addr;
	const char **no_headers;
	size_t nno_headers;
	long parts; /* -1: not checked */
	bool dump;
};

/* What was found in the message. */
struct check_part {
	char *filename;      /* decoded; NULL for the body */
	char *mime_type;     /* "image/png" */
	GByteArray *content; /* decoded bytes */
};

struct check_state {
	GPtrArray *failures; /* char * */
	GPtrArray *parts;    /* struct check_part * */
	char *body;          /* the first inline text/plain part, UTF-8 */
};

static void check_fail(struct check_state *st, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void check_fail(struct check_state *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(st->failures, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static void check_part_free(gpointer p)
{
	struct check_part *cp = p;
	g_free(cp->filename);
	g_free(cp->mime_type);
	g_byte_array_unref(cp->content);
	g_free(cp);
}

static void check_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
                          gpointer user_data)
{
	struct check_state *st = user_data;
	check_fail(st, "GMime parser warning %d at offset %" G_GINT64_FORMAT ": %s", (int)code,
	           offset, item ? item : "(no item)");
}

/* Raw-byte lint: CRLF everywhere, no line over 998 octets (RFC 5322 2.1.1),
 * 7-bit header block. */
static void check_raw(struct check_state *st, const unsigned char *d, size_t len)
{
	size_t line = 1, start = 0;
	bool in_headers = true;
	int reported = 0;
	for (size_t i = 0; i < len && reported < 10; i++) {
		if (d[i] == '\r' && (i + 1 >= len || d[i + 1] != '\n')) {
			check_fail(st, "line %zu: bare CR", line);
			reported++;
		}
		if (d[i] == '\n' && (i == 0 || d[i - 1] != '\r')) {
			check_fail(st, "line %zu: bare LF", line);
			reported++;
		}
		if (in_headers && d[i] >= 0x80) {
			check_fail(st, "line %zu: 8-bit byte 0x%02X in the header block", line,
			           d[i]);
			reported++;
		}
		if (d[i] == '\n') {
			size_t l = i - start - (i > start && d[i - 1] == '\r' ? 1 : 0);
			if (l > 998) {
				check_fail(st, "line %zu: %zu octets (limit 998)", line, l);
				reported++;
			}
			if (l == 0)
				in_headers = false;
			line++;
			start = i + 1;
		}
	}
	if (len == 0)
		check_fail(st, "empty message");
	else if (start != len)
		check_fail(st, "line %zu: the last line does not end in CRLF", line);
}

static GByteArray *check_decode(GMimePart *part)
{
	GByteArray *ba = g_byte_array_new();
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	if (w) {
		GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(ba);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
		g_mime_data_wrapper_write_to_stream(w, mem);
		g_object_unref(mem);
	}
	return ba;
}

static void check_leaf(struct check_state *st, GMimeObject *obj)
{
	if (!GMIME_IS_PART(obj)) {
		if (!GMIME_IS_MULTIPART(obj))
			check_fail(st, "unexpected part type %s", G_OBJECT_TYPE_NAME(obj));
		return;
	}
	GMimePart *part = GMIME_PART(obj);
	GMimeContentEncoding enc = g_mime_part_get_content_encoding(part);
	if (enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
	    enc != GMIME_CONTENT_ENCODING_7BIT)
		check_fail(st, "part with transfer encoding %s",
		           g_mime_content_encoding_to_string(enc));
	struct check_part *cp = g_new0(struct check_part, 1);
	cp->mime_type = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(obj));
	cp->content = check_decode(part);
	bool attachment = g_mime_part_is_attachment(part);
	if (attachment) {
		const char *fn = g_mime_part_get_filename(part);
		cp->filename = g_strdup(fn ? fn : "");
		/* The name= fallback must agree with filename= */
		const char *name =
		    g_mime_content_type_get_parameter(g_mime_object_get_content_type(obj), "name");
		if (name && fn && strcmp(name, fn) != 0)
			check_fail(st, "Content-Type name \"%s\" differs from filename \"%s\"",
			           name, fn);
		if (!fn)
			check_fail(st, "attachment without a file name");
	} else if (GMIME_IS_TEXT_PART(obj) && !st->body) {
		st->body = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
		if (!st->body)
			check_fail(st, "text body could not be decoded");
		else if (!g_utf8_validate(st->body, -1, NULL))
			check_fail(st, "text body is not valid UTF-8 after decoding");
	}
	g_ptr_array_add(st->parts, cp);
}

static void check_walk(GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
	check_leaf(user_data, part);
}

static bool check_file_equal(const GByteArray *ba, const char *path, char **why)
{
	gchar *data = NULL;
	gsize len = 0;
	GError *err = NULL;
	if (!g_file_get_contents(path, &data, &len, &err)) {
		*why = g_strdup_printf("cannot read %s: %s", path, err->message);
		g_error_free(err);
		return false;
	}
	bool eq = len == ba->len && memcmp(data, ba->data, len) == 0;
	if (!eq)
		*why = g_strdup_printf("decoded content (%u bytes) differs from %s (%zu bytes)",
		                       ba->len, path, (size_t)len);
	g_free(data);
	return eq;
}

static void check_expectations(struct check_state *st, GMimeMessage *msg,
                               const struct check_opts *o)
{
	if (o->subject) {
		const char *s = g_mime_message_get_subject(msg);
		if (!s || strcmp(s, o->subject) != 0)
			check_fail(st, "subject is \"%s\", expected \"%s\"", s ? s : "(none)",
			           o->subject);
	}
	if (o->from_name) {
		InternetAddressList *l = g_mime_message_get_from(msg);
		InternetAddress *ia = l && internet_address_list_length(l) > 0
		                          ? internet_address_list_get_address(l, 0)
		                          : NULL;
		const char *n = ia ? internet_address_get_name(ia) : NULL;
		if (!n || strcmp(n, o->from_name) != 0)
			check_fail(st, "From name is \"%s\", expected \"%s\"", n ? n : "(none)",
			           o->from_name);
	}
	if (o->from_addr) {
		InternetAddressList *l = g_mime_message_get_from(msg);
		InternetAddress *ia = l && internet_address_list_length(l) == 1
		                          ? internet_address_list_get_address(l, 0)
		                          : NULL;
		const char *a =
		    ia && INTERNET_ADDRESS_IS_MAILBOX(ia)
		        ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia))
		        : NULL;
		if (!a || strcmp(a, o->from_addr) != 0)
			check_fail(st, "From address is \"%s\", expected \"%s\"", a ? a : "(none)",
			           o->from_addr);
	}
	for (size_t i = 0; i < o->nno_headers; i++) {
		const char *v = g_mime_object_get_header(GMIME_OBJECT(msg), o->no_headers[i]);
		if (v)
			check_fail(st, "has a %s header (\"%s\")", o->no_headers[i], v);
	}
	for (size_t i = 0; i < o->nbody_lacks; i++)
		if (st->body && strstr(st->body, o->body_lacks[i]))
			check_fail(st, "body contains \"%s\"", o->body_lacks[i]);
	for (size_t i = 0; i < o->natts; i++) {
		struct check_part *found = NULL;
		for (guint k = 0; k < st->parts->len && !found; k++) {
			struct check_part *cp = g_ptr_array_index(st->parts, k);
			if (cp->filename && strcmp(cp->filename, o->atts[i].name) == 0)
				found = cp;
		}
		char *why = NULL;
		if (!found)
			check_fail(st, "no attachment named \"%s\"", o->atts[i].name);
		else if (!check_file_equal(found->content, o->atts[i].path, &why))
			check_fail(st, "attachment \"%s\": %s", o->atts[i].name, why);
		g_free(why);
	}
	for (size_t i = 0; i < o->nbody_texts; i++)
		if (!st->body || !strstr(st->body, o->body_texts[i]))
			check_fail(st, "body does not contain \"%s\"", o->body_texts[i]);
	if (o->parts >= 0 && (long)st->parts->len != o->parts)
		check_fail(st, "%u parts, expected %ld", st->parts->len, o->parts);
}

static void check_dump_list(const char *label, InternetAddressList *l)
{
	gchar *s = l ? internet_address_list_to_string(l, NULL, FALSE) : NULL;
	printf("%s: %s\n", label, s ? s : "");
	g_free(s);
}

static void check_dump(struct check_state *st, GMimeMessage *msg)
{
	const char *subject = g_mime_message_get_subject(msg);
	printf("Subject: %s\n", subject ? subject : "");
	check_dump_list("From", g_mime_message_get_from(msg));
	check_dump_list("To", g_mime_message_get_to(msg));
	const char *id = g_mime_message_get_message_id(msg);
	printf("Message-ID: %s\n", id ? id : "");
	const char *date = g_mime_object_get_header(GMIME_OBJECT(msg), "Date");
	printf("Date: %s\n", date ? date : "");
	for (guint k = 0; k < st->parts->len; k++) {
		struct check_part *cp = g_ptr_array_index(st->parts, k);
		printf("Part %u: %s, %u bytes%s%s%s\n", k + 1, cp->mime_type, cp->content->len,
		       cp->filename ? ", attachment \"" : "", cp->filename ? cp->filename : "",
		       cp->filename ? "\"" : "");
	}
	printf("Body:\n%s", st->body ? st->body : "");
	if (st->body && *st->body && st->body[strlen(st->body) - 1] != '\n')
		putchar('\n');
}

static int check_usage(void)
{
	fputs("usage: mimecheck MESSAGE.eml [--expect-subject S] [--expect-from-name N]\n"
	      "                 [--expect-attachment NAME=PATH ...] [--expect-body-contains TEXT "
	      "...]\n"
	      "                 [--expect-body-lacks TEXT ...] [--expect-from ADDR]\n"
	      "                 [--expect-no-header NAME ...] [--expect-parts N] [--dump]\n",
	      stderr);
	return 2;
}

static bool check_parse_args(int argc, char **argv, struct check_opts *o)
{
	memset(o, 0, sizeof *o);
	o->parts = -1;
	o->atts = g_new0(struct check_expect_att, (gsize)argc);
	o->body_texts = g_new0(const char *, (gsize)argc);
	o->body_lacks = g_new0(const char *, (gsize)argc);
	o->no_headers = g_new0(const char *, (gsize)argc);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--dump") == 0) {
			o->dump = true;
			continue;
		}
		if (a[0] != '-' && !o->file) {
			o->file = a;
			continue;
		}
		if (!v)
			return false;
		i++;
		if (strcmp(a, "--expect-subject") == 0) {
			o->subject = v;
		} else if (strcmp(a, "--expect-from-name") == 0) {
			o->from_name = v;
		} else if (strcmp(a, "--expect-body-contains") == 0) {
			o->body_texts[o->nbody_texts++] = v;
		} else if (strcmp(a, "--expect-body-lacks") == 0) {
			o->body_lacks[o->nbody_lacks++] = v;
		} else if (strcmp(a, "--expect-from") == 0) {
			o->from_addr = v;
		} else if (strcmp(a, "--expect-no-header") == 0) {
			o->no_headers[o->nno_headers++] = v;
		} else if (strcmp(a, "--expect-attachment") == 0) {
			/* the last '=' separates: names may contain '=', paths rarely do */
			const char *eq = strrchr(v, '=');
			if (!eq)
				return false;
			o->atts[o->natts].name = g_strndup(v, (gsize)(eq - v));
			o->atts[o->natts++].path = eq + 1;
		} else if (strcmp(a, "--expect-parts") == 0) {
			char *end;
			o->parts = strtol(v, &end, 10);
			if (*end || end == v || o->parts < 0)
				return false;
		} else {
			return false;
		}
	}
	return o->file != NULL;
}

int main(int argc, char **argv)
{
	struct check_opts o;
	if (!check_parse_args(argc, argv, &o))
		return check_usage();
	gchar *data = NULL;
	gsize len = 0;
	GError *err = NULL;
	if (!g_file_get_contents(o.file, &data, &len, &err)) {
		fprintf(stderr, "mimecheck: %s\n", err->message);
		return 2;
	}
	g_mime_init();
	struct check_state st = {
	    .failures = g_ptr_array_new_with_free_func(g_free),
	    .parts = g_ptr_array_new_with_free_func(check_part_free),
	};
	check_raw(&st, (const unsigned char *)data, len);
	GMimeParserOptions *popts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(popts, check_warning, &st);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, popts);
	if (!msg) {
		check_fail(&st, "GMime could not parse the message");
	} else {
		GMimeObject *top = g_mime_message_get_mime_part(msg);
		if (!top)
			check_fail(&st, "message without a MIME part");
		else if (GMIME_IS_MULTIPART(top))
			g_mime_multipart_foreach(GMIME_MULTIPART(top), check_walk, &st);
		else
			check_leaf(&st, top);
		check_expectations(&st, msg, &o);
		if (o.dump)
			check_dump(&st, msg);
	}
	int rc = st.failures->len ? 1 : 0;
	for (guint i = 0; i < st.failures->len; i++)
		printf("FAIL: %s\n", (char *)g_ptr_array_index(st.failures, i));
	if (!rc)
		puts("ok");
	if (msg)
		g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_parser_options_free(popts);
	g_ptr_array_free(st.parts, TRUE);
	g_ptr_array_free(st.failures, TRUE);
	g_free(st.body);
	for (size_t i = 0; i < o.natts; i++)
		g_free((char *)o.atts[i].name);
	g_free(o.atts);
	g_free(o.body_texts);
	g_free(o.body_lacks);
	g_free(o.no_headers);
	g_free(data);
	g_mime_shutdown();
	return rc;
}
