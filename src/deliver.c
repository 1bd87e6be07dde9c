/* deliver.c - outbox → transport → sent archive. */
#include "deliver.h"

#include "i18n.h"
#include "transport.h"
#include "util.h"
#include "validate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sysexits.h>
#include <unistd.h>

/* The envelope recipient is read back from the spooled message's To
 * header, which ticketmail wrote from a validated address: what the review
 * showed, the To header and RCPT TO cannot differ. */
static char *deliver_find_to(char *buf);

static char *deliver_recipient(int fd)
{
	/* The header block of a message we wrote is small; 64 KiB is far
	 * more than it can need. */
	enum { DELIVER_MAX_HEADER = 65536 };
	char *buf = xmalloc(DELIVER_MAX_HEADER + 1);
	ssize_t nread = util_pread_full(fd, buf, DELIVER_MAX_HEADER, 0);
	size_t got = nread > 0 ? (size_t)nread : 0;
	buf[got] = '\0';
	char *addr = deliver_find_to(buf);
	free(buf);
	return addr;
}

/* Finds the To header's address in a NUL-terminated header block. */
static char *deliver_find_to(char *buf)
{
	char *end = strstr(buf, "\r\n\r\n");
	if (end)
		end[2] = '\0';
	for (char *line = buf; line && *line;) {
		char *next = strstr(line, "\r\n");
		if (next)
			*next = '\0';
		if (util_ascii_ncasecmp(line, "To:", 3) == 0) {
			const char *v = line + 3;
			while (*v == ' ')
				v++;
			const char *lt = strchr(v, '<');
			char *addr = lt ? xstrndup(lt + 1, strcspn(lt + 1, ">")) : xstrdup(v);
			/* A folded To header would continue on the next line;
			 * ours never folds, so a continuation means a foreign
			 * file: refuse it. */
			if ((next && (next[2] == ' ' || next[2] == '\t')) ||
			    !validate_email(addr)) {
				free(addr);
				return NULL;
			}
			return addr;
		}
		line = next ? next + 2 : NULL;
	}
	return NULL;
}

static void deliver_set(struct deliver_outcome *out, enum spool_state state, int status,
                        char *message)
{
	out->state = state;
	out->exit_status = status;
	out->message = message;
}

/* Runs the account's transport on the claimed message. */
/* Before the end of the message goes out: journaled, so that a crash
 * before it is known to have delivered nothing. */
static int deliver_before_dot(void *ctx)
{
	char *err = NULL;
	enum spool_status st = spool_mark_ending(ctx, &err);
	free(err);
	return st == SPOOL_EOK ? 0 : -1;
}

static void deliver_transport(struct account *a, const char *secret, const char *to,
                              struct spool_claim *claim, bool progress,
                              struct transport_result *res)
{
	int fd = spool_claim_fd(claim);
	if (account_transport(a) == ACCOUNT_TRANSPORT_SENDMAIL) {
		/* A command that loses its input half-way may still send what it
		 * got: from its start on, the outcome of a crash is unknown. */
		if (deliver_before_dot(claim) != 0) {
			res->status = TRANSPORT_ELOST_BEFORE_DOT;
			res->temporary = true;
			res->message =
			    xstrdup(_("the outbox journal could not be written; the message "
			              "was not handed to the sendmail command"));
			return;
		}
		transport_sendmail(account_sendmail_command(a), account_from(a), to, fd, res);
		return;
	}
	struct transport_config tc = {
	    .url = account_smtp_url(a),
	    .user = account_login(a) ? account_user(a) : NULL,
	    .secret = account_login(a) ? secret : NULL,
	    .oauth2 = account_oauth2(a),
	    .ca_file = account_ca_file(a),
	    .allow_plain_loopback = account_allow_plain_loopback(a),
	    .progress = progress,
	    .before_dot = deliver_before_dot,
	    .before_dot_ctx = claim,
	    .timeout_s = 0,
	};
	transport_send(&tc, account_from(a), to, fd, res);
}

void deliver_spooled(struct spool *s, struct account *a, const char *id, bool progress,
                     struct deliver_outcome *out)
{
	out->sent_path = NULL;
	out->message = NULL;
	char *err = NULL;
	/* The secret first: without it nothing is claimed or journaled. */
	const char *secret = NULL;
	if (account_transport(a) == ACCOUNT_TRANSPORT_SMTP) {
		secret = account_secret(a, &err);
		if (!secret) {
			deliver_set(out, SPOOL_STATE_QUEUED, EX_CONFIG, err);
			return;
		}
	}
	struct spool_claim *claim = NULL;
	enum spool_status st = spool_claim(s, id, &claim, &err);
	if (st != SPOOL_EOK) {
		deliver_set(out, SPOOL_STATE_QUEUED, spool_exitcode(st),
		            err ? err : xstrdup(_("the outbox failed")));
		return;
	}
	char *to = deliver_recipient(spool_claim_fd(claim));
	if (!to) {
		/* Nothing left the machine; refuse the file for good. */
		spool_mark_failed(claim, NULL, &err);
		free(err);
		deliver_set(out, SPOOL_STATE_FAILED, EX_DATAERR,
		            xasprintf(_("%s: the message has no valid To header"), id));
		return;
	}
	struct transport_result res;
	transport_result_init(&res);
	deliver_transport(a, secret, to, claim, progress, &res);
	free(to);
	char *reply = res.reply ? xasprintf("%d %s", res.reply_code, res.reply) : NULL;
	if (res.status == TRANSPORT_OK) {
		st = spool_mark_sent(claim, reply, &out->sent_path, &err);
		deliver_set(out, SPOOL_STATE_SENT, st == SPOOL_EOK ? EX_OK : spool_exitcode(st),
		            st == SPOOL_EOK ? NULL : err);
	} else if (res.status == TRANSPORT_EUNKNOWN) {
		spool_mark_unknown(claim, reply, &err);
		free(err);
		deliver_set(out, SPOOL_STATE_UNKNOWN, transport_exitcode(&res),
		            xstrdup(res.message));
	} else if (res.temporary) {
		enum spool_state now = SPOOL_STATE_QUEUED;
		spool_mark_retry(claim, reply, &now, &err);
		free(err);
		deliver_set(out, now, now == SPOOL_STATE_QUEUED ? EX_TEMPFAIL : EX_UNAVAILABLE,
		            xstrdup(res.message));
	} else {
		spool_mark_failed(claim, reply, &err);
		free(err);
		deliver_set(out, SPOOL_STATE_FAILED, transport_exitcode(&res),
		            xstrdup(res.message));
	}
	free(reply);
	transport_result_finish(&res);
}

void deliver_outcome_finish(struct deliver_outcome *out)
{
	free(out->sent_path);
	free(out->message);
	out->sent_path = NULL;
	out->message = NULL;
}
