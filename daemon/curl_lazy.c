/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "common/log.h"
#include "daemon/curl_lazy.h"

struct cx_curl_api cx_curl;

int cx_curl_load(void)
{
	static const struct {
		const char *name;
		size_t off;
	} fns[] = {
		{ "curl_global_init", offsetof(struct cx_curl_api, global_init) },
		{ "curl_easy_init", offsetof(struct cx_curl_api, easy_init) },
		{ "curl_easy_setopt", offsetof(struct cx_curl_api, easy_setopt) },
		{ "curl_easy_perform", offsetof(struct cx_curl_api, easy_perform) },
		{ "curl_easy_getinfo", offsetof(struct cx_curl_api, easy_getinfo) },
		{ "curl_easy_cleanup", offsetof(struct cx_curl_api, easy_cleanup) },
		{ "curl_easy_strerror", offsetof(struct cx_curl_api, easy_strerror) },
		{ "curl_slist_append", offsetof(struct cx_curl_api, slist_append) },
		{ "curl_slist_free_all", offsetof(struct cx_curl_api, slist_free_all) },
	};
	static bool loaded;
	struct cx_curl_api api;
	void *h;

	if (loaded)
		return 0;
	h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_warning("cannot load libcurl: %s", dlerror());
		return -1;
	}
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		void *f = dlsym(h, fns[i].name);
		if (!f) {
			log_warning("libcurl has no %s", fns[i].name);
			dlclose(h);
			return -1;
		}
		/* POSIX: a function pointer and void * convert both ways. */
		memcpy((char *)&api + fns[i].off, &f, sizeof(f));
	}
	cx_curl = api;
	loaded = true; /* never unloaded: worker threads keep using it */
	return 0;
}
