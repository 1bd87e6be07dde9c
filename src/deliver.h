/* deliver.h - sends one spooled message and records the outcome.
 *
 * The stage between the outbox and the sent archive: claims the message
 * (lock + "sending" in the journal), hands its exact bytes to the account's
 * transport (SMTP or sendmail), then journals the outcome and moves the
 * file to sent/ after the server's 250. Used by a normal send and by
 * `ticketmail outbox --flush`.
 */
#ifndef TICKETMAIL_DELIVER_H
#define TICKETMAIL_DELIVER_H

#include "account.h"
#include "spool.h"

#include <stdbool.h>

struct deliver_outcome {
	enum spool_state state; /* sent, queued (retry), failed or unknown */
	int exit_status;        /* <sysexits.h> value for main() */
	char *sent_path;        /* the archived copy when sent; allocated */
	char *message;          /* what happened, localised; allocated */
};

/* Sends outbox message id with account a. The account's secret is fetched
 * here (password command, token command or prompt). Prints nothing; the
 * outcome says everything. Free with deliver_outcome_finish(). */
void deliver_spooled(struct spool *s, struct account *a, const char *id, bool progress,
                     struct deliver_outcome *out);
void deliver_outcome_finish(struct deliver_outcome *out);

#endif
