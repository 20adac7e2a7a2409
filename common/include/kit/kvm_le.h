/* SPDX-License-Identifier: MIT */
/*
 * kit/kvm_le.h - reading and writing little-endian fields in guest memory
 * and in emulated device registers (PCI config space, virtio rings).
 *
 * Guest structures are little-endian whatever the host is, and their
 * fields are not always aligned, so the VMM assembles them byte by byte
 * instead of casting pointers.
 */
#ifndef KIT_KVM_LE_H
#define KIT_KVM_LE_H

#include <stdint.h>

static inline uint16_t kit_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t kit_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void kit_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void kit_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void kit_put_le64(uint8_t *p, uint64_t v)
{
	kit_put_le32(p, (uint32_t)v);
	kit_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif /* KIT_KVM_LE_H */
