/* ticket_ini.h - reads a ticket from an INI file and from --set key=value,
 * and writes a ticket back as INI (drafts).
 *
 * Sections and keys are those of ticket_fields[]; unknown sections and keys
 * are errors naming file:line with a did-you-mean. Attachment paths in
 * [attachments] file = ... are relative to the INI file's directory.
 *
 * Messages follow "path:line: [section].key: message" (where = "path:line")
 * and "--set ARG: message" (where = NULL), localised; kinds are
 * "unknown-section", "unknown-key", "no-section", "duplicate-key",
 * "empty-path", "multi-line-path", "bad-set", "bad-utf8", plus inifile.h's
 * syntax kinds. A key given twice in one file is an error naming both lines
 * (the first value stays); [attachments] file may repeat.
 */
#ifndef TICKETMAIL_TICKET_INI_H
#define TICKETMAIL_TICKET_INI_H

#include "diag.h"
#include "ticket.h"

#include <stdio.h>

/* Reads path into t (fields already set are overwritten by the file's).
 * Every problem goes to d. Returns 0 on success, -1 when the file cannot be
 * read (EX_NOINPUT), -2 when it has errors (EX_DATAERR), -3 when it is
 * in another encoding than UTF-8 (EX_DATAERR; nothing of it was read). */
int ticket_ini_read(struct ticket *t, const char *path, struct diags *d);

/* Applies one "key=value" or "section.key=value" assignment from the command
 * line. The key is trimmed; the value is the exact rest after the first "="
 * (not trimmed; it must be valid UTF-8). "file=PATH" or "attachments.file="
 * adds an attachment, PATH relative to the current directory. Returns 0, or
 * -1 with an error in d (unknown key with did-you-mean, missing "="). */
int ticket_ini_set(struct ticket *t, const char *assignment, struct diags *d);

/* Writes t as a ticket INI file that ticket_ini_read() reads back to the
 * same values (multi-line values use continuation lines; empty fields are
 * left out). Returns 0 or -1 on a write error.
 *
 * Sections come in table order, "key = value"; lines after the first are
 * indented four spaces, an empty line is written ".", and an empty first
 * line puts the whole value on continuation lines. What the format cannot
 * hold is written as the reader would see it: blanks at the start and end of
 * each line (and the CR of a CRLF) are dropped, since the reader trims them;
 * such values only come from prompts or --set, never from a file. A line
 * that is exactly "." after the first line reads back as an empty line.
 * Attachment paths are written as stored: a relative one is read back
 * relative to the new file's directory, so write drafts into the directory
 * the paths are relative to, or store absolute paths. */
int ticket_ini_write(const struct ticket *t, FILE *out);

#endif
