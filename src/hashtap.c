/* hashtap.c - attachment digests on a second thread, from mime's reads.
 *
 * A single-producer, single-consumer ring of chunks between mime_write()
 * (the producer) and the hashing thread. Chunks arrive in order, so the
 * thread keeps one running SHA-256 and closes it at each end-of-attachment
 * mark. The producer waits only before it reuses a buffer the thread may
 * still be reading (tap wait) or when the ring is full.
 *
 * Either side spins for a short while before it sleeps. That is not for the
 * futex's cost: a thread woken for every chunk is placed by the scheduler
 * on the CPU of the thread that woke it (they share the data), so the two
 * ended up taking turns on one CPU while the other stayed idle. A consumer
 * that is still spinning when the next chunk arrives needs no wake-up and
 * stays where it is. With one CPU there is no spinning: it could only keep
 * the other side from running.
 */
#include "hashtap.h"

#include "util.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { HASHTAP_QUEUE = 8 };
/* How long a side spins for the other before it sleeps: longer than the
 * producer takes per chunk (read, encode and write 192 KiB: about 0.3 ms). */
#define HASHTAP_SPIN_NS 1000000L

struct hashtap_item {
	size_t att;
	const void *data; /* NULL: the end of attachment att */
	size_t len;
};

struct hashtap {
	struct mime_tap tap;
	size_t n;
	unsigned char (*digests)[SHA256_DIGEST_LEN];
	/* The hashing side's state (the thread's while it runs, the caller's
	 * when there is none). */
	struct sha256 ctx;
	size_t ended; /* attachments completed, in order */
	bool broken;  /* a chunk out of order */
	/* The ring: items [done, pushed) are waiting or being hashed. */
	bool threaded;
	bool spin;
	pthread_t thread;
	struct hashtap_item q[HASHTAP_QUEUE];
	_Atomic uint64_t pushed, done;
	_Atomic bool closing;
	/* Sleeping, when spinning was not enough. */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	_Atomic int sleepers;
};

static void hashtap_consume(struct hashtap *h, size_t att, const void *data, size_t len)
{
	if (h->broken)
		return;
	if (att != h->ended || h->ended >= h->n) {
		h->broken = true;
		return;
	}
	if (data) {
		sha256_update(&h->ctx, data, len);
		return;
	}
	sha256_final(&h->ctx, h->digests[h->ended]);
	h->ended++;
	sha256_init(&h->ctx);
}

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

enum hashtap_cond { HASHTAP_HAS_ITEM, HASHTAP_HAS_ROOM, HASHTAP_DONE_PAST };

static bool hashtap_ready(struct hashtap *h, enum hashtap_cond c, uint64_t seq)
{
	uint64_t pushed = atomic_load(&h->pushed), done = atomic_load(&h->done);
	switch (c) {
	case HASHTAP_HAS_ITEM:
		return done < pushed || atomic_load(&h->closing);
	case HASHTAP_HAS_ROOM:
		return pushed - done < HASHTAP_QUEUE;
	case HASHTAP_DONE_PAST:
		return done > seq || done >= pushed;
	}
	return true;
}

/* Waits until the condition holds: spins first (see the top), then sleeps.
 * A side that changes the ring wakes sleepers (hashtap_changed()); the
 * counter and the check under the lock keep a wake-up from being lost. */
static void hashtap_await(struct hashtap *h, enum hashtap_cond c, uint64_t seq)
{
	if (hashtap_ready(h, c, seq))
		return;
	if (h->spin) {
		long until = hashtap_ns() + HASHTAP_SPIN_NS;
		do {
			for (int i = 0; i < 64; i++) {
				hashtap_pause();
				if (hashtap_ready(h, c, seq))
					return;
			}
		} while (hashtap_ns() < until);
	}
	pthread_mutex_lock(&h->lock);
	atomic_fetch_add(&h->sleepers, 1);
	while (!hashtap_ready(h, c, seq))
		pthread_cond_wait(&h->changed, &h->lock);
	atomic_fetch_sub(&h->sleepers, 1);
	pthread_mutex_unlock(&h->lock);
}

static void hashtap_changed(struct hashtap *h)
{
	if (atomic_load(&h->sleepers) == 0)
		return;
	pthread_mutex_lock(&h->lock);
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

static void *hashtap_main(void *arg)
{
	struct hashtap *h = arg;
	for (;;) {
		hashtap_await(h, HASHTAP_HAS_ITEM, 0);
		uint64_t done = atomic_load(&h->done);
		if (done == atomic_load(&h->pushed))
			break; /* closing, and nothing left */
		const struct hashtap_item *it = &h->q[done % HASHTAP_QUEUE];
		hashtap_consume(h, it->att, it->data, it->len);
		atomic_store(&h->done, done + 1);
		hashtap_changed(h);
	}
	return NULL;
}

static void hashtap_chunk(void *ctx, size_t att, const void *data, size_t len)
{
	struct hashtap *h = ctx;
	if (!h->threaded) {
		hashtap_consume(h, att, data, len);
		atomic_fetch_add(&h->pushed, 1);
		atomic_fetch_add(&h->done, 1);
		return;
	}
	hashtap_await(h, HASHTAP_HAS_ROOM, 0);
	uint64_t pushed = atomic_load(&h->pushed);
	h->q[pushed % HASHTAP_QUEUE] = (struct hashtap_item){.att = att, .data = data, .len = len};
	atomic_store(&h->pushed, pushed + 1);
	hashtap_changed(h);
}

static void hashtap_wait(void *ctx, uint64_t seq)
{
	struct hashtap *h = ctx;
	if (h->threaded)
		hashtap_await(h, HASHTAP_DONE_PAST, seq);
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

struct hashtap *hashtap_start(size_t n)
{
	struct hashtap *h = xcalloc(1, sizeof *h);
	h->n = n;
	h->digests = xcalloc(n ? n : 1, sizeof *h->digests);
	h->tap = (struct mime_tap){.chunk = hashtap_chunk, .wait = hashtap_wait, .ctx = h};
	sha256_init(&h->ctx);
	atomic_init(&h->pushed, 0);
	atomic_init(&h->done, 0);
	atomic_init(&h->closing, false);
	atomic_init(&h->sleepers, 0);
	if (n > 0 && pthread_mutex_init(&h->lock, NULL) == 0) {
		if (pthread_cond_init(&h->changed, NULL) == 0) {
			h->spin = hashtap_multicore();
			if (pthread_create(&h->thread, NULL, hashtap_main, h) == 0)
				h->threaded = true;
			else
				pthread_cond_destroy(&h->changed);
		}
		if (!h->threaded)
			pthread_mutex_destroy(&h->lock);
	}
	return h;
}

const struct mime_tap *hashtap_mime(struct hashtap *h)
{
	return &h->tap;
}

bool hashtap_finish(struct hashtap *h, unsigned char (*digests)[SHA256_DIGEST_LEN])
{
	if (h->threaded) {
		atomic_store(&h->closing, true);
		hashtap_changed(h);
		pthread_join(h->thread, NULL);
		pthread_cond_destroy(&h->changed);
		pthread_mutex_destroy(&h->lock);
	}
	bool ok = !h->broken && h->ended == h->n;
	if (ok && h->n)
		memcpy(digests, h->digests, h->n * sizeof *h->digests);
	free(h->digests);
	free(h);
	return ok;
}
