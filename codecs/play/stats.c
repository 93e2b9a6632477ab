/* The player's numbers: the stats line printed on stderr once a second (text for people,
 * JSON for scripts and the tests) with the interval's latency budget, and the totals for
 * the summary at the end. */
#include <stdio.h>
#include <string.h>

#include "player_internal.h"

/* The budget's stages as the stats name them (keys NAME_ms and NAME_p95_ms). */
static const char *const stage_names[RK_STAGES] = {
    [RK_STAGE_SEND_ARRIVE] = "send_arrive", [RK_STAGE_ARRIVE_DECODE] = "arrive_decode",
    [RK_STAGE_DECODE_SHOW] = "decode_show", [RK_STAGE_WAIT] = "wait", [RK_STAGE_LATE] = "overdue",
    [RK_STAGE_HELD] = "held", [RK_STAGE_LATENCY] = "latency", [RK_STAGE_AUDIO_DEVICE] = "audio_device",
};

/* The interval's jitter (95th percentile, -1 when no video arrived); empties the series. */
static int take_jitter(struct rk_player *pl)
{
    int j = -1;
    pthread_mutex_lock(&pl->info_lock);
    if (!rk_series_quantile(&pl->jitter, 0.95, &j))
        j = -1;
    rk_series_reset(&pl->jitter);
    pthread_mutex_unlock(&pl->info_lock);
    return j;
}

/* ,"NAME_ms":median,"NAME_p95_ms":p95 for each stage with samples. */
static void print_budget_json(const struct rk_budget *b)
{
    for (int i = 0; i < RK_STAGES; i++) {
        int med, p95;
        if (i == RK_STAGE_LATENCY || !rk_series_quantile(&b->s[i], 0.5, &med))
            continue;   /* latency_ms is printed with the other latency keys */
        rk_series_quantile(&b->s[i], 0.95, &p95);
        fprintf(stderr, "\"%s_ms\":%d,\"%s_p95_ms\":%d,", stage_names[i], med, stage_names[i], p95);
    }
}

/* "  net 12/20 decode 8/15 show 30/45 ms": the main stages, median/95th percentile. */
static void format_budget_text(const struct rk_budget *b, char *out, size_t len)
{
    static const int shown[] = { RK_STAGE_SEND_ARRIVE, RK_STAGE_ARRIVE_DECODE, RK_STAGE_DECODE_SHOW,
                                 RK_STAGE_AUDIO_DEVICE };
    static const char *const words[] = { "net", "decode", "show", "audio" };
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < sizeof shown / sizeof shown[0] && used < len; i++) {
        int med, p95;
        if (!rk_series_quantile(&b->s[shown[i]], 0.5, &med))
            continue;
        rk_series_quantile(&b->s[shown[i]], 0.95, &p95);
        used += (size_t)snprintf(out + used, len - used, "%s%s %d/%d", used ? " " : "  ", words[i], med, p95);
    }
    if (used && used < len)
        snprintf(out + used, len - used, " ms");
}

void rk_player_print_stats(struct rk_player *pl, struct view *v, uint64_t t, double fps)
{
    int64_t edge = atomic_load(&pl->edge_ts);
    int64_t buffer = v->last_clock ? edge - v->last_clock : -1;
    double av = v->av_count ? v->av_sum / v->av_count : 0;
    char vdesc[96], adesc[96];
    int64_t latency = v->last_latency_ms;
    int latency_p95 = -1, med, jitter = take_jitter(pl);
    int jitter_over = jitter > pl->opts.latency_ms;
    double speed;
    /* Glass to glass: the interval's median when pictures were shown, else the last. */
    if (rk_series_quantile(&v->budget.s[RK_STAGE_LATENCY], 0.5, &med)) {
        latency = med;
        rk_series_quantile(&v->budget.s[RK_STAGE_LATENCY], 0.95, &latency_p95);
    }
    pthread_mutex_lock(&pl->info_lock);
    snprintf(vdesc, sizeof vdesc, "%s", pl->video_desc);
    snprintf(adesc, sizeof adesc, "%s", pl->audio_desc);
    speed = pl->speed;
    pthread_mutex_unlock(&pl->info_lock);
    if (!v->audio_master)
        speed = v->video_speed;
    if (pl->opts.stats == RK_PLAYER_STATS_JSON) {
        /* The keys rtmp-push and rtmp-dump share (their man pages' STATS). */
        uint64_t bytes = atomic_load(&pl->bytes_received);
        uint64_t since = v->stats_last_ms ? v->stats_last_ms : v->stats_start_ms;
        uint64_t interval = t > since ? t - since : 0;
        const char *state = atomic_load(&pl->reconnecting) ? "reconnecting"
                          : atomic_load(&pl->waiting) ? "waiting" : "playing";
        fprintf(stderr, "{\"state\":\"%s\",\"reconnects\":%d,\"bytes\":%llu,\"bitrate_kbps\":%.1f,", state,
                atomic_load(&pl->reconnects), (unsigned long long)bytes,
                interval ? (double)(bytes - v->stats_bytes) * 8 / (double)interval : 0.0);
        v->stats_bytes = bytes;
        v->stats_last_ms = t;
        fprintf(stderr, "\"t_ms\":%llu,\"fps\":%.1f,\"video_frames\":%llu,\"shown\":%llu,\"dropped\":%llu,"
                "\"late\":%llu,\"repeated\":%llu,"
                "\"packets_dropped\":%llu,\"audio_frames\":%llu,\"audio_dropped_ms\":%llu,"
                "\"clock_ms\":%lld,\"edge_ms\":%lld,\"buffer_ms\":%lld,\"av_offset_ms\":%.1f,"
                "\"av_max_ms\":%d,\"av_samples\":%d,\"master\":\"%s\",\"speed\":%.2f,"
                "\"shown_pts_ms\":%lld,\"target_ms\":%d,\"low_latency\":%s,",
                (unsigned long long)(t - v->stats_start_ms), fps,
                (unsigned long long)atomic_load(&pl->video_frames), (unsigned long long)atomic_load(&pl->frames_shown),
                (unsigned long long)atomic_load(&pl->frames_dropped),
                (unsigned long long)atomic_load(&pl->frames_late),
                (unsigned long long)atomic_load(&pl->frames_repeated),
                (unsigned long long)atomic_load(&pl->packets_dropped),
                (unsigned long long)atomic_load(&pl->audio_frames),
                (unsigned long long)atomic_load(&pl->audio_dropped_ms),
                (long long)v->last_clock, (long long)edge, (long long)buffer, av, v->av_max, v->av_count,
                v->audio_master ? "audio" : "video", speed, (long long)v->last_shown_pts, pl->opts.latency_ms,
                pl->low_latency ? "true" : "false");
        print_budget_json(&v->budget);
        if (latency >= 0)
            fprintf(stderr, "\"latency_ms\":%lld,", (long long)latency);
        if (latency_p95 >= 0)
            fprintf(stderr, "\"latency_p95_ms\":%d,", latency_p95);
        if (pl->audio)
            fprintf(stderr, "\"audio_buffer_ms\":%d,\"audio_silence_ms\":%llu,", rk_audio_device_ms(pl->audio),
                    (unsigned long long)rk_audio_silence_ms(pl->audio));
        if (jitter >= 0)
            fprintf(stderr, "\"jitter_ms\":%d,\"jitter_over_target\":%s,", jitter, jitter_over ? "true" : "false");
        if (atomic_load(&pl->video_frames))
            fprintf(stderr, "\"video_pts_us\":%lld,", (long long)(atomic_load(&pl->video_pts_ns) / 1000));
        fprintf(stderr, "\"audio_track\":%d,\"audio_tracks\":%d,", atomic_load(&pl->audio_track),
                rk_player_audio_track_count(pl));
        fprintf(stderr, "\"video_track\":%d,\"video_tracks\":%d,", pl->video_track, rk_player_video_track_count(pl));
        fprintf(stderr, "\"waiting\":%s,\"video\":\"%s\",\"audio\":\"%s\"}\n",
                atomic_load(&pl->waiting) ? "true" : "false", vdesc, adesc);
    } else {
        char lat[48] = "", budget[160], jit[64] = "", track[32] = "", vtrack[32] = "";
        if (rk_player_audio_track_count(pl) > 1)
            snprintf(track, sizeof track, " (track %d)", atomic_load(&pl->audio_track));
        if (rk_player_video_track_count(pl) > 1 || pl->video_track)
            snprintf(vtrack, sizeof vtrack, " (track %d)", pl->video_track);
        if (latency >= 0)
            snprintf(lat, sizeof lat, "  latency %lld ms", (long long)latency);
        format_budget_text(&v->budget, budget, sizeof budget);
        if (jitter_over)
            snprintf(jit, sizeof jit, "  (link jitter %d ms > target)", jitter);
        fprintf(stderr, "%s: %.1f fps  dropped %llu  A-V %+.0f ms  buffer %lld ms%s%s  x%.2f  %s%s%s%s%s%s%s\n", pl->opts.name,
                fps, (unsigned long long)atomic_load(&pl->frames_dropped), av, (long long)buffer, lat, budget, speed,
                vdesc, vtrack, adesc[0] && vdesc[0] ? ", " : "", adesc, track, jit,
                atomic_load(&pl->waiting) ? "  (waiting)" : "");
    }
    fflush(stderr);
    rk_budget_reset(&v->budget);
}

void rk_player_get_totals(const rk_player *pl, struct rk_player_totals *totals)
{
    totals->video_frames = atomic_load(&pl->video_frames);
    totals->frames_shown = atomic_load(&pl->frames_shown);
    totals->frames_dropped = atomic_load(&pl->frames_dropped);
    totals->audio_frames = atomic_load(&pl->audio_frames);
    totals->audio_samples = atomic_load(&pl->audio_samples);
    totals->packets_dropped = atomic_load(&pl->packets_dropped);
}
