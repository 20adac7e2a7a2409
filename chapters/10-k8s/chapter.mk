# chapters/10-k8s/chapter.mk - included by the top Makefile.
# Article §6.1 (etcd, API Server): the store and the API server.
#
#   mini-etcdctl     the store from the command line (etcdctl's verbs), on
#                    the embedded SQLite store or on a real etcd
#   mini-apiserver   the Kubernetes API that real kubectl talks to

STORE_LIBS := -lsqlite3 -lcurl -lpthread

PROGRAMS += mini-etcdctl
mini-etcdctl_SRCS := chapters/10-k8s/etcdctl.c
mini-etcdctl_LIBS := $(STORE_LIBS)

# libsqlite3-dev, libcurl4-openssl-dev, libmicrohttpd-dev: the libraries the
# store and the server are built on.  etcd-server, etcd-client: the real
# etcd the conformance suite and the benchmark run against (started on
# loopback by the tests).  curl: the bats tests speak HTTP with it.
DEBIAN_PKGS += libsqlite3-dev libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev etcd-server \
	       etcd-client curl sqlite3

# The unit tests of the store link the libraries the store needs.
$(BUILD)/tests/test_store: KIT_LIBS += $(STORE_LIBS)

PROGRAMS += mini-apiserver
mini-apiserver_SRCS := chapters/10-k8s/apiserver.c chapters/10-k8s/apiserver_http.c \
	chapters/10-k8s/apiserver_discovery.c chapters/10-k8s/apiserver_resources.c \
	chapters/10-k8s/apiserver_objects.c chapters/10-k8s/apiserver_patch.c \
	chapters/10-k8s/apiserver_watch.c chapters/10-k8s/apiserver_table.c \
	chapters/10-k8s/apiserver_tls.c
mini-apiserver_LIBS := -lmicrohttpd -lgnutls $(STORE_LIBS)

# kubectl 1.20 from Debian's kubernetes-client, unpacked (not installed:
# /usr/bin/kubectl may be a newer kubectl owned by another package).
KUBECTL_120 := build/images/kubectl-1.20/usr/bin/kubectl
IMAGES += $(KUBECTL_120)
$(KUBECTL_120):
	@rm -rf $(@D:%/usr/bin=%).tmp && mkdir -p $(@D:%/usr/bin=%).tmp
	cd $(@D:%/usr/bin=%).tmp && apt-get download kubernetes-client
	dpkg-deb -x $(@D:%/usr/bin=%).tmp/kubernetes-client_*.deb $(@D:%/usr/bin=%).tmp/root
	rm -rf $(@D:%/usr/bin=%) && mv $(@D:%/usr/bin=%).tmp/root $(@D:%/usr/bin=%)
	rm -rf $(@D:%/usr/bin=%).tmp
	@$@ version --client --short

# Fuzz harnesses for what clients send: selectors, patches, request bodies.
fuzz_api_select_LIB := common/api_select.c common/err.c
fuzz_api_patch_LIB := common/api_patch.c common/err.c
fuzz_api_admission_LIB := chapters/10-k8s/apiserver_resources.c common/api_select.c \
	common/api_object.c common/json.c common/file.c common/err.c common/log.c \
	common/store.c common/store_sqlite.c common/store_etcd.c common/base64.c common/lab.c
$(BUILD)/fuzz/fuzz_api_admission: KIT_LIBS += $(STORE_LIBS)

# ---- part 2 (article §6.1 Controller Manager, Scheduler; §6.2 Kubelet) --------------
#
#   mini-controller-manager  ReplicaSet, Deployment, node lifecycle, Endpoints
#                            and garbage collector controllers
#   mini-scheduler           queue + filter + score + bind (every node scanned)
#   mini-kubelet --simulate  nodes without containers (one, or --nodes N):
#                            register, renew their leases, move their pods to
#                            Running and Succeeded/Failed as told
# Their whole stories with kubectl 1.20: tests/e2e/10-k8s-*.bats; the
# scheduler's numbers: tests/bench/10-k8s-scheduler.sh.
CONTROL_LIBS := -lcurl -lpthread

PROGRAMS += mini-kubelet
mini-kubelet_SRCS := chapters/10-k8s/kubelet.c chapters/10-k8s/control.c
mini-kubelet_LIBS := $(CONTROL_LIBS)

PROGRAMS += mini-scheduler
mini-scheduler_SRCS := chapters/10-k8s/scheduler.c chapters/10-k8s/control.c
mini-scheduler_LIBS := $(CONTROL_LIBS)

# The lab's copies of controller_*.c (make grade) live elsewhere and find
# controller_manager.h and control.h through this -I.
$(BUILD)/obj/chapters/10-k8s/%.o: INCLUDES += -Ichapters/10-k8s

PROGRAMS += mini-controller-manager
mini-controller-manager_SRCS := chapters/10-k8s/controller_manager.c chapters/10-k8s/control.c \
	chapters/10-k8s/controller_nodes.c chapters/10-k8s/controller_endpoints.c \
	chapters/10-k8s/controller_gc.c
mini-controller-manager_LIBS := $(CONTROL_LIBS)

# jq and bc: the part 2 tests read watch streams and DELETE answers (jq) and
# time the evictions (bc).
DEBIAN_PKGS += jq bc

# Unit tests of the client side: the informer's file pulls in the client (curl).
test_informer_LIBS := $(CONTROL_LIBS)
test_workqueue_LIBS := -lpthread
test_kube_parse_LIBS := $(CONTROL_LIBS)

# Fuzz harness for what the clients read: kubeconfig files and watch streams.
fuzz_kube_parse_LIB := common/kube_parse.c common/informer.c common/kube_client.c \
	common/json.c common/file.c common/err.c common/base64.c common/log.c
fuzz_kube_parse_LIBS := $(CONTROL_LIBS)
