/* hashtap.c - attachments read ahead and hashed on a second thread.
 *
 * A ring of HASHTAP_SLOTS pieces between the reading thread (producer) and
 * mime_write() (consumer, through next()). The thread preads a piece into a
 * free slot, adds it to the attachment's SHA-256 and publishes it; at the
 * end of an attachment it closes the digest and publishes an end mark.
 * next() returns the oldest published piece, after giving back the one it
 * returned before. So the one read of each file, from the page cache, is
 * this thread's, and the encoder gets the bytes warm from the cache they
 * were copied into.
 *
 * Either side spins for a short while before it sleeps. That is not for the
 * futex's cost: a thread woken for every piece is placed by the scheduler
 * on the CPU of the thread that woke it (they share the data), so the two
 * ended up taking turns on one CPU while the other stayed idle. A side that
 * is still spinning when the other moves needs no wake-up and stays where it
 * is. With one CPU there is no spinning: it could only keep the other side
 * from running.
 */
/* sched_getaffinity() and CPU_COUNT() are GNU extensions. */
#define _GNU_SOURCE
#include "hashtap.h"

#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { HASHTAP_SLOTS = 3 };
/* A piece: whole base64 lines, as mime_write() wants them. */
#define HASHTAP_PIECE ((size_t)MIME_SOURCE_MAX)
/* How long a side spins for the other before it sleeps: longer than either
 * takes per piece (about 0.05 to 0.15 ms for 114 KiB). */
#define HASHTAP_SPIN_NS 1000000L

struct hashtap_slot {
	size_t att;
	ssize_t len; /* > 0 data, 0 end of attachment, -1 read error */
	int err;
	unsigned char *buf;
};

/* The reading side's state between pieces. */
struct hashtap_reader {
	size_t att;
	off_t off;
	bool at_end; /* the attachment's data is all published */
	struct sha256 ctx;
};

struct hashtap {
	struct mime_source source;
	const int *fds;
	size_t n;
	unsigned char (*digests)[SHA256_DIGEST_LEN];
	size_t ended;  /* attachments whose end mark was published */
	bool failed;   /* a read failed: nothing after it */
	bool protocol; /* next() asked for the wrong attachment */
	bool holding;  /* next() returned a slot not yet given back */
	bool threaded;
	bool spin;
	pthread_t thread;
	struct hashtap_slot slot[HASHTAP_SLOTS];
	/* Slots [taken, published) wait for next(); [published, taken +
	 * HASHTAP_SLOTS) are the thread's to fill. */
	_Atomic uint64_t published, taken;
	_Atomic bool closing;
	_Atomic bool reader_done;        /* the thread publishes nothing more */
	struct hashtap_reader inline_rd; /* without a thread */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	_Atomic int sleepers;
};

static long hashtap_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static inline void hashtap_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

enum hashtap_cond { HASHTAP_HAS_PIECE, HASHTAP_HAS_ROOM };

static bool hashtap_ready(struct hashtap *h, enum hashtap_cond c)
{
	uint64_t published = atomic_load(&h->published), taken = atomic_load(&h->taken);
	if (c == HASHTAP_HAS_PIECE)
		return taken < published || atomic_load(&h->reader_done);
	return published - taken < HASHTAP_SLOTS || atomic_load(&h->closing);
}

/* Waits until the condition holds: spins first (see the top), then sleeps.
 * hashtap_changed() wakes sleepers; the sleeper count, read after each
 * change, and the check under the lock keep a wake-up from being lost. */
static void hashtap_await(struct hashtap *h, enum hashtap_cond c)
{
	if (hashtap_ready(h, c))
		return;
	if (h->spin) {
		long until = hashtap_ns() + HASHTAP_SPIN_NS;
		do {
			for (int i = 0; i < 64; i++) {
				hashtap_pause();
				if (hashtap_ready(h, c))
					return;
			}
		} while (hashtap_ns() < until);
	}
	pthread_mutex_lock(&h->lock);
	atomic_fetch_add(&h->sleepers, 1);
	while (!hashtap_ready(h, c))
		pthread_cond_wait(&h->changed, &h->lock);
	atomic_fetch_sub(&h->sleepers, 1);
	pthread_mutex_unlock(&h->lock);
}

static void hashtap_changed(struct hashtap *h)
{
	if (!h->threaded || atomic_load(&h->sleepers) == 0)
		return;
	pthread_mutex_lock(&h->lock);
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

/* Reads up to want bytes at off, retrying short reads: the count (less only
 * at the end of the file), or -1 with errno set. */
static ssize_t hashtap_pread(int fd, unsigned char *buf, size_t want, off_t off)
{
	size_t got = 0;
	while (got < want) {
		ssize_t r = pread(fd, buf + got, want - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Fills and publishes one slot. Returns false when there is nothing more
 * to read (every attachment done, or a read failed). */
static bool hashtap_read_one(struct hashtap *h, struct hashtap_reader *rd)
{
	if (rd->att >= h->n || h->failed)
		return false;
	uint64_t published = atomic_load(&h->published);
	struct hashtap_slot *s = &h->slot[published % HASHTAP_SLOTS];
	s->att = rd->att;
	s->err = 0;
	if (rd->at_end) {
		sha256_final(&rd->ctx, h->digests[rd->att]);
		sha256_init(&rd->ctx);
		s->len = 0;
		rd->att++;
		rd->off = 0;
		rd->at_end = false;
		h->ended++;
	} else {
		s->len = hashtap_pread(h->fds[rd->att], s->buf, HASHTAP_PIECE, rd->off);
		if (s->len < 0) {
			s->err = errno;
			h->failed = true;
		} else {
			sha256_update(&rd->ctx, s->buf, (size_t)s->len);
			rd->off += (off_t)s->len;
			rd->at_end = (size_t)s->len < HASHTAP_PIECE;
			if (s->len == 0) { /* the end fell on a piece boundary */
				sha256_final(&rd->ctx, h->digests[rd->att]);
				sha256_init(&rd->ctx);
				rd->att++;
				rd->off = 0;
				rd->at_end = false;
				h->ended++;
			}
		}
	}
	atomic_store(&h->published, published + 1);
	hashtap_changed(h);
	return true;
}

static void *hashtap_main(void *arg)
{
	struct hashtap *h = arg;
	struct hashtap_reader rd = {0};
	sha256_init(&rd.ctx);
	for (;;) {
		hashtap_await(h, HASHTAP_HAS_ROOM);
		if (atomic_load(&h->closing) || !hashtap_read_one(h, &rd))
			break;
	}
	atomic_store(&h->reader_done, true);
	hashtap_changed(h);
	return NULL;
}

static ssize_t hashtap_next(void *ctx, size_t att, const void **data)
{
	struct hashtap *h = ctx;
	if (h->holding) {
		atomic_fetch_add(&h->taken, 1);
		h->holding = false;
		hashtap_changed(h);
	}
	if (h->threaded) {
		/* Past the last attachment, or after a failed read, the thread
		 * publishes nothing more: do not wait for it. */
		if (att >= h->n) {
			h->protocol = true;
			errno = EPROTO;
			return -1;
		}
		hashtap_await(h, HASHTAP_HAS_PIECE);
		if (atomic_load(&h->taken) == atomic_load(&h->published)) {
			h->protocol = true; /* asked for more than there is */
			errno = EPROTO;
			return -1;
		}
	} else {
		if (!hashtap_read_one(h, &h->inline_rd)) {
			h->protocol = true;
			errno = EPROTO;
			return -1;
		}
	}
	struct hashtap_slot *s = &h->slot[atomic_load(&h->taken) % HASHTAP_SLOTS];
	if (s->att != att) {
		h->protocol = true;
		errno = EPROTO;
		return -1;
	}
	h->holding = true;
	if (s->len < 0) {
		errno = s->err;
		return -1;
	}
	*data = s->buf;
	return s->len;
}

/* Two or more CPUs this process may run on. */
static bool hashtap_multicore(void)
{
#ifdef CPU_COUNT
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		return CPU_COUNT(&set) > 1;
#endif
	return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

struct hashtap *hashtap_start(const int *fds, size_t n)
{
	struct hashtap *h = xcalloc(1, sizeof *h);
	sha256_init(&h->inline_rd.ctx);
	h->fds = fds;
	h->n = n;
	h->digests = xcalloc(n ? n : 1, sizeof *h->digests);
	h->source = (struct mime_source){.next = hashtap_next, .ctx = h};
	atomic_init(&h->published, 0);
	atomic_init(&h->taken, 0);
	atomic_init(&h->closing, false);
	atomic_init(&h->reader_done, false);
	atomic_init(&h->sleepers, 0);
	if (n == 0)
		return h;
	for (int i = 0; i < HASHTAP_SLOTS; i++)
		h->slot[i].buf = xmalloc(HASHTAP_PIECE);
	if (pthread_mutex_init(&h->lock, NULL) == 0) {
		if (pthread_cond_init(&h->changed, NULL) == 0) {
			h->spin = hashtap_multicore();
			h->threaded = true; /* before the thread can look */
			if (pthread_create(&h->thread, NULL, hashtap_main, h) != 0) {
				h->threaded = false;
				pthread_cond_destroy(&h->changed);
			}
		}
		if (!h->threaded)
			pthread_mutex_destroy(&h->lock);
	}
	return h;
}

const struct mime_source *hashtap_source(struct hashtap *h)
{
	return &h->source;
}

bool hashtap_finish(struct hashtap *h, unsigned char (*digests)[SHA256_DIGEST_LEN])
{
	if (h->threaded) {
		atomic_store(&h->closing, true);
		pthread_mutex_lock(&h->lock);
		pthread_cond_broadcast(&h->changed);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->thread, NULL);
		pthread_cond_destroy(&h->changed);
		pthread_mutex_destroy(&h->lock);
	}
	/* Every attachment's end mark published and taken by next(). */
	uint64_t taken = atomic_load(&h->taken) + (h->holding ? 1 : 0);
	bool ok =
	    !h->failed && !h->protocol && h->ended == h->n && taken == atomic_load(&h->published);
	if (ok && h->n)
		memcpy(digests, h->digests, h->n * sizeof *h->digests);
	for (int i = 0; i < HASHTAP_SLOTS; i++)
		free(h->slot[i].buf);
	free(h->digests);
	free(h);
	return ok;
}
