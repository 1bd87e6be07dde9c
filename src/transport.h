/* transport.h - delivers one finished message to one recipient: over SMTP
 * with libcurl, or through a local sendmail-compatible command.
 *
 * The message is sent exactly as built (CRLF line ends; libcurl adds the
 * RFC 5321 4.5.2 dot-stuffing and the final dot). Certificates and host
 * names are always verified; the only knob is the CA file. smtps:// is
 * implicit TLS (RFC 8314); smtp:// must upgrade with STARTTLS (RFC 3207)
 * unless it is plain SMTP to a loopback address that the caller explicitly
 * allowed, and even then it upgrades when the server offers STARTTLS.
 * When credentials are configured the server must authenticate us: a
 * server that offers no AUTH is refused before MAIL FROM. The secret never
 * appears in a message, the result or the debug output.
 *
 * libcurl's verbose output goes only to an internal callback that follows
 * the dialogue (to tell which step failed). With TICKETMAIL_SMTP_DEBUG=1 in
 * the environment that dialogue is printed on stderr as "smtp> " and
 * "smtp< " lines; AUTH and its continuation lines show as "AUTH ***".
 */
#ifndef TICKETMAIL_TRANSPORT_H
#define TICKETMAIL_TRANSPORT_H

#include <stdbool.h>

struct transport_config {
	const char *url;              /* "smtps://host[:port]" or "smtp://host[:port]"; no
	                                 user name or password in it */
	const char *user;             /* NULL: no authentication */
	const char *secret;           /* password, or the bearer token when oauth2; NULL
	                                 exactly when user is NULL */
	bool oauth2;                  /* AUTH XOAUTH2 with the secret as bearer token */
	const char *ca_file;          /* PEM bundle to trust instead of the system's, or
	                                 NULL */
	bool allow_plain_loopback;    /* smtp:// to 127.0.0.1, ::1 or localhost
	                                 without TLS when the server offers no
	                                 STARTTLS (when it does, TLS is used);
	                                 ignored for other hosts */
	bool progress;                /* draw a progress bar on stderr (if a tty) */
	int (*before_dot)(void *ctx); /* NULL, or called once the whole message was
	                                 read and before the final dot goes out; a
	                                 non-zero return stops the send there (a
	                                 temporary failure: nothing was delivered) */
	void *before_dot_ctx;
	long timeout_s; /* 0: the RFC 5321 4.5.3.2 limits (5 min for the greeting
	                   and the session set-up, 3 min without progress while
	                   sending the body, 10 min for each reply: libcurl has
	                   one reply timeout, and the final dot needs the longest);
	                   > 0: every one of these limits, in seconds. The
	                   environment variable TICKETMAIL_SMTP_TIMEOUT (seconds)
	                   overrides both. */
};

enum transport_status {
	TRANSPORT_OK,
	TRANSPORT_ECONFIG,          /* bad URL, address, credentials, CA file or
	                               command; nothing was sent */
	TRANSPORT_EINPUT,           /* the message could not be read, changed while
	                               being sent, or has a bare CR or LF */
	TRANSPORT_ECONNECT,         /* no SMTP session: connect, greeting or EHLO
	                               failed or timed out */
	TRANSPORT_ETLS,             /* TLS failed: certificate, host name, handshake, or
	                               STARTTLS not offered */
	TRANSPORT_EAUTH,            /* login refused, no usable AUTH mechanism, no AUTH
	                               offered, or the server wants a login we lack */
	TRANSPORT_ESENDER,          /* MAIL FROM refused */
	TRANSPORT_ERECIPIENT,       /* RCPT TO refused */
	TRANSPORT_EMESSAGE,         /* DATA refused, or the message refused after the
	                               final dot; for sendmail: it failed */
	TRANSPORT_ELOST_BEFORE_DOT, /* connection lost or timed out before the
	                               final dot: not delivered */
	TRANSPORT_EUNKNOWN,         /* lost or timed out after the final dot was sent:
	                               the server may have accepted the message */
	TRANSPORT_STATUS_COUNT,
};

struct transport_result {
	enum transport_status status;
	/* true when trying again later may succeed and cannot deliver twice:
	 * a 4xx reply, a connection failure, a loss before the final dot,
	 * EX_TEMPFAIL from sendmail. Always false for TRANSPORT_EUNKNOWN. */
	bool temporary;
	int reply_code; /* the SMTP reply to the failed step (0: none); for
	                   sendmail the exit status */
	char *reply;    /* that reply's text without the codes, lines joined by
	                   spaces, control characters masked (util_visible); NULL
	                   if none. Allocated; transport_result_finish() frees. */
	char *message;  /* localised, names the server and the step that failed;
	                   NULL on success. Allocated, as reply. */
};

void transport_result_init(struct transport_result *r);
/* Frees reply and message; r can be reused after transport_result_init(). */
void transport_result_finish(struct transport_result *r);

/* Sends the message in message_fd (a regular file is read with pread()
 * from offset 0, anything else with read() to its end) from the envelope
 * sender from to the one recipient to. The descriptor stays open and
 * belongs to the caller. The addresses are bare addr-specs (no angle
 * brackets); CR, LF, NUL, other controls, spaces and <> are refused before
 * connecting. res must be initialised; it is filled in either way.
 * Returns res->status. */
/* libcurl is loaded with dlopen() when first needed. For a run that will
 * send over SMTP, this starts loading it on a thread of its own, so that it
 * is ready by the time the message is (the thread is joined before use and
 * at exit()). */
void transport_preload(void);
/* Waits for that thread, if there is one (for a process ending with
 * _exit()). */
void transport_preload_wait(void);
/* libcurl's version, and its TLS library's in *tls_out (may be NULL); NULL
 * when libcurl cannot be loaded. For --version. */
const char *transport_curl_version(const char **tls_out);

enum transport_status transport_send(const struct transport_config *c, const char *from,
                                     const char *to, int message_fd, struct transport_result *res);

/* Hands the message to a sendmail-compatible program. command is split on
 * spaces (no shell) and must not contain -t: the envelope is given
 * explicitly as
 *     WORDS... -i -f FROM -- TO
 * which sendmail, Postfix, Exim and msmtp all accept. The message is
 * piped with CRLF turned into local LF line ends. Exit status 0 is
 * TRANSPORT_OK; EX_TEMPFAIL (75) is a temporary TRANSPORT_EMESSAGE; 126 and
 * 127 (could not run) are TRANSPORT_ECONFIG; other statuses and signals are
 * a permanent TRANSPORT_EMESSAGE whose message gives the status. A
 * program that stops reading the message part-way (or a read error while
 * piping it) is TRANSPORT_EUNKNOWN: part of it may have left. res as for
 * transport_send(). */
enum transport_status transport_sendmail(const char *command, const char *from, const char *to,
                                         int message_fd, struct transport_result *res);

/* The <sysexits.h> status main() should exit with for r: EX_OK; EX_CONFIG
 * (ECONFIG); EX_NOINPUT (EINPUT); EX_TEMPFAIL (anything temporary);
 * EX_NOPERM (EAUTH); EX_PROTOCOL (TLS); EX_UNAVAILABLE (EUNKNOWN: maybe
 * delivered; and every refusal for good: the session, the sender, the
 * recipient or the message refused with 5xx, or a sendmail command that
 * failed with anything but EX_TEMPFAIL). */
int transport_exitcode(const struct transport_result *r);

/* A short, stable English name of the status ("recipient", "lost-before-dot"). */
const char *transport_status_name(enum transport_status s);

#endif
