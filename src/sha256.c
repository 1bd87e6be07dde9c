/* sha256.c - SHA-256 as specified in FIPS 180-4, section 6.2. */
#include "sha256.h"

#include <stdatomic.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SHA256_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the
 * cube roots of the first 64 primes. */
static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t sha256_ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t sha256_load_be(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void sha256_store_be(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* One 512-bit block: message schedule and 64 rounds (section 6.2.2). */
static void sha256_block(struct sha256 *c, const unsigned char *p)
{
	uint32_t w[64];
	for (int t = 0; t < 16; t++)
		w[t] = sha256_load_be(p + 4 * t);
	for (int t = 16; t < 64; t++) {
		uint32_t s0 =
		    sha256_ror(w[t - 15], 7) ^ sha256_ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 =
		    sha256_ror(w[t - 2], 17) ^ sha256_ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
	uint32_t e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
	for (int t = 0; t < 64; t++) {
		uint32_t S1 = sha256_ror(e, 6) ^ sha256_ror(e, 11) ^ sha256_ror(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = h + S1 + ch + sha256_k[t] + w[t];
		uint32_t S0 = sha256_ror(a, 2) ^ sha256_ror(a, 13) ^ sha256_ror(a, 22);
		uint32_t maj = (a & b) ^ (a & cc) ^ (b & cc);
		uint32_t t2 = S0 + maj;
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = cc;
		cc = b;
		b = a;
		a = t1 + t2;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += cc;
	c->h[3] += d;
	c->h[4] += e;
	c->h[5] += f;
	c->h[6] += g;
	c->h[7] += h;
}

#ifdef SHA256_SHANI
/* The same compression with the x86 SHA extensions (Intel since Goldmont
 * and Ice Lake, AMD since Zen): about ten times faster, which matters for
 * fingerprinting megabytes of attachments. The state is kept as ABEF/CDGH
 * as sha256rnds2 wants it; each group of four rounds also extends the
 * message schedule for the groups ahead. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
sha256_blocks_shani(uint32_t h[8], const unsigned char *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i tmp = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
	__m128i st1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);         /* CDAB */
	st1 = _mm_shuffle_epi32(st1, 0x1B);         /* EFGH */
	__m128i st0 = _mm_alignr_epi8(tmp, st1, 8); /* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xF0);      /* CDGH */
	for (; n; n--, p += 64) {
		__m128i abef = st0, cdgh = st1, x[4];
		for (int i = 0; i < 4; i++)
			x[i] = _mm_shuffle_epi8(
			    _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)), bswap);
		for (int g = 0; g < 16; g++) {
			__m128i k =
			    _mm_loadu_si128((const __m128i *)(const void *)&sha256_k[4 * g]);
			__m128i msg = _mm_add_epi32(x[g & 3], k);
			st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
			if (g >= 3 && g <= 14) {
				/* w[4g+4..4g+7] from the four groups before */
				__m128i t = _mm_alignr_epi8(x[g & 3], x[(g - 1) & 3], 4);
				x[(g + 1) & 3] = _mm_add_epi32(x[(g + 1) & 3], t);
				x[(g + 1) & 3] = _mm_sha256msg2_epu32(x[(g + 1) & 3], x[g & 3]);
			}
			msg = _mm_shuffle_epi32(msg, 0x0E);
			st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
			if (g >= 1 && g <= 12)
				x[(g + 3) & 3] = _mm_sha256msg1_epu32(x[(g + 3) & 3], x[g & 3]);
		}
		st0 = _mm_add_epi32(st0, abef);
		st1 = _mm_add_epi32(st1, cdgh);
	}
	tmp = _mm_shuffle_epi32(st0, 0x1B);    /* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xB1);    /* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xF0); /* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);    /* HGFE */
	_mm_storeu_si128((__m128i *)(void *)&h[0], st0);
	_mm_storeu_si128((__m128i *)(void *)&h[4], st1);
}

/* CPUID: leaf 7 EBX bit 29 (SHA), leaf 1 ECX bits 19 (SSE4.1) and 9 (SSSE3). */
static bool sha256_cpu_has_shani(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9)))
		return false;
	if (__get_cpuid_max(0, NULL) < 7)
		return false;
	__cpuid_count(7, 0, a, b, c, d);
	return (b & (1u << 29)) != 0;
}
#endif

/* -1: not decided yet; 0: portable code; 1: SHA extensions. Atomic: the
 * duplicate fingerprint hashes attachments in a second thread (main.c),
 * and either thread may be the first to decide (always the same way). */
static _Atomic int sha256_hw = -1;

void sha256_force_portable(bool on)
{
	atomic_store_explicit(&sha256_hw, on ? 0 : -1, memory_order_relaxed);
}

/* n whole blocks from p. */
static void sha256_blocks(struct sha256 *c, const unsigned char *p, size_t n)
{
#ifdef SHA256_SHANI
	int hw = atomic_load_explicit(&sha256_hw, memory_order_relaxed);
	if (hw < 0) {
		hw = sha256_cpu_has_shani();
		atomic_store_explicit(&sha256_hw, hw, memory_order_relaxed);
	}
	if (hw) {
		sha256_blocks_shani(c->h, p, n);
		return;
	}
#endif
	for (; n; n--, p += 64)
		sha256_block(c, p);
}

void sha256_init(struct sha256 *c)
{
	/* Section 5.3.3: initial hash value. */
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof iv);
	c->total = 0;
	c->used = 0;
}

void sha256_update(struct sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	c->total += len;
	if (c->used) {
		size_t take = 64 - c->used < len ? 64 - c->used : len;
		memcpy(c->block + c->used, p, take);
		c->used += take;
		p += take;
		len -= take;
		if (c->used < 64)
			return;
		sha256_blocks(c, c->block, 1);
		c->used = 0;
	}
	sha256_blocks(c, p, len / 64);
	p += len / 64 * 64;
	len %= 64;
	memcpy(c->block, p, len);
	c->used = len;
}

void sha256_final(struct sha256 *c, unsigned char digest_out[SHA256_DIGEST_LEN])
{
	/* Section 5.1.1: a 1 bit, zeros, then the length in bits (64-bit big endian). */
	uint64_t bits = c->total * 8;
	c->block[c->used++] = 0x80;
	if (c->used > 56) {
		memset(c->block + c->used, 0, 64 - c->used);
		sha256_blocks(c, c->block, 1);
		c->used = 0;
	}
	memset(c->block + c->used, 0, 56 - c->used);
	for (int i = 0; i < 8; i++)
		c->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_blocks(c, c->block, 1);
	for (int i = 0; i < 8; i++)
		sha256_store_be(digest_out + 4 * i, c->h[i]);
	memset(c, 0, sizeof *c);
}

void sha256_hex(const unsigned char digest[SHA256_DIGEST_LEN], char hex_out[SHA256_HEX_LEN + 1])
{
	static const char xd[] = "0123456789abcdef";
	for (int i = 0; i < SHA256_DIGEST_LEN; i++) {
		hex_out[2 * i] = xd[digest[i] >> 4];
		hex_out[2 * i + 1] = xd[digest[i] & 15];
	}
	hex_out[SHA256_HEX_LEN] = '\0';
}

void sha256_hex_of(const void *data, size_t len, char hex_out[SHA256_HEX_LEN + 1])
{
	struct sha256 c;
	unsigned char d[SHA256_DIGEST_LEN];
	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, d);
	sha256_hex(d, hex_out);
}
