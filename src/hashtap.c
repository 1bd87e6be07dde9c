/* hashtap.c - attachments read ahead and hashed on a second thread.
 *
 * The attachments are cut into pieces of whole base64 lines, each with its
 * place in a plan made from the sizes the files had when they were
 * accepted, and each attachment closed by an end mark. A ring of
 * HASHTAP_SLOTS buffers holds the pieces in flight: piece i uses slot
 * i % HASHTAP_SLOTS, once mime_write() has given back piece i - SLOTS.
 *
 * Three kinds of work: reading a piece from the page cache into its slot,
 * hashing the pieces in order (only the thread does that, keeping each
 * attachment's SHA-256), and encoding and writing them in order (only the
 * caller, in mime_write(), through next()). Reading goes to whichever side
 * is free: the next unread piece is claimed with a compare-and-swap. Per
 * byte, hashing and copying cost the thread more than encoding and writing
 * cost the caller, so the caller, instead of waiting for its next piece,
 * reads the ones after it; with four 8 MiB files the caller now reads
 * about two pieces in three and neither side waits long for the other.
 *
 * Either side spins for a short while before it sleeps. That is not for the
 * futex's cost: a thread woken for every piece is placed by the scheduler
 * on the CPU of the thread that woke it (they share the data), so the two
 * ended up taking turns on one CPU while the other stayed idle. A side that
 * is still spinning when the other moves needs no wake-up and stays where it
 * is. With one CPU there is no spinning: it could only keep the other side
 * from running.
 *
 * A file that is shorter than planned when a piece is read gives a short
 * piece (then empty ones): mime_write() reports it as shrunk, and no
 * digests are given. A file that grew is mime_write()'s to notice.
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
#define HASHTAP_SPIN_NS INT64_C(1000000)

struct hashtap_piece {
	size_t att;
	uint64_t off;
	size_t len; /* 0: the attachment's end mark */
};

struct hashtap_slot {
	ssize_t len; /* as read: <= the piece's, -1 on a read error */
	int err;
	unsigned char *buf;
	_Atomic uint64_t read; /* piece index + 1 once read into buf */
};

struct hashtap {
	struct mime_source source;
	const int *fds;
	size_t n;
	struct hashtap_piece *plan;
	uint64_t npieces;
	unsigned char (*digests)[SHA256_DIGEST_LEN];
	/* The hashing side (the thread; the caller when there is none). */
	struct sha256 ctx;
	size_t ended; /* attachments whose end mark was hashed */
	bool failed;  /* a read failed or came up short */
	/* The caller's side. */
	bool protocol; /* next() asked for the wrong attachment */
	bool holding;  /* next() returned a piece not yet given back */
	bool threaded;
	bool spin;
	pthread_t thread;
	struct hashtap_slot slot[HASHTAP_SLOTS];
	/* Pieces [0, next_read) are claimed for reading; [0, hashed) are
	 * hashed and may go to next(); [0, taken) were given back by it. */
	_Atomic uint64_t next_read, hashed, taken;
	_Atomic bool closing;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	_Atomic int sleepers;
};

static int64_t hashtap_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void hashtap_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Wakes a side that sleeps; called after every change of the counters. */
static void hashtap_changed(struct hashtap *h)
{
	if (!h->threaded || atomic_load(&h->sleepers) == 0)
		return;
	pthread_mutex_lock(&h->lock);
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

/* A piece that may be read now: the next unclaimed one, when its slot is
 * free. */
static bool hashtap_can_read(struct hashtap *h)
{
	uint64_t k = atomic_load(&h->next_read);
	return k < h->npieces && k < atomic_load(&h->taken) + HASHTAP_SLOTS;
}

/* Claims the next piece and reads it into its slot, if there is one to
 * read now. Either side calls this. */
static bool hashtap_read_one(struct hashtap *h)
{
	uint64_t k = atomic_load(&h->next_read);
	do {
		if (k >= h->npieces || k >= atomic_load(&h->taken) + HASHTAP_SLOTS)
			return false;
	} while (!atomic_compare_exchange_weak(&h->next_read, &k, k + 1));
	const struct hashtap_piece *p = &h->plan[k];
	struct hashtap_slot *s = &h->slot[k % HASHTAP_SLOTS];
	s->err = 0;
	s->len = 0;
	if (p->len > 0) {
		s->len = util_pread_full(h->fds[p->att], s->buf, p->len, (off_t)p->off);
		if (s->len < 0)
			s->err = errno;
	}
	atomic_store(&s->read, k + 1);
	hashtap_changed(h);
	return true;
}

/* Hashes piece h->hashed, which has been read. */
static void hashtap_hash_one(struct hashtap *h)
{
	uint64_t k = atomic_load(&h->hashed);
	const struct hashtap_piece *p = &h->plan[k];
	const struct hashtap_slot *s = &h->slot[k % HASHTAP_SLOTS];
	if (s->len < 0 || (size_t)s->len < p->len)
		h->failed = true;
	if (!h->failed) {
		if (p->len > 0) {
			sha256_update(&h->ctx, s->buf, (size_t)s->len);
		} else {
			sha256_final(&h->ctx, h->digests[p->att]);
			sha256_init(&h->ctx);
			h->ended++;
		}
	}
	atomic_store(&h->hashed, k + 1);
	hashtap_changed(h);
}

/* Piece k is read. */
static bool hashtap_is_read(struct hashtap *h, uint64_t k)
{
	return atomic_load(&h->slot[k % HASHTAP_SLOTS].read) == k + 1;
}

/* Waits for ready(h, k), reading pieces meanwhile when there are any to
 * read: spins first (see the top), then sleeps. hashtap_changed() wakes
 * sleepers; the sleeper count, read after each change, and the check under
 * the lock keep a wake-up from being lost. */
static void hashtap_await(struct hashtap *h, bool (*ready)(struct hashtap *, uint64_t), uint64_t k)
{
	for (;;) {
		int64_t until = 0;
		for (;;) {
			if (ready(h, k) || atomic_load(&h->closing))
				return;
			if (hashtap_read_one(h)) {
				until = 0;
				continue;
			}
			if (!h->spin)
				break;
			if (!until)
				until = hashtap_ns() + HASHTAP_SPIN_NS;
			else if (hashtap_ns() >= until)
				break;
			for (int i = 0; i < 64 && !ready(h, k) && !hashtap_can_read(h); i++)
				hashtap_pause();
		}
		pthread_mutex_lock(&h->lock);
		atomic_fetch_add(&h->sleepers, 1);
		while (!ready(h, k) && !atomic_load(&h->closing) && !hashtap_can_read(h))
			pthread_cond_wait(&h->changed, &h->lock);
		atomic_fetch_sub(&h->sleepers, 1);
		pthread_mutex_unlock(&h->lock);
		/* Woken by the condition, or to read: look again. */
	}
}

static bool hashtap_is_hashed(struct hashtap *h, uint64_t k)
{
	return atomic_load(&h->hashed) > k;
}

static void *hashtap_main(void *arg)
{
	struct hashtap *h = arg;
	for (uint64_t k = 0; k < h->npieces; k++) {
		hashtap_await(h, hashtap_is_read, k);
		if (atomic_load(&h->closing))
			break;
		hashtap_hash_one(h);
	}
	return NULL;
}

static ssize_t hashtap_refuse(struct hashtap *h)
{
	h->protocol = true;
	errno = EPROTO;
	return -1;
}

static ssize_t hashtap_next(void *ctx, size_t att, const void **data)
{
	struct hashtap *h = ctx;
	if (h->holding) {
		atomic_fetch_add(&h->taken, 1);
		h->holding = false;
		hashtap_changed(h);
	}
	uint64_t k = atomic_load(&h->taken);
	if (k >= h->npieces || h->plan[k].att != att)
		return hashtap_refuse(h);
	if (h->threaded) {
		hashtap_await(h, hashtap_is_hashed, k);
	} else {
		while (!hashtap_is_read(h, k))
			hashtap_read_one(h);
		hashtap_hash_one(h);
	}
	const struct hashtap_slot *s = &h->slot[k % HASHTAP_SLOTS];
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
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		return CPU_COUNT(&set) > 1;
	return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

struct hashtap *hashtap_start(const int *fds, const uint64_t *sizes, size_t n)
{
	struct hashtap *h = xcalloc(1, sizeof *h);
	sha256_init(&h->ctx);
	h->fds = fds;
	h->n = n;
	h->digests = xcalloc(n ? n : 1, sizeof *h->digests);
	h->source = (struct mime_source){.next = hashtap_next, .ctx = h};
	for (size_t a = 0; a < n; a++)
		h->npieces += (sizes[a] + HASHTAP_PIECE - 1) / HASHTAP_PIECE + 1;
	h->plan = xcalloc(h->npieces ? h->npieces : 1, sizeof *h->plan);
	uint64_t k = 0;
	for (size_t a = 0; a < n; a++) {
		for (uint64_t off = 0; off < sizes[a]; off += HASHTAP_PIECE) {
			uint64_t left = sizes[a] - off;
			h->plan[k++] = (struct hashtap_piece){
			    .att = a,
			    .off = off,
			    .len = left < HASHTAP_PIECE ? (size_t)left : HASHTAP_PIECE};
		}
		h->plan[k++] = (struct hashtap_piece){.att = a};
	}
	atomic_init(&h->next_read, 0);
	atomic_init(&h->hashed, 0);
	atomic_init(&h->taken, 0);
	atomic_init(&h->closing, false);
	atomic_init(&h->sleepers, 0);
	for (int i = 0; i < HASHTAP_SLOTS; i++)
		atomic_init(&h->slot[i].read, 0);
	if (n == 0)
		return h;
	for (int i = 0; i < HASHTAP_SLOTS; i++)
		h->slot[i].buf = xmalloc(HASHTAP_PIECE);
	if (pthread_mutex_init(&h->lock, NULL) == 0) {
		if (pthread_cond_init(&h->changed, NULL) == 0) {
			h->spin = hashtap_multicore();
			h->threaded = true; /* before the thread can look */
			if (util_thread_start(&h->thread, hashtap_main, h) != 0) {
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
	/* Every piece hashed and taken by next() (the last one may still be
	 * held: it is the last end mark). */
	uint64_t taken = atomic_load(&h->taken) + (h->holding ? 1 : 0);
	bool ok = !h->failed && !h->protocol && h->ended == h->n && taken == h->npieces &&
	          atomic_load(&h->hashed) == h->npieces;
	if (ok && h->n)
		memcpy(digests, h->digests, h->n * sizeof *h->digests);
	for (int i = 0; i < HASHTAP_SLOTS; i++)
		free(h->slot[i].buf);
	free(h->plan);
	free(h->digests);
	free(h);
	return ok;
}
