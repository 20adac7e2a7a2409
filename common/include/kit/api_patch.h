/* SPDX-License-Identifier: MIT */
/*
 * kit/api_patch.h - the three ways a client can PATCH a Kubernetes object.
 *
 * Article: §6.1 (API Server).  `kubectl scale`, `label`, `annotate` and
 * `apply` change an object by sending only the difference:
 *
 *   application/merge-patch+json           RFC 7386: objects merge, null
 *                                          deletes, anything else replaces
 *   application/json-patch+json            RFC 6902: a list of operations
 *                                          (add, remove, replace, move,
 *                                          copy, test) on JSON pointers
 *   application/strategic-merge-patch+json Kubernetes' own: like a merge
 *                                          patch, but lists of named things
 *                                          (containers, ports) merge by name
 *
 * Patches come from clients: the functions check everything, bound the
 * work (operations, depth), and never abort on bad input.
 *
 * Left out: server-side apply (application/apply-patch+yaml), and the
 * strategic patch's per-field schema: merge keys are guessed (name,
 * containerPort, port, ip, type, mountPath), the directives $patch,
 * $retainKeys, $setElementOrder and $deleteFromPrimitiveList are honoured
 * only as far as kubectl apply uses them ($patch: delete/replace).
 */
#ifndef KIT_API_PATCH_H
#define KIT_API_PATCH_H

#include <cjson/cJSON.h>

#include "kit/err.h"

#define KIT_PATCH_MAX_OPS   10000 /* operations in one JSON patch */
#define KIT_PATCH_MAX_DEPTH 100   /* nesting levels a merge descends */

/*
 * kit_patch_merge - apply the merge patch @patch to *doc (RFC 7386).
 * *doc may be replaced (a patch that is not an object replaces the whole
 * document); the caller owns the result.  0 or -errno (ENOMEM, EINVAL when
 * nested deeper than KIT_PATCH_MAX_DEPTH).
 */
int kit_patch_merge(cJSON **doc, const cJSON *patch, struct kit_err *err);

/*
 * kit_patch_json - apply the JSON patch @ops (an array of operations) to
 * *doc, all or nothing: on failure *doc is unchanged.  EINVAL for a
 * malformed operation or a path that does not exist (with the operation's
 * index in the message), ECANCELED for a failed "test".
 */
int kit_patch_json(cJSON **doc, const cJSON *ops, struct kit_err *err);

/*
 * kit_patch_strategic - apply a strategic merge patch (see above) to *doc.
 */
int kit_patch_strategic(cJSON **doc, const cJSON *patch, struct kit_err *err);

#endif /* KIT_API_PATCH_H */
