/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4), for fingerprints: a refused token is logged and
 * recorded as a short prefix of its digest, never as itself.  Not for
 * anything that needs to be secret or fast.
 */
#ifndef SMW_SHA256_H
#define SMW_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SMW_SHA256_LEN	32
/* The fingerprint: the digest's first four bytes in lower-case hex. */
#define SMW_FINGERPRINT_LEN	8

/* The digest of len bytes at data, into out. */
void smw_sha256(const void *data, size_t len,
    uint8_t out[SMW_SHA256_LEN]);

/* The fingerprint of len bytes at data, NUL-terminated, into out. */
void smw_fingerprint(const void *data, size_t len,
    char out[SMW_FINGERPRINT_LEN + 1]);

#endif
