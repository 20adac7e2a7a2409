/* SPDX-License-Identifier: MIT */
/*
 * kit/api_quantity.h - Kubernetes resource quantities: "100m" CPU, "500Mi"
 * memory, "110" pods.  The scheduler adds requests up and compares them
 * with what a node can give (§6.1: Scheduler, "资源需求").
 *
 *   kit_quantity_milli("100m") = 100      kit_quantity_milli("2") = 2000
 *   kit_quantity_value("500Mi") = 524288000, ("1G") = 1000000000
 */
#ifndef KIT_API_QUANTITY_H
#define KIT_API_QUANTITY_H

#include <stdint.h>

/*
 * kit_quantity_parse - @text as thousandths of a unit in *milli (so "1Ki"
 * is 1024000 and "100m" 100): an optional decimal fraction, then a binary
 * suffix (Ki Mi Gi Ti Pi Ei), a decimal one (n u m k M G T P E) or an
 * exponent (e3).  -EINVAL if it is not a quantity, -ERANGE past 2^63.
 */
int kit_quantity_parse(const char *text, int64_t *milli);

/* kit_quantity_milli / kit_quantity_value - thousandths ("100m" CPU) or
 * whole units rounded up (memory bytes, pods); -1 if not a quantity. */
int64_t kit_quantity_milli(const char *text);
int64_t kit_quantity_value(const char *text);

#endif /* KIT_API_QUANTITY_H */
