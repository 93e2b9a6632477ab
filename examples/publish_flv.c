/* Publishes an FLV file in real time with librtmpkit: the client connects and starts
 * publishing, the publisher paces the tags.
 *   cc publish_flv.c $(pkg-config --cflags --libs rtmpkit) -o publish_flv
 *   ./publish_flv talk.flv rtmp://localhost/live/KEY */
#include <stdio.h>
#include <stdlib.h>
#include <rtmpkit/rtmpkit.h>

/* What the publisher needs to know of a tag: keyframes and sequence headers. */
static uint32_t flags_of(const rtmpkit_flv_tag *tag)
{
    rtmpkit_tag_header h;
    if (tag->type == RTMPKIT_FLV_DATA || rtmpkit_tag_parse(tag->type, tag->data, tag->size, &h) < 0)
        return tag->type == RTMPKIT_FLV_DATA ? RTMPKIT_MEDIA_CONFIG : 0;
    return (h.config ? RTMPKIT_MEDIA_CONFIG : 0) | (h.type == RTMPKIT_FLV_VIDEO && h.keyframe ? RTMPKIT_MEDIA_KEYFRAME : 0);
}

/* A whole file in memory (an example: a real program reads it piece by piece). */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long size = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0)
        data = malloc((size_t)size);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    if (f)
        fclose(f);
    *len = data ? (size_t)size : 0;
    return data;
}

int main(int argc, char **argv)
{
    rtmpkit_url url;
    rtmpkit_client *client = NULL;
    rtmpkit_publisher *publisher = NULL;
    size_t len = 0, at;
    uint8_t *file;
    int n, err = RTMPKIT_EINPUT;

    if (argc != 3 || !(file = read_file(argv[1], &len)) || (n = rtmpkit_flv_read_header(file, len, NULL)) <= 0)
        return fprintf(stderr, "usage: publish_flv FILE.flv rtmp://host/app/key (an FLV file)\n"), 2;
    if (rtmpkit_url_parse(argv[2], &url) < 0)
        return fprintf(stderr, "publish_flv: bad URL\n"), 2;
    client = rtmpkit_client_new(&(rtmpkit_client_config){ .url = &url, .conn.publisher = 1 });
    if (client && (err = rtmpkit_client_connect(client)) >= 0 &&
        (err = rtmpkit_client_publish(client, url.stream, "live")) >= 0)
        publisher = rtmpkit_publisher_new(&(rtmpkit_publisher_config){ .client = client, .paced = 1 });
    for (at = (size_t)n; publisher && err >= 0 && at < len; at += (size_t)n) {
        rtmpkit_flv_tag tag;
        if ((n = rtmpkit_flv_read_tag(file + at, len - at, &tag)) <= 0)
            break;   /* the end, or a cut last tag */
        err = rtmpkit_publisher_send(publisher, &(rtmpkit_media_tag){
            .type = tag.type, .dts_ms = tag.timestamp, .flags = flags_of(&tag), .data = tag.data, .size = tag.size });
    }
    if (publisher && err >= 0)
        err = rtmpkit_publisher_flush(publisher);
    if (err < 0)
        fprintf(stderr, "publish_flv: %s\n", publisher ? rtmpkit_publisher_error_message(publisher)
                                              : client ? rtmpkit_client_error_message(client) : rtmpkit_strerror(err));
    rtmpkit_publisher_free(publisher);
    if (client)
        rtmpkit_client_close(client);
    rtmpkit_client_free(client);
    rtmpkit_url_free(&url);
    free(file);
    return err < 0;
}
