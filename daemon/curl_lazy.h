/* SPDX-License-Identifier: MIT */
/*
 * libcurl, loaded on first use (dlopen) instead of linked: only OTLP
 * forwarding needs it, and its dependency tree (TLS, Kerberos, LDAP, SSH
 * libraries: ~35 shared objects, ~170 mappings, ~5 MiB resident) would
 * otherwise sit in every daemon, and be copied by every fork of it (each
 * sandbox's PID 1 and command, every helper).  tests/bench/README.
 *
 * Include after <curl/curl.h>: the curl_* names used by daemon/telemetry.c
 * then call through cx_curl, filled by cx_curl_load().  The pointers have
 * the library's own prototypes (curl_easy_setopt stays variadic), so the
 * calls are the same calls.
 *
 * Process: main (cx_curl_load() once, before any worker thread uses curl).
 */
#ifndef CX_CURL_LAZY_H
#define CX_CURL_LAZY_H

#include <curl/curl.h>

struct cx_curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
	void (*slist_free_all)(struct curl_slist *list);
};

extern struct cx_curl_api cx_curl;

/* Load libcurl.so.4 and resolve every function: 0, or -1 (logged). */
int cx_curl_load(void);

#undef curl_global_init
#undef curl_easy_init
#undef curl_easy_setopt
#undef curl_easy_perform
#undef curl_easy_getinfo
#undef curl_easy_cleanup
#undef curl_easy_strerror
#undef curl_slist_append
#undef curl_slist_free_all
#define curl_global_init (*cx_curl.global_init)
#define curl_easy_init (*cx_curl.easy_init)
#define curl_easy_setopt (*cx_curl.easy_setopt)
#define curl_easy_perform (*cx_curl.easy_perform)
#define curl_easy_getinfo (*cx_curl.easy_getinfo)
#define curl_easy_cleanup (*cx_curl.easy_cleanup)
#define curl_easy_strerror (*cx_curl.easy_strerror)
#define curl_slist_append (*cx_curl.slist_append)
#define curl_slist_free_all (*cx_curl.slist_free_all)

#endif
