/* SPDX-License-Identifier: MIT */
/*
 * Managed rules: every *.rules file of the rules directory (rules.d next to
 * the configuration file, /etc/codexd/rules.d by default), loaded in name
 * order into one rules set with the MANAGED layer.  Like managed
 * configuration: the directory and files must be root-owned and not
 * group/other-writable, symlinks are refused, loading is all-or-nothing and
 * a reload that fails keeps the previous set (daemon/lifecycle.c swaps the
 * configuration and the rules together).
 *
 * Process: main.
 */
#ifndef CX_POLICY_STORE_H
#define CX_POLICY_STORE_H

#include <stddef.h>

struct rules_set;

/*
 * Load dir into a new set.  A missing directory gives an empty set.
 * Returns 0 with *ret_set (and *ret_files, NULL-terminated, may be NULL),
 * or -errno with err ("file:line:col: message" for syntax errors).
 */
int policy_store_load(const char *dir, struct rules_set **ret_set, char ***ret_files, char *err,
		      size_t errsz);

/* The rules directory for a configuration file path: its directory + "/rules.d". */
int policy_store_dir_for_config(const char *config_path, char **ret);

#endif
