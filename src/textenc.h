/* textenc.h - which encoding a text file is in, and its text as UTF-8.
 *
 * The secret scanner reads UTF-8, but a log saved on Windows is often
 * UTF-16 (Notepad's "Unicode", PowerShell's Out-File and ">"), sometimes
 * UTF-32, and on Chinese Windows GBK / GB18030. Read as bytes, such a file
 * shows the scanner nothing: every other byte of an English UTF-16 text is
 * a NUL. These helpers tell the encodings apart and decode them, so a file
 * is scanned as the text its reader would see.
 *
 * The decoders never fail: what does not decode becomes U+FFFD. Their
 * output may hold a secret: callers explicit_bzero() it before freeing it.
 */
#ifndef TICKETMAIL_TEXTENC_H
#define TICKETMAIL_TEXTENC_H

#include <stdbool.h>
#include <stddef.h>

/* How much of a file textenc_detect() looks at for UTF-16 without a byte
 * order mark: as much as libmagic reads to type it (src/attach.c). */
#define TEXTENC_SNIFF_BYTES (16 << 10)

enum textenc {
	TEXTENC_BYTES,   /* no BOM and not UTF-16: UTF-8 (maybe with its BOM),
	                    ASCII or a legacy 8-bit encoding */
	TEXTENC_UTF16LE, /* with BOM FF FE, or without one but clearly UTF-16 */
	TEXTENC_UTF16BE, /* with BOM FE FF, or without one but clearly UTF-16 */
	TEXTENC_UTF32LE, /* with BOM FF FE 00 00 */
	TEXTENC_UTF32BE, /* with BOM 00 00 FE FF */
};

/* The encoding of data[0..len); *bom_len (may be NULL) gets the length of
 * its byte order mark (0 when there is none; 3 for UTF-8's EF BB BF, which
 * comes with TEXTENC_BYTES). Without a BOM, UTF-16 is recognised in the
 * first TEXTENC_SNIFF_BYTES when they hold NUL bytes, decode in one byte
 * order without an unpaired surrogate, U+0000, a control character other
 * than tab, line feed, form feed and carriage return, or U+FFFE / U+FFFF,
 * and at least one in eight code units is ASCII (line ends, digits, spaces:
 * a log has them). Binary data fails this at once. */
enum textenc textenc_detect(const void *data, size_t len, size_t *bom_len);

/* data[0..len) decoded from enc (TEXTENC_UTF16* or TEXTENC_UTF32*; its
 * BOM, if any, skipped) to UTF-8, NUL-terminated; the byte length goes to
 * *len_out. Surrogate pairs are joined; an unpaired surrogate, a code point
 * above U+10FFFF, U+0000 and a partial code unit at the end become U+FFFD.
 * Allocated, caller frees (after explicit_bzero()). For TEXTENC_BYTES it
 * returns NULL. */
char *textenc_to_utf8(const void *data, size_t len, enum textenc enc, size_t *len_out);

/* The number of invalid UTF-8 sequences in data[0..len) (strict, as
 * utf8_decode(); each invalid byte counts once); 0 when it is valid. */
size_t textenc_utf8_errors(const void *data, size_t len);

/* data[0..len) decoded from GB18030 (which contains GBK and GB2312) to
 * UTF-8 with glibc's iconv(), NUL-terminated; the byte length goes to
 * *len_out and the number of bytes that did not decode to *bad_out.
 * Allocated, caller frees (after explicit_bzero()); NULL when iconv() has
 * no GB18030. */
char *textenc_gb18030_to_utf8(const void *data, size_t len, size_t *len_out, size_t *bad_out);

/* Whether data[0..len) has the byte structure of GB18030 text with Chinese
 * in it: only characters of one, two or four valid bytes, no NUL, and at
 * least one two-byte character, at least half of them in the GB2312 rows
 * (Latin-1 or other legacy text does not pass). */
bool textenc_looks_gb18030(const void *data, size_t len);

#endif
