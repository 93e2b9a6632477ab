/* The player's numbers: the stats line printed on stderr once a second (text for people,
 * JSON for scripts and the tests), and the totals for the summary at the end. */
#include <stdio.h>

#include "player_internal.h"

void rk_player_print_stats(struct rk_player *pl, struct view *v, uint64_t t, double fps)
{
    int64_t edge = atomic_load(&pl->edge_ts);
    int64_t buffer = v->last_clock ? edge - v->last_clock : -1;
    double av = v->av_count ? v->av_sum / v->av_count : 0;
    char vdesc[96], adesc[96];
    int64_t latency = v->last_latency_ms;
    double speed;
    pthread_mutex_lock(&pl->info_lock);
    snprintf(vdesc, sizeof vdesc, "%s", pl->video_desc);
    snprintf(adesc, sizeof adesc, "%s", pl->audio_desc);
    speed = pl->speed;
    pthread_mutex_unlock(&pl->info_lock);
    if (!v->audio_master)
        speed = v->video_speed;
    if (pl->opts.stats == RK_PLAYER_STATS_JSON) {
        fprintf(stderr, "{\"t_ms\":%llu,\"fps\":%.1f,\"video_frames\":%llu,\"shown\":%llu,\"dropped\":%llu,"
                "\"packets_dropped\":%llu,\"audio_frames\":%llu,\"audio_dropped_ms\":%llu,"
                "\"clock_ms\":%lld,\"edge_ms\":%lld,\"buffer_ms\":%lld,\"av_offset_ms\":%.1f,"
                "\"av_max_ms\":%d,\"av_samples\":%d,\"master\":\"%s\",\"speed\":%.2f,"
                "\"shown_pts_ms\":%lld,\"target_ms\":%d,",
                (unsigned long long)(t - v->stats_start_ms), fps,
                (unsigned long long)atomic_load(&pl->video_frames), (unsigned long long)atomic_load(&pl->frames_shown),
                (unsigned long long)atomic_load(&pl->frames_dropped),
                (unsigned long long)atomic_load(&pl->packets_dropped),
                (unsigned long long)atomic_load(&pl->audio_frames),
                (unsigned long long)atomic_load(&pl->audio_dropped_ms),
                (long long)v->last_clock, (long long)edge, (long long)buffer, av, v->av_max, v->av_count,
                v->audio_master ? "audio" : "video", speed, (long long)v->last_shown_pts, pl->opts.latency_ms);
        if (latency >= 0)
            fprintf(stderr, "\"latency_ms\":%lld,", (long long)latency);
        fprintf(stderr, "\"waiting\":%s,\"video\":\"%s\",\"audio\":\"%s\"}\n",
                atomic_load(&pl->waiting) ? "true" : "false", vdesc, adesc);
    } else {
        char lat[48] = "";
        if (latency >= 0)
            snprintf(lat, sizeof lat, "  latency %lld ms", (long long)latency);
        fprintf(stderr, "%s: %.1f fps  dropped %llu  A-V %+.0f ms  buffer %lld ms%s  x%.2f  %s%s%s%s\n", pl->opts.name, fps,
                (unsigned long long)atomic_load(&pl->frames_dropped), av, (long long)buffer, lat, speed,
                vdesc, adesc[0] && vdesc[0] ? ", " : "", adesc, atomic_load(&pl->waiting) ? "  (waiting)" : "");
    }
    fflush(stderr);
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
