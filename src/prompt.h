/* prompt.h - the guided interview on a terminal.
 *
 * An input stage like ticket_ini: it fills a struct ticket by asking, one
 * field at a time, with the field's label, the reason support needs it, the
 * expected format by example, and a default where one is known. Each answer
 * is checked at once (validate_field) and asked again when invalid.
 *
 * Every answer is also scanned at once with the secret guard of
 * src/secrets.c, as the batch path scans before sending: a secret is refused
 * and explained without being echoed, and the rest of the answer is offered
 * again. Nothing the guard flags is ever shown back (Current text, the
 * value in brackets, menus, the review) or written to a draft.
 *
 * Line editing and history come from GNU readline; Tab completes file paths
 * at the attachment prompt only. Ctrl-C or EOF at any prompt interrupts the
 * interview: the caller then saves a draft (prompt_save_draft) and exits.
 */
#ifndef TICKETMAIL_PROMPT_H
#define TICKETMAIL_PROMPT_H

#include "compose.h"
#include "diag.h"
#include "provider.h"
#include "ticket.h"

#include <stdbool.h>

enum prompt_status {
	PROMPT_OK,          /* the answers are in the ticket */
	PROMPT_INTERRUPTED, /* Ctrl-C or EOF: save a draft and stop */
	PROMPT_ERROR,       /* the terminal failed (message printed) */
};

enum prompt_choice {
	PROMPT_CHOICE_SEND,
	PROMPT_CHOICE_EDIT,
	PROMPT_CHOICE_DRAFT,
	PROMPT_CHOICE_QUIT,
	PROMPT_CHOICE_INTERRUPTED,
};

/* true when both standard input and standard output are terminals. */
bool prompt_available(void);

/* Opens GNU readline (libreadline.so.8) with dlopen(), once; the interview
 * does it itself when it first reads a line. Returns NULL, or why it
 * cannot be loaded (dlerror()'s message; see util_dlopen_syms()). */
const char *prompt_load_readline(void);

/* Runs the interview. With only_problems NULL it is the whole interview
 * (provider, category, guidance, fields, subject, attachments); otherwise it
 * asks only for the fields named by the errors in only_problems (from
 * validate_ticket). *p may be replaced when the user picks another
 * provider (the old one is freed). default_email, if not NULL, is offered
 * as the registered email (the account's sender address). */
enum prompt_status prompt_interview(struct ticket *t, struct provider **p,
                                    const struct diags *only_problems, const char *default_email);

/* Shows the complete email as support will see it: headers, body,
 * attachments with types and sizes, the total against the limit. What the
 * secret guard flags (a warning the user kept) is masked; t gives the
 * TxID, which is not a secret. */
void prompt_show_review(const struct compose *c, const struct provider *p, const struct ticket *t,
                        bool foreign_to);

/* Asks what to do after the review. Nothing is sent without an explicit
 * answer "send"/"y"/"发送"; without can_send (the last edit was refused),
 * "send" is refused and the other choices are offered. */
enum prompt_choice prompt_review_choice(bool can_send);

/* Lets the user pick one field and asks for it again. */
enum prompt_status prompt_edit_field(struct ticket *t, const struct provider *p);

/* Asks a yes/no question; only an explicit yes returns true. EOF and Ctrl-C
 * count as no; *interrupted_out (may be NULL) says which. */
bool prompt_confirm(const char *question, bool *interrupted_out);

/* Writes t as a draft ticket INI under $XDG_STATE_HOME/ticketmail/drafts/
 * atomically (temporary file, fsync, rename); or over `path` when not NULL
 * (resuming a draft). Returns 0 and sets *path_out (allocated), or -1 with
 * a message printed. */
int prompt_save_draft(const struct ticket *t, const char *path, char **path_out);

/* true when path lies in the drafts directory (a resumed draft). */
bool prompt_is_draft(const char *path);

/* The mail account's password or token (may be NULL), once it is known:
 * the guard then finds it in answers and drafts too. Not copied. */
void prompt_set_secret(const char *smtp_secret);

/* true when the user answered a warning of the guard with "not a secret"
 * in this run: for field (an enum ticket_field), or with field -1 for the
 * attachment whose file name is where; kind is the warning's kind. */
bool prompt_warning_accepted(int field, const char *where, const char *kind);

/* true once an answer has changed the ticket in this run. */
bool prompt_changed(void);

/* Frees what the interview keeps between calls. */
void prompt_cleanup(void);

#endif
