/* ticket_ini.h - reads a ticket from an INI file and from --set key=value,
 * and writes a ticket back as INI (drafts).
 *
 * Sections and keys are those of ticket_fields[]; unknown sections and keys
 * are errors naming file:line with a did-you-mean. Attachment paths in
 * [attachments] file = ... are relative to the INI file's directory.
 */
#ifndef TICKETMAIL_TICKET_INI_H
#define TICKETMAIL_TICKET_INI_H

#include "diag.h"
#include "ticket.h"

#include <stdio.h>

/* Reads path into t (fields already set are overwritten by the file's).
 * Every problem goes to d. Returns 0 on success, -1 when the file cannot be
 * read (EX_NOINPUT), -2 when it has errors (EX_DATAERR). */
int ticket_ini_read(struct ticket *t, const char *path, struct diags *d);

/* Applies one "key=value" or "section.key=value" assignment from the command
 * line. Returns 0, or -1 with an error in d (unknown key with did-you-mean,
 * missing "="). */
int ticket_ini_set(struct ticket *t, const char *assignment, struct diags *d);

/* Writes t as a ticket INI file that ticket_ini_read() reads back to the
 * same values (multi-line values use continuation lines; empty fields are
 * left out). Returns 0 or -1 on a write error. */
int ticket_ini_write(const struct ticket *t, FILE *out);

#endif
