/* guard.c - recipient checks against look-alike domains. */
#include "guard.h"

#include "i18n.h"
#include "util.h"
#include "validate.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- RFC 3492 Punycode ------------------------------------------------- */

enum {
	GUARD_PC_BASE = 36,
	GUARD_PC_TMIN = 1,
	GUARD_PC_TMAX = 26,
	GUARD_PC_SKEW = 38,
	GUARD_PC_DAMP = 700,
	GUARD_PC_BIAS = 72,
	GUARD_PC_N = 128,
};

static uint32_t guard_adapt(uint32_t delta, uint32_t numpoints, bool first)
{
	delta = first ? delta / GUARD_PC_DAMP : delta / 2;
	delta += delta / numpoints;
	uint32_t k = 0;
	while (delta > ((GUARD_PC_BASE - GUARD_PC_TMIN) * GUARD_PC_TMAX) / 2) {
		delta /= GUARD_PC_BASE - GUARD_PC_TMIN;
		k += GUARD_PC_BASE;
	}
	return k + (GUARD_PC_BASE - GUARD_PC_TMIN + 1) * delta / (delta + GUARD_PC_SKEW);
}

static char guard_digit(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

char *guard_label_to_ascii(const char *label, size_t len)
{
	uint32_t cps[256];
	size_t n = 0;
	bool ascii = true;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = utf8_decode(label + i, len - i, &cp);
		if (k == 0 || n == UTIL_ARRAY_LEN(cps))
			return NULL;
		if (cp >= 0x80)
			ascii = false;
		cps[n++] = cp;
		i += k;
	}
	if (ascii)
		return xstrndup(label, len);
	struct strbuf out;
	strbuf_init(&out);
	strbuf_adds(&out, "xn--");
	size_t basic = 0;
	for (size_t i = 0; i < n; i++) {
		if (cps[i] < 0x80) {
			char c = (char)cps[i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			strbuf_addc(&out, c);
			basic++;
		}
	}
	if (basic)
		strbuf_addc(&out, '-');
	uint32_t code = GUARD_PC_N, delta = 0, bias = GUARD_PC_BIAS;
	size_t h = basic;
	while (h < n) {
		uint32_t m = UINT32_MAX;
		for (size_t i = 0; i < n; i++)
			if (cps[i] >= code && cps[i] < m)
				m = cps[i];
		delta += (m - code) * (uint32_t)(h + 1);
		code = m;
		for (size_t i = 0; i < n; i++) {
			if (cps[i] < code)
				delta++;
			if (cps[i] != code)
				continue;
			uint32_t q = delta;
			for (uint32_t k = GUARD_PC_BASE;; k += GUARD_PC_BASE) {
				uint32_t t = k <= bias                   ? GUARD_PC_TMIN
				             : k >= bias + GUARD_PC_TMAX ? GUARD_PC_TMAX
				                                         : k - bias;
				if (q < t)
					break;
				strbuf_addc(&out, guard_digit(t + (q - t) % (GUARD_PC_BASE - t)));
				q = (q - t) / (GUARD_PC_BASE - t);
			}
			strbuf_addc(&out, guard_digit(q));
			bias = guard_adapt(delta, (uint32_t)(h + 1), h == basic);
			delta = 0;
			h++;
		}
		delta++;
		code++;
	}
	return strbuf_take(&out);
}

static int guard_digit_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	return -1;
}

char *guard_label_to_unicode(const char *label, size_t len)
{
	if (len < 4 || util_ascii_ncasecmp(label, "xn--", 4) != 0)
		return NULL;
	label += 4;
	len -= 4;
	uint32_t out[256];
	size_t n = 0;
	const char *dash = NULL;
	for (size_t i = 0; i < len; i++)
		if (label[i] == '-')
			dash = label + i;
	size_t b = dash ? (size_t)(dash - label) : 0;
	for (size_t i = 0; i < b; i++) {
		if ((unsigned char)label[i] >= 0x80 || n == UTIL_ARRAY_LEN(out))
			return NULL;
		out[n++] = (unsigned char)label[i];
	}
	uint32_t code = GUARD_PC_N, i = 0, bias = GUARD_PC_BIAS;
	for (size_t in = dash ? b + 1 : 0; in < len;) {
		uint32_t oldi = i, w = 1;
		for (uint32_t k = GUARD_PC_BASE;; k += GUARD_PC_BASE) {
			if (in >= len)
				return NULL;
			int d = guard_digit_value(label[in++]);
			if (d < 0 || (uint32_t)d > (UINT32_MAX - i) / w)
				return NULL;
			i += (uint32_t)d * w;
			uint32_t t = k <= bias                   ? GUARD_PC_TMIN
			             : k >= bias + GUARD_PC_TMAX ? GUARD_PC_TMAX
			                                         : k - bias;
			if ((uint32_t)d < t)
				break;
			if (w > UINT32_MAX / (GUARD_PC_BASE - t))
				return NULL;
			w *= GUARD_PC_BASE - t;
		}
		bias = guard_adapt(i - oldi, (uint32_t)(n + 1), oldi == 0);
		if (i / (n + 1) > 0x10FFFF - code)
			return NULL;
		code += i / (uint32_t)(n + 1);
		i %= (uint32_t)(n + 1);
		if (n == UTIL_ARRAY_LEN(out) || code > 0x10FFFF ||
		    (code >= 0xD800 && code <= 0xDFFF))
			return NULL;
		memmove(out + i + 1, out + i, (n - i) * sizeof *out);
		out[i++] = code;
		n++;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t k = 0; k < n; k++)
		utf8_encode(&sb, out[k]);
	return strbuf_take(&sb);
}

/* ---- skeletons --------------------------------------------------------- */

/* Letters that pass for Latin ones at a glance (after Unicode TR39's
 * confusables, for the scripts phishers use most), and digits that pass for
 * letters. */
static char guard_fold(uint32_t cp)
{
	static const struct {
		uint32_t cp;
		char to;
	} map[] = {
	    /* Cyrillic */
	    {0x0430, 'a'},
	    {0x0410, 'a'},
	    {0x0435, 'e'},
	    {0x0415, 'e'},
	    {0x043E, 'o'},
	    {0x041E, 'o'},
	    {0x0440, 'p'},
	    {0x0420, 'p'},
	    {0x0441, 'c'},
	    {0x0421, 'c'},
	    {0x0443, 'y'},
	    {0x0445, 'x'},
	    {0x0425, 'x'},
	    {0x043A, 'k'},
	    {0x041A, 'k'},
	    {0x0456, 'i'},
	    {0x0406, 'l'},
	    {0x0458, 'j'},
	    {0x0455, 's'},
	    {0x04BB, 'h'},
	    {0x0501, 'd'},
	    {0x051B, 'q'},
	    {0x051D, 'w'},
	    {0x043C, 'm'},
	    {0x0442, 't'},
	    {0x0432, 'b'},
	    {0x043D, 'h'},
	    /* Greek */
	    {0x03BF, 'o'},
	    {0x039F, 'o'},
	    {0x03BA, 'k'},
	    {0x039A, 'k'},
	    {0x03C7, 'x'},
	    {0x03A7, 'x'},
	    {0x03B1, 'a'},
	    {0x0391, 'a'},
	    {0x03B5, 'e'},
	    {0x0395, 'e'},
	    {0x03B9, 'i'},
	    {0x0399, 'l'},
	    {0x03BD, 'v'},
	    {0x03C1, 'p'},
	    {0x03A1, 'p'},
	    {0x03C4, 't'},
	    {0x03A4, 't'},
	    {0x03C5, 'u'},
	    {0x0392, 'b'},
	    {0x0396, 'z'},
	    {0x0397, 'h'},
	    {0x039C, 'm'},
	    {0x039D, 'n'},
	    /* Latin look-alikes and fullwidth forms are handled below. */
	    {0x0131, 'i'},
	    {0x0269, 'i'},
	    {0x1D0F, 'o'},
	    {0x1D0B, 'k'},
	};
	if (cp >= 'A' && cp <= 'Z')
		return (char)(cp + 32);
	if (cp >= 0xFF21 && cp <= 0xFF3A)
		return (char)('a' + (cp - 0xFF21));
	if (cp >= 0xFF41 && cp <= 0xFF5A)
		return (char)('a' + (cp - 0xFF41));
	if (cp >= 0xFF10 && cp <= 0xFF19)
		cp = '0' + (cp - 0xFF10);
	switch (cp) {
	case '0':
		return 'o';
	case '1':
		return 'l';
	case '3':
		return 'e';
	case '5':
		return 's';
	case 'i':
		return 'l';
	default:
		break;
	}
	if (cp < 0x80)
		return (char)cp;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(map); i++)
		if (map[i].cp == cp)
			return map[i].to == 'i' ? 'l' : map[i].to;
	/* Accented Latin letters: fold to their base by block (rough, but a
	 * phisher's "okх" or "ókx" must not pass as unrelated). */
	if (cp >= 0xC0 && cp <= 0x24F)
		return '?';
	return '#';
}

/* A comparable skeleton of a domain: look-alikes folded, punycode labels
 * decoded first, "rn" read as "m" and "vv" as "w". Hyphens and dots stay. */
static char *guard_skeleton(const char *domain)
{
	struct strbuf uni;
	strbuf_init(&uni);
	const char *p = domain;
	while (*p) {
		size_t n = strcspn(p, ".");
		char *dec = guard_label_to_unicode(p, n);
		if (dec) {
			strbuf_adds(&uni, dec);
			free(dec);
		} else {
			strbuf_add(&uni, p, n);
		}
		p += n;
		if (*p == '.') {
			strbuf_addc(&uni, '.');
			p++;
		}
	}
	struct strbuf sk;
	strbuf_init(&sk);
	for (size_t i = 0; i < uni.len;) {
		uint32_t cp;
		size_t k = utf8_decode(uni.buf + i, uni.len - i, &cp);
		if (k == 0) {
			strbuf_addc(&sk, '#');
			i++;
			continue;
		}
		strbuf_addc(&sk, guard_fold(cp));
		i += k;
	}
	strbuf_finish(&uni);
	/* Multi-letter confusables. */
	struct strbuf out;
	strbuf_init(&out);
	for (size_t i = 0; i < sk.len; i++) {
		if (sk.buf[i] == 'r' && sk.buf[i + 1] == 'n') {
			strbuf_addc(&out, 'm');
			i++;
		} else if (sk.buf[i] == 'v' && sk.buf[i + 1] == 'v') {
			strbuf_addc(&out, 'w');
			i++;
		} else {
			strbuf_addc(&out, sk.buf[i]);
		}
	}
	strbuf_finish(&sk);
	return strbuf_take(&out);
}

/* ---- the verdict -------------------------------------------------------- */

static bool guard_has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* The domain in ASCII (each label's xn-- form); NULL when invalid. */
static char *guard_domain_ascii(const char *domain)
{
	struct strbuf sb;
	strbuf_init(&sb);
	const char *p = domain;
	while (*p) {
		size_t n = strcspn(p, ".");
		char *lab = guard_label_to_ascii(p, n);
		if (!lab || n == 0) {
			free(lab);
			strbuf_finish(&sb);
			return NULL;
		}
		for (char *c = lab; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
		strbuf_adds(&sb, lab);
		free(lab);
		p += n;
		if (*p == '.') {
			strbuf_addc(&sb, '.');
			p++;
		}
	}
	return strbuf_take(&sb);
}

static bool guard_lookalike(const char *domain_ascii, const char *official)
{
	/* The distinctive part of the official domain: its first label. */
	size_t olen = strcspn(official, ".");
	char *label = xstrndup(official, olen);
	char *osk = guard_skeleton(label);
	char *dsk = guard_skeleton(domain_ascii);
	bool hit = false;
	/* The brand appears anywhere (okx-support.com, okx.com.evil.io,
	 * support0kx.net, xn--kx-... with a Cyrillic o). */
	if (strstr(dsk, osk))
		hit = true;
	/* One edit away from the brand in any label at least as long as it
	 * (okk.com, oxk.com, okxx.com; not ok.ru). */
	const char *p = dsk;
	while (!hit && *p) {
		size_t n = strcspn(p, ".-");
		char *lab = xstrndup(p, n);
		size_t dist = util_edit_distance(lab, osk);
		if (n >= strlen(osk) && dist != (size_t)-1 && dist <= (strlen(osk) <= 4 ? 1 : 2))
			hit = true;
		free(lab);
		p += n;
		if (*p)
			p++;
	}
	free(label);
	free(osk);
	free(dsk);
	return hit;
}

static bool guard_is_subdomain(const char *domain, const char *official)
{
	size_t dl = strlen(domain), ol = strlen(official);
	return dl > ol && domain[dl - ol - 1] == '.' &&
	       util_ascii_casecmp(domain + dl - ol, official) == 0;
}

void guard_check_recipient(const char *addr, const char *official_address,
                           const char *official_domain, struct guard_result *r)
{
	r->verdict = GUARD_INVALID;
	r->ascii = NULL;
	r->reason = NULL;
	const char *at = strrchr(addr, '@');
	/* A refused address is echoed with its control characters made visible:
	 * it may come from a phishing message and carry terminal escapes. */
	char *vis = util_visible(addr, strlen(addr));
	if (!at || at == addr || !at[1]) {
		r->reason = xasprintf(_("'%s' is not an email address"), vis);
		free(vis);
		return;
	}
	char *domain = guard_domain_ascii(at + 1);
	if (!domain) {
		r->reason = xasprintf(_("the domain of '%s' is not valid"), vis);
		free(vis);
		return;
	}
	char *local = xstrndup(addr, (size_t)(at - addr));
	r->ascii = xasprintf("%s@%s", local, domain);
	free(local);
	bool idn = guard_has_non_ascii(at + 1) || strstr(domain, "xn--") != NULL;
	if (!validate_email(r->ascii)) {
		free(vis);
		vis = util_visible(r->ascii, strlen(r->ascii));
		r->reason = xasprintf(_("'%s' is not a valid mailbox"), vis);
	} else if (util_ascii_casecmp(r->ascii, official_address) == 0) {
		r->verdict = GUARD_OFFICIAL;
	} else if (util_ascii_casecmp(domain, official_domain) == 0) {
		r->verdict = GUARD_SAME_DOMAIN;
		r->reason = xasprintf(_("%s is at the official domain %s but is not the official "
		                        "support address %s"),
		                      r->ascii, official_domain, official_address);
	} else if (guard_is_subdomain(domain, official_domain) && !idn) {
		r->verdict = GUARD_FOREIGN;
		r->reason = xasprintf(_("%s is under %s but is not the official support address "
		                        "%s"),
		                      r->ascii, official_domain, official_address);
	} else if (idn || guard_lookalike(domain, official_domain)) {
		r->verdict = GUARD_LOOKALIKE;
		r->reason = xasprintf(_("the domain %s imitates the official domain %s: this is "
		                        "how fake support mailboxes steal funds, so ticketmail "
		                        "will not write to it"),
		                      domain, official_domain);
	} else {
		r->verdict = GUARD_FOREIGN;
		r->reason = xasprintf(_("%s is not the official support address %s"), r->ascii,
		                      official_address);
	}
	free(vis);
	free(domain);
}

void guard_result_finish(struct guard_result *r)
{
	free(r->ascii);
	free(r->reason);
	r->ascii = NULL;
	r->reason = NULL;
}
