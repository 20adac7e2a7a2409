/* SPDX-License-Identifier: MIT */
/*
 * api_object.c - names, times, ages and uids of Kubernetes objects
 * (see kit/api_object.h).
 *
 * Article: §6.1 (API Server).  The messages are the real server's, so that
 * what a student's server says matches what the documentation shows.
 *
 * Left out: the other name rules (path segment names, qualified names
 * beyond labels): the kit's resources do not need them.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "kit/api_object.h"

static bool lower_alnum(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c);
}

/* One DNS label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most @max characters. */
static bool dns_label(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max || !lower_alnum(s[0]) || !lower_alnum(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

const char *kit_api_name_problem(const char *name, enum kit_name_rule rule)
{
	size_t len = strlen(name), start = 0;

	switch (rule) {
	case KIT_NAME_LABEL:
		if (len > 63)
			return "must be no more than 63 characters";
		if (!dns_label(name, len, 63))
			return "a lowercase RFC 1123 label must consist of lower case "
			       "alphanumeric characters or '-', and must start and end with "
			       "an alphanumeric character (e.g. 'my-name',  or '123-abc', "
			       "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
		return NULL;
	case KIT_NAME_LABEL_1035:
		if (len > 63)
			return "must be no more than 63 characters";
		if (!dns_label(name, len, 63) || !islower((unsigned char)name[0]))
			return "a DNS-1035 label must consist of lower case alphanumeric "
			       "characters or '-', start with an alphabetic character, and end "
			       "with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
			       "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
		return NULL;
	case KIT_NAME_SUBDOMAIN: break;
	}
	if (len > 253)
		return "must be no more than 253 characters";
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		if (!dns_label(name + start, i - start, 253))
			return "a lowercase RFC 1123 subdomain must consist of lower case "
			       "alphanumeric characters, '-' or '.', and must start and end "
			       "with an alphanumeric character (e.g. 'example.com', regex used "
			       "for validation is "
			       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
		start = i + 1;
	}
	return NULL;
}

char *kit_api_time_format(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

time_t kit_api_time_parse(const char *text)
{
	struct tm tm = { 0 };
	const char *rest = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	if (!rest)
		return -1;
	if (*rest == '.')
		while (isdigit((unsigned char)*++rest))
			;
	if (*rest != 'Z' && *rest != '+' && *rest != '-')
		return -1;
	return timegm(&tm);
}

char *kit_api_human_duration(long long s, char *buf, size_t size)
{
	long long m = s / 60, h = s / 3600, d = h / 24;

	if (s < -1)
		snprintf(buf, size, "<invalid>");
	else if (s < 0)
		snprintf(buf, size, "0s");
	else if (s < 120)
		snprintf(buf, size, "%llds", s);
	else if (m < 10)
		snprintf(buf, size, s % 60 ? "%lldm%llds" : "%lldm", m, s % 60);
	else if (m < 180)
		snprintf(buf, size, "%lldm", m);
	else if (h < 8)
		snprintf(buf, size, m % 60 ? "%lldh%lldm" : "%lldh", h, m % 60);
	else if (h < 48)
		snprintf(buf, size, "%lldh", h);
	else if (h < 24 * 8)
		snprintf(buf, size, h % 24 ? "%lldd%lldh" : "%lldd", d, h % 24);
	else if (h < 24 * 365 * 2)
		snprintf(buf, size, "%lldd", d);
	else if (h < 24 * 365 * 8)
		snprintf(buf, size, d % 365 ? "%lldy%lldd" : "%lldy", d / 365, d % 365);
	else
		snprintf(buf, size, "%lldy", d / 365);
	return buf;
}

char *kit_api_uid(char buf[37])
{
	uint8_t b[16] = { 0 };

	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		/* getrandom cannot fail for 16 bytes after boot; keep going. */
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(buf, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
	return buf;
}
