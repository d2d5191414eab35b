/* Content digests: streaming sha256 through libcrypto and the OCI digest
 * strings ("sha256:" followed by 64 lowercase hex digits) that name blobs,
 * layers and images in the store. */
#ifndef HULL_DIGEST_H
#define HULL_DIGEST_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>

#define HULL_DIGEST_ALGO    "sha256"
#define HULL_DIGEST_PREFIX  "sha256:"
#define HULL_SHA256_HEX_LEN 64
/* "sha256:" + 64 hex digits + NUL */
#define HULL_DIGEST_SIZE (sizeof(HULL_DIGEST_PREFIX) + HULL_SHA256_HEX_LEN)

/* A running sha256.  Update never fails visibly: a libcrypto failure is
 * remembered and reported by hull_sha256_final(), so hashing callbacks
 * (libarchive's read callbacks) need no error path of their own. */
struct hull_sha256;

/* Returns a new context, or -1 if libcrypto cannot provide sha256. */
int hull_sha256_new(struct hull_sha256 **out, hull_error **err);
void hull_sha256_update(struct hull_sha256 *h, const void *data, size_t len);

/* Writes "sha256:<hex>" into OUT.  The context can not be updated after. */
int hull_sha256_final(struct hull_sha256 *h, char out[HULL_DIGEST_SIZE], hull_error **err);
void hull_sha256_free(struct hull_sha256 *h);
void hull_sha256_freep(struct hull_sha256 **h);
#define _cleanup_sha256_ __attribute__((cleanup(hull_sha256_freep)))

/* The digest of a buffer, "sha256:<hex>". */
int hull_sha256_buf(const void *data, size_t len, char out[HULL_DIGEST_SIZE], hull_error **err);

/* The digest of everything readable from FD (read to its end). */
int hull_sha256_fd(int fd, char out[HULL_DIGEST_SIZE], hull_error **err);

/* Checks that S is an OCI digest this store can use: "sha256:" and exactly
 * 64 lowercase hex digits.  Other well-formed algorithms ("sha512:...")
 * fail with "not supported"; anything else is a HULL_ERR_BAD_INPUT error
 * quoting S. */
int hull_digest_validate(const char *s, hull_error **err);

/* True if S is 64 lowercase hex digits (the encoded part of a digest). */
bool hull_digest_is_hex(const char *s);

/* The hex part of a valid digest ("sha256:abc..." -> "abc..."). */
const char *hull_digest_hex(const char *digest);

#endif
