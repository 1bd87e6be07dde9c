/* inifile.h - an exact INI reader on top of inih.
 *
 * inih (Debian's build) cuts lines at 200 bytes and treats " ;" as the start
 * of a comment. Ticket descriptions must arrive whole and exact, so this
 * module hands inih a shadow copy of the file in which every value is
 * replaced by a short token, and gives the handler the original bytes.
 * inih still parses the structure (sections, keys) and the line numbers.
 *
 * Format, as documented in ticketmail.ini(5):
 *   - a UTF-8 BOM at the start and CRLF line ends are accepted;
 *   - "[section]" lines; "key = value" lines (also "key: value");
 *   - a line starting with ";" or "#" (after blanks) is a comment; there are
 *     no inline comments: "a ; b" is the value "a ; b";
 *   - a value continues on the following lines that start with a space or a
 *     tab (the indentation up to the first non-blank of the first
 *     continuation line is removed from each); a continuation line holding
 *     only "." stands for an empty line; the parts are joined with "\n";
 *   - leading and trailing blanks of each line of a value are removed.
 * Values must be valid UTF-8; NUL bytes and lone CR are errors. A file in
 * UTF-16 or UTF-32 (by its byte order mark, or the NULs of UTF-16 without
 * one) or in GB18030/GBK (not UTF-8, but GB18030 by its byte structure) is
 * not parsed: it is one error, kind "encoding", where = name, that names
 * the encoding and the iconv command that converts the file.
 *
 * Details the list above leaves open:
 *   - an indented line right after a key (or its continuation) is value text
 *     even if it starts with ";" or "#" or looks like "key = value": values
 *     are never cut; a blank line or any unindented line ends the value, and
 *     an indented line with no value to continue is read as an ordinary line;
 *   - when the key line itself holds no value ("key ="), the value starts
 *     with the first continuation line ("key =" / "  a" / "  b" is "a\nb");
 *   - the first "=" or ":" separates key and value, as in inih;
 *   - the section name is everything between "[" and the first "]", not
 *     trimmed; text after the "]" is an error;
 *   - section and key names longer than 150 bytes are errors (never cut), so
 *     is an empty key, and so is ";" in a key name;
 *   - keys in a section whose header has an error are not delivered; nor is
 *     a key whose value has a bad line.
 * Each error is a DIAG_ERROR with where = "name:line" and kind one of
 * "bad-line", "unclosed-section", "empty-section", "empty-key",
 * "name-too-long", "bad-key", "bad-utf8", "nul-byte", "lone-cr" ("file" for
 * an unreadable file, "encoding" for one in another encoding, where = path).
 * Syntax errors and the handler's own messages come in file order.
 */
#ifndef TICKETMAIL_INIFILE_H
#define TICKETMAIL_INIFILE_H

#include "diag.h"

#include <stddef.h>

struct inifile_entry {
	const char *file;    /* name used in messages */
	const char *section; /* "" before the first section header */
	const char *key;
	const char *value; /* exact value, NUL-terminated */
	size_t value_len;
	unsigned line; /* line of the key */
};

/* Called for each key in file order. The entry lives only for the call:
 * copy what you keep. Report problems into d. Return 0 to go on, non-zero
 * to stop parsing. */
typedef int (*inifile_handler)(void *user, const struct inifile_entry *e, struct diags *d);

enum inifile_status {
	INIFILE_OK,
	INIFILE_ENOENT,   /* file missing or unreadable (message in d) */
	INIFILE_ESYNTAX,  /* one or more syntax errors (each in d, with file:line) */
	INIFILE_EENCODING /* not UTF-8 but UTF-16, UTF-32 or GB18030 (one error in d) */
};

/* A value given elsewhere (--set) made the way the reader makes a value of
 * the file: the blanks (space, tab, VT, FF) at both ends of each of its
 * LF-separated lines removed. Allocated, NUL-terminated; *out_len is its
 * length. */
char *inifile_trim_value(const char *value, size_t len, size_t *out_len);

/* Parses the file at path. Syntax errors are added to d as
 * "path:line" errors and parsing goes on to find all of them. */
enum inifile_status inifile_parse_file(const char *path, inifile_handler h, void *user,
                                       struct diags *d);
/* Same on a buffer; name is used in messages. */
enum inifile_status inifile_parse_buffer(const char *name, const char *data, size_t len,
                                         inifile_handler h, void *user, struct diags *d);

#endif
