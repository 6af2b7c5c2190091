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
#define CX_MAX_TTY_DIM 10000

/* ---- configuration files ---- */
#define CX_MAX_CONF_FILE (1024 * 1024)
#define CX_MAX_CONF_LINE 190           /* inih's 200-byte buffer, with margin */
#define CX_MAX_CONF_KEY 48             /* inih keeps 50 bytes of a name */
#define CX_MAX_CONF_SECTION 48
#define CX_MAX_CONF_FILES 256          /* drop-ins per directory */
#define CX_MAX_CONF_ARRAY 1024         /* elements in a one-line array */

/* ---- groups ---- */
#define CX_MAX_GROUPS 65536            /* NGROUPS_MAX on Linux */

#endif
