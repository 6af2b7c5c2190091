/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "common/macro.h"
#include "common/proxy_proto.h"
#include "common/strv.h"
#include "policy/proxy_env.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define HTTP_URL "http://127.0.0.1:" STR(PROXY_PORT_HTTP)
#define SOCKS_URL "socks5h://127.0.0.1:" STR(PROXY_PORT_SOCKS)

static const char *const vars[] = {
	"HTTP_PROXY=" HTTP_URL,
	"http_proxy=" HTTP_URL,
	"HTTPS_PROXY=" HTTP_URL,
	"https_proxy=" HTTP_URL,
	"WS_PROXY=" HTTP_URL,
	"ws_proxy=" HTTP_URL,
	"WSS_PROXY=" HTTP_URL,
	"wss_proxy=" HTTP_URL,
	"FTP_PROXY=" HTTP_URL,
	"ftp_proxy=" HTTP_URL,
	"ALL_PROXY=" SOCKS_URL,
	"all_proxy=" SOCKS_URL,
	"NO_PROXY=",
	"no_proxy=",
	"NPM_CONFIG_PROXY=" HTTP_URL,
	"NPM_CONFIG_HTTPS_PROXY=" HTTP_URL,
	"npm_config_proxy=" HTTP_URL,
	"npm_config_https_proxy=" HTTP_URL,
	"npm_config_noproxy=",
	"YARN_HTTP_PROXY=" HTTP_URL,
	"YARN_HTTPS_PROXY=" HTTP_URL,
	"YARN_NO_PROXY=",
	"BUNDLE_HTTP_PROXY=" HTTP_URL,
	"BUNDLE_HTTPS_PROXY=" HTTP_URL,
	"BUNDLE_NO_PROXY=",
	"PIP_PROXY=" HTTP_URL,
	"DOCKER_HTTP_PROXY=" HTTP_URL,
	"DOCKER_HTTPS_PROXY=" HTTP_URL,
	"GLOBAL_AGENT_HTTP_PROXY=" HTTP_URL,
	"GLOBAL_AGENT_HTTPS_PROXY=" HTTP_URL,
	"GLOBAL_AGENT_NO_PROXY=",
	"NODE_USE_ENV_PROXY=1",
	"ELECTRON_GET_USE_PROXY=1",
	"CLOUDSDK_PROXY_TYPE=http",
	"CLOUDSDK_PROXY_ADDRESS=127.0.0.1",
	"CLOUDSDK_PROXY_PORT=" STR(PROXY_PORT_HTTP),
	"GIT_SSH_COMMAND=ssh -o ProxyCommand='nc -X 5 -x 127.0.0.1:" STR(PROXY_PORT_SOCKS) " %h %p'",
	"CODEXD_NETWORK_PROXY=1",
	"CODEX_NETWORK_PROXY_ACTIVE=1",
};

static bool replaced(const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t n = eq ? (size_t)(eq - entry) : strlen(entry);

	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		if (strncmp(vars[i], entry, n) == 0 && vars[i][n] == '=')
			return true;
	return false;
}

int proxy_env_build(char *const *envp, char ***ret)
{
	_cleanup_strv_free_ char **out = NULL;
	int r;

	for (char *const *e = envp; e && *e; e++)
		if (!replaced(*e) && (r = strv_extend(&out, *e)) < 0)
			return r;
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		if ((r = strv_extend(&out, vars[i])) < 0)
			return r;
	*ret = TAKE_PTR(out);
	return 0;
}
