/* Small helpers shared by the Check test programs. */
#ifndef OTTER_TEST_UTIL_H
#define OTTER_TEST_UTIL_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "otter/otter.h"

/* Fails the test with the error message when st is not OTTER_OK. */
#define OK(call)                                                                                   \
    do {                                                                                           \
        otter_error e_ = {0};                                                                      \
        otter_error *err = &e_;                                                                    \
        otter_status st_ = (call);                                                                 \
        ck_assert_msg(st_ == OTTER_OK, "%s failed: %s (%s)", #call, e_.message,                    \
                      otter_status_name(st_));                                                     \
    } while (0)

/* Builds parameters from "k=v,k2=v2" text (owned by the caller). */
static inline otter_params *test_params(const char *text)
{
    otter_params *p;
    OK(otter_params_create(&p, err));
    OK(otter_params_parse(p, text, err));
    return p;
}

/* A learner of `type` with parameters given as text. */
static inline otter_learner *test_learner(const otter_context *ctx, const char *type,
                                          const char *params)
{
    otter_params *p = test_params(params);
    otter_learner *l = NULL;
    OK(otter_learner_create(ctx, type, p, &l, err));
    otter_params_destroy(p);
    return l;
}

/* A generator of `type` with parameters given as text and a seed. */
static inline otter_gen *test_gen(const otter_context *ctx, const char *type, const char *params,
                                  uint64_t seed)
{
    otter_params *p = test_params(params);
    otter_gen *g = NULL;
    OK(otter_gen_create(ctx, type, p, seed, &g, err));
    otter_params_destroy(p);
    return g;
}

/* Replaces b's contents with the learner's state blob. */
static inline void test_encode(const otter_learner *l, otter_buf *b)
{
    b->len = 0;
    OK(otter_learner_encode(l, b, err));
}

/* 1 when two learners encode to the same bytes. */
static inline int test_same_state(const otter_learner *a, const otter_learner *b)
{
    otter_buf x = OTTER_BUF_INIT, y = OTTER_BUF_INIT;
    test_encode(a, &x);
    test_encode(b, &y);
    int same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
    otter_buf_free(&x);
    otter_buf_free(&y);
    return same;
}

/* The learner's text dump as a NUL-terminated string (free() it); fails the test when
 * the dump does. */
static inline char *test_dump(const otter_learner *l)
{
    otter_buf b = OTTER_BUF_INIT;
    OK(otter_learner_dump(l, &b, err));
    OK(otter_buf_append(&b, "", 1, err));
    return (char *)b.data;
}

/* Number of lines of text that start with prefix once their indentation is skipped. */
static inline size_t test_count_lines(const char *text, const char *prefix)
{
    size_t n = 0;
    for (const char *line = text; *line;) {
        const char *s = line + strspn(line, " ");
        n += strncmp(s, prefix, strlen(prefix)) == 0;
        const char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : line + strlen(line);
    }
    return n;
}

/* Reads a little-endian u32 of a blob. */
static inline size_t test_u32_at(const uint8_t *p)
{
    return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
}

/* Offset in a learner blob of the type's u16 state version ("OTR1", u16 format, u32 len
 * + type name; docs/architecture.md). */
static inline size_t test_blob_version_at(const otter_buf *b)
{
    return 4 + 2 + 4 + test_u32_at(b->data + 6);
}

/* Offset of the type's own payload: after the state version, the parameter text, the
 * payload length and the update count. */
static inline size_t test_blob_payload_at(const otter_buf *b)
{
    size_t params_at = test_blob_version_at(b) + 2;
    return params_at + 4 + test_u32_at(b->data + params_at) + 8 + 8;
}

/* Rewrites the trailing CRC32C of a blob after an edit, so the type's decoder sees it. */
static inline void test_blob_fix_crc(otter_buf *b)
{
    uint32_t c = otter_crc32c(0, b->data, b->len - 4);
    for (int i = 0; i < 4; i++)
        b->data[b->len - 4 + (size_t)i] = (uint8_t)(c >> (8 * i));
}

/* Runs a suite in fork mode and turns failures into the exit status. */
static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
