/* SPDX-License-Identifier: MIT */
/*
 * console.c - "terminal": true: the container's stdio is a pty, and its
 * master end goes to whoever asked, over a unix socket (--console-socket).
 *
 * Article §3.1.  runc does not keep a process around to copy bytes to and
 * from the terminal: the caller (containerd's shim, docker) listens on a
 * unix socket, the container's init makes the pty *inside* the container
 * (its own devpts) and sends the master fd with SCM_RIGHTS.  The init
 * makes the slave its stdin, stdout, stderr and controlling terminal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "runc.h"

int runc_console_connect(const char *path, struct kit_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return kit_err_set(err, ENAMETOOLONG, NULL,
				   "connect to console socket %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kit_err_set(err, errno, NULL, "create a socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return kit_err_set(err, e, "is anything listening there?",
				   "connect to console socket %s", path);
	}
	return fd;
}

/* Send @fd over @sock with SCM_RIGHTS; the data is the pty's name. */
static int send_fd(int sock, int fd, const char *name, struct kit_err *err)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return kit_err_set(err, errno, NULL,
				   "send the pty to the console socket");
	return 0;
}

int runc_console_setup(int sock, const struct oci_process *p, struct kit_err *err)
{
	_autoclose int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	_autoclose int slave = -1;
	char name[64];
	int ret;

	if (master < 0)
		return kit_err_set(err, errno,
				   "is /dev/pts mounted (devpts, newinstance)?",
				   "open /dev/ptmx");
	if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
		return kit_err_set(err, errno, NULL, "unlock the pty");
	slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return kit_err_set(err, errno, NULL, "open %s", name);
	if (p->console_width && p->console_height) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height,
				      .ws_col = (unsigned short)p->console_width };

		ioctl(slave, TIOCSWINSZ, &ws);
	}
	ret = send_fd(sock, master, name, err);
	if (ret < 0)
		return ret;
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0 ||
	    ioctl(0, TIOCSCTTY, 0) < 0)
		return kit_err_set(err, errno, NULL, "make %s our terminal", name);
	return 0;
}
