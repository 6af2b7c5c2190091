/* SPDX-License-Identifier: MIT */
/*
 * Every bound on client-, file- or network-supplied input, in one place
 * (STYLE.md "Hostile input").  Values marked "default" can be changed in
 * codexd.conf(5) within the hard ceilings given here.
 */
#ifndef CX_LIMITS_H
#define CX_LIMITS_H

/* ---- wire protocol ---- */
#define CX_MAX_FRAME_DEFAULT (1024 * 1024)   /* default; [daemon] max_frame_bytes */
#define CX_MAX_FRAME_MIN (4 * 1024)
#define CX_MAX_FRAME_CEILING (16 * 1024 * 1024)
#define CX_MAX_BAD_FRAMES 32          /* consecutive malformed frames before close */
#define CX_MAX_ID_STRING 128          /* a string request id */
#define CX_MAX_METHOD 64              /* a method name */
#define CX_MAX_PENDING_FDS 8          /* SCM_RIGHTS descriptors queued per connection */
#define CX_FRAME_READ_TIMEOUT_MS 30000 /* a frame begun must end within this */
#define CX_CONN_WQUEUE_HIGH (1024 * 1024)      /* default output high watermark */
#define CX_CONN_WQUEUE_HARD (8 * 1024 * 1024)  /* stop reading requests past this */

/* ---- connections and work ---- */
#define CX_MAX_CONNECTIONS_DEFAULT 1024
#define CX_MAX_CONNECTIONS_PER_UID_DEFAULT 64
#define CX_MAX_EXECS_DEFAULT 512
#define CX_MAX_EXECS_PER_UID_DEFAULT 64

/* ---- exec/start ---- */
#define CX_MAX_ARGV 4096               /* argv elements */
#define CX_MAX_ARG 131072              /* one argument (the kernel's MAX_ARG_STRLEN) */
#define CX_MAX_ENV 4096                /* environment entries */
#define CX_MAX_ENV_NAME 256
#define CX_MAX_ENV_VALUE 131072
#define CX_MAX_PATH 4095               /* PATH_MAX - 1 */
#define CX_MAX_WRITABLE_ROOTS 64
#define CX_MAX_DOMAINS 256             /* --allow-domain / --deny-domain entries */
#define CX_MAX_DOMAIN 253
#define CX_MAX_JUSTIFICATION 4096
#define CX_MAX_SESSION_ID 128
#define CX_MAX_TIMEOUT_MS (7LL * 24 * 3600 * 1000)
#define CX_MAX_STDIN_BUFFER (1024 * 1024)  /* stdin bytes queued per exec */
#define CX_MAX_WRITE_CHUNK (256 * 1024)    /* decoded bytes in one exec/write */
#define CX_OUTPUT_CHUNK (64 * 1024)        /* bytes read per exec/output notification */
#define CX_RAW_OUTPUT_CHUNK (256 * 1024)   /* the same with exec/start raw_output */
#define CX_OUTPUT_PIPE_SIZE (1024 * 1024)  /* output pipes of raw_output execs */
#define CX_MAX_TTY_DIM 10000
#define CX_MAX_DENIAL_RECORDS 128          /* denial records kept per exec (PID 1 sends 64 + 64) */
#define CX_MAX_DENIALS_JSON (64 * 1024)    /* bytes of exec/exited "denials" (<= half a frame) */

/* ---- configuration files ---- */
#define CX_MAX_CONF_FILE (1024 * 1024)
#define CX_MAX_CONF_LINE 65536         /* one line (inih is handed a short stand-in) */
#define CX_CONF_INIH_LINE 190          /* what inih's 200-byte buffer is given at most */
#define CX_MAX_CONF_KEY 48             /* inih keeps 50 bytes of a name */
#define CX_MAX_CONF_SECTION 4096       /* a section header's name, e.g. [projects."/long/path"] */
#define CX_CONF_INIH_SECTION 48        /* longer names reach inih as a stand-in */
#define CX_MAX_CONF_FILES 256          /* drop-ins per directory */
#define CX_MAX_CONF_ARRAY 1024         /* elements in one array */
#define CX_MAX_CONF_ARRAY_DEPTH 4      /* nested arrays: [[[[1]]]] is the deepest */
#define CX_MAX_CONF_MULTILINE 65536    /* bytes of one array spread over several lines */
#define CX_MAX_CONF_ENTRIES 16384      /* keys in one configuration (all its files) */
#define CX_MAX_CONF_SECTIONS 4096      /* section headers in one configuration */

/* ---- groups ---- */
#define CX_MAX_GROUPS 65536            /* NGROUPS_MAX on Linux */

/* ---- rules language (policy/rules.h, codexd.rules(5)) ---- */
#define CX_MAX_RULES_FILE (1024 * 1024)   /* bytes of one .rules file */
#define CX_MAX_RULES_TOKENS 262144        /* lexical tokens in one file */
#define CX_MAX_RULES_DEPTH 32             /* nested ( and [ */
#define CX_MAX_RULES_STRING 65536         /* decoded bytes of one string literal */
#define CX_MAX_RULES_NAME 128             /* an identifier */
#define CX_MAX_RULES_LIST 1024            /* elements of one list */
#define CX_MAX_RULES_ARGS 16              /* arguments of one call */
#define CX_MAX_RULES_NAMES 1024           /* top-level NAME = value definitions per file */
#define CX_MAX_RULES_PER_FILE 16384       /* rules (after first-token expansion) per file */
#define CX_MAX_RULES_PATTERN 1024         /* strings in one prefix_rule pattern, alternatives included */
#define CX_MAX_RULES_EXAMPLES 4096        /* match/not_match examples per file */
#define CX_MAX_RULES_CHECK_WORK (1 << 24) /* token comparisons to validate one file's examples */
#define CX_MAX_RULES_FILES 1024           /* files in one rule set */
#define CX_MAX_RULES_TOTAL 262144         /* rules in one rule set */
#define CX_MAX_RULES_MEMORY (64 * 1024 * 1024) /* parse memory for one file */
#define CX_MAX_RULES_WEIGHT (1 << 18)     /* sum over a set's prefix rules of 1 + strings after the */
					 /* first position: bounds the work of one evaluation */
#define CX_MAX_RULES_GLOB_WORK (1 << 20)  /* pattern steps for one rules_glob_match() call */

/* ---- shell-script splitting, command safety, approvals (policy/shell_split.c,
 *      policy/cmd_safety.c, policy/approval.c) ---- */
#define CX_MAX_SHELL_SCRIPT CX_MAX_ARG /* bytes of a `sh -c` script (it is one argument) */
#define CX_MAX_SHELL_COMMANDS 512      /* simple commands found in one script */
#define CX_MAX_SHELL_WORDS 1024        /* words of one simple command */
#define CX_MAX_SHELL_WORD CX_MAX_ARG   /* bytes of one word after quote removal */
#define CX_MAX_SHELL_REDIRECTS 16      /* redirections attached to one command */
#define CX_MAX_SHELL_ASSIGNMENTS 32    /* leading NAME=value words of one command */
#define CX_MAX_SHELL_HEREDOCS 8        /* here-documents pending on one line */
#define CX_MAX_SHELL_NESTING 16        /* nested $( ), ( ), `...` in the permissive parse */
#define CX_MAX_SHELL_FD 1023           /* highest file descriptor number in a redirection */
#define CX_MAX_WRAPPER_DEPTH 8         /* sudo/env/sh -c ... nesting in the dangerous check */
#define CX_MAX_REASON_COMMAND 256      /* bytes of a command quoted in an approval reason */
#define CX_MAX_SESSION_KEY (64 * 1024) /* bytes of an approve-for-session key */
#define CX_MAX_APPROVALS 1024          /* pending approvals in the daemon */
#define CX_MAX_APPROVALS_PER_UID 64
#define CX_MAX_SESSION_GRANTS 4096     /* remembered approve_for_session answers */
#define CX_MAX_SESSION_GRANTS_PER_UID 512
#define CX_MAX_OVERRIDES 32            /* exec/start config_overrides */
#define CX_MAX_DANGER_WORK (8 * 1024 * 1024) /* script bytes one dangerous check may parse */

#endif
