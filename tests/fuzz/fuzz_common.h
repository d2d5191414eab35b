/* Shared by the libFuzzer harnesses: the input as a C string. */
#ifndef HULL_FUZZ_COMMON_H
#define HULL_FUZZ_COMMON_H

#include "log.h"
#include "util.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* DATA with a NUL appended (parsers take C strings; an embedded NUL just
 * ends the text early, as it would for a file read by the program). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Errors are the expected outcome for most inputs: dropped quietly. */
static inline void fuzz_quiet(void)
{
    hull_log_set_level(HULL_LOG_ERROR);
}

#endif
