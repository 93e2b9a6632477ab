/* rtmp-probe: say what a live stream is (server, tracks, codecs, rates, keyframes). */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/probe.h"

#define NAME "rtmp-probe"

/* What the probe saw besides the tracks: times on the monotonic clock, in ms. */
struct run {
    uint64_t started, playing, ended;
    int complete;            /* the probe had all it needs */
    const char *why_ended;   /* "complete", "duration", "max-time", "stream end" */
    int64_t media_ms;
};

/* ---- peer text: control bytes never reach the terminal; JSON strings stay valid ---- */

/* Bytes of the UTF-8 sequence at s (1 for a byte that does not start a valid one). */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (n == 0 || s[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static void print_text(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, out);
}

static void print_json_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', out);
    while (*p) {
        size_t n;
        if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p++);
        } else if (*p < 0x20 || *p == 0x7F) {
            fprintf(out, "\\u%04x", *p++);
        } else if (*p < 0x80) {
            fputc(*p++, out);
        } else if ((n = utf8_len(p)) > 0) {
            fwrite(p, 1, n, out);
            p += n;
        } else {
            fputs("\\ufffd", out);   /* not UTF-8: the JSON must stay valid */
            p++;
        }
    }
    fputc('"', out);
}

static void print_json_number(FILE *out, double v)
{
    if (v != v || v > 1e300 || v < -1e300)
        fputs("null", out);   /* NaN and infinities have no JSON form */
    else if (v > -9e15 && v < 9e15 && v == (double)(long long)v)   /* whole, and exact in a double */
        fprintf(out, "%lld", (long long)v);
    else
        fprintf(out, "%.6g", v);
}

/* An AMF value as JSON (dates as their ms number). */
static void print_json_amf(FILE *out, const rtmpkit_amf *v)
{
    switch (v->type) {
    case RTMPKIT_AMF_NUMBER:
    case RTMPKIT_AMF_DATE:
        print_json_number(out, v->number);
        return;
    case RTMPKIT_AMF_BOOLEAN:
        fputs(v->boolean ? "true" : "false", out);
        return;
    case RTMPKIT_AMF_STRING:
        print_json_string(out, v->string);
        return;
    case RTMPKIT_AMF_OBJECT:
    case RTMPKIT_AMF_ECMA_ARRAY:
        fputc('{', out);
        for (size_t i = 0; i < v->count; i++) {
            fputs(i ? ", " : "", out);
            print_json_string(out, v->props[i].key);
            fputs(": ", out);
            print_json_amf(out, &v->props[i].value);
        }
        fputc('}', out);
        return;
    case RTMPKIT_AMF_STRICT_ARRAY:
        fputc('[', out);
        for (size_t i = 0; i < v->count; i++) {
            fputs(i ? ", " : "", out);
            print_json_amf(out, &v->items[i]);
        }
        fputc(']', out);
        return;
    case RTMPKIT_AMF_NULL:
    case RTMPKIT_AMF_UNDEFINED:
        break;
    }
    fputs("null", out);
}

/* ---- the report ---- */

static const char *type_name(uint8_t type)
{
    return type == RTMPKIT_FLV_VIDEO ? "video" : "audio";
}

static void fourcc_text(uint32_t fourcc, char out[5])
{
    for (int i = 0; i < 4; i++)
        out[i] = (char)(fourcc >> (24 - 8 * i));
    out[fourcc ? 4 : 0] = 0;
}

/* Enhanced RTMP capsEx bits, named. */
static const char *const caps_ex_names[] = { "reconnect", "multitrack", "modex", "timestamp-nano-offset" };

static int is_enhanced(const rtmpkit_amf *props)
{
    return rtmpkit_amf_get(props, "capsEx") || rtmpkit_amf_get(props, "fourCcList")
        || rtmpkit_amf_get(props, "videoFourCcInfoMap") || rtmpkit_amf_get(props, "audioFourCcInfoMap");
}

/* The video track's size, from the codec, else (the default track) from onMetaData. */
static void track_size(const rtmpkit_probe_track *t, const rtmpkit_amf *meta, int *w, int *h)
{
    *w = t->codec.width;
    *h = t->codec.height;
    if ((*w <= 0 || *h <= 0) && t->id == 0) {
        *w = (int)rtmpkit_amf_get_number(meta, "width", 0);
        *h = (int)rtmpkit_amf_get_number(meta, "height", 0);
    }
}

static void json_key(FILE *out, int *first, const char *key)
{
    fprintf(out, "%s\"%s\": ", *first ? "" : ", ", key);
    *first = 0;
}

static void json_int_or_null(FILE *out, int *first, const char *key, int64_t v, int known)
{
    json_key(out, first, key);
    if (known)
        fprintf(out, "%lld", (long long)v);
    else
        fputs("null", out);
}

static void json_num_or_null(FILE *out, int *first, const char *key, double v, int known)
{
    json_key(out, first, key);
    if (known)
        print_json_number(out, v);
    else
        fputs("null", out);
}

static void json_str_or_null(FILE *out, int *first, const char *key, const char *s)
{
    json_key(out, first, key);
    if (s && s[0])
        print_json_string(out, s);
    else
        fputs("null", out);
}

static void json_track(FILE *out, const rtmpkit_probe_track *t, const rtmpkit_amf *meta)
{
    const rtmpkit_codec_info *c = &t->codec;
    char fourcc[5];
    int first = 1, w, h;
    fourcc_text(c->fourcc, fourcc);
    fputc('{', out);
    json_str_or_null(out, &first, "type", type_name(t->type));
    json_int_or_null(out, &first, "id", t->id, 1);
    json_key(out, &first, "enhanced");
    fputs(t->enhanced ? "true" : "false", out);
    json_str_or_null(out, &first, "codec", c->name);
    json_str_or_null(out, &first, "fourcc", fourcc);
    json_str_or_null(out, &first, "profile", c->profile);
    json_int_or_null(out, &first, "profile_idc", c->profile_idc, c->profile_idc >= 0);
    json_num_or_null(out, &first, "level", c->level, c->level > 0);
    json_int_or_null(out, &first, "level_idc", c->level_idc, c->level_idc >= 0);
    json_key(out, &first, "config");
    fputs(t->have_config ? "true" : "false", out);
    json_str_or_null(out, &first, "config_error", t->config_error < 0 ? rtmpkit_strerror(t->config_error) : NULL);
    if (t->type == RTMPKIT_FLV_VIDEO) {
        track_size(t, meta, &w, &h);
        json_int_or_null(out, &first, "width", w, w > 0);
        json_int_or_null(out, &first, "height", h, h > 0);
        json_int_or_null(out, &first, "bit_depth", c->bit_depth, c->bit_depth > 0);
        json_num_or_null(out, &first, "frame_rate", rtmpkit_probe_track_fps(t), rtmpkit_probe_track_fps(t) > 0);
        json_num_or_null(out, &first, "frame_rate_config", c->frame_rate, c->frame_rate > 0);
        json_int_or_null(out, &first, "keyframes", (int64_t)t->keyframes, 1);
        json_int_or_null(out, &first, "keyframe_interval_ms", t->key_interval_ms, t->key_interval_ms >= 0);
        json_num_or_null(out, &first, "keyframe_interval_frames", t->key_interval_frames, t->key_interval_frames > 0);
        json_int_or_null(out, &first, "first_keyframe_ms", t->first_key_wall_ms, t->first_key_wall_ms >= 0);
    } else {
        json_int_or_null(out, &first, "sample_rate", c->sample_rate, c->sample_rate > 0);
        json_int_or_null(out, &first, "channels", c->channels, c->channels > 0);
        json_int_or_null(out, &first, "bit_depth", c->bit_depth, c->bit_depth > 0);
    }
    json_int_or_null(out, &first, "frames", (int64_t)t->frames, 1);
    json_int_or_null(out, &first, "bytes", (int64_t)t->bytes, 1);
    json_num_or_null(out, &first, "bitrate", rtmpkit_probe_track_bitrate(t), rtmpkit_probe_track_bitrate(t) > 0);
    json_int_or_null(out, &first, "first_timestamp_ms", t->first_ms, t->first_ms >= 0);
    json_int_or_null(out, &first, "max_step_ms", t->max_step_ms, t->frames > 1);
    json_int_or_null(out, &first, "gaps", (int64_t)t->gaps, 1);
    json_int_or_null(out, &first, "backwards", (int64_t)t->backwards, 1);
    fputc('}', out);
}

static void json_server(FILE *out, const rtmpkit_amf *props)
{
    const rtmpkit_amf *caps = rtmpkit_amf_get(props, "capabilities");
    int first = 1;
    fputc('{', out);
    json_str_or_null(out, &first, "version", rtmpkit_amf_get_string(props, "fmsVer"));
    json_num_or_null(out, &first, "capabilities", caps ? caps->number : 0,
                     caps && caps->type == RTMPKIT_AMF_NUMBER);
    json_key(out, &first, "enhanced");
    if (!is_enhanced(props)) {
        fputs("null", out);
    } else {
        const rtmpkit_amf *caps_ex = rtmpkit_amf_get(props, "capsEx");
        int inner = 1;
        unsigned bits = caps_ex && caps_ex->type == RTMPKIT_AMF_NUMBER && caps_ex->number >= 0
                        && caps_ex->number < 65536 ? (unsigned)caps_ex->number : 0;
        static const char *const keys[][2] = { { "fourcc_list", "fourCcList" },
                                               { "video_fourcc_info", "videoFourCcInfoMap" },
                                               { "audio_fourcc_info", "audioFourCcInfoMap" } };
        fputc('{', out);
        json_num_or_null(out, &inner, "caps_ex", caps_ex ? caps_ex->number : 0,
                         caps_ex && caps_ex->type == RTMPKIT_AMF_NUMBER);
        json_key(out, &inner, "caps");
        fputc('[', out);
        for (unsigned i = 0, n = 0; i < sizeof caps_ex_names / sizeof caps_ex_names[0]; i++)
            if (bits & (1u << i))
                fprintf(out, "%s\"%s\"", n++ ? ", " : "", caps_ex_names[i]);
        fputc(']', out);
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            const rtmpkit_amf *v = rtmpkit_amf_get(props, keys[i][1]);
            json_key(out, &inner, keys[i][0]);
            if (v)
                print_json_amf(out, v);
            else
                fputs("null", out);
        }
        fputc('}', out);
    }
    fputc('}', out);
}

static void print_json(FILE *out, const char *url, const struct run *run, const rtmpkit_amf *props,
                       const rtmpkit_probe *probe)
{
    const rtmpkit_amf *meta = rtmpkit_probe_metadata(probe);
    int first = 1;
    fputc('{', out);
    json_str_or_null(out, &first, "url", url);
    json_key(out, &first, "complete");
    fputs(run->complete ? "true" : "false", out);
    json_str_or_null(out, &first, "ended_by", run->why_ended);
    json_int_or_null(out, &first, "start_ms", (int64_t)(run->playing - run->started), 1);
    json_int_or_null(out, &first, "probe_ms", (int64_t)(run->ended - run->started), 1);
    json_int_or_null(out, &first, "media_ms", run->media_ms, 1);
    json_key(out, &first, "server");
    json_server(out, props);
    json_key(out, &first, "metadata");
    print_json_amf(out, meta);
    json_int_or_null(out, &first, "bad_tags", (int64_t)rtmpkit_probe_bad_tags(probe), 1);
    json_key(out, &first, "tracks");
    fputc('[', out);
    for (size_t i = 0; i < rtmpkit_probe_track_count(probe); i++) {
        fputs(i ? ", " : "", out);
        json_track(out, rtmpkit_probe_track_at(probe, i), meta);
    }
    fputs("]}\n", out);
}

static void text_track(FILE *out, const rtmpkit_probe_track *t, const rtmpkit_amf *meta)
{
    const rtmpkit_codec_info *c = &t->codec;
    double kbps = rtmpkit_probe_track_bitrate(t) / 1000;
    int w, h;
    fprintf(out, "%-5s", type_name(t->type));
    if (t->id)
        fprintf(out, " #%u", t->id);
    fprintf(out, "  %s", c->name[0] ? c->name : "unknown codec");
    if (c->profile[0])
        fprintf(out, " %s", c->profile);
    if (c->level > 0)
        fprintf(out, ", level %.1f", c->level);
    if (t->type == RTMPKIT_FLV_VIDEO) {
        track_size(t, meta, &w, &h);
        if (w > 0 && h > 0)
            fprintf(out, ", %dx%d", w, h);
        fprintf(out, ", %.2f fps", rtmpkit_probe_track_fps(t));
        if (t->key_interval_ms >= 0)
            fprintf(out, ", keyframe every %.2f s (%.0f frames)", (double)t->key_interval_ms / 1000,
                    t->key_interval_frames);
        else
            fprintf(out, ", %llu keyframe%s", (unsigned long long)t->keyframes, t->keyframes == 1 ? "" : "s");
    } else {
        if (c->sample_rate > 0)
            fprintf(out, ", %d Hz", c->sample_rate);
        if (c->channels > 0)
            fprintf(out, ", %d channel%s", c->channels, c->channels == 1 ? "" : "s");
    }
    fprintf(out, ", %.0f kbit/s", kbps);
    fprintf(out, "\n       %llu frames, largest step %lld ms, %llu gap%s, %llu backwards",
            (unsigned long long)t->frames, (long long)t->max_step_ms, (unsigned long long)t->gaps,
            t->gaps == 1 ? "" : "s", (unsigned long long)t->backwards);
    if (t->type == RTMPKIT_FLV_VIDEO && t->first_key_wall_ms >= 0)
        fprintf(out, ", first keyframe after %lld ms", (long long)t->first_key_wall_ms);
    if (t->config_error < 0)
        fprintf(out, ", sequence header: %s", rtmpkit_strerror(t->config_error));
    else if (!t->have_config)
        fputs(", no sequence header", out);
    fputc('\n', out);
}

static void print_text_report(FILE *out, const char *url, const struct run *run, const rtmpkit_amf *props,
                              const rtmpkit_probe *probe)
{
    const char *version = rtmpkit_amf_get_string(props, "fmsVer");
    const rtmpkit_amf *meta = rtmpkit_probe_metadata(probe);
    fprintf(out, "stream  %s\nserver  ", url);
    print_text(out, version ? version : "(no version given)");
    if (is_enhanced(props)) {
        unsigned bits = (unsigned)rtmpkit_amf_get_number(props, "capsEx", 0);
        fputs(", Enhanced RTMP", out);
        for (unsigned i = 0; i < sizeof caps_ex_names / sizeof caps_ex_names[0]; i++)
            if (bits & (1u << i))
                fprintf(out, " %s", caps_ex_names[i]);
    }
    fprintf(out, "\nplay    started after %llu ms; %.1f s of media probed (%s)\n",
            (unsigned long long)(run->playing - run->started), (double)run->media_ms / 1000, run->why_ended);
    if (meta->type != RTMPKIT_AMF_NULL) {
        const char *encoder = rtmpkit_amf_get_string(meta, "encoder");
        fputs("meta    ", out);
        print_text(out, encoder ? encoder : "onMetaData");
        fprintf(out, ", %zu fields\n", meta->count);
    }
    for (size_t i = 0; i < rtmpkit_probe_track_count(probe); i++)
        text_track(out, rtmpkit_probe_track_at(probe, i), meta);
    if (rtmpkit_probe_track_count(probe) == 0)
        fputs("no audio or video\n", out);
}

/* ---- probing ---- */

/* Milliseconds left before max, or 1 when it has passed. */
static int ms_left(uint64_t deadline)
{
    uint64_t now = rtmpkit_monotonic_ms();
    return now >= deadline ? 1 : (int)(deadline - now);
}

/* Plays until the probe is complete, --duration of media, the stream's end, or
 * --max-time (beyond the --duration asked for). Returns 0 or an error. */
static int probe_stream(rtmpkit_session *session, rtmpkit_probe *probe, const struct cli_options *opts,
                        struct run *run, rtmpkit_log *log)
{
    uint64_t deadline = run->started + (uint64_t)((opts->max_time + opts->duration) * 1000);
    int64_t limit_ms = opts->duration > 0 ? (int64_t)(opts->duration * 1000) : -1;
    for (;;) {
        rtmpkit_session_event sev;
        const rtmpkit_event *ev = &sev.event;
        int err = rtmpkit_session_next_event(session, &sev, ms_left(deadline));
        if (err == RTMPKIT_EAGAIN || (err >= 0 && rtmpkit_monotonic_ms() >= deadline)) {
            run->why_ended = "max-time";
            return 0;
        }
        if (err < 0)
            return err;
        if (sev.type != RTMPKIT_SESSION_EVENT)
            continue;
        if (ev->type == RTMPKIT_EVENT_STREAM_END) {
            rtmpkit_logf(log, RTMPKIT_LOG_INFO, "stream ended (%s)", ev->code);
            run->why_ended = "stream end";
            return 0;
        }
        if (ev->type != RTMPKIT_EVENT_MEDIA)
            continue;
        if ((err = rtmpkit_probe_add(probe, ev->media_type, ev->timestamp, ev->data, ev->length,
                                     rtmpkit_monotonic_ms())) < 0)
            return err;
        run->media_ms = rtmpkit_probe_media_ms(probe);
        if (limit_ms >= 0 ? run->media_ms >= limit_ms : rtmpkit_probe_complete(probe)) {
            run->why_ended = limit_ms >= 0 ? "duration" : "complete";
            return 0;
        }
    }
}

int main(int argc, char **argv)
{
    struct cli_options opts;
    struct run run = { .why_ended = "" };
    rtmpkit_log log;
    rtmpkit_url url;
    rtmpkit_session *session = NULL;
    rtmpkit_probe *probe = NULL;
    char shown[512];
    int err, have_url = 0;
    int status = cli_parse(CLI_PROBE, NAME, argc, argv, &opts);

    if (status >= 0)
        return status;
    cli_log_init(&log, NAME, &opts);
    if ((err = cli_parse_url(&opts, &log, 0, &url)) < 0)
        goto done;
    have_url = 1;
    rtmpkit_url_format_redacted(&url, 0, shown, sizeof shown);
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "probing %s", shown);
    run.started = rtmpkit_monotonic_ms();
    if (!(probe = rtmpkit_probe_new(run.started))) {
        err = RTMPKIT_ENOMEM;
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
        goto done;
    }
    if ((err = cli_start_session(&opts, &url, &log, 0, -2, &session)) < 0)
        goto done;
    run.playing = rtmpkit_monotonic_ms();
    err = probe_stream(session, probe, &opts, &run, &log);
    run.ended = rtmpkit_monotonic_ms();
    run.complete = rtmpkit_probe_complete(probe);
    if (err == RTMPKIT_ECANCELLED) {
        err = 0;
        run.why_ended = "interrupted";
    }
    if (err < 0) {
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_session_error_message(session));
        goto done;
    }
    if (rtmpkit_probe_track_count(probe) == 0 && strcmp(run.why_ended, "max-time") == 0) {
        err = RTMPKIT_ETIMEOUT;
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "no audio or video within %g s (--max-time)",
                     opts.max_time + opts.duration);
        goto done;
    }
    {
        const rtmpkit_amf *props = rtmpkit_client_connect_properties(rtmpkit_session_client(session));
        if (opts.json)
            print_json(stdout, shown, &run, props, probe);
        else
            print_text_report(stdout, shown, &run, props, probe);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        err = RTMPKIT_EOUTPUT;
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "cannot write the report to stdout");
    }
done:
    rtmpkit_session_free(session);
    rtmpkit_probe_free(probe);
    if (have_url)
        rtmpkit_url_free(&url);
    rtmpkit_log_cleanup(&log);
    return rtmpkit_exit_status(err);
}
