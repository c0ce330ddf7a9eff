/* Library version. */
#ifndef OTTER_VERSION_H
#define OTTER_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define OTTER_VERSION_MAJOR 0
#define OTTER_VERSION_MINOR 1
#define OTTER_VERSION_PATCH 0
#define OTTER_VERSION_STRING "0.1.0"

/* Version of the library actually linked (may differ from the header's). */
const char *otter_version(void);

#ifdef __cplusplus
}
#endif
#endif
