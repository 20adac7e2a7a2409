/* SPDX-License-Identifier: MIT */
/*
 * kit/base64.h - base64 (RFC 4648, with padding), as etcd's JSON gateway
 * sends keys and values and as the API server writes continue tokens.
 */
#ifndef KIT_BASE64_H
#define KIT_BASE64_H

#include <stddef.h>

/*
 * kit_base64_encode - encode @len bytes at @data into a new NUL-terminated
 * string (the caller frees it); NULL if out of memory.
 */
char *kit_base64_encode(const void *data, size_t len);

/*
 * kit_base64_decode - decode the NUL-terminated @text into a new buffer
 * (NUL-terminated too, for text; *len the byte count).  Returns NULL on
 * bad input (a character outside the alphabet, wrong padding or length)
 * or if out of memory.
 */
char *kit_base64_decode(const char *text, size_t *len);

#endif /* KIT_BASE64_H */
