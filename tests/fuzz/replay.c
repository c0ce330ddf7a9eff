/* Runs the fuzz target (tests/fuzz/fuzz_request.c) without libFuzzer over every file of
 * a corpus directory (default: tests/fuzz/corpus), so `make check` replays the seeds and
 * the regression inputs with any compiler, and under ASan with `make check-asan`. A
 * failing input aborts inside the target, naming the request and the response.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "otter/buf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    otter_buf b = OTTER_BUF_INIT;
    char chunk[4096];
    size_t n;
    int ok = 1;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = otter_buf_append(&b, chunk, n, NULL) == OTTER_OK;
    fclose(f);
    if (ok)
        LLVMFuzzerTestOneInput(b.data, b.len);
    otter_buf_free(&b);
    return ok;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : FUZZ_CORPUS_DIR;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: cannot open %s\n", dir);
        return 1;
    }
    LLVMFuzzerInitialize(&argc, &argv);
    size_t count = 0, failed = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (replay(path))
            count++;
        else {
            fprintf(stderr, "replay: cannot read %s\n", path);
            failed++;
        }
    }
    closedir(d);
    printf("replay: %zu inputs of %s ran without a finding\n", count, dir);
    return failed || count == 0;
}
