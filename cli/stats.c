#include "stats.h"

#include <errno.h>
#include <string.h>

#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"

#define STATS_INTERVAL_MS 1000

int cli_stats_open(struct cli_stats *st, const struct cli_options *opts, const char *name, rtmpkit_log *log)
{
    memset(st, 0, sizeof *st);
    st->mode = opts->stats;
    st->name = name;
    st->out = stderr;
    if (opts->stats_file) {
        if (st->mode == CLI_STATS_OFF)
            st->mode = CLI_STATS_JSON;
        if (!(st->out = fopen(opts->stats_file, "w"))) {
            rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "cannot create %s: %s", opts->stats_file, strerror(errno));
            st->mode = CLI_STATS_OFF;
            return RTMPKIT_EOUTPUT;
        }
        setvbuf(st->out, NULL, _IOLBF, 0);   /* a line at a time, for whoever tails it */
        st->own_out = 1;
    }
    st->start_ms = st->last_ms = rtmpkit_monotonic_ms();
    st->next_ms = st->start_ms + STATS_INTERVAL_MS;
    return 0;
}

/* A signed figure, or null when not known. */
static void put_optional(FILE *out, const char *key, int64_t v)
{
    if (v < 0)
        fprintf(out, ",\"%s\":null", key);
    else
        fprintf(out, ",\"%s\":%lld", key, (long long)v);
}

/* A string value, or null; quotes, backslashes and control bytes escaped. */
static void put_string(FILE *out, const char *key, const char *v)
{
    fprintf(out, ",\"%s\":", key);
    if (!v) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

static void write_json(const struct cli_stats *st, const struct cli_stats_sample *s, uint64_t now, double kbps)
{
    fprintf(st->out, "{\"t_ms\":%llu,\"state\":\"%s\",\"bytes\":%llu,\"bitrate_kbps\":%.1f,"
            "\"video_frames\":%llu,\"audio_frames\":%llu,\"dropped\":%llu,\"media_ms\":%lld,\"reconnects\":%d",
            (unsigned long long)(now - st->start_ms), s->state, (unsigned long long)s->bytes, kbps,
            (unsigned long long)s->video_frames, (unsigned long long)s->audio_frames,
            (unsigned long long)s->dropped, (long long)(s->media_ms < 0 ? 0 : s->media_ms), s->reconnects);
    put_optional(st->out, "queue_ms", s->queue_ms);
    put_optional(st->out, "lateness_ms", s->lateness_ms);
    put_string(st->out, "destination", s->destination);
    put_string(st->out, "stream", s->stream);
    fputs("}\n", st->out);
}

static void write_text(const struct cli_stats *st, const struct cli_stats_sample *s, uint64_t now, double kbps)
{
    if (s->stream)
        fprintf(st->out, "%s: %s:", st->name, s->stream);
    else
        fprintf(st->out, "%s:", st->name);
    fprintf(st->out, " t=%.1f s %s media=%.1f s %.0f kbit/s video=%llu audio=%llu dropped=%llu reconnects=%d",
            (double)(now - st->start_ms) / 1000, s->state, (double)(s->media_ms < 0 ? 0 : s->media_ms) / 1000,
            kbps, (unsigned long long)s->video_frames, (unsigned long long)s->audio_frames,
            (unsigned long long)s->dropped, s->reconnects);
    if (s->queue_ms >= 0)
        fprintf(st->out, " queue=%lld ms", (long long)s->queue_ms);
    if (s->lateness_ms >= 0)
        fprintf(st->out, " late=%lld ms", (long long)s->lateness_ms);
    fputc('\n', st->out);
}

void cli_stats_tick(struct cli_stats *st, const struct cli_stats_sample *s, int force)
{
    uint64_t now;
    double kbps;
    if (st->mode == CLI_STATS_OFF)
        return;
    now = rtmpkit_monotonic_ms();
    if (!force && now < st->next_ms)
        return;
    /* The bit rate of the last interval, not of the whole run: an outage shows at once. */
    kbps = now > st->last_ms ? (double)(s->bytes - st->last_bytes) * 8 / (double)(now - st->last_ms) : 0.0;
    if (st->mode == CLI_STATS_JSON)
        write_json(st, s, now, kbps);
    else
        write_text(st, s, now, kbps);
    st->last_bytes = s->bytes;
    st->last_ms = now;
    st->next_ms = now + STATS_INTERVAL_MS;
}

void cli_stats_close(struct cli_stats *st)
{
    if (st->own_out)
        fclose(st->out);
    st->own_out = 0;
    st->mode = CLI_STATS_OFF;
}
