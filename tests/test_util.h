/* Small helpers shared by the Check test programs. */
#ifndef OTTER_TEST_UTIL_H
#define OTTER_TEST_UTIL_H

#include <check.h>
#include <stdlib.h>

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
