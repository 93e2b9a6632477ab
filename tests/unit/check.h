/* A tiny check harness for the unit tests: count checks, report failures, exit status. */
#ifndef CHECK_H
#define CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_count;
static int check_failed;

#define CHECK(cond) do { \
    check_count++; \
    if (!(cond)) { \
        check_failed++; \
        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    } \
} while (0)

#define CHECK_INT(actual, expected) do { \
    long long a_ = (long long)(actual), e_ = (long long)(expected); \
    check_count++; \
    if (a_ != e_) { \
        check_failed++; \
        fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__, #actual, a_, e_); \
    } \
} while (0)

#define CHECK_STR(actual, expected) do { \
    const char *a_ = (actual), *e_ = (expected); \
    check_count++; \
    if (!a_ || !e_ || strcmp(a_, e_) != 0) { \
        check_failed++; \
        fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #actual, \
                a_ ? a_ : "(null)", e_ ? e_ : "(null)"); \
    } \
} while (0)

#define CHECK_MEM(actual, expected, n) do { \
    check_count++; \
    if (memcmp((actual), (expected), (n)) != 0) { \
        check_failed++; \
        fprintf(stderr, "%s:%d: %s differs from %s\n", __FILE__, __LINE__, #actual, #expected); \
    } \
} while (0)

/* Call at the end of main(). */
static inline int check_report(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failed);
    return check_failed ? 1 : 0;
}

#endif
