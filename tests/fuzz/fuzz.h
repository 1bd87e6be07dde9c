/* fuzz.h - shared by the libFuzzer targets and the replay driver.
 *
 * Each tests/fuzz/fuzz-<target>.c defines LLVMFuzzerTestOneInput. Built with
 * -Dfuzz=true (clang) they link libFuzzer; replay.c links them into a plain
 * program that runs every file of a corpus directory, so the corpus (seeds
 * and every crash found) is a regression test in every build.
 */
#ifndef TICKETMAIL_FUZZ_H
#define TICKETMAIL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold: print where and why, then abort() so that
 * libFuzzer saves the input and the replay test fails. */
#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, __LINE__,        \
			        #cond);                                                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Points TICKETMAIL_DATADIR at the source tree's share/ (FUZZ_SHARE_DIR,
 * set by tests/fuzz/meson.build) unless the environment already sets it. */
static inline void fuzz_use_source_share(void)
{
	if (!getenv("TICKETMAIL_DATADIR"))
		setenv("TICKETMAIL_DATADIR", FUZZ_SHARE_DIR, 1);
}

#endif
