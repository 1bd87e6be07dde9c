/* textenc.c - which encoding a text file is in, and its text as UTF-8.
 *
 * The output buffers are sized for the worst case up front and never
 * grown: a realloc() would leave a copy of the text (which may hold a
 * secret) behind in freed memory, where explicit_bzero() cannot reach it.
 */
#include "textenc.h"

#include "util.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#define TEXTENC_REPLACEMENT 0xFFFD

/* Writes cp as UTF-8 at o (room for 4 bytes); returns the bytes written. */
static size_t textenc_put(char *o, uint32_t cp)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = TEXTENC_REPLACEMENT;
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static unsigned textenc_unit16(const unsigned char *p, bool be)
{
	return be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t textenc_unit32(const unsigned char *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	          : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* true when p[0..n) (n even) reads as UTF-16 text in that byte order (see
 * textenc_detect()); *ascii_out gets its number of ASCII code units. cut:
 * p is the start of a longer file, so a pair may be cut at the end. */
static bool textenc_utf16_text(const unsigned char *p, size_t n, bool be, bool cut,
                               size_t *ascii_out)
{
	size_t units = 0, ascii = 0;
	*ascii_out = 0;
	for (size_t i = 0; i + 1 < n; i += 2, units++) {
		unsigned u = textenc_unit16(p + i, be);
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 3 >= n) {
				if (cut)
					break;
				return false;
			}
			unsigned lo = textenc_unit16(p + i + 2, be);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return false;
			i += 2;
			continue;
		}
		if ((u >= 0xDC00 && u <= 0xDFFF) || u == 0 || u == 0xFFFE || u == 0xFFFF)
			return false;
		if ((u < 0x20 && u != '\t' && u != '\n' && u != '\f' && u != '\r') ||
		    (u >= 0x7F && u < 0xA0))
			return false;
		if (u < 0x80)
			ascii++;
	}
	*ascii_out = ascii;
	return units > 0 && ascii * 8 >= units;
}

enum textenc textenc_detect(const void *data, size_t len, size_t *bom_len)
{
	const unsigned char *p = data;
	size_t bom = 0;
	enum textenc enc = TEXTENC_BYTES;
	/* UTF-32LE's BOM starts with UTF-16LE's: the longer one first (UTF-16
	 * text never holds U+0000). */
	if (len >= 4 && p[0] == 0xFF && p[1] == 0xFE && p[2] == 0 && p[3] == 0) {
		enc = TEXTENC_UTF32LE;
		bom = 4;
	} else if (len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xFE && p[3] == 0xFF) {
		enc = TEXTENC_UTF32BE;
		bom = 4;
	} else if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		enc = TEXTENC_UTF16LE;
		bom = 2;
	} else if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
		enc = TEXTENC_UTF16BE;
		bom = 2;
	} else if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		bom = 3;
	} else if (len % 2 == 0) {
		size_t n = len < TEXTENC_SNIFF_BYTES ? len : TEXTENC_SNIFF_BYTES;
		size_t le_ascii, be_ascii;
		if (n >= 2 && memchr(p, 0, n)) {
			bool le = textenc_utf16_text(p, n, false, n < len, &le_ascii);
			bool be = textenc_utf16_text(p, n, true, n < len, &be_ascii);
			if (le && (!be || le_ascii > be_ascii))
				enc = TEXTENC_UTF16LE;
			else if (be && (!le || be_ascii > le_ascii))
				enc = TEXTENC_UTF16BE;
		}
	}
	if (bom_len)
		*bom_len = bom;
	return enc;
}

char *textenc_to_utf8(const void *data, size_t len, enum textenc enc, size_t *len_out)
{
	const unsigned char *p = data;
	bool wide = enc == TEXTENC_UTF32LE || enc == TEXTENC_UTF32BE;
	bool be = enc == TEXTENC_UTF16BE || enc == TEXTENC_UTF32BE;
	if (enc == TEXTENC_BYTES)
		return NULL;
	static const unsigned char boms[][4] = {
	    [TEXTENC_UTF16LE] = {0xFF, 0xFE},
	    [TEXTENC_UTF16BE] = {0xFE, 0xFF},
	    [TEXTENC_UTF32LE] = {0xFF, 0xFE, 0, 0},
	    [TEXTENC_UTF32BE] = {0, 0, 0xFE, 0xFF},
	};
	size_t bom = wide ? 4 : 2;
	if (len < bom || memcmp(p, boms[enc], bom) != 0)
		bom = 0;
	p += bom;
	len -= bom;
	/* A UTF-16 unit gives at most 3 bytes (a pair 4 for 4), a UTF-32 one
	 * at most 4; a partial unit at the end gives U+FFFD's 3; and the NUL. */
	size_t cap = wide ? len + 4 : len / 2 * 3 + 4;
	char *out = xmalloc(cap);
	size_t o = 0, i = 0;
	size_t unit = wide ? 4 : 2;
	while (i + unit <= len) {
		uint32_t cp;
		if (wide) {
			cp = textenc_unit32(p + i, be);
			i += 4;
		} else {
			cp = textenc_unit16(p + i, be);
			i += 2;
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 <= len) {
				unsigned lo = textenc_unit16(p + i, be);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 2;
				}
			}
		}
		o += textenc_put(out + o, cp);
	}
	if (i < len)
		o += textenc_put(out + o, TEXTENC_REPLACEMENT);
	out[o] = '\0';
	*len_out = o;
	return out;
}

size_t textenc_utf8_errors(const void *data, size_t len)
{
	const char *s = data;
	size_t errors = 0;
	for (size_t i = 0; i < len;) {
		/* ASCII runs are most of a log: skip them without decoding. */
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			errors++;
			n = 1;
		}
		i += n;
	}
	return errors;
}

char *textenc_gb18030_to_utf8(const void *data, size_t len, size_t *len_out, size_t *bad_out)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return NULL;
	/* A GB18030 character of 1, 2 or 4 bytes is at most 1, 3 or 4 bytes of
	 * UTF-8; a byte that does not decode is U+FFFD's 3; and the NUL. */
	size_t cap = len * 3 + 4;
	char *out = xmalloc(cap);
	char *in = (char *)data, *o = out;
	size_t inleft = len, outleft = cap - 1, bad = 0;
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1)
			break;
		if (errno != EILSEQ && errno != EINVAL)
			break; /* E2BIG: cannot happen with cap */
		/* Not GB18030 here (or cut at the end): one byte becomes U+FFFD
		 * and decoding starts again after it. */
		size_t n = textenc_put(o, TEXTENC_REPLACEMENT);
		o += n;
		outleft -= n;
		in++;
		inleft--;
		bad++;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv_close(cd);
	*o = '\0';
	*len_out = (size_t)(o - out);
	*bad_out = bad;
	return out;
}

/* GB18030 (of which GBK and GB2312 are subsets) by its byte structure: one
 * byte below 0x80 (but NUL), two bytes 81-FE 40-7E|80-FE, or four bytes
 * 81-FE 30-39 81-FE 30-39. Text in another legacy encoding passes this
 * too, so it also needs at least one two-byte character and at least half
 * of them in the GB2312 rows (both bytes A1-FE), where nearly all Chinese
 * text is: a Latin-1 "é" before a letter is no Chinese character. */
bool textenc_looks_gb18030(const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t pairs = 0, gb2312 = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c == 0x80 || c == 0xFF || i + 1 >= len)
			return false;
		unsigned char t = s[i + 1];
		if ((t >= 0x40 && t <= 0x7E) || (t >= 0x80 && t <= 0xFE)) {
			pairs++;
			gb2312 += c >= 0xA1 && t >= 0xA1;
			i += 2;
		} else if (t >= 0x30 && t <= 0x39 && i + 3 < len && s[i + 2] >= 0x81 &&
		           s[i + 2] <= 0xFE && s[i + 3] >= 0x30 && s[i + 3] <= 0x39) {
			i += 4;
		} else {
			return false;
		}
	}
	return pairs > 0 && 2 * gb2312 >= pairs;
}
