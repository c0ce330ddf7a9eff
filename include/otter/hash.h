/* Hashing and checksums shared by every layer: feature hashing (MurmurHash3 x86_32,
 * as Vowpal Wabbit uses), the key groups of the state store, and blob checksums
 * (CRC32C, the Castagnoli polynomial). Pure functions; thread-safe.
 */
#ifndef OTTER_HASH_H
#define OTTER_HASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MurmurHash3_x86_32 of (data, len) with the given seed. Matches the reference
 * implementation bit for bit (little-endian reads). data may be NULL if len is 0. */
uint32_t otter_murmur3_32(const void *data, size_t len, uint32_t seed);

/* CRC32C of (data, len), continuing from crc (pass 0 to start). */
uint32_t otter_crc32c(uint32_t crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
