/* Shared helpers of the libFuzzer targets (fuzz_*.c): a private scratch folder for the readers
 * that only take a path, and small checks of the error contract.
 *
 * Every target defines LLVMFuzzerTestOneInput(data, size). It is linked either with libFuzzer
 * (-fsanitize=fuzzer, option TGDP_FUZZ) or with replay_main.c, which runs it on every file of
 * the folders given on the command line (the CTest entries fuzz_<target>). */
#ifndef TGDP_FUZZ_UTIL_H
#define TGDP_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "tgdp/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Path of name inside this process's scratch folder (created on first use under $TMPDIR,
 * /dev/shm or /tmp, removed at exit). The returned buffer is static per call slot (4 slots). */
const char *fuzz_path(const char *name);
/* Write size bytes to fuzz_path(name) (replacing it) and return that path; aborts when the
 * scratch folder cannot be written (a broken harness, not a finding). */
const char *fuzz_write(const char *name, const void *data, size_t size);
/* (With TGDP_FUZZ_VERBOSE set in the environment, every result is printed.)
 * A reader's result must follow the error contract: TGDP_OK, or a known TGDP_E* code with a
 * non-empty one-line message. Aborts (a finding) otherwise. */
void fuzz_check_result(int rc, const tgdp_error *err, const char *what);
/* The same, and the message must name the file: contain name (a path in the scratch folder when
 * NULL). */
void fuzz_check_named(int rc, const tgdp_error *err, const char *what, const char *name);

#endif
