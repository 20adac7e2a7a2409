# chapters/02-namespaces/chapter.mk - included by the top Makefile.
# Article §2.2 Namespace: mini-unshare.

PROGRAMS += mini-unshare
mini-unshare_SRCS := chapters/02-namespaces/main.c

# What the chapter's tests and demo run inside the namespaces: ps (procps),
# ip (iproute2), ipcmk/ipcs/setpriv/unshare (util-linux).
DEBIAN_PKGS += procps iproute2 util-linux
