/* SPDX-License-Identifier: MIT */
/*
 * hog.c - kit-hog, the misbehaving program chapter 03's tests and demo put
 * inside a group, so that each limit has something to stop:
 *
 *   kit-hog mem MIB [SECONDS]    touch MIB MiB of memory (every page, so it
 *                                is really used), say so, then hold it
 *                                SECONDS (default 0) and exit 0
 *   kit-hog cpu SECONDS          spin on the CPU for SECONDS of wall time
 *   kit-hog forkbomb MAX SECONDS fork until fork fails or MAX processes
 *                                exist, each child sleeping SECONDS; print
 *                                how many were made and the errno that
 *                                stopped it; then wait for them
 *
 * A test helper, not part of the lesson: it is bounded on purpose (the fork
 * bomb makes at most MAX processes even without a pids limit).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int hog_memory(long mib, long hold)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = (size_t)mib << 20;
	char *mem = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED) {
		perror("kit-hog: mmap");
		return 1;
	}
	/* Writing one byte per page makes the kernel back it with RAM, and
	 * charge it to our memory cgroup: the OOM killer may strike here. */
	for (size_t off = 0; off < size; off += (size_t)page)
		mem[off] = 1;
	printf("touched %ld MiB\n", mib);
	fflush(stdout);
	sleep((unsigned)hold);
	munmap(mem, size ? size : 1);
	return 0;
}

static int hog_cpu(double seconds)
{
	double end = now() + seconds;
	volatile unsigned long spins = 0;

	while (now() < end)
		for (int i = 0; i < 100000; i++)
			spins++;
	return 0;
}

static int fork_bomb(long max, unsigned seconds)
{
	long made = 0;
	int stopped_by = 0;

	while (made < max) {
		pid_t pid = fork();

		if (pid == 0) {
			sleep(seconds);
			_exit(0);
		}
		if (pid < 0) {
			stopped_by = errno;
			break;
		}
		made++;
	}
	printf("forked %ld of %ld: %s\n", made, max,
	       stopped_by ? strerrorname_np(stopped_by) : "no fork failed");
	fflush(stdout);
	while (wait(NULL) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "mem") == 0)
		return hog_memory(atol(argv[2]), argc > 3 ? atol(argv[3]) : 0);
	if (argc == 3 && strcmp(argv[1], "cpu") == 0)
		return hog_cpu(atof(argv[2]));
	if (argc == 4 && strcmp(argv[1], "forkbomb") == 0)
		return fork_bomb(atol(argv[2]), (unsigned)atoi(argv[3]));
	fprintf(stderr, "usage: kit-hog mem MIB [SECONDS] | cpu SECONDS | forkbomb MAX "
			"SECONDS\n");
	return 2;
}
