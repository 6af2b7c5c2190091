/* SPDX-License-Identifier: MIT */
/*
 * The environment of a proxied sandbox (CODEX-MODEL.md §3.6): proxy
 * variables for the common tools, all pointing at the listeners inside
 * the sandbox's own network namespace, replacing whatever the caller set:
 *
 *   HTTP_PROXY, HTTPS_PROXY, WS(S)_PROXY, FTP_PROXY (and lower case), npm,
 *   yarn, bundler, pip, Docker, global-agent forms  = http://127.0.0.1:3128
 *   ALL_PROXY, all_proxy                            = socks5h://127.0.0.1:1080
 *   NO_PROXY and friends                            = "" (the host's localhost
 *                                                      is reached through the proxy)
 *   NODE_USE_ENV_PROXY=1 (Node's fetch), ELECTRON_GET_USE_PROXY=1,
 *   CLOUDSDK_PROXY_{TYPE,ADDRESS,PORT} (gcloud),
 *   GIT_SSH_COMMAND = ssh through the SOCKS5 port (OpenBSD nc -X 5),
 *   CODEXD_NETWORK_PROXY=1, CODEX_NETWORK_PROXY_ACTIVE=1 (markers).
 *
 * Pure; process: main (and tests).
 */
#ifndef CX_PROXY_ENV_H
#define CX_PROXY_ENV_H

/*
 * A new NAME=VALUE vector: envp without the names above, then the proxy
 * variables.  Returns 0 with *ret (strv_free()), or -ENOMEM.
 */
int proxy_env_build(char *const *envp, char ***ret);

#endif
