/* Operations: health, readiness, Prometheus metrics, the OpenAPI document, snapshots. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_int.h"

void otter__h_health(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    (void)srv;
    (void)req;
    otter__resp_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

void otter__h_ready(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    (void)req;
    int ready = atomic_load(&srv->ready);
    otter__resp_json(r, ready ? 200 : 503,
                     json_pack("{s:s}", "status", ready ? "ready" : "starting"));
}

void otter__h_openapi(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    (void)req;
    if (!srv->openapi) {
        otter__resp_error(r, 404, "NOT_FOUND", "no OpenAPI document was installed");
        return;
    }
    otter_buf_append(&r->raw, srv->openapi, srv->openapi_len, NULL);
    r->status = 200;
    r->raw_type = "application/json";
}

static void mprintf(otter_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void mprintf(otter_buf *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        otter_buf_append(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, NULL);
}

static const double lat_bounds_ms[OTTER__LAT_BUCKETS] = {0.1, 0.25, 0.5, 1,   2.5, 5,
                                                         10,  25,   50,  100, 250, 1000};
static const char *const status_names[8] = {"200", "201", "204", "400",
                                            "404", "409", "413", "other"};

void otter__h_metrics(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    (void)req;
    otter_buf *b = &r->raw;
    mprintf(b, "# HELP otterd_requests_total Requests by route and status.\n"
               "# TYPE otterd_requests_total counter\n");
    for (size_t i = 0; i <= otter__n_routes; i++) {
        const char *id = i < otter__n_routes ? otter__routes[i].id : "unmatched";
        otter__route_stats *st = &srv->route_stats[i];
        for (int k = 0; k < 8; k++) {
            uint64_t n = atomic_load(&st->by_status[k]);
            if (n)
                mprintf(b, "otterd_requests_total{route=\"%s\",status=\"%s\"} %" PRIu64 "\n", id,
                        status_names[k], n);
        }
    }
    mprintf(b, "# HELP otterd_request_seconds Request latency by route.\n"
               "# TYPE otterd_request_seconds histogram\n");
    for (size_t i = 0; i < otter__n_routes; i++) {
        otter__route_stats *st = &srv->route_stats[i];
        uint64_t cum = 0, total = 0;
        for (int k = 0; k <= OTTER__LAT_BUCKETS; k++)
            total += atomic_load(&st->lat[k]);
        if (!total)
            continue;
        for (int k = 0; k < OTTER__LAT_BUCKETS; k++) {
            cum += atomic_load(&st->lat[k]);
            mprintf(b, "otterd_request_seconds_bucket{route=\"%s\",le=\"%g\"} %" PRIu64 "\n",
                    otter__routes[i].id, lat_bounds_ms[k] / 1000, cum);
        }
        mprintf(b, "otterd_request_seconds_bucket{route=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
                otter__routes[i].id, total);
        mprintf(b, "otterd_request_seconds_sum{route=\"%s\"} %.6f\n", otter__routes[i].id,
                (double)atomic_load(&st->lat_sum_us) / 1e6);
        mprintf(b, "otterd_request_seconds_count{route=\"%s\"} %" PRIu64 "\n", otter__routes[i].id,
                total);
    }
    otter_store_stats ss;
    otter_store_stats_get(srv->store, &ss);
    mprintf(b, "# TYPE otterd_entities gauge\notterd_entities %" PRIu64 "\n", ss.entities);
    mprintf(b, "# TYPE otterd_entities_loaded gauge\notterd_entities_loaded %" PRIu64 "\n",
            ss.loaded);
    mprintf(b, "# TYPE otterd_events_pending gauge\notterd_events_pending %" PRIu64 "\n",
            ss.pending_events);
    mprintf(b, "# TYPE otterd_log_records_total counter\notterd_log_records_total %" PRIu64 "\n",
            ss.log_records);
    mprintf(b, "# TYPE otterd_wal_syncs_total counter\notterd_wal_syncs_total %" PRIu64 "\n",
            ss.syncs);
    mprintf(b, "# TYPE otterd_predictions_total counter\notterd_predictions_total %" PRIu64 "\n",
            (uint64_t)atomic_load(&srv->predictions));
    mprintf(b, "# TYPE otterd_learns_total counter\notterd_learns_total %" PRIu64 "\n",
            (uint64_t)atomic_load(&srv->learns));
    mprintf(b, "# TYPE otterd_feedback_total counter\notterd_feedback_total %" PRIu64 "\n",
            (uint64_t)atomic_load(&srv->feedbacks));
    mprintf(b, "# TYPE otterd_ranks_total counter\notterd_ranks_total %" PRIu64 "\n",
            (uint64_t)atomic_load(&srv->ranks));
    mprintf(b, "# TYPE otterd_rewards_total counter\notterd_rewards_total %" PRIu64 "\n",
            (uint64_t)atomic_load(&srv->rewards));
    int64_t last = atomic_load(&srv->last_snapshot_ms);
    if (last) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double age = ((double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6 - (double)last) / 1000;
        mprintf(b, "# TYPE otterd_snapshot_age_seconds gauge\notterd_snapshot_age_seconds %.3f\n",
                age);
        mprintf(b,
                "# TYPE otterd_snapshot_duration_seconds gauge\n"
                "otterd_snapshot_duration_seconds %.6f\n",
                (double)atomic_load(&srv->last_snapshot_us) / 1e6);
    }
    r->status = 200;
    r->raw_type = "text/plain; version=0.0.4";
}

static json_t *snapshot_json(const otter_snapshot_info *i)
{
    char when[40];
    time_t t = (time_t)(i->time_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    char full[48];
    snprintf(full, sizeof full, "%s.%03dZ", when, (int)(i->time_ms % 1000));
    json_t *kg = i->kg_lo <= i->kg_hi ? json_pack("[i,i]", i->kg_lo, i->kg_hi) : json_null();
    return json_pack("{s:I,s:I,s:s,s:I,s:I,s:o,s:I,s:I,s:f}", "id", (json_int_t)i->id, "parent",
                     (json_int_t)i->parent, "time", full, "entities", (json_int_t)i->entities,
                     "events", (json_int_t)i->events, "key_groups", kg, "files",
                     (json_int_t)i->files, "bytes", (json_int_t)i->bytes, "seconds", i->seconds);
}

/* Takes snapshot `id` (0: the next id) and records its figures for /metrics. */
otter_status otter__take_snapshot(otter__server *srv, uint64_t id, otter_snapshot_info *info,
                                  otter_error *err);
otter_status otter__take_snapshot(otter__server *srv, uint64_t id, otter_snapshot_info *info,
                                  otter_error *err)
{
    if (!id) {
        otter_snapshot_info *v = NULL;
        size_t n = 0;
        otter_store_stats ss;
        otter_store_stats_get(srv->store, &ss);
        id = ss.last_snapshot + 1;
        if (otter_store_snapshots(srv->store, &v, &n, NULL) == OTTER_OK && n && v[n - 1].id >= id)
            id = v[n - 1].id + 1;
        free(v);
    }
    otter_status st = otter_store_snapshot(srv->store, id, info, err);
    if (st == OTTER_OK) {
        atomic_store(&srv->last_snapshot_ms, info->time_ms);
        atomic_store(&srv->last_snapshot_us, (uint64_t)(info->seconds * 1e6));
        otter__log("info", "snapshot", "id=%" PRIu64 " entities=%" PRIu64 " seconds=%.3f", id,
                   info->entities, info->seconds);
    } else
        otter__log("error", "snapshot", "id=%" PRIu64 " error=\"%s\"", id, err ? err->message : "");
    return st;
}

void otter__h_snapshot_take(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    static const char *const allowed[] = {"id", NULL};
    uint64_t id = 0;
    if (req->json) {
        if (!otter__json_only(req->json, allowed, "body", r))
            return;
        json_t *j = json_object_get(req->json, "id");
        if (j && (!json_is_integer(j) || json_integer_value(j) < 1 ||
                  json_integer_value(j) > OTTER__SNAPSHOT_ID_MAX)) {
            otter__resp_error(r, 400, "INVALID", "id must be an integer in [1, %lld]",
                              OTTER__SNAPSHOT_ID_MAX);
            return;
        }
        id = j ? (uint64_t)json_integer_value(j) : 0;
    }
    otter_snapshot_info info;
    otter_error err = {0};
    otter_status st = otter__take_snapshot(srv, id, &info, &err);
    if (st == OTTER_INVALID)
        otter__resp_error(r, 409, "CONFLICT", "%s", err.message);
    else if (st != OTTER_OK)
        otter__resp_status(r, st, &err);
    else
        otter__resp_json(r, 201, snapshot_json(&info));
}

void otter__h_snapshot_list(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    (void)req;
    otter_snapshot_info *v = NULL;
    size_t n = 0;
    otter_error err = {0};
    otter_status st = otter_store_snapshots(srv->store, &v, &n, &err);
    if (st != OTTER_OK) {
        otter__resp_status(r, st, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, snapshot_json(&v[i]));
    free(v);
    otter__resp_json(r, 200, json_pack("{s:o}", "snapshots", a));
}

void otter__h_snapshot_restore(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    /* digits only: strtoull alone would take "-1", "+1" and leading spaces */
    const char *arg = req->args[0];
    char *end = NULL;
    unsigned long long id = arg[0] >= '0' && arg[0] <= '9' ? strtoull(arg, &end, 10) : 0;
    if (!id || *end) {
        otter__resp_error(r, 400, "INVALID", "snapshot id '%.40s' is not a positive integer", arg);
        return;
    }
    otter_error err = {0};
    otter_status st = otter_store_restore(srv->store, id, &err);
    if (st != OTTER_OK) {
        otter__resp_status(r, st, &err);
        return;
    }
    otter__log("info", "restore", "id=%llu", id);
    otter__forget_all_metrics(srv); /* they described the abandoned state */
    otter__resp_json(r, 200, json_pack("{s:I}", "restored", (json_int_t)id));
}
