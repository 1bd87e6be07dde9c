/* validate.h - checks every field of a ticket and reports all problems.
 *
 * Parse first, validate after: the readers store exact text, this pass
 * judges it. Messages are in the interface language (gettext) and name the
 * field. Nothing is stripped: a value with a forbidden character is refused.
 */
#ifndef TICKETMAIL_VALIDATE_H
#define TICKETMAIL_VALIDATE_H

#include "diag.h"
#include "provider.h"
#include "ticket.h"

#include <stdbool.h>
#include <stddef.h>

/* A parsed date-time with its zone. */
struct validate_datetime {
	int year, month, day, hour, minute, second;
	bool has_seconds;
	int offset_minutes; /* east of UTC */
};

/* Checks every field of t by its kind, the characters of every value
 * (valid UTF-8; no C0 but TAB, and LF only in multi-line fields; no DEL,
 * C1 or bidi controls), the fields the table and the provider's category
 * require, and the cross-field rules (TxID against network). Applies the
 * documented normalisations (an EVM TxID without 0x gains it) and notes each
 * in d. Every problem goes to d. Returns the number of errors added. */
size_t validate_ticket(struct ticket *t, const struct provider *p, struct diags *d);

/* Checks one value of field f, as the interview does on each answer; ctx
 * gives the other fields (network for a TxID) and may be NULL. Returns NULL
 * when valid, else an allocated localised message (caller frees). */
char *validate_field(enum ticket_field f, const char *value, size_t len, const struct ticket *ctx);

/* Single rules, exposed for the guards and tests. */
bool validate_email(const char *s); /* RFC 5321 Mailbox */
bool validate_datetime(const char *s, struct validate_datetime *out);
/* Checks txid against the network: returns NULL if valid (and *norm_out, if
 * not NULL, gets an allocated normalised form when it differs, else NULL),
 * else an allocated message. */
char *validate_txid(const char *txid, const char *network, char **norm_out);

#endif
