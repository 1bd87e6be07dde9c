/* guard.h - the phishing guard: is this recipient the official address?
 *
 * People lose funds by mailing fake support. The recipient is the provider
 * profile's official address; another one needs --to and the user's
 * confirmation; an address whose domain imitates the official domain
 * (0kx.com, okx-support.com, okx.com.evil.io, Cyrillic or Greek look-alike
 * letters, punycode) is refused outright.
 */
#ifndef TICKETMAIL_GUARD_H
#define TICKETMAIL_GUARD_H

#include <stddef.h>

enum guard_verdict {
	GUARD_OFFICIAL,    /* exactly the official support address */
	GUARD_SAME_DOMAIN, /* another mailbox at the official domain */
	GUARD_FOREIGN,     /* an unrelated domain: needs confirmation */
	GUARD_LOOKALIKE,   /* imitates the official domain: refused */
	GUARD_INVALID,     /* not a mailbox at all: refused */
	GUARD_VERDICT_COUNT
};

struct guard_result {
	enum guard_verdict verdict;
	char *ascii;  /* the address with an IDN domain in its xn-- form
	                 (allocated; NULL when invalid) */
	char *reason; /* localised explanation (allocated; NULL for official) */
};

/* Judges addr (UTF-8) against the official address and domain. Fills *r;
 * free its strings with guard_result_finish(). */
void guard_check_recipient(const char *addr, const char *official_address,
                           const char *official_domain, struct guard_result *r);
void guard_result_finish(struct guard_result *r);

/* RFC 3492 Punycode of one label (UTF-8 in); returns "xn--..." for a label
 * with non-ASCII, a copy for an ASCII one, NULL when not valid UTF-8.
 * Allocated, caller frees. */
char *guard_label_to_ascii(const char *label, size_t len);
/* Decodes an "xn--" label to UTF-8; NULL when malformed. Allocated. */
char *guard_label_to_unicode(const char *label, size_t len);

#endif
