#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""oci-image.py - a root filesystem folder -> an image tarball that both
`ctr images import` and `docker load` accept.

    vm-images/oci-image.py --rootfs DIR --name busybox:latest [--cmd sh] OUT.tar

Article: §3.1 (an OCI runtime runs a bundle; the bundle's rootfs is what an
image unpacks to) and §3.2 (what containerd imports).  Chapter 06's e2e
tests (tests/e2e/06-runc-*.bats) load this tarball into a private
containerd and a private dockerd, which then run it through mini-runc.
`make images` builds build/images/busybox-oci.tar from chapter 04's busybox
root (vm-images/busybox-rootfs.sh); see chapters/06-runc/chapter.mk.

What the tarball holds (one layer, gzip):

    oci-layout                 {"imageLayoutVersion": "1.0.0"}
    index.json                 the OCI image index: one manifest, annotated
                               with org.opencontainers.image.ref.name (the
                               tag) and io.containerd.image.name (the full
                               name, which `ctr images import` uses)
    blobs/sha256/<layer>       the root filesystem as a gzip tar
    blobs/sha256/<config>      the image config: rootfs.diff_ids, Env, Cmd
    blobs/sha256/<manifest>    the OCI manifest: config + layers, by digest
    manifest.json              `docker save`'s list: Config, RepoTags, Layers,
                               as paths of the same blobs (docker 25 and
                               later write this same two-headed layout)

Reproducible: every tar entry is owned by 0:0 with a fixed mtime
(SOURCE_DATE_EPOCH, default 0), entries are sorted, gzip carries no name and
no time, JSON is written with sorted keys.  The same rootfs gives the same
bytes, so the same digests, on every machine.

Left out: more than one layer, whiteouts, other platforms, the registry
(chapter 07 pulls from Debian's docker-registry).  Device nodes in the
rootfs are refused: an image has none (the runtime makes /dev).
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import stat
import sys
import tarfile
import time

EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZ = "application/vnd.oci.image.layer.v1.tar+gzip"


def fail(msg):
    sys.exit(f"oci-image: {msg}")


def walk_sorted(root):
    """Every path below root, relative, parents before children, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        for name in sorted(dirnames + filenames):
            out.append(os.path.normpath(os.path.join(rel, name)))
    return sorted(out)


def layer_tar(root):
    """The uncompressed layer: the rootfs as a tar, owners and times fixed."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for rel in walk_sorted(root):
            path = os.path.join(root, rel)
            st = os.lstat(path)
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                fail(f"{path}: a device node in the rootfs (an image has none; the runtime makes /dev)")
            info = tar.gettarinfo(path, arcname=rel)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = EPOCH
            if info.isreg():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    return buf.getvalue()


def gzip_fixed(data):
    """gzip with no file name and a zero time in its header: same input, same bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as gz:
        gz.write(data)
    return buf.getvalue()


def blob(data):
    return "sha256:" + hashlib.sha256(data).hexdigest(), data


def jbytes(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def build(rootfs, name, cmd):
    repo, _, tag = name.rpartition(":")
    if not repo or "/" in tag:
        repo, tag = name, "latest"
    full = repo if "/" in repo else f"docker.io/library/{repo}"
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH))

    raw = layer_tar(rootfs)
    diff_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    layer_digest, layer = blob(gzip_fixed(raw))
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": cmd,
            "WorkingDir": "/",
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": created, "created_by": "vm-images/oci-image.py " + os.path.basename(rootfs)}],
    }
    config_digest, config_data = blob(jbytes(config))
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config_data)},
        "layers": [{"mediaType": OCI_LAYER_GZ, "digest": layer_digest, "size": len(layer)}],
    }
    manifest_digest, manifest_data = blob(jbytes(manifest))
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": OCI_MANIFEST, "digest": manifest_digest, "size": len(manifest_data),
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"org.opencontainers.image.ref.name": tag,
                            "io.containerd.image.name": f"{full}:{tag}"},
        }],
    }
    path = lambda d: "blobs/sha256/" + d.split(":", 1)[1]  # noqa: E731
    docker = [{"Config": path(config_digest), "RepoTags": [f"{repo}:{tag}"],
               "Layers": [path(layer_digest)]}]
    files = {
        "oci-layout": jbytes({"imageLayoutVersion": "1.0.0"}),
        "index.json": jbytes(index),
        "manifest.json": jbytes(docker),
        path(layer_digest): layer,
        path(config_digest): config_data,
        path(manifest_digest): manifest_data,
    }
    return files, manifest_digest


def write_tar(out, files):
    tmp = out + ".tmp"
    with tarfile.open(tmp, mode="w", format=tarfile.GNU_FORMAT) as tar:
        dirs = ["blobs", "blobs/sha256"]
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, EPOCH
            tar.addfile(info)
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(files[name]), 0o644, EPOCH
            tar.addfile(info, io.BytesIO(files[name]))
    os.replace(tmp, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rootfs", required=True, help="the root filesystem folder")
    ap.add_argument("--name", default="busybox:latest", help="image name[:tag]")
    ap.add_argument("--cmd", default="sh", help="the image's default command (split on spaces)")
    ap.add_argument("out", help="the tarball to write")
    args = ap.parse_args()
    if not os.path.isdir(args.rootfs):
        fail(f"{args.rootfs}: not a folder (run 'make images' for build/images/busybox/rootfs)")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    files, digest = build(args.rootfs, args.name, args.cmd.split())
    write_tar(args.out, files)
    print(f"oci-image: {args.out}: {args.name}, manifest {digest}")


if __name__ == "__main__":
    main()
