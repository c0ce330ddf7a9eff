/* A one-line progress display on stderr for `otter eval` and `otter gen`: rows, rows
 * per second and, when the input size is known, percent and ETA. Redrawn at most four
 * times a second so it costs nothing measurable. */
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_int.h"

double otter__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void otter__progress_init(otter__progress *p, int enabled, FILE *in)
{
    p->enabled = enabled && isatty(STDERR_FILENO);
    p->total_bytes = 0;
    struct stat st;
    if (in && fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
        p->total_bytes = (uint64_t)st.st_size;
    p->start = p->last = otter__now();
}

void otter__progress_update(otter__progress *p, uint64_t rows, uint64_t bytes)
{
    if (!p->enabled)
        return;
    double now = otter__now();
    if (now - p->last < 0.25)
        return;
    p->last = now;
    double el = now - p->start, rate = el > 0 ? (double)rows / el : 0;
    if (p->total_bytes && bytes > 0) {
        double frac = (double)bytes / (double)p->total_bytes;
        double eta = frac > 0 ? el * (1 - frac) / frac : 0;
        int width = 30, fill = (int)(frac * width);
        char bar[31];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r[%s] %5.1f%% %llu rows %.0f rows/s ETA %.0fs   ", bar, 100 * frac,
                (unsigned long long)rows, rate, eta);
    } else {
        fprintf(stderr, "\r%llu rows %.0f rows/s   ", (unsigned long long)rows, rate);
    }
}

void otter__progress_done(otter__progress *p)
{
    if (p->enabled)
        fprintf(stderr, "\r%*s\r", 70, "");
}
