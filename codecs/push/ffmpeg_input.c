/* The inputs of the FFmpeg pipeline: opening a file, URL, stdin or device through
 * libavformat (or the built-in test source), picking its video and audio stream, reading
 * packets with their times in ms (missing dts filled in), handing each to its track
 * (copied to packetizing, or decoded), and at the end of a play looping with timestamps
 * that go on or ending the tracks. */
#include "ffmpeg_pipeline.h"

#include <math.h>
#include <string.h>

#include <libavutil/time.h>

#include "rtmpkit/error.h"

/* ---- opening ---- */

static int cancelled(const rk_ffmpeg_source *s)
{
    return s->opts.cancel && *s->opts.cancel;
}

static int is_device(const AVFormatContext *fmt)
{
    const AVClass *c = fmt->iformat->priv_class;
    return c && (AV_IS_INPUT_DEVICE(c->category));
}

/* FFmpeg polls this during blocking I/O: a signal ends a read of stdin or a device. */
static int interrupted(void *opaque)
{
    return cancelled(opaque);
}

static int open_format(rk_ffmpeg_source *s, struct input *in, const char *name, const char *format)
{
    const AVInputFormat *ifmt = NULL;
    int ret;

    in->name = name;
    if (format && !(ifmt = av_find_input_format(format))) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "unknown input format \"%s\"", format);
        return RTMPKIT_EINPUT;
    }
    if (!(in->fmt = avformat_alloc_context()))
        return RTMPKIT_ENOMEM;
    in->fmt->interrupt_callback = (AVIOInterruptCB){ interrupted, s };
    /* "-" is standard input; the container (FLV, MPEG-TS...) is probed. */
    ret = avformat_open_input(&in->fmt, strcmp(name, "-") ? name : "pipe:0", ifmt, NULL);
    if (ret < 0)
        return cancelled(s) ? RTMPKIT_ECANCELLED : rk_ff_fail_av(s, "cannot open", name, ret);
    if ((ret = avformat_find_stream_info(in->fmt, NULL)) < 0)
        return cancelled(s) ? RTMPKIT_ECANCELLED : rk_ff_fail_av(s, "cannot read streams of", name, ret);
    in->live = is_device(in->fmt) || !strcmp(name, "-") ||
               (strstr(name, "://") && strncmp(name, "file:", 5));
    in->first_ms = INT64_MAX;
    in->end_ms = INT64_MIN;
    return 0;
}

int rk_ff_open_inputs(rk_ffmpeg_source *s)
{
    const struct rk_source_options *o = &s->opts;
    int ret;

    if (!strcmp(o->input, "testsrc") && !o->format) {
        struct rk_testsrc_config cfg = { 0, 0, o->fps, 48000, 2 };
        rk_ff_output_size(o, 1280, 720, &cfg.width, &cfg.height);
        s->main_in.name = "testsrc";
        if ((ret = rk_testsrc_open(&s->main_in.ts, &cfg)) < 0) {
            rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "cannot start the test source");
            return ret;
        }
    } else if ((ret = open_format(s, &s->main_in, o->input, o->format)) < 0) {
        return ret;
    }
    s->main_in.loops_left = o->loop <= 0 ? -1 : o->loop - 1;
    if (o->audio_input && (ret = open_format(s, &s->audio_in, o->audio_input, o->audio_format)) < 0)
        return ret;
    s->live = s->main_in.live || (o->audio_input && s->audio_in.live);
    return 0;
}

static int find_stream(struct input *in, enum AVMediaType type)
{
    int idx;
    if (!in->fmt)
        return -1;
    idx = av_find_best_stream(in->fmt, type, -1, -1, NULL, 0);
    if (idx >= 0 && (in->fmt->streams[idx]->disposition & AV_DISPOSITION_ATTACHED_PIC))
        return -1;   /* cover art, not video */
    return idx;
}

static void init_track(struct track *t, int kind, struct input *in, int index)
{
    t->present = 1;
    t->kind = kind;
    t->in = in;
    t->index = index;
    t->st = in->fmt ? in->fmt->streams[index] : NULL;
    t->last_raw_dts = INT64_MIN;
    rtmpkit_buf_init(&t->config, 1 << 20);
}

/* The stream index of the n-th stream of this type of in (0-based; cover art is not
 * video), or -1. */
static int nth_stream(const struct input *in, enum AVMediaType type, int n)
{
    for (unsigned i = 0; in->fmt && i < in->fmt->nb_streams; i++) {
        const AVStream *st = in->fmt->streams[i];
        if (st->codecpar->codec_type == type && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC) && n-- == 0)
            return (int)i;
    }
    return -1;
}

static int nth_audio_stream(const struct input *in, int n)
{
    return nth_stream(in, AVMEDIA_TYPE_AUDIO, n);
}

/* --video-track: the chosen video streams of the main input as tracks 0, 1... (track 0
 * in tr[VIDEO], the others from tr[VIDEO_X]); RTMPKIT_EINPUT when the input lacks one. */
static int pick_video_tracks(rk_ffmpeg_source *s)
{
    const struct rk_source_options *o = &s->opts;
    for (int j = 0; j < o->n_video_streams && j < RK_MAX_VIDEO_TRACKS; j++) {
        struct track *t = j == 0 ? &s->tr[VIDEO] : &s->tr[VIDEO_X + j - 1];
        int v = nth_stream(&s->main_in, AVMEDIA_TYPE_VIDEO, o->video_streams[j]);
        if (v < 0) {
            rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: --video-track %d: no such video stream", s->main_in.name,
                         o->video_streams[j]);
            return RTMPKIT_EINPUT;
        }
        init_track(t, VIDEO, &s->main_in, v);
        t->form.track_id = (uint8_t)j;
    }
    return 0;
}

/* --audio-track: the chosen audio streams as tracks 0, 1...; RTMPKIT_EINPUT when the
 * input lacks one. */
static int pick_audio_tracks(rk_ffmpeg_source *s, struct input *ain)
{
    const struct rk_source_options *o = &s->opts;
    for (int j = 0; j < o->n_audio_streams && j < RK_MAX_AUDIO_TRACKS; j++) {
        /* testsrc: audio stream n is a tone of n + 1 kHz. */
        int a = ain->ts ? (o->audio_streams[j] < RK_TESTSRC_AUDIO_STREAMS ? 1 + o->audio_streams[j] : -1)
                        : nth_audio_stream(ain, o->audio_streams[j]);
        if (a < 0) {
            rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: --audio-track %d: no such audio stream", ain->name,
                         o->audio_streams[j]);
            return RTMPKIT_EINPUT;
        }
        init_track(&s->tr[AUDIO + j], AUDIO, ain, a);
        s->tr[AUDIO + j].form.track_id = (uint8_t)j;
    }
    return 0;
}

int rk_ff_pick_streams(rk_ffmpeg_source *s)
{
    const struct rk_source_options *o = &s->opts;
    struct input *ain = o->audio_input ? &s->audio_in : &s->main_in;
    int v = -1, a = -1;

    if (!o->no_video && o->n_video_streams > 0 && !s->main_in.ts)
        v = nth_stream(&s->main_in, AVMEDIA_TYPE_VIDEO, o->video_streams[0]);
    else if (!o->no_video)
        v = s->main_in.ts ? 0 : find_stream(&s->main_in, AVMEDIA_TYPE_VIDEO);
    if (!o->no_audio && o->n_audio_streams > 0)
        a = nth_audio_stream(ain, o->audio_streams[0]);
    else if (!o->no_audio)
        a = ain->ts ? 1 : find_stream(ain, AVMEDIA_TYPE_AUDIO);
    if (s->main_in.ts && o->n_video_streams > 1 && !o->no_video) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "--video-track: tracks other than 0 are copied, and testsrc is encoded");
        return RTMPKIT_EUSAGE;
    }
    if (v < 0 && a < 0 && !(o->n_audio_streams > 0 && !o->no_audio) && !(o->n_video_streams > 0 && !o->no_video)) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: no usable audio or video stream", o->input);
        return RTMPKIT_EINPUT;
    }
    if (!o->no_video && o->n_video_streams > 0 && !s->main_in.ts) {
        int ret = pick_video_tracks(s);
        if (ret < 0)
            return ret;
    } else if (v >= 0)
        init_track(&s->tr[VIDEO], VIDEO, &s->main_in, v);
    if (!o->no_audio && o->n_audio_streams > 0)
        return pick_audio_tracks(s, ain);
    if (a >= 0)
        init_track(&s->tr[AUDIO], AUDIO, ain, a);
    return 0;
}

void rk_ff_close_input(struct input *in)
{
    avformat_close_input(&in->fmt);
    rk_testsrc_close(in->ts);
    in->ts = NULL;
}

/* ---- packet times ---- */

/* Records the play's extent (raw ms) so the next loop starts right after it. */
static void note_extent(struct track *t, int64_t pts, int64_t dur)
{
    struct input *in = t->in;
    if (pts < in->first_ms)
        in->first_ms = pts;
    if (pts + dur > in->end_ms)
        in->end_ms = pts + dur;
}

/* Matroska stores no dts: FFmpeg derives it from the pts of the frames that follow, so
 * the first video_delay packets of a stream with B-frames have none. Using their pts
 * would put them after the next frames' dts (clamped, their composition times lost): they
 * get the dts of the frames before the first pts instead, one frame apart. */
static int64_t leading_dts(struct track *t, int64_t pts)
{
    int delay = t->st->codecpar->video_delay;
    int64_t dts;
    if (t->leading_no_dts == 0)
        t->first_pts_ms = pts;
    dts = t->first_pts_ms - llrint((delay - t->leading_no_dts) * 1000.0 / (t->fps > 0 ? t->fps : 30));
    t->leading_no_dts++;
    return dts < pts ? dts : pts;
}

/* A packet's (pts, dts) in ms with the loop offset; its duration feeds the extent. */
static void packet_times(struct track *t, const AVPacket *pkt, int64_t *pts, int64_t *dts)
{
    int64_t d = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    int64_t p = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : d;
    int64_t dur;

    if (d == AV_NOPTS_VALUE) {
        *dts = *pts = t->last_raw_dts == INT64_MIN ? 0 : t->last_raw_dts + t->delta_ms;
    } else {
        *dts = av_rescale_q(d, t->st->time_base, ms_tb);
        *pts = av_rescale_q(p, t->st->time_base, ms_tb);
        if (pkt->dts != AV_NOPTS_VALUE)
            t->seen_dts = 1;
        else if (t->kind == VIDEO && !t->seen_dts && t->st->codecpar->video_delay > 0)
            *dts = leading_dts(t, *pts);
    }
    if (t->last_raw_dts != INT64_MIN && *dts > t->last_raw_dts)
        t->delta_ms = *dts - t->last_raw_dts;
    t->last_raw_dts = *dts;
    dur = pkt->duration > 0 ? av_rescale_q(pkt->duration, t->st->time_base, ms_tb) : t->delta_ms;
    note_extent(t, *pts, dur);
    *pts += t->in->offset_ms;
    *dts += t->in->offset_ms;
}

/* ---- packets to tracks, end of a play, looping ---- */

static int track_packet(rk_ffmpeg_source *s, struct track *t, AVPacket *pkt)
{
    int64_t pts, dts;
    int ret;

    packet_times(t, pkt, &pts, &dts);
    if (!t->copy)
        return rk_ff_decode_packet(s, t, pkt);
    if ((ret = rk_ff_config_update(s, t, pkt, dts)) < 0)
        return ret;
    if (t->kind == VIDEO)
        return rk_ff_emit_video(s, t, pkt->data, (size_t)pkt->size, pts, dts, !!(pkt->flags & AV_PKT_FLAG_KEY));
    return rk_ff_emit_audio(s, t, pkt->data, (size_t)pkt->size, dts);
}

static struct track *track_for(rk_ffmpeg_source *s, const struct input *in, int index)
{
    for (int i = 0; i < NTRACKS; i++)
        if (s->tr[i].present && s->tr[i].in == in && s->tr[i].index == index)
            return &s->tr[i];
    return NULL;
}

/* End of one play: empty the decoders (they are reused for the next play). */
static int drain_decoders_of(rk_ffmpeg_source *s, struct input *in)
{
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i];
        int ret;
        if (!t->present || t->in != in || t->copy)
            continue;
        if ((ret = rk_ff_decode_packet(s, t, NULL)) < 0)
            return ret;
        avcodec_flush_buffers(t->dec);
    }
    return 0;
}

static int finish_tracks_of(rk_ffmpeg_source *s, struct input *in)
{
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i];
        int ret;
        if (!t->present || t->in != in || t->eof)
            continue;
        if (!t->copy && (ret = rk_ff_encode_frame(s, t, NULL)) < 0)
            return ret;
        t->eof = 1;
    }
    return 0;
}

/* Seeks back for the next play; timestamps continue after the last play's end. */
static int rewind_input(rk_ffmpeg_source *s, struct input *in)
{
    int64_t start = in->fmt->start_time != AV_NOPTS_VALUE ? in->fmt->start_time : 0;
    int ret = avformat_seek_file(in->fmt, -1, INT64_MIN, start, start, 0);

    if (ret < 0) {
        rk_ff_fail_av(s, "cannot loop", in->name, ret);
        return 0;
    }
    if (in->end_ms > in->first_ms)
        in->offset_ms += in->end_ms - in->first_ms;
    for (int i = 0; i < NTRACKS; i++)
        if (s->tr[i].in == in)
            s->tr[i].seen_dts = s->tr[i].leading_no_dts = 0;   /* a new start, maybe without dts again */
    if (in->loops_left > 0)
        in->loops_left--;
    rtmpkit_logf(s->log, RTMPKIT_LOG_DEBUG, "looping %s (offset %lld ms)", in->name,
                 (long long)in->offset_ms);
    return 1;
}

static int input_end(rk_ffmpeg_source *s, struct input *in)
{
    int ret;
    if ((ret = drain_decoders_of(s, in)) < 0)
        return ret;
    if (in->loops_left != 0 && !in->live && (ret = rewind_input(s, in)) != 0)
        return ret < 0 ? ret : 0;
    return finish_tracks_of(s, in);
}

/* Reads one packet of in and hands it to its track. */
static int input_read(rk_ffmpeg_source *s, struct input *in)
{
    int ret = av_read_frame(in->fmt, s->pkt);
    struct track *t;

    if (ret < 0 && cancelled(s))
        return RTMPKIT_ECANCELLED;
    if (ret == AVERROR_EOF || (ret < 0 && avio_feof(in->fmt->pb)))
        return input_end(s, in);
    if (ret == AVERROR(EAGAIN)) {
        av_usleep(2000);   /* a non-blocking device with nothing yet: do not spin */
        return 0;
    }
    if (ret < 0)
        return cancelled(s) ? RTMPKIT_ECANCELLED : rk_ff_fail_av(s, "cannot read", in->name, ret);
    t = track_for(s, in, s->pkt->stream_index);
    ret = t && !t->eof ? track_packet(s, t, s->pkt) : 0;
    av_packet_unref(s->pkt);
    return ret;
}

/* testsrc: one more picture or block of samples for this track. */
static int testsrc_step(rk_ffmpeg_source *s, struct track *t)
{
    const AVFrame *f;
    int ret = t->kind == VIDEO ? rk_testsrc_video(t->in->ts, &f)
                               : rk_testsrc_audio_stream(t->in->ts, t->index - 1, &f);
    return ret < 0 ? ret : rk_ff_encode_frame(s, t, f);
}

int rk_ff_fill_step(rk_ffmpeg_source *s, struct track *t)
{
    return t->in->ts ? testsrc_step(s, t) : input_read(s, t->in);
}
