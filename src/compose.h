/* compose.h - from a validated ticket to the message: renders the subject and
 * body templates in the email's language, opens and checks the attachments
 * against the provider's policy, fills the headers, and writes the MIME
 * message.
 */
#ifndef TICKETMAIL_COMPOSE_H
#define TICKETMAIL_COMPOSE_H

#include "diag.h"
#include "mime.h"
#include "provider.h"
#include "ticket.h"

#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

struct compose_options {
	const char *lang;         /* email language; NULL: the ticket's, else the UI's */
	const char *from_addr;    /* NULL: the ticket's registered email */
	const char *from_name;    /* NULL: the ticket's name */
	const char *to_addr;      /* NULL: the provider's official address */
	time_t date;              /* 0: now */
	const char *message_id;   /* NULL: a new one in the sender's domain */
	const char *boundary;     /* NULL: random */
	const char *account_file; /* never attached, however it is named or
	                             linked (compared by device and inode);
	                             may be NULL */
	bool check_only;          /* only check the sender and the attachments
	                             (the templates need a ticket that passed
	                             validation; the caller knows it did not) */
};

enum compose_status {
	COMPOSE_OK,
	COMPOSE_ENOINPUT,  /* an attachment is missing: EX_NOINPUT */
	COMPOSE_EDATA,     /* refused attachment, over a limit: EX_DATAERR */
	COMPOSE_ECONFIG,   /* broken template: EX_CONFIG */
	COMPOSE_ESOFTWARE, /* libmagic failure: EX_SOFTWARE */
	COMPOSE_EIO,       /* write failed: EX_IOERR */
};

struct compose;

/* Prepares the message: checks the sender and every attachment, each
 * whatever the others found, then (when both are fine and not
 * o->check_only) renders the templates. Every problem goes to d; the status
 * is that of the first. *out is allocated whatever the status, so that what
 * could be prepared (the attachments that opened) can be checked further;
 * unless the status is COMPOSE_OK and o->check_only is false, it is
 * incomplete and must not be written. */
enum compose_status compose_prepare(const struct ticket *t, const struct provider *p,
                                    const struct compose_options *o, struct compose **out,
                                    struct diags *d);
/* Writes the whole message to out. On failure *errstr is allocated. */
enum compose_status compose_write(const struct compose *c, FILE *out, char **errstr);
/* The same, with the attachments' bytes from source (see struct
 * mime_source) instead of read from their descriptors; NULL reads them. */
enum compose_status compose_write_from(const struct compose *c, FILE *out,
                                       const struct mime_source *source, char **errstr);
/* NULL is safe. */
void compose_free(struct compose *c);

/* Belong to c. */
const char *compose_subject(const struct compose *c);
const char *compose_body(const struct compose *c);
const char *compose_from(const struct compose *c);
const char *compose_to(const struct compose *c);
const char *compose_message_id(const struct compose *c);
size_t compose_attachment_count(const struct compose *c);
const char *compose_attachment_name(const struct compose *c, size_t i);
const char *compose_attachment_type(const struct compose *c, size_t i);
uint64_t compose_attachment_size(const struct compose *c, size_t i);
/* The attachment's open descriptor (the one that was typed and will be
 * sent); read it with pread(). Belongs to c. */
int compose_attachment_fd(const struct compose *c, size_t i);

#endif
