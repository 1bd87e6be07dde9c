/* template.h - a small Mustache-like template engine for the email.
 *
 * Syntax:
 *   {{name}}              the value of name (verbatim; the email is text)
 *   {{#name}}...{{/name}} the block, only when name is non-empty
 *   {{^name}}...{{/name}} the block, only when name is empty
 *   {{! comment }}        nothing
 * A line holding only a section tag or comment (and blanks) is removed
 * whole, so sections leave no blank lines behind (Mustache "standalone").
 * Names are [a-z0-9_]+. Sections nest.
 */
#ifndef TICKETMAIL_TEMPLATE_H
#define TICKETMAIL_TEMPLATE_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>

struct template;

/* Decides whether name may be used; parsing fails on unknown names. */
typedef bool (*template_known_fn)(const char *name, void *user);
/* Returns the value of name (NULL or "" mean empty); the string must live
 * until template_render() returns. */
typedef const char *(*template_lookup_fn)(const char *name, void *user);

/* Parses text[0..len); name is used in messages. On error returns -1 and
 * sets *errstr to an allocated "name:line: message" (unknown field, unclosed
 * or mismatched section, bad tag). On success *out is allocated. */
int template_parse(const char *name, const char *text, size_t len, template_known_fn known,
                   void *user, struct template **out, char **errstr);
/* Reads and parses the file at path (same errors, plus unreadable file). */
int template_load(const char *path, template_known_fn known, void *user, struct template **out,
                  char **errstr);
/* Appends the rendered text to out. */
void template_render(const struct template *t, template_lookup_fn lookup, void *user,
                     struct strbuf *out);
/* NULL is safe. */
void template_free(struct template *t);

#endif
