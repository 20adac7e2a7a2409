/* SPDX-License-Identifier: MIT */
/*
 * guest-sum64.c - a 64-bit guest written in C, with no libc and no OS:
 * mini-vmm runs it with --mode long.  It computes a few things, prints
 * them on the serial port with OUT instructions (one VM-exit per byte),
 * and returns the number of primes below 100 (25) as its exit status.
 *
 * Built by chapters/01-kvm/chapter.mk with -ffreestanding and its own
 * linker script (guest-64.ld); entered through guest-start64.S.
 */
#include <stdint.h>

int main(void);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void putc_serial(char c)
{
	outb(0x3f8, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void put_u64(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_serial(&buf[i]);
}

static int is_prime(unsigned n)
{
	if (n < 2)
		return 0;
	for (unsigned d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

int main(void)
{
	uint64_t sum = 0, fib_a = 0, fib_b = 1;
	unsigned primes = 0;

	for (uint64_t i = 1; i <= 100; i++)
		sum += i;
	for (int i = 0; i < 90; i++) {
		uint64_t next = fib_a + fib_b;

		fib_a = fib_b;
		fib_b = next;
	}
	for (unsigned n = 0; n < 100; n++)
		primes += (unsigned)is_prime(n);

	puts_serial("Hello from long mode, in C!\n");
	puts_serial("sum(1..100) = ");
	put_u64(sum);
	puts_serial("\nfib(90) = ");
	put_u64(fib_a);
	puts_serial("\nprimes below 100: ");
	put_u64(primes);
	puts_serial("\n");
	return (int)primes;
}
