/* The FFmpeg pipeline behind rtmp-push, the module's entry points (ffmpeg_source.h):
 * opening sets it up (inputs and streams, copy or encode for each track, the first tags
 * read so that every sequence header is known, then onMetaData and the sequence headers
 * at 0), reading hands out the merged tags, closing frees it all. The pipeline's other
 * jobs are in the ffmpeg_*.c files beside it (ffmpeg_pipeline.h). */
#include "ffmpeg_pipeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <libavdevice/avdevice.h>
#include <libavutil/mastering_display_metadata.h>

#include "avc_aac.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/version.h"

#define TAG_MAX_BYTES   (64u << 20)   /* one tag body; larger frames are an input error */
#define ENCODER_NAME "rtmpkit " RTMPKIT_VERSION

/* ---- FFmpeg's errors and log ---- */

int rk_ff_fail_av(rk_ffmpeg_source *s, const char *what, const char *name, int averr)
{
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(averr, msg, sizeof msg);
    rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s %s: %s", what, name, msg);
    return RTMPKIT_EINPUT;
}

/* FFmpeg's own messages (x264 statistics, decoder complaints) go to stderr through its
 * process-wide logger; follow our level so that a normal run shows only its errors. */
static void set_ffmpeg_log_level(const rtmpkit_log *log)
{
    int level = log ? log->level : RTMPKIT_LOG_INFO;
    av_log_set_level(level <= RTMPKIT_LOG_QUIET ? AV_LOG_QUIET
                     : level >= RTMPKIT_LOG_TRACE ? AV_LOG_VERBOSE
                     : level >= RTMPKIT_LOG_DEBUG ? AV_LOG_INFO : AV_LOG_ERROR);
}

/* ---- tracks: copy or encode ---- */

static double stream_fps(const AVStream *st)
{
    AVRational r = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    double fps = r.num > 0 && r.den > 0 ? av_q2d(r) : 0;
    return fps > 0 && fps <= 240 ? fps : 30;
}

/* The codec --video-codec / --audio-codec name, or dflt when not given. */
static enum AVCodecID wanted_codec(const char *name, enum AVCodecID dflt)
{
    const AVCodecDescriptor *d = name ? avcodec_descriptor_get_by_name(name) : NULL;
    return d ? d->id : dflt;
}

static int video_must_encode(const struct rk_source_options *o, const AVCodecParameters *par,
                             double fps)
{
    if (o->force_encode || par->codec_type != AVMEDIA_TYPE_VIDEO || !rk_ff_fourcc(par->codec_id))
        return 1;
    if (o->video_codec && wanted_codec(o->video_codec, par->codec_id) != par->codec_id)
        return 1;
    if ((o->width > 0 && o->width != par->width) || (o->height > 0 && o->height != par->height))
        return 1;
    return o->fps > 0 && fabs(o->fps - fps) > 0.01;
}

/* The codec of the track's tags and their form: enhanced for all but H.264 / AAC, and
 * for those too with --enhanced. */
static void set_form(rk_ffmpeg_source *s, struct track *t, enum AVCodecID codec)
{
    t->codec = codec;
    t->form.fourcc = rk_ff_fourcc(codec);
    t->form.enhanced = s->opts.enhanced || t->form.track_id != 0
                       || (codec != AV_CODEC_ID_H264 && codec != AV_CODEC_ID_AAC);
}

/* The copy path's sequence header; RTMPKIT_EINPUT when the stream has no configuration
 * record we can send (HEVC or AV1 in Annex B / OBU streams, say): then it is encoded. */
static int copy_video_config(struct track *t, const AVCodecParameters *par)
{
    if (t->codec == AV_CODEC_ID_VP9)
        return rk_ff_vp9_config(t, par);
    return rk_ff_video_config(t, par->extradata, (size_t)par->extradata_size);
}

/* A video track other than 0 (--video-track): copied only, as the input has it. */
static int setup_extra_video(rk_ffmpeg_source *s, struct track *t)
{
    const AVCodecParameters *par = t->st->codecpar;
    t->in_codec = avcodec_get_name(par->codec_id);
    t->fps = stream_fps(t->st);
    if (video_must_encode(&s->opts, par, t->fps)) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR,
                     "--video-track: video track %d (%s) would need encoding; tracks other than 0 are only copied "
                     "(H.264, HEVC, AV1, VP9, without --encode, --video-codec, --size, --fps)",
                     t->form.track_id, t->in_codec);
        return RTMPKIT_EUSAGE;
    }
    t->copy = 1;
    set_form(s, t, par->codec_id);
    t->width = par->width;
    t->height = par->height;
    t->kbps = par->bit_rate > 0 ? par->bit_rate / 1000.0 : 0;
    if (copy_video_config(t, par) == 0)
        return 0;
    if (par->codec_id == AV_CODEC_ID_H264) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: malformed H.264 configuration", t->in->name);
        return RTMPKIT_EINPUT;
    }
    rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "--video-track: video track %d: no %s configuration record in the "
                 "input, it would need encoding", t->form.track_id, t->in_codec);
    return RTMPKIT_EUSAGE;
}

static int setup_video(rk_ffmpeg_source *s, struct track *t)
{
    const struct rk_source_options *o = &s->opts;
    const AVCodecParameters *par;
    int ret;

    set_form(s, t, wanted_codec(o->video_codec, AV_CODEC_ID_H264));
    if (t->in->ts) {
        rk_testsrc_size(t->in->ts, &t->width, &t->height, &t->fps);
        t->in_codec = "testsrc";
        return rk_ff_open_video_encoder(s, t);
    }
    par = t->st->codecpar;
    t->in_codec = avcodec_get_name(par->codec_id);
    t->fps = stream_fps(t->st);
    t->copy = !video_must_encode(o, par, t->fps);
    if (t->copy) {
        set_form(s, t, par->codec_id);
        t->width = par->width;
        t->height = par->height;
        t->kbps = par->bit_rate > 0 ? par->bit_rate / 1000.0 : 0;
        if ((ret = copy_video_config(t, par)) == 0)
            return 0;
        if (par->codec_id == AV_CODEC_ID_H264) {
            rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: malformed H.264 configuration", t->in->name);
            return RTMPKIT_EINPUT;
        }
        rtmpkit_logf(s->log, RTMPKIT_LOG_WARN, "%s: no %s configuration record in the input: encoding to H.264",
                     t->in->name, t->in_codec);
        t->copy = 0;
        t->have_config = 0;
        set_form(s, t, wanted_codec(o->video_codec, AV_CODEC_ID_H264));
    }
    rk_ff_output_size(o, par->width, par->height, &t->width, &t->height);
    if (o->fps > 0)
        t->fps = o->fps;
    if ((ret = rk_ff_open_decoder(s, t)) < 0)
        return ret;
    return rk_ff_open_video_encoder(s, t);
}

/* Copies the audio stream when its codec can go as it is and its configuration is what
 * the tags need (ADTS AAC gets it from its first frame). 1 when copied, 0 to encode. */
static int copy_audio(rk_ffmpeg_source *s, struct track *t, const AVCodecParameters *par)
{
    if (!par || s->opts.force_encode || !rk_ff_fourcc(par->codec_id) || par->codec_type != AVMEDIA_TYPE_AUDIO)
        return 0;
    if (s->opts.audio_codec && wanted_codec(s->opts.audio_codec, par->codec_id) != par->codec_id)
        return 0;
    set_form(s, t, par->codec_id);
    t->copy = 1;
    t->sample_rate = par->sample_rate;
    t->channels = par->ch_layout.nb_channels;
    t->kbps = par->bit_rate > 0 ? par->bit_rate / 1000.0 : 0;
    if (par->codec_id == AV_CODEC_ID_AAC && par->extradata_size <= 0)
        return 1;   /* ADTS: the config comes from the first frame's header */
    if (rk_ff_audio_config(t, par->extradata, (size_t)(par->extradata_size > 0 ? par->extradata_size : 0)) == 0)
        return 1;
    rtmpkit_logf(s->log, RTMPKIT_LOG_WARN, "%s: no usable %s configuration in the input: encoding to AAC",
                 t->in->name, t->in_codec);
    t->copy = 0;
    t->have_config = 0;
    return 0;
}

static int setup_audio(rk_ffmpeg_source *s, struct track *t)
{
    const struct rk_source_options *o = &s->opts;
    const AVCodecParameters *par = t->in->ts ? NULL : t->st->codecpar;
    struct rk_aenc_config cfg = { 48000, 2, o->audio_kbps, AV_CODEC_ID_AAC, s->log };
    const uint8_t *extra;
    size_t len;
    int ret;

    t->in_codec = par ? avcodec_get_name(par->codec_id) : "testsrc";
    if (copy_audio(s, t, par))
        return 0;
    set_form(s, t, wanted_codec(o->audio_codec, AV_CODEC_ID_AAC));
    cfg.codec = t->codec;
    if (par && par->sample_rate == 44100 && t->codec != AV_CODEC_ID_OPUS)
        cfg.sample_rate = 44100;
    if (par && (ret = rk_ff_open_decoder(s, t)) < 0)
        return ret;
    if ((ret = rk_aenc_open(&t->aenc, &cfg)) < 0)
        return ret;
    t->sample_rate = cfg.sample_rate;
    t->channels = cfg.channels;
    t->kbps = o->audio_kbps > 0 ? o->audio_kbps : RK_PUSH_DEFAULT_AUDIO_KBPS;
    extra = rk_aenc_extradata(t->aenc, &len);
    return rk_ff_audio_config(t, extra, len);
}

/* ---- the first tags and the description ---- */

/* Reads until each stream has its first tag (the copy path learns some sequence headers
 * from the first frames), then checks every stream has one. */
static int prefetch(rk_ffmpeg_source *s)
{
    int ret;
    if ((ret = rk_ff_fill_queues(s)) < 0)
        return ret;
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i];
        if (!t->present || t->have_config)
            continue;
        if (t->q.head || !t->eof) {
            rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: no %s configuration found", t->in->name,
                         avcodec_get_name(t->codec));
            return RTMPKIT_EINPUT;
        }
        t->present = 0;   /* the stream had no packet at all: drop it */
    }
    if (!s->tr[VIDEO].present && !s->tr[AUDIO].present) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: no audio or video data", s->opts.input);
        return RTMPKIT_EINPUT;
    }
    return 0;
}

static int push_header_tag(rk_ffmpeg_source *s, uint8_t type, const rtmpkit_buf *body)
{
    return rk_ff_enqueue(&s->head, type, 0, RK_TAG_CONFIG, body);
}

/* The input's color description and HDR side data, for the colorInfo metadata; 0 when
 * it says nothing of them. */
static int color_info(const struct track *t, rk_color_info *c)
{
    const AVCodecParameters *par = t->st->codecpar;
    const AVContentLightMetadata *cll;
    const AVMasteringDisplayMetadata *mdcv;
    size_t size;
    memset(c, 0, sizeof *c);
    c->transfer = par->color_trc != AVCOL_TRC_UNSPECIFIED && par->color_trc < AVCOL_TRC_NB ? (int)par->color_trc : -1;
    c->matrix = par->color_space != AVCOL_SPC_UNSPECIFIED && par->color_space < AVCOL_SPC_NB ? (int)par->color_space : -1;
    c->primaries = par->color_primaries != AVCOL_PRI_UNSPECIFIED && par->color_primaries < AVCOL_PRI_NB
                   ? (int)par->color_primaries : -1;
    cll = (const void *)av_stream_get_side_data(t->st, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, &size);
    if (cll && size >= sizeof *cll) {
        c->has_cll = 1;
        c->max_cll = cll->MaxCLL;
        c->max_fall = cll->MaxFALL;
    }
    mdcv = (const void *)av_stream_get_side_data(t->st, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, &size);
    if (mdcv && size >= sizeof *mdcv) {
        c->has_primaries = mdcv->has_primaries;
        c->has_luminance = mdcv->has_luminance;
        c->red_x = av_q2d(mdcv->display_primaries[0][0]);
        c->red_y = av_q2d(mdcv->display_primaries[0][1]);
        c->green_x = av_q2d(mdcv->display_primaries[1][0]);
        c->green_y = av_q2d(mdcv->display_primaries[1][1]);
        c->blue_x = av_q2d(mdcv->display_primaries[2][0]);
        c->blue_y = av_q2d(mdcv->display_primaries[2][1]);
        c->white_x = av_q2d(mdcv->white_point[0]);
        c->white_y = av_q2d(mdcv->white_point[1]);
        c->max_luminance = av_q2d(mdcv->max_luminance);
        c->min_luminance = av_q2d(mdcv->min_luminance);
    }
    return c->transfer >= 0 || c->matrix >= 0 || c->primaries >= 0 || c->has_cll || c->has_primaries
           || c->has_luminance;
}

/* videoTrackIdInfoMap: the video tracks other than track 0. */
static int extra_video_meta(const rk_ffmpeg_source *s, rk_flv_track_meta *out)
{
    int n = 0;
    for (int i = VIDEO_X; i < NTRACKS; i++) {
        const struct track *t = &s->tr[i];
        if (!t->present)
            continue;
        out[n] = (rk_flv_track_meta){ .id = t->form.track_id, .codecid = t->form.fourcc, .width = t->width,
                                      .height = t->height, .framerate = t->fps, .datarate = t->kbps };
        n++;
    }
    return n;
}

/* audioTrackIdInfoMap: the audio tracks other than track 0. */
static int extra_audio_meta(const rk_ffmpeg_source *s, rk_flv_track_meta *out)
{
    int n = 0;
    for (int i = AUDIO + 1; i < AUDIO_END; i++) {
        const struct track *t = &s->tr[i];
        if (!t->present)
            continue;
        out[n] = (rk_flv_track_meta){ .id = t->form.track_id, .codecid = t->form.fourcc,
                                      .samplerate = t->sample_rate, .channels = t->channels,
                                      .datarate = t->kbps };
        n++;
    }
    return n;
}

/* Enhanced video copied from an input that describes its colors: its colorInfo Metadata
 * tag (a Multitrack OneTrack one with its id for a track past 0). 0 when there is none. */
static int push_color_info(rk_ffmpeg_source *s, const struct track *t)
{
    rk_color_info color;
    if (!t->copy || !t->form.enhanced || t->codec == AV_CODEC_ID_H264 || !color_info(t, &color))
        return 0;
    rtmpkit_buf_reset(&s->scratch);
    rk_put_color_info_tag(&s->scratch, &t->form, &color);
    return push_header_tag(s, RTMPKIT_FLV_VIDEO, &s->scratch);
}

static int build_header(rk_ffmpeg_source *s)
{
    const struct track *v = &s->tr[VIDEO], *a = &s->tr[AUDIO];
    rk_flv_track_meta tracks[RK_MAX_AUDIO_TRACKS], vtracks[RK_MAX_VIDEO_TRACKS];
    rk_flv_meta m = {
        .has_video = v->present, .has_audio = a->present,
        .width = v->width, .height = v->height, .framerate = v->fps, .videodatarate = v->kbps,
        .audiodatarate = a->kbps, .audiosamplerate = a->sample_rate, .audiosamplesize = 16,
        .stereo = a->channels >= 2, .encoder = ENCODER_NAME,
        .videocodecid = v->form.enhanced ? v->form.fourcc : 0,
        .audiocodecid = a->form.enhanced ? a->form.fourcc : 0,
        .audio_tracks = tracks, .video_tracks = vtracks,
    };
    int ret;

    m.n_audio_tracks = extra_audio_meta(s, tracks);
    m.n_video_tracks = extra_video_meta(s, vtracks);

    if (s->main_in.fmt && !s->live && s->opts.loop == 1 && s->main_in.fmt->duration > 0)
        m.duration = s->main_in.fmt->duration / (double)AV_TIME_BASE;
    rtmpkit_buf_reset(&s->scratch);
    rk_flv_put_metadata(&s->scratch, &m);
    if ((ret = push_header_tag(s, RTMPKIT_FLV_DATA, &s->scratch)) < 0)
        return ret;
    if (v->present && ((ret = push_header_tag(s, RTMPKIT_FLV_VIDEO, &v->config)) < 0
                       || (ret = push_color_info(s, v)) < 0))
        return ret;
    for (int i = VIDEO_X; i < NTRACKS; i++)
        if (s->tr[i].present && ((ret = push_header_tag(s, RTMPKIT_FLV_VIDEO, &s->tr[i].config)) < 0
                                 || (ret = push_color_info(s, &s->tr[i])) < 0))
            return ret;
    for (int i = AUDIO; i < AUDIO_END; i++)
        if (s->tr[i].present && (ret = push_header_tag(s, RTMPKIT_FLV_AUDIO, &s->tr[i].config)) < 0)
            return ret;
    return 0;
}

static void describe_track(const struct track *t, char *out, size_t cap)
{
    const char *how = t->copy ? "copied" : "encoded";
    const char *codec = avcodec_get_name(t->codec);
    const char *form = t->form.enhanced ? ", enhanced" : "";
    if (t->kind == VIDEO)
        snprintf(out, cap, "%s %dx%d %.4g fps (%s%s%s%s)", codec, t->width, t->height, t->fps, how,
                 t->copy ? "" : " from ", t->copy ? "" : t->in_codec, form);
    else
        snprintf(out, cap, "%s %d Hz %s (%s%s%s%s)", codec, t->sample_rate,
                 t->channels == 1 ? "mono" : t->channels == 2 ? "stereo" : "multichannel", how,
                 t->copy ? "" : " from ", t->copy ? "" : t->in_codec, form);
}

static void build_description(rk_ffmpeg_source *s)
{
    char v[120] = "", a[120] = "";
    size_t at;
    if (s->tr[VIDEO].present)
        describe_track(&s->tr[VIDEO], v, sizeof v);
    if (s->tr[AUDIO].present)
        describe_track(&s->tr[AUDIO], a, sizeof a);
    snprintf(s->desc, sizeof s->desc, "%s%s%s", v, *v && *a ? " + " : "", a);
    for (int i = AUDIO + 1; i < NTRACKS; i++) {
        if (!s->tr[i].present)
            continue;
        describe_track(&s->tr[i], a, sizeof a);
        at = strlen(s->desc);
        snprintf(s->desc + at, sizeof s->desc - at, " + %strack %d: %s", s->tr[i].kind == VIDEO ? "video " : "",
                 s->tr[i].form.track_id, a);
    }
}

/* ---- entry points ---- */

static int alloc_source(rk_ffmpeg_source **out, const struct rk_source_options *opts)
{
    rk_ffmpeg_source *s = calloc(1, sizeof *s);
    if (!s)
        return RTMPKIT_ENOMEM;
    *out = s;
    s->opts = *opts;
    s->log = opts->log;
    rtmpkit_buf_init(&s->scratch, TAG_MAX_BYTES);
    if (!(s->pkt = av_packet_alloc()) || !(s->opkt = av_packet_alloc()) || !(s->frame = av_frame_alloc()))
        return RTMPKIT_ENOMEM;
    return 0;
}

int rk_ffmpeg_source_open(rk_ffmpeg_source **out, const struct rk_source_options *opts)
{
    rk_ffmpeg_source *s = NULL;
    int ret;

    *out = NULL;
    if (!opts || !opts->input)
        return RTMPKIT_EUSAGE;
    avdevice_register_all();   /* v4l2, alsa, pulse, x11grab for -f */
    set_ffmpeg_log_level(opts->log);
    if ((ret = alloc_source(&s, opts)) < 0)
        goto fail;
    if ((ret = rk_ff_open_inputs(s)) < 0 || (ret = rk_ff_pick_streams(s)) < 0)
        goto fail;
    if (s->tr[VIDEO].present && (ret = setup_video(s, &s->tr[VIDEO])) < 0)
        goto fail;
    for (int i = VIDEO_X; i < NTRACKS; i++)
        if (s->tr[i].present && (ret = setup_extra_video(s, &s->tr[i])) < 0)
            goto fail;
    for (int i = AUDIO; i < AUDIO_END; i++)
        if (s->tr[i].present && (ret = setup_audio(s, &s->tr[i])) < 0)
            goto fail;
    if ((ret = prefetch(s)) < 0 || (ret = build_header(s)) < 0)
        goto fail;
    build_description(s);
    *out = s;
    return 0;
fail:
    rk_ffmpeg_source_close(s);
    return ret;
}

int rk_ffmpeg_source_read(rk_ffmpeg_source *s, rk_tag *tag)
{
    return rk_ff_next_tag(s, tag);
}

int rk_ffmpeg_source_is_live(const rk_ffmpeg_source *s)
{
    return s->live;
}

int64_t rk_ffmpeg_source_duration_ms(const rk_ffmpeg_source *s)
{
    if (s->live || !s->main_in.fmt || s->main_in.fmt->duration <= 0)
        return -1;
    return s->main_in.fmt->duration / (AV_TIME_BASE / 1000);
}

const char *rk_ffmpeg_source_describe(const rk_ffmpeg_source *s)
{
    return s->desc;
}

int rk_ffmpeg_source_end(rk_ffmpeg_source *s, rk_tag *tag)
{
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i];
        int ret;
        if (!t->present || t->sent_end)
            continue;
        t->sent_end = 1;
        if ((ret = rk_ff_end_body(t, &s->scratch)) < 0)
            return ret;
        if (s->scratch.len == 0)
            continue;
        if ((ret = rk_ff_enqueue(&s->head, t->kind == VIDEO ? RTMPKIT_FLV_VIDEO : RTMPKIT_FLV_AUDIO,
                                 s->last_out, 0, &s->scratch)) < 0)
            return ret;
        return rk_ff_next_tag(s, tag);   /* the head queue goes first */
    }
    return 0;
}

void rk_ffmpeg_source_close(rk_ffmpeg_source *s)
{
    if (!s)
        return;
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i];
        avcodec_free_context(&t->dec);
        rk_venc_close(t->venc);
        rk_aenc_close(t->aenc);
        rk_ff_queue_free(&t->q);
        rtmpkit_buf_free(&t->config);
    }
    rk_ff_close_input(&s->main_in);
    rk_ff_close_input(&s->audio_in);
    rk_ff_queue_free(&s->head);
    free(s->cur);
    av_packet_free(&s->pkt);
    av_packet_free(&s->opkt);
    av_frame_free(&s->frame);
    rtmpkit_buf_free(&s->scratch);
    free(s);
}
