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
 * Only `run` in the foreground without a socket keeps the master itself
 * and copies bytes (runc_console_proxy), as runc does then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/proc.h"
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

int runc_console_recv(int sock, struct kit_err *err)
{
	char name[64], cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		return kit_err_set(err, errno, NULL, "receive the container's pty");
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return kit_err_set(err, EPROTO, "the init sends one fd, the pty's master",
				   "receive the container's pty");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * `run` in the foreground with "terminal": true and no --console-socket:
 * runc's answer is to be the other end itself, and so is ours.  Our stdin
 * goes raw (every key, Ctrl-C too, goes to the container's terminal, whose
 * line discipline makes it a signal there), the window size follows ours
 * (SIGWINCH), and bytes are copied both ways until the process exits.
 * When our stdin ends (a pipe), we stop reading it and nothing more: as
 * with runc, the process must end by itself (a script ends with "exit").
 */
static volatile sig_atomic_t winch;

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

static void copy_size(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Write all of @buf; false when @fd is gone. */
static bool write_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, (size_t)n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		n -= w;
	}
	return true;
}

int runc_console_proxy(int master, pid_t pid)
{
	struct sigaction sa = { .sa_handler = on_winch, .sa_flags = SA_RESTART };
	struct termios saved, raw;
	bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
	struct pollfd fds[3] = {
		{ .fd = (int)syscall(SYS_pidfd_open, pid, 0), .events = POLLIN },
		{ .fd = master, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	char buf[4096];
	int status = 0;

	runc_forward_signals(pid);
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		copy_size(STDIN_FILENO, master);
		sigaction(SIGWINCH, &sa, NULL); /* instead of passing it on */
	}
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		if (poll(fds, 3, -1) < 0) {
			if (errno != EINTR)
				break;
			if (winch) {
				winch = 0;
				copy_size(STDIN_FILENO, master);
			}
			continue;
		}
		if (fds[1].revents) {
			ssize_t n = read(master, buf, sizeof(buf));

			/* EIO: every slave fd is closed (the process exited) */
			if (n <= 0 || !write_all(STDOUT_FILENO, buf, n))
				fds[1].fd = -1;
		}
		if (fds[2].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

			if (n <= 0 || !write_all(master, buf, n))
				fds[2].fd = -1;
		}
		if (fds[0].revents) {
			/* It exited: what it wrote last may still be in the pty
			 * (and a process it left behind may hold the pty open,
			 * so read what is there without waiting for more). */
			ssize_t n;

			fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
			while ((n = read(master, buf, sizeof(buf))) > 0 &&
			       write_all(STDOUT_FILENO, buf, n))
				;
			break;
		}
	}
	if (fds[0].fd >= 0)
		close(fds[0].fd);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return kit_status_exit_code(status);
}
