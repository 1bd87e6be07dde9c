/* fuzz-mime.c - mime_write() to memory, then the output parsed back.
 *
 * Input: subject NUL from-name NUL filename NUL body (missing parts are
 * empty; an empty from-name means none, an empty file name no attachment).
 * The first byte of the subject, when it is 0x01, selects a random
 * boundary instead of the fixed one (and is dropped).
 *
 * When mime_write() succeeds, the output must satisfy mime.h:
 *   - every line ends in CRLF (no lone CR or LF), no line over 998 octets;
 *   - the header is 7-bit;
 *   - no line is "." or starts with "From " (SMTP, mbox);
 *   - every encoded-word is at most 75 characters and decodes on its own
 *     to whole UTF-8 characters (RFC 2047 2, 5);
 *   - the unfolded Subject, its encoded-words decoded (RFC 2047 6.2), is
 *     the subject; the From display name decodes to the name given;
 *   - the text part decodes (quoted-printable or base64, lines at most 76
 *     characters) to the body with LF, CR and CRLF made CRLF, ending in CRLF;
 *   - the attachment's RFC 2231 filename* (or filename="...") parameter
 *     decodes to the file name, and its base64 to the attachment bytes.
 * When it fails, the status is MIME_EINVAL (never EIO: memory cannot fail)
 * with a message. */
#include "fuzz.h"

#include "mime.h"
#include "util.h"

#include <string.h>
#include <unistd.h>

#define FUZZ_BOUNDARY "=_fuzz_boundary_0123"

static const char fuzz_att_data[] = "attachment bytes\r\nsecond line\n\x01\x02\xff";
static int fuzz_att_fd = -1;

static void fuzz_mime_init(void)
{
	if (fuzz_att_fd >= 0)
		return;
	FILE *f = tmpfile();
	FUZZ_CHECK(f != NULL, "tmpfile");
	FUZZ_CHECK(fwrite(fuzz_att_data, 1, sizeof fuzz_att_data - 1, f) ==
	               sizeof fuzz_att_data - 1,
	           "write attachment");
	fflush(f);
	fuzz_att_fd = dup(fileno(f)); /* keep it open; the FILE is leaked on purpose */
	FUZZ_CHECK(fuzz_att_fd >= 0, "dup");
}

/* ---- decoding -------------------------------------------------------- */

static int fuzz_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int fuzz_b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict base64 of s[0..n) (CR and LF skipped) appended to out. */
static bool fuzz_b64_decode(const char *s, size_t n, struct strbuf *out)
{
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '=') {
			pad++;
			continue;
		}
		int v = fuzz_b64val(s[i]);
		if (v < 0 || pad)
			return false;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addc(out, (char)((acc >> bits) & 0xFF));
		}
	}
	return pad <= 2;
}

/* One encoded-word "=?UTF-8?X?...?=" at s (length n, exactly the word). */
static bool fuzz_ew_decode(const char *s, size_t n, struct strbuf *out)
{
	if (n < 12 || strncmp(s, "=?UTF-8?", 8) != 0 || s[9] != '?' || s[n - 2] != '?' ||
	    s[n - 1] != '=')
		return false;
	const char *p = s + 10;
	size_t len = n - 12;
	size_t start = out->len;
	if (s[8] == 'B') {
		if (!fuzz_b64_decode(p, len, out))
			return false;
	} else if (s[8] == 'Q') {
		for (size_t i = 0; i < len; i++) {
			if (p[i] == '_') {
				strbuf_addc(out, ' ');
			} else if (p[i] == '=') {
				if (i + 2 >= len + 0 || fuzz_hexval(p[i + 1]) < 0 ||
				    fuzz_hexval(p[i + 2]) < 0)
					return false;
				strbuf_addc(out, (char)(fuzz_hexval(p[i + 1]) * 16 +
				                        fuzz_hexval(p[i + 2])));
				i += 2;
			} else if ((unsigned char)p[i] > ' ' && (unsigned char)p[i] < 0x7F &&
			           p[i] != '?') {
				strbuf_addc(out, p[i]);
			} else {
				return false;
			}
		}
	} else {
		return false;
	}
	/* RFC 2047 5: each word holds whole characters. */
	FUZZ_CHECK(utf8_valid(out->buf + start, out->len - start, NULL),
	           "encoded-word %.*s splits a UTF-8 character", (int)n, s);
	return true;
}

/* The length of the encoded-word at s, or 0 when s does not start one. */
static size_t fuzz_ew_len(const char *s, size_t n)
{
	if (n < 12 || strncmp(s, "=?", 2) != 0)
		return 0;
	size_t q = 0;
	for (size_t i = 2; i + 1 < n; i++) {
		if (s[i] == ' ' || s[i] == '\t')
			return 0;
		if (s[i] == '?') {
			q++;
			if (q == 3) {
				if (s[i + 1] != '=')
					return 0;
				return i + 2;
			}
		}
	}
	return 0;
}

/* RFC 2047 6.2: encoded-words are decoded; white space between two of them
 * is dropped; everything else is kept. */
static void fuzz_unstructured_decode(const char *s, size_t n, struct strbuf *out)
{
	size_t i = 0;
	bool prev_ew = false;
	while (i < n) {
		size_t ws = i;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t w = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		size_t ewlen = fuzz_ew_len(s + w, i - w);
		bool is_ew = w < i && ewlen == i - w;
		if (is_ew) {
			FUZZ_CHECK(ewlen <= 75, "encoded-word of %zu characters", ewlen);
			if (!prev_ew)
				strbuf_add(out, s + ws, w - ws);
			FUZZ_CHECK(fuzz_ew_decode(s + w, ewlen, out), "bad encoded-word %.*s",
			           (int)ewlen, s + w);
		} else {
			strbuf_add(out, s + ws, i - ws);
		}
		prev_ew = is_ew;
	}
}

/* ---- message parsing ------------------------------------------------- */

struct fuzz_msg {
	const char *buf;
	size_t len;
	size_t hdr_end; /* offset of the blank line ending the header */
};

/* The unfolded value of the first header called name (without the ": ").
 * Returns false when there is none. */
static bool fuzz_header(const struct fuzz_msg *m, const char *name, size_t from, size_t to,
                        struct strbuf *out)
{
	size_t nl = strlen(name);
	size_t i = from;
	while (i < to) {
		size_t eol = i;
		while (eol + 1 < to && !(m->buf[eol] == '\r' && m->buf[eol + 1] == '\n'))
			eol++;
		if (eol - i > nl + 1 && strncmp(m->buf + i, name, nl) == 0 &&
		    m->buf[i + nl] == ':') {
			size_t v = i + nl + 1;
			if (v < eol && m->buf[v] == ' ')
				v++;
			strbuf_add(out, m->buf + v, eol - v);
			i = eol + 2;
			while (i < to && (m->buf[i] == ' ' || m->buf[i] == '\t')) {
				eol = i;
				while (eol + 1 < to &&
				       !(m->buf[eol] == '\r' && m->buf[eol + 1] == '\n'))
					eol++;
				strbuf_add(out, m->buf + i, eol - i);
				i = eol + 2;
			}
			return true;
		}
		i = eol + 2;
	}
	return false;
}

static void fuzz_check_lines(const char *buf, size_t len)
{
	size_t start = 0;
	bool in_header = true;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			FUZZ_CHECK(i > 0 && buf[i - 1] == '\r', "lone LF at %zu", i);
		if (buf[i] == '\r')
			FUZZ_CHECK(i + 1 < len && buf[i + 1] == '\n', "lone CR at %zu", i);
		if (in_header)
			FUZZ_CHECK((unsigned char)buf[i] < 0x80 && buf[i] != 0,
			           "8-bit or NUL byte 0x%02X in the header at %zu",
			           (unsigned char)buf[i], i);
		if (buf[i] == '\n') {
			size_t ll = i - 1 - start;
			FUZZ_CHECK(ll <= 998, "line of %zu octets at %zu", ll, start);
			FUZZ_CHECK(!(ll == 1 && buf[start] == '.'), "line \".\" at %zu", start);
			FUZZ_CHECK(!(ll >= 5 && memcmp(buf + start, "From ", 5) == 0),
			           "line starting \"From \" at %zu", start);
			if (ll == 0)
				in_header = false;
			start = i + 1;
		}
	}
	FUZZ_CHECK(start == len, "the message does not end in CRLF");
}

static void fuzz_qp_decode(const char *s, size_t n, struct strbuf *out)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			FUZZ_CHECK(col <= 76, "quoted-printable line of %zu characters", col);
			FUZZ_CHECK(col == 0 || (s[i - 1] != ' ' && s[i - 1] != '\t'),
			           "quoted-printable line ends in white space");
			strbuf_adds(out, "\r\n");
			i++;
			col = 0;
			continue;
		}
		if (s[i] == '=') {
			if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
				FUZZ_CHECK(col + 1 <= 76, "quoted-printable line of %zu characters",
				           col + 1);
				i += 2;
				col = 0;
				continue;
			}
			FUZZ_CHECK(i + 2 < n && fuzz_hexval(s[i + 1]) >= 0 &&
			               fuzz_hexval(s[i + 2]) >= 0 && !(s[i + 1] >= 'a') &&
			               !(s[i + 2] >= 'a'),
			           "bad quoted-printable escape at %zu", i);
			strbuf_addc(out,
			            (char)(fuzz_hexval(s[i + 1]) * 16 + fuzz_hexval(s[i + 2])));
			i += 2;
			col += 3;
			continue;
		}
		unsigned char c = (unsigned char)s[i];
		FUZZ_CHECK(c == ' ' || c == '\t' || (c >= 33 && c <= 126),
		           "byte 0x%02X not allowed in quoted-printable", c);
		strbuf_addc(out, (char)c);
		col++;
	}
}

static void fuzz_check_b64_lines(const char *s, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			continue;
		if (s[i] == '\n') {
			col = 0;
			continue;
		}
		col++;
		FUZZ_CHECK(col <= 76, "base64 line over 76 characters");
	}
}

/* The decoded content of the part whose header starts at from; the part
 * ends at end. */
static void fuzz_part_body(const struct fuzz_msg *m, size_t from, size_t end, struct strbuf *out)
{
	const char *sep = NULL;
	for (size_t i = from; i + 4 <= end; i++)
		if (memcmp(m->buf + i, "\r\n\r\n", 4) == 0) {
			sep = m->buf + i;
			break;
		}
	FUZZ_CHECK(sep, "part without a blank line");
	size_t hdr_to = (size_t)(sep - m->buf) + 2;
	size_t body = hdr_to + 2;
	struct strbuf cte;
	strbuf_init(&cte);
	FUZZ_CHECK(fuzz_header(m, "Content-Transfer-Encoding", from, hdr_to, &cte),
	           "part without Content-Transfer-Encoding");
	if (strcmp(cte.buf, "quoted-printable") == 0) {
		fuzz_qp_decode(m->buf + body, end - body, out);
	} else {
		FUZZ_CHECK(strcmp(cte.buf, "base64") == 0, "encoding %s", cte.buf);
		fuzz_check_b64_lines(m->buf + body, end - body);
		FUZZ_CHECK(fuzz_b64_decode(m->buf + body, end - body, out), "bad base64 body");
	}
	strbuf_finish(&cte);
}

/* LF, CR and CRLF become CRLF; the result ends in CRLF (mime.h). */
static void fuzz_expected_body(const char *s, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			strbuf_adds(out, "\r\n");
			if (i + 1 < n && s[i + 1] == '\n')
				i++;
		} else if (s[i] == '\n') {
			strbuf_adds(out, "\r\n");
		} else {
			strbuf_addc(out, s[i]);
		}
	}
	if (out->len < 2 || memcmp(out->buf + out->len - 2, "\r\n", 2) != 0)
		strbuf_adds(out, "\r\n");
}

/* From: name <addr> or addr: the display name, decoded. */
static void fuzz_check_from(const struct fuzz_msg *m, const char *name, const char *addr)
{
	struct strbuf v, dec;
	strbuf_init(&v);
	strbuf_init(&dec);
	FUZZ_CHECK(fuzz_header(m, "From", 0, m->hdr_end, &v), "no From");
	if (!name || !*name) {
		FUZZ_CHECK(strcmp(v.buf, addr) == 0, "From: %s", v.buf);
		goto out;
	}
	char *angle = xasprintf(" <%s>", addr);
	size_t al = strlen(angle);
	FUZZ_CHECK(v.len > al && strcmp(v.buf + v.len - al, angle) == 0, "From: %s", v.buf);
	free(angle);
	size_t n = v.len - al;
	if (n > 0 && v.buf[0] == '"') {
		FUZZ_CHECK(n >= 2 && v.buf[n - 1] == '"', "From quoted-string: %s", v.buf);
		for (size_t i = 1; i + 1 < n; i++) {
			if (v.buf[i] == '\\')
				i++;
			else
				FUZZ_CHECK(v.buf[i] != '"', "unescaped quote in From: %s", v.buf);
			strbuf_addc(&dec, v.buf[i]);
		}
	} else {
		fuzz_unstructured_decode(v.buf, n, &dec);
	}
	FUZZ_CHECK(strcmp(dec.buf, name) == 0, "From name \"%s\" decodes to \"%s\" (%s)", name,
	           dec.buf, v.buf);
out:
	strbuf_finish(&v);
	strbuf_finish(&dec);
}

/* Content-Disposition: attachment; filename="..." or RFC 2231 filename* or
 * filename*0*= ... sections. */
static void fuzz_check_filename(const struct fuzz_msg *m, size_t from, size_t to,
                                const char *filename)
{
	struct strbuf v, dec;
	strbuf_init(&v);
	strbuf_init(&dec);
	FUZZ_CHECK(fuzz_header(m, "Content-Disposition", from, to, &v), "no Content-Disposition");
	const char *p = strstr(v.buf, "filename");
	FUZZ_CHECK(p, "no filename: %s", v.buf);
	if (strncmp(p, "filename=\"", 10) == 0) {
		const char *q = p + 10;
		const char *e = strchr(q, '"');
		FUZZ_CHECK(e, "unterminated filename: %s", v.buf);
		strbuf_add(&dec, q, (size_t)(e - q));
	} else {
		unsigned sec = 0;
		while (p) {
			char *want = sec == 0 && strncmp(p, "filename*=", 10) == 0
			                 ? xstrdup("filename*=")
			                 : xasprintf("filename*%u*=", sec);
			FUZZ_CHECK(strncmp(p, want, strlen(want)) == 0, "section %u: %s", sec,
			           v.buf);
			const char *q = p + strlen(want);
			bool single = strcmp(want, "filename*=") == 0;
			free(want);
			if (sec == 0) {
				FUZZ_CHECK(strncmp(q, "UTF-8''", 7) == 0, "no UTF-8'': %s", v.buf);
				q += 7;
			}
			for (; *q && *q != ';' && *q != ' '; q++) {
				if (*q == '%') {
					FUZZ_CHECK(fuzz_hexval(q[1]) >= 0 && fuzz_hexval(q[2]) >= 0,
					           "bad %%XX: %s", v.buf);
					strbuf_addc(&dec, (char)(fuzz_hexval(q[1]) * 16 +
					                         fuzz_hexval(q[2])));
					q += 2;
				} else {
					strbuf_addc(&dec, *q);
				}
			}
			if (single)
				break;
			sec++;
			p = strstr(q, "filename*");
		}
	}
	FUZZ_CHECK(strcmp(dec.buf, filename) == 0, "filename \"%s\" decodes to \"%s\" (%s)",
	           filename, dec.buf, v.buf);
	strbuf_finish(&v);
	strbuf_finish(&dec);
}

static const char *fuzz_find(const struct fuzz_msg *m, size_t from, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t i = from; i + nl <= m->len; i++)
		if (memcmp(m->buf + i, needle, nl) == 0)
			return m->buf + i;
	return NULL;
}

static void fuzz_check_message(const char *out, size_t outlen, const char *subject,
                               const char *from_name, const char *filename, const char *body,
                               size_t body_len, const char *boundary)
{
	fuzz_check_lines(out, outlen);
	struct fuzz_msg m = {.buf = out, .len = outlen};
	const char *blank = fuzz_find(&m, 0, "\r\n\r\n");
	FUZZ_CHECK(blank, "no end of header");
	m.hdr_end = (size_t)(blank - out) + 2;

	struct strbuf v, dec;
	strbuf_init(&v);
	strbuf_init(&dec);
	FUZZ_CHECK(fuzz_header(&m, "Subject", 0, m.hdr_end, &v), "no Subject");
	fuzz_unstructured_decode(v.buf, v.len, &dec);
	FUZZ_CHECK(strcmp(dec.buf, subject) == 0, "Subject \"%s\" decodes to \"%s\" (%s)", subject,
	           dec.buf, v.buf);
	strbuf_finish(&v);
	strbuf_finish(&dec);
	fuzz_check_from(&m, from_name, "user@example.com");

	struct strbuf want, got;
	strbuf_init(&want);
	strbuf_init(&got);
	fuzz_expected_body(body, body_len, &want);
	if (!filename) {
		fuzz_part_body(&m, 0, outlen, &got);
	} else {
		struct strbuf ct;
		strbuf_init(&ct);
		FUZZ_CHECK(fuzz_header(&m, "Content-Type", 0, m.hdr_end, &ct), "no Content-Type");
		const char *b = strstr(ct.buf, "boundary=\"");
		FUZZ_CHECK(b, "multipart without boundary: %s", ct.buf);
		b += 10;
		const char *e = strchr(b, '"');
		FUZZ_CHECK(e, "boundary unterminated");
		char *delim = xasprintf("\r\n--%.*s", (int)(e - b), b);
		if (boundary)
			FUZZ_CHECK(strncmp(b, boundary, (size_t)(e - b)) == 0, "boundary %s",
			           ct.buf);
		strbuf_finish(&ct);
		const char *p1 = fuzz_find(&m, m.hdr_end, delim);
		FUZZ_CHECK(p1, "no first delimiter");
		size_t t0 = (size_t)(p1 - out) + strlen(delim) + 2;
		const char *p2 = fuzz_find(&m, t0, delim);
		FUZZ_CHECK(p2, "no second delimiter");
		fuzz_part_body(&m, t0, (size_t)(p2 - out), &got);
		size_t a0 = (size_t)(p2 - out) + strlen(delim) + 2;
		const char *p3 = fuzz_find(&m, a0, delim);
		FUZZ_CHECK(p3, "no closing delimiter");
		FUZZ_CHECK((size_t)(p3 - out) + strlen(delim) + 4 == outlen &&
		               memcmp(p3 + strlen(delim), "--\r\n", 4) == 0,
		           "the closing delimiter does not end the message");
		const char *ah = fuzz_find(&m, a0, "\r\n\r\n");
		FUZZ_CHECK(ah && ah < p3, "attachment header");
		fuzz_check_filename(&m, a0, (size_t)(ah - out) + 2, filename);
		struct strbuf att;
		strbuf_init(&att);
		fuzz_part_body(&m, a0, (size_t)(p3 - out), &att);
		FUZZ_CHECK(att.len == sizeof fuzz_att_data - 1 &&
		               memcmp(att.buf, fuzz_att_data, att.len) == 0,
		           "attachment content changed");
		strbuf_finish(&att);
		free(delim);
	}
	FUZZ_CHECK(got.len == want.len && memcmp(got.buf, want.buf, got.len) == 0,
	           "body decodes to %zu bytes \"%s\", want %zu bytes \"%s\"", got.len, got.buf,
	           want.len, want.buf);
	strbuf_finish(&want);
	strbuf_finish(&got);
}

/* Splits data at NUL bytes into up to n allocated strings. */
static size_t fuzz_split(const uint8_t *data, size_t size, char **parts, size_t *lens, size_t n)
{
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= size && k < n; i++) {
		if (i == size || (data[i] == 0 && k + 1 < n)) {
			lens[k] = i - start;
			parts[k] = xstrndup((const char *)data + start, i - start);
			/* xstrndup stops at NUL; the last part may hold NULs. */
			if (k + 1 == n) {
				parts[k] = xrealloc(parts[k], i - start + 1);
				memcpy(parts[k], data + start, i - start);
				parts[k][i - start] = '\0';
			}
			k++;
			start = i + 1;
		}
	}
	for (size_t j = k; j < n; j++) {
		parts[j] = xstrdup("");
		lens[j] = 0;
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_mime_init();
	char *parts[4];
	size_t lens[4];
	fuzz_split(data, size, parts, lens, 4);
	const char *subject = parts[0];
	const char *boundary = FUZZ_BOUNDARY;
	if (subject[0] == '\x01') {
		subject++;
		boundary = NULL;
	}
	struct mime_attachment att = {
	    .fd = fuzz_att_fd,
	    .filename = parts[2],
	    .content_type = "text/plain",
	    .size = sizeof fuzz_att_data - 1,
	};
	struct mime_message msg = {
	    .from_name = *parts[1] ? parts[1] : NULL,
	    .from_addr = "user@example.com",
	    .to_addr = "support@example.org",
	    .subject = subject,
	    .date = 1764136800,
	    .message_id = "<20251126.fuzz@example.com>",
	    .user_agent = "ticketmail-fuzz/1",
	    .body = parts[3],
	    .body_len = lens[3],
	    .attachments = &att,
	    .nattachments = *parts[2] ? 1 : 0,
	    .boundary = boundary,
	};
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	FUZZ_CHECK(f != NULL, "open_memstream");
	char *err = NULL;
	enum mime_status st = mime_write(f, &msg, &err);
	fclose(f);
	if (st == MIME_EOK) {
		FUZZ_CHECK(err == NULL, "success with a message: %s", err);
		fuzz_check_message(out, outlen, subject, msg.from_name,
		                   msg.nattachments ? parts[2] : NULL, parts[3], lens[3], boundary);
	} else {
		FUZZ_CHECK(st == MIME_EINVAL, "status %d: %s", (int)st, err ? err : "");
		FUZZ_CHECK(err && *err, "failure without a message");
	}
	free(err);
	free(out);
	for (int i = 0; i < 4; i++)
		free(parts[i]);
	return 0;
}
