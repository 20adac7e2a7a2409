/* SPDX-License-Identifier: MIT */
/*
 * fakefs.h - a pretend cgroupfs in an ordinary directory, for the tests
 * that must run where the real thing is missing (cgroup v2 on a v1 host,
 * or no root at all).
 *
 * Linked with -Wl,--wrap=mkdir,--wrap=rmdir,--wrap=write,--wrap=open (see
 * chapter.mk), it replaces those four calls, but only inside a directory that holds a
 * file "cgroup.procs" and is not a real cgroup filesystem.  There it acts
 * as the kernel does:
 *
 *   mkdir   fills the new group with files: on v2 the files of each
 *           controller the parent enables in cgroup.subtree_control; on v1
 *           a copy of the parent's files (cgroup.procs empty)
 *   rmdir   EBUSY while the group has child groups or live processes;
 *           otherwise removes its files and the directory
 *   write   cgroup.subtree_control: "+memory -cpu", ENOENT for what
 *           cgroup.controllers lacks, EBUSY (no internal processes);
 *           cgroup.procs / tasks: moves a live pid out of every other group
 *           of the tree (EBUSY by the same rule, ESRCH if it does not exist);
 *           cgroup.kill: SIGKILL to every process below; limits
 *           (memory.max, cpu.max, pids.max, cfs_quota_us ...): EINVAL for
 *           a value the kernel would refuse; any other file: replaced
 *   open    reading cgroup.procs or cgroup.events first drops the
 *           processes that have exited (the kernel does so at exit)
 *
 * Everything else (reads, opens) is the real filesystem.  Reading a file
 * shows what a real kernel would show, minus live usage numbers.
 */
#ifndef MINI_CGROUP_FAKEFS_H
#define MINI_CGROUP_FAKEFS_H

/*
 * fakefs_v2_root - make @dir (existing, empty) the root of a fake cgroup2
 * tree offering @controllers ("cpu io memory pids").  0 or -1 (errno).
 */
int fakefs_v2_root(const char *dir, const char *controllers);

/*
 * fakefs_v1_root - make @dir (existing, empty) the root of a fake cgroup
 * v1 hierarchy of @controller ("memory", "cpu", "cpuacct", "pids", "blkio",
 * "cpuset"), with the files and default values of the real one.
 */
int fakefs_v1_root(const char *dir, const char *controller);

#endif /* MINI_CGROUP_FAKEFS_H */
