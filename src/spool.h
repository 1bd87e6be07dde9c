/* spool.h - the outbox, the sent archive, the journal, locks and the
 * duplicate history.
 *
 * Layout under the spool root ($XDG_DATA_HOME/ticketmail, paths_data_dir()):
 *   outbox/{tmp,new,cur}/  Maildir of messages waiting to be sent
 *   sent/{tmp,new,cur}/    Maildir of sent messages ("<id>:2,S" in cur/)
 *   journal                append-only, one line per state change
 *   history                append-only, one line per ticket (duplicates)
 *   lock                   the spool-wide lock taken by --flush
 * Both Maildirs open as they are in mutt/neomutt. Directories are 0700,
 * files 0600.
 *
 * Journal line (tab-separated, control characters masked as in
 * util_visible(), fsync'd after each append):
 *   TIME ID STATE ATTEMPTS NEXT-TRY MESSAGE-ID REPLY
 * TIME and NEXT-TRY are ISO 8601 with offset ("-" for no next try),
 * MESSAGE-ID is "<...>" or "-". The last line for an id is its state.
 *
 * States: queued -> sending -> sent
 *                             | queued  (4xx or no connection; backoff)
 *                             | failed  (5xx, or SPOOL_MAX_ATTEMPTS reached)
 *                             | unknown (connection lost after the final dot)
 * A "sending" line with nobody holding the message's lock means the sender
 * died: it is reported, and journaled at the next spool_open(), as unknown.
 * Unknown and failed messages stay in the outbox and are never picked by a
 * flush; the user chooses spool_resend_unknown() or spool_drop().
 *
 * Locks are flock(2) locks: on the message file itself while it is being
 * sent (held from the "sending" line until the outcome is journaled), and on
 * <root>/lock for a flush. Both are released when the process dies.
 */
#ifndef TICKETMAIL_SPOOL_H
#define TICKETMAIL_SPOOL_H

#include "sha256.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

enum spool_status {
	SPOOL_EOK,
	SPOOL_EIO,    /* creating, writing, syncing or renaming failed */
	SPOOL_EBUSY,  /* another process holds the lock */
	SPOOL_ENOENT, /* no such message id / no history entry */
	SPOOL_ESTATE, /* the message's state does not allow the operation */
	SPOOL_EINVAL, /* a malformed id or argument */
	SPOOL_STATUS_COUNT
};

enum spool_state {
	SPOOL_STATE_QUEUED,
	SPOOL_STATE_SENDING,
	SPOOL_STATE_SENT,
	SPOOL_STATE_UNKNOWN,
	SPOOL_STATE_FAILED,
	SPOOL_STATE_DROPPED, /* removed from the outbox by the user */
	SPOOL_STATE_ENDING,  /* the whole message went out; the end of data (SMTP's
	                        final dot) is about to, so the server may have it */
	SPOOL_STATE_COUNT
};

enum spool_box { SPOOL_OUTBOX, SPOOL_SENT, SPOOL_BOX_COUNT };

/* Temporary failures allowed before a message is marked failed, and the
 * delays before attempts 2, 3, 4 and 5: 1 min, 5 min, 30 min, 2 h. */
#define SPOOL_MAX_ATTEMPTS 5

struct spool;
struct spool_draft; /* a message being written into outbox/tmp */
struct spool_claim; /* a message locked for sending */

/* The journal word for a state ("queued", ...; static string), and back
 * (returns -1 for an unknown word). */
const char *spool_state_name(enum spool_state st);
int spool_state_parse(const char *word);
/* <sysexits.h> value for a status: EX_CANTCREAT for EIO, EX_TEMPFAIL for
 * EBUSY, EX_NOINPUT for ENOENT, EX_DATAERR for ESTATE and EINVAL. */
int spool_exitcode(enum spool_status st);

/* Opens the spool at root (NULL: paths_data_dir()), creating the Maildirs
 * (0700). Then recovers from a crash: deletes outbox/tmp and sent/tmp files
 * older than 36 hours, journals "queued" for "sending" messages nobody
 * holds (their end never went out) and "unknown" for "ending" ones, and
 * finishes the move of messages journaled "sent" but still in
 * the outbox. *out is allocated; spool_free() it. Returns SPOOL_EOK or
 * SPOOL_EIO with *errstr allocated (caller frees). */
enum spool_status spool_open(const char *root, struct spool **out, char **errstr);
/* Releases the flush lock if held. NULL is safe. */
void spool_free(struct spool *s);
/* The spool root (belongs to s; don't free). */
const char *spool_root(const struct spool *s);

/* --- writing a message --------------------------------------------------- */

/* Creates outbox/tmp/<unique name> (0600) and opens it for writing. The
 * unique name follows Maildir: "time.MusecPpidRrandom.host". *draft_out is
 * allocated; pass it to spool_commit() or spool_abort(). Returns SPOOL_EOK
 * or SPOOL_EIO (*errstr allocated). */
enum spool_status spool_enqueue(struct spool *s, struct spool_draft **draft_out, char **errstr);
/* Where to write the message (CRLF bytes as sent). Belongs to the draft;
 * don't fclose it. */
FILE *spool_draft_file(struct spool_draft *d);
/* The message id (its unique name); belongs to the draft. */
const char *spool_draft_id(const struct spool_draft *d);
/* Takes ownership of d and always frees it. Flushes and fsyncs the file,
 * renames it into outbox/new/, fsyncs outbox/new, and journals "queued"
 * with message_id (may be NULL). On failure the tmp file is removed and
 * nothing is left. On success *id_out and *path_out (either may be NULL)
 * are allocated; caller frees. Returns SPOOL_EOK or SPOOL_EIO. */
enum spool_status spool_commit(struct spool *s, struct spool_draft *d, const char *message_id,
                               char **id_out, char **path_out, char **errstr);
/* Closes and removes the tmp file; frees d. NULL is safe. */
void spool_abort(struct spool_draft *d);

/* --- sending ------------------------------------------------------------ */

/* Locks outbox message id (LOCK_EX|LOCK_NB on the file), checks that it is
 * queued, and journals "sending" with the attempt count raised by one. Due
 * or not is the caller's choice (spool_entry_due()). *claim_out is
 * allocated; each spool_mark_*() ends it, spool_claim_free() too; s must
 * outlive it.
 * Returns SPOOL_EOK; SPOOL_EBUSY when another process holds the message;
 * SPOOL_ENOENT when there is no such message in the outbox; SPOOL_ESTATE
 * when it is not queued (sent, unknown, failed); SPOOL_EINVAL for a bad id;
 * SPOOL_EIO. */
enum spool_status spool_claim(struct spool *s, const char *id, struct spool_claim **claim_out,
                              char **errstr);
/* A read-only descriptor of the message file (offset unspecified: use
 * pread() or lseek()). Belongs to the claim. */
int spool_claim_fd(const struct spool_claim *c);
/* Belong to the claim; message id may be NULL when none was journaled. */
const char *spool_claim_id(const struct spool_claim *c);
const char *spool_claim_path(const struct spool_claim *c);
const char *spool_claim_message_id(const struct spool_claim *c);
/* This attempt's number, 1 for the first. */
int spool_claim_attempt(const struct spool_claim *c);

/* Each of these takes ownership of c and always frees it, releasing the
 * lock after the outcome is journaled. reply is the server's text (may be
 * NULL; control characters are masked). Return SPOOL_EOK or SPOOL_EIO.
 *
 * sent: journals "sent", then moves the file to sent/cur/<id>:2,S and
 * fsyncs both directories. *sent_path_out (may be NULL) is allocated. */
enum spool_status spool_mark_sent(struct spool_claim *c, const char *reply, char **sent_path_out,
                                  char **errstr);
/* Temporary failure: journals "queued" with the next try after 1 min,
 * 5 min, 30 min or 2 h; at SPOOL_MAX_ATTEMPTS journals "failed" instead.
 * *state_out (may be NULL) tells which. */
enum spool_status spool_mark_retry(struct spool_claim *c, const char *reply,
                                   enum spool_state *state_out, char **errstr);
/* Permanent failure (5xx). */
enum spool_status spool_mark_failed(struct spool_claim *c, const char *reply, char **errstr);
/* The connection was lost after the final dot. */
enum spool_status spool_mark_unknown(struct spool_claim *c, const char *reply, char **errstr);
/* Journals (fsync'd) that the message is about to be complete on the
 * server's side, before the end of data is sent: a sender that dies after
 * this leaves the message unknown, one that dies before it leaves it queued
 * (a server keeps no message whose end it did not get, RFC 5321 4.1.1.4).
 * The claim stays held. */
enum spool_status spool_mark_ending(struct spool_claim *c, char **errstr);
/* Releases the lock without journaling; the message then counts as queued
 * before spool_mark_ending() and as unknown after it. NULL is safe. */
void spool_claim_free(struct spool_claim *c);

/* For an unknown or failed message the user wants sent again: journals
 * "queued" with the attempt count reset. SPOOL_ESTATE for other states,
 * SPOOL_EBUSY, SPOOL_ENOENT, SPOOL_EINVAL, SPOOL_EIO. */
enum spool_status spool_resend_unknown(struct spool *s, const char *id, char **errstr);
/* Deletes an outbox message that is not being sent and journals "dropped".
 * SPOOL_EBUSY, SPOOL_ENOENT, SPOOL_EINVAL, SPOOL_EIO. */
enum spool_status spool_drop(struct spool *s, const char *id, char **errstr);

/* The spool-wide flush lock on <root>/lock, non-blocking: SPOOL_EOK,
 * SPOOL_EBUSY (another flush runs) or SPOOL_EIO. Held until
 * spool_unlock_flush() or spool_free(). Taking it twice is SPOOL_EOK. */
enum spool_status spool_lock_flush(struct spool *s, char **errstr);
void spool_unlock_flush(struct spool *s);

/* --- listing ------------------------------------------------------------- */

struct spool_entry {
	char *id;
	char *path; /* current file */
	enum spool_state state;
	int attempts;     /* sending attempts so far */
	time_t next_try;  /* 0: none */
	time_t updated;   /* time of the last journal line, 0 if none */
	char *message_id; /* may be NULL */
	char *subject;    /* raw (unfolded, maybe RFC 2047) header; may be NULL */
	char *last_reply; /* masked server text of the last line; may be NULL */
};

/* Lists the messages of a box, oldest id first. The outbox shows each
 * message's journal state ("sending" only while someone holds its lock;
 * without the lock a "sending" one shows as queued and an "ending" one as
 * unknown); the sent box shows sent.
 * *entries_out is allocated; spool_entries_free() it. Returns SPOOL_EOK or
 * SPOOL_EIO. */
enum spool_status spool_list(struct spool *s, enum spool_box box, struct spool_entry **entries_out,
                             size_t *n_out, char **errstr);
/* One outbox message by id. *entry_out is allocated; spool_entries_free(e, 1)
 * it. SPOOL_ENOENT, SPOOL_EINVAL, SPOOL_EIO. */
enum spool_status spool_lookup(struct spool *s, const char *id, struct spool_entry **entry_out,
                               char **errstr);
/* The spool's clock: the journal times, the retry times and "now" for
 * spool_entry_due(). TICKETMAIL_NOW (seconds since the epoch) pins it for
 * tests; otherwise time(NULL). */
time_t spool_now(void);
/* true when a flush should send the entry now: queued, fewer than
 * SPOOL_MAX_ATTEMPTS attempts and next_try <= now. */
bool spool_entry_due(const struct spool_entry *e, time_t now);
/* NULL is safe. */
void spool_entries_free(struct spool_entry *entries, size_t n);

/* --- duplicate history --------------------------------------------------- */

struct spool_history_entry {
	char *fingerprint; /* 64 hex digits */
	time_t date;
	char *provider;
	char *category;
	char *subject;
	char *message_id;
	char *state; /* "queued", "sent", ... as journaled */
	char *id;    /* the message's spool id, from the journal; NULL when the
	                journal does not know it. Never written to the file. */
};

/* Appends one line (tab-separated; text masked) to <root>/history and
 * fsyncs it. Fields are copied; NULL strings are written as "-".
 * SPOOL_EINVAL when the fingerprint is not 64 hex digits; SPOOL_EIO. */
enum spool_status spool_history_add(struct spool *s, const struct spool_history_entry *e,
                                    char **errstr);
/* Every ticket in first-seen order, one entry per (fingerprint,
 * Message-ID) with its latest line, and the message's current state: the
 * journal's latest state for that Message-ID when the journal has one (it
 * is written first, and it knows about drops that older versions did not
 * record in the history), with "sending" read as "unknown" when nobody
 * holds the message. id is set from the journal. Allocated;
 * spool_history_free() it. SPOOL_EOK or SPOOL_EIO. */
enum spool_status spool_history_list(struct spool *s, struct spool_history_entry **entries_out,
                                     size_t *n_out, char **errstr);

/* What earlier messages of a ticket mean for sending it again. */
enum spool_duplicate {
	SPOOL_DUP_NONE,    /* none, or each one failed or was dropped */
	SPOOL_DUP_WAITING, /* one is queued or being sent, still in the outbox */
	SPOOL_DUP_UNKNOWN, /* one may have arrived (its delivery is unknown) */
	SPOOL_DUP_SENT,    /* one was sent */
	SPOOL_DUP_COUNT
};

/* Judges the messages of the ticket with this fingerprint by their current
 * state (as spool_history_list() gives it). A queued message counts only
 * while the journal knows it and its file is still in the outbox; a state
 * this version does not know counts as sent. The strongest reason wins: sent,
 * then unknown, then waiting. *dup_out says which; *entry_out is then that
 * message's entry (allocated; spool_history_free(e, 1) it), NULL for
 * SPOOL_DUP_NONE. SPOOL_EOK or SPOOL_EIO. */
enum spool_status spool_history_duplicate(struct spool *s, const char *fingerprint,
                                          enum spool_duplicate *dup_out,
                                          struct spool_history_entry **entry_out, char **errstr);
/* NULL is safe. */
void spool_history_free(struct spool_history_entry *entries, size_t n);

/* --- fingerprints -------------------------------------------------------- */

/* The fingerprint is the SHA-256 of a canonical text:
 *   "to=" recipient (trimmed, ASCII lower case) "\n"
 *   "subject=" subject (trimmed, each run of blanks - ASCII white space,
 *              U+00A0, U+3000 - made one space, ASCII lower case) "\n"
 *   "key=value\n" for each field, in the order given (table order), the
 *              value without the blanks at both ends of each line and
 *              without empty lines at its start and end
 *   "attachment=" hex SHA-256 of the content "\n" for each attachment
 * In values "\\" is written "\\\\" and LF "\\n", so no value can forge a
 * line. */
struct spool_fingerprint;

/* Allocated; spool_fingerprint_finish() or _free() it. */
struct spool_fingerprint *spool_fingerprint_new(const char *recipient, const char *subject);
void spool_fingerprint_field(struct spool_fingerprint *fp, const char *key, const char *value);
void spool_fingerprint_attachment(struct spool_fingerprint *fp, const void *data, size_t len);
/* The same, for content whose SHA-256 was taken elsewhere (a hashtap). */
void spool_fingerprint_attachment_digest(struct spool_fingerprint *fp,
                                         const unsigned char digest[SHA256_DIGEST_LEN]);
/* Takes ownership of fp and frees it; writes 64 hex digits and a NUL. */
void spool_fingerprint_finish(struct spool_fingerprint *fp, char hex_out[65]);
/* NULL is safe. */
void spool_fingerprint_free(struct spool_fingerprint *fp);

#endif
