/* SPDX-License-Identifier: MIT */
/*
 * rtc.c - the CMOS real-time clock at ports 0x70 (index) and 0x71 (data),
 * reading the host's time.
 *
 * Article: §1.3 (the VMM emulates the devices a guest expects).  Linux
 * reads the wall-clock time from the MC146818 RTC once at boot.  Without
 * one, every read is 0xff: the "update in progress" bit never clears, and
 * the kernel polls about 10,000 times, 20,000 VM-exits, before it gives up
 * ("Unable to read current time from RTC").  Answering a handful of
 * registers from the host's clock costs nothing and saves all of that.
 *
 *   0x00 seconds  0x02 minutes  0x04 hours  0x06 weekday  0x07 day
 *   0x08 month    0x09 year     0x32 century
 *   0x0a status A (bit 7: update in progress, never)   0x0b status B
 *   (binary mode, 24 hours)     0x0d status D (bit 7: the battery is fine)
 *
 * Left out: setting the time, alarms, the periodic interrupt (IRQ 8), and
 * the CMOS memory beyond the clock (reads are 0).
 */
#include <string.h>
#include <time.h>

#include "kit/kvm.h"

#define STATUS_B_24H    0x02
#define STATUS_B_BINARY 0x04
#define STATUS_D_VALID  0x80

void kit_rtc_init(struct kit_rtc *rtc)
{
	memset(rtc, 0, sizeof(*rtc));
}

static uint8_t rtc_register(unsigned index)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (index) {
	case 0x00: return (uint8_t)tm.tm_sec;
	case 0x02: return (uint8_t)tm.tm_min;
	case 0x04: return (uint8_t)tm.tm_hour;
	case 0x06: return (uint8_t)(tm.tm_wday + 1);
	case 0x07: return (uint8_t)tm.tm_mday;
	case 0x08: return (uint8_t)(tm.tm_mon + 1);
	case 0x09: return (uint8_t)(tm.tm_year % 100);
	case 0x32: return (uint8_t)(19 + tm.tm_year / 100);
	case 0x0a: return 0x26; /* 32.768 kHz, 1024 Hz; never updating */
	case 0x0b: return STATUS_B_24H | STATUS_B_BINARY;
	case 0x0d: return STATUS_D_VALID;
	default: return 0;
	}
}

void kit_rtc_io(struct kit_vm *vm, void *dev, uint64_t offset, bool is_write,
		uint8_t *data, unsigned size)
{
	struct kit_rtc *rtc = dev;

	(void)vm;
	if (offset == 0) { /* 0x70: select a register; bit 7 masks NMIs */
		if (is_write)
			rtc->index = data[0] & 0x7f;
		else
			memset(data, 0xff, size);
		return;
	}
	if (is_write)
		return; /* the guest may not set our clock */
	memset(data, 0, size);
	data[0] = rtc_register(rtc->index);
}
